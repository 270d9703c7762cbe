"""ISP organisations: creation with the first admin, edits, suspension and resumption."""
import pytest

from portal.audit import verify_chain
from portal.errors import NotFound, Refused, ValidationError
from portal.models import Account, AuditEvent, IspOrganisation
from portal.services import accounts, api_tokens, organisations as orgs


def last_event(action) -> AuditEvent:
    return (AuditEvent.select().where(AuditEvent.action == action)
            .order_by(AuditEvent.seq.desc()).first())


def test_create_isp_makes_an_admin_with_an_initial_password(bureau_admin):
    isp, initial = orgs.create_isp(" 晋云 网络 ", "jinyun-admin", actor=bureau_admin,
                                   licence_number="b1-20150001", consultation_phone="0351-1234567",
                                   contacts=[{"name": "王五", "email": "WANG@Mail.example"}, {}])
    assert isp.name == "晋云 网络" and isp.licence_number == "B1-20150001"
    assert isp.contacts == [{"name": "王五", "phone": "", "email": "WANG@mail.example",
                             "role": ""}]
    admin = Account.get(Account.username == "jinyun-admin")
    assert (admin.tenant, admin.role, admin.organisation_id) == ("isp", "admin", isp.id)
    assert admin.must_change_password and accounts.verify_password(admin, initial)
    assert last_event("isp.create").actor_id == bureau_admin.id
    assert verify_chain().ok


def test_a_duplicate_username_rolls_the_organisation_back(bureau_admin, isp):
    with pytest.raises(ValidationError) as caught:
        orgs.create_isp("新接入商", isp.admin.username, actor=bureau_admin)
    assert caught.value.field == "admin_username"
    assert not IspOrganisation.select().where(IspOrganisation.name == "新接入商").exists()


@pytest.mark.parametrize("fields,field", [
    ({"name": " "}, "name"), ({"name": "长" * 101}, "name"),
    ({"licence_number": "ICP-123"}, "licence_number"),
    ({"consultation_phone": "call us"}, "consultation_phone"),
    ({"contacts": [{"phone": "0351-1234567"}]}, "contacts"),
    ({"contacts": [{"name": "张三", "email": "not-an-email"}]}, "contacts"),
])
def test_bad_fields_are_refused_and_nothing_changes(bureau_admin, isp, fields, field):
    before = IspOrganisation.select().count()
    with pytest.raises(ValidationError) as caught:
        orgs.create_isp(fields.pop("name", "新接入商"), "fresh-admin", actor=bureau_admin,
                        **fields)
    assert caught.value.field == field
    assert IspOrganisation.select().count() == before
    assert not Account.select().where(Account.username == "fresh-admin").exists()


def test_the_name_is_unique(bureau_admin, isp, make_isp):
    other = make_isp()
    with pytest.raises(ValidationError):
        orgs.create_isp(isp.name, "someone", actor=bureau_admin)
    with pytest.raises(ValidationError) as caught:
        orgs.update_isp(other.id, bureau_admin, name=isp.name)
    assert caught.value.field == "name"
    assert IspOrganisation.get_by_id(other.id).name == other.name


def test_update_audits_only_what_changed(bureau_admin, isp):
    contacts = [{"name": "李四", "phone": "13800000000", "email": "", "role": "技术"}]
    updated = orgs.update_isp(isp.id, bureau_admin, name=isp.name, licence_number="A2.B1-20090001",
                              contacts=contacts)
    assert updated.licence_number == "A2.B1-20090001" and orgs.contacts_of(updated) == contacts
    event = last_event("isp.update")
    assert event.before == {"licence_number": "", "contacts": []}
    assert event.after == {"licence_number": "A2.B1-20090001", "contacts": contacts}
    orgs.update_isp(isp.id, bureau_admin, name=isp.name)
    assert last_event("isp.update").seq == event.seq    # nothing changed, nothing written


@pytest.mark.parametrize("role", ["reviewer", "auditor"])
def test_only_a_bureau_admin_manages_isps(make_account, isp, role):
    actor = make_account("bureau", role)
    for call in (lambda: orgs.create_isp("新接入商", "x-admin", actor=actor),
                 lambda: orgs.update_isp(isp.id, actor, name="改名"),
                 lambda: orgs.suspend_isp(isp.id, actor, "违规"),
                 lambda: orgs.create_first_admin(isp, "x-admin", actor=actor)):
        with pytest.raises(Refused):
            call()
    with pytest.raises(Refused):
        orgs.update_isp(isp.id, isp.admin, name="改名")   # an ISP's own admin neither
    assert not IspOrganisation.get_by_id(isp.id).is_suspended


def test_suspension_stops_logins_tokens_and_sessions(bureau_admin, isp, bearer):
    plain = bearer()["Authorization"][7:]
    generation = isp.operator.session_generation
    orgs.suspend_isp(isp.id, bureau_admin, "  多次违规接入未备案网站 ")
    assert IspOrganisation.get_by_id(isp.id).is_suspended
    assert Account.get_by_id(isp.operator.id).session_generation == generation + 1
    assert accounts.authenticate(isp.operator.username, "correct horse battery staple",
                                 "isp") is None
    assert api_tokens.authenticate_token(plain) is None
    assert last_event("isp.suspend").reason == "多次违规接入未备案网站"
    assert isp.id not in [o.id for o in orgs.active_isps()]

    orgs.resume_isp(isp.id, bureau_admin, "已整改")
    assert accounts.authenticate(isp.operator.username, "correct horse battery staple", "isp")
    assert api_tokens.authenticate_token(plain) is not None
    assert last_event("isp.resume").reason == "已整改"
    assert verify_chain().ok


def test_suspend_and_resume_need_a_reason_and_the_right_state(bureau_admin, isp):
    with pytest.raises(ValidationError) as caught:
        orgs.suspend_isp(isp.id, bureau_admin, "  ")
    assert caught.value.field == "reason" and not IspOrganisation.get_by_id(isp.id).is_suspended
    with pytest.raises(Refused):
        orgs.resume_isp(isp.id, bureau_admin, "未暂停")
    orgs.suspend_isp(isp.id, bureau_admin, "违规")
    with pytest.raises(Refused):
        orgs.suspend_isp(isp.id, bureau_admin, "再次")


def test_another_admin_for_an_existing_isp(bureau_admin, isp):
    account, initial = orgs.create_first_admin(isp, "replacement", actor=bureau_admin,
                                               display_name=" 赵六 ")
    assert account.organisation_id == isp.id and account.role == "admin"
    assert account.display_name == "赵六" and initial
    assert orgs.isp_staff(isp.id).count() == 3


def test_search_finds_by_name_or_licence_including_suspended(bureau_admin, make_isp):
    a, b = make_isp("晋北数据"), make_isp("太原云")
    orgs.update_isp(b.id, bureau_admin, licence_number="B1-20200002")
    orgs.suspend_isp(a.id, bureau_admin, "违规")
    assert [o.id for o in orgs.search_isps("晋北")] == [a.id]
    assert [o.id for o in orgs.search_isps("b1-2020")] == [b.id]
    assert orgs.search_isps("").count() == IspOrganisation.select().count()


def test_token_counts_and_unknown_isp(isp, bearer):
    bearer()
    token = api_tokens.isp_tokens(isp.id).first()
    bearer()
    api_tokens.revoke_token(isp.id, isp.admin, token.id)
    assert orgs.token_counts(isp.id) == {"live": 1, "total": 2}
    with pytest.raises(NotFound):
        orgs.get_isp(999999)


def test_a_name_taken_between_the_check_and_the_insert_is_a_form_error(bureau_admin,
                                                                       monkeypatch):
    """Two admins creating the same organisation at once: the unique index decides, and
    the loser gets the same message as when the check sees it."""
    orgs.create_isp("并发云", "race-admin-1", actor=bureau_admin)
    real_check = orgs._check_name_free
    calls = []

    def check_that_misses_once(name, isp_id=None):
        calls.append(name)
        if len(calls) > 1:
            real_check(name, isp_id)
    monkeypatch.setattr(orgs, "_check_name_free", check_that_misses_once)
    with pytest.raises(ValidationError) as refused:
        orgs.create_isp("并发云", "race-admin-2", actor=bureau_admin)
    assert refused.value.field == "name"
    assert IspOrganisation.select().where(IspOrganisation.name == "并发云").count() == 1
    assert not Account.select().where(Account.username == "race-admin-2").exists()
