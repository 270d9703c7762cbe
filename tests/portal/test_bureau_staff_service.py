"""Bureau staff accounts: admin-only, the last admin guard, sessions and passwords."""
import pytest

from portal.audit import verify_chain
from portal.errors import NotFound, Refused, ValidationError
from portal.models import Account, AuditEvent
from portal.services import accounts, bureau_staff as bs


def last_event(action) -> AuditEvent:
    return (AuditEvent.select().where(AuditEvent.action == action)
            .order_by(AuditEvent.seq.desc()).first())


def only_admin(bureau_admin) -> Account:
    """Leave `bureau_admin` as the only active admin (the instance's own `admin` demoted)."""
    Account.update(role="reviewer").where(Account.tenant == "bureau", Account.role == "admin",
                                          Account.id != bureau_admin.id).execute()
    return bureau_admin


@pytest.mark.parametrize("role", ["admin", "reviewer", "auditor"])
def test_create_a_staff_account_with_an_initial_password(bureau_admin, role):
    account, initial = bs.create_bureau_account(bureau_admin, " new-staff ", role, "钱七")
    assert (account.username, account.tenant, account.role) == ("new-staff", "bureau", role)
    assert account.must_change_password and accounts.verify_password(account, initial)
    assert account.organisation_id is None


def test_bad_role_and_duplicate_username_are_refused(bureau_admin, reviewer):
    with pytest.raises(ValidationError) as caught:
        bs.create_bureau_account(bureau_admin, "someone", "superuser")
    assert caught.value.field == "role"
    with pytest.raises(ValidationError) as caught:
        bs.create_bureau_account(bureau_admin, reviewer.username, "auditor")
    assert caught.value.field == "username"
    with pytest.raises(ValidationError):
        bs.change_role(bureau_admin, reviewer.id, "operator")
    assert Account.get_by_id(reviewer.id).role == "reviewer"
    assert not Account.select().where(Account.username == "someone").exists()


@pytest.mark.parametrize("role", ["reviewer", "auditor"])
def test_only_a_bureau_admin_may_act(make_account, reviewer, role):
    actor = make_account("bureau", role)
    calls = (lambda: bs.create_bureau_account(actor, "x", "auditor"),
             lambda: bs.change_role(actor, reviewer.id, "admin"),
             lambda: bs.set_active(actor, reviewer.id, False),
             lambda: bs.end_staff_sessions(actor, reviewer.id),
             lambda: bs.reset_staff_password(actor, reviewer.id))
    for call in calls:
        with pytest.raises(Refused):
            call()
    assert Account.get_by_id(reviewer.id) == reviewer
    after = Account.get_by_id(reviewer.id)
    assert (after.role, after.is_active, after.session_generation) == ("reviewer", True, 0)


def test_an_isp_admin_is_not_a_bureau_admin(isp, reviewer):
    with pytest.raises(Refused):
        bs.set_active(isp.admin, reviewer.id, False)


def test_change_role_is_audited(bureau_admin, reviewer):
    assert bs.change_role(bureau_admin, reviewer.id, "auditor").role == "auditor"
    event = last_event("bureau_staff.role")
    assert (event.before, event.after, event.actor_id) == (
        {"role": "reviewer"}, {"role": "auditor"}, bureau_admin.id)
    assert verify_chain().ok


def test_the_last_active_admin_cannot_be_demoted_or_disabled(bureau_admin, make_account):
    only_admin(bureau_admin)
    with pytest.raises(Refused) as caught:
        bs.change_role(bureau_admin, bureau_admin.id, "reviewer")
    assert "最后一个" in str(caught.value.message)
    assert Account.get_by_id(bureau_admin.id).role == "admin"
    other = make_account("bureau", "admin")
    bs.change_role(bureau_admin, bureau_admin.id, "reviewer")    # now allowed: another admin
    with pytest.raises(Refused):
        bs.set_active(other, other.id, False)                    # not themselves
    with pytest.raises(Refused):
        bs.change_role(other, other.id, "auditor")               # and not the last


def test_a_disabled_admin_does_not_count(bureau_admin, make_account):
    only_admin(bureau_admin)
    second = make_account("bureau", "admin")
    bs.set_active(bureau_admin, second.id, False)
    with pytest.raises(Refused):
        bs.change_role(bureau_admin, bureau_admin.id, "reviewer")
    bs.change_role(bureau_admin, second.id, "reviewer")     # a disabled admin may be demoted


def test_an_admin_cannot_disable_themselves(bureau_admin):
    with pytest.raises(Refused):
        bs.set_active(bureau_admin, bureau_admin.id, False)
    assert Account.get_by_id(bureau_admin.id).is_active


def test_disable_ends_sessions_and_enable_restores(bureau_admin, reviewer):
    bs.set_active(bureau_admin, reviewer.id, False)
    after = Account.get_by_id(reviewer.id)
    assert not after.is_active and after.session_generation == 1
    assert accounts.authenticate(reviewer.username, "correct horse battery staple",
                                 "bureau") is None
    assert last_event("bureau_staff.disable").after == {"is_active": False}
    assert bs.set_active(bureau_admin, reviewer.id, True).is_active


def test_end_sessions_and_reset_password(bureau_admin, reviewer):
    bs.end_staff_sessions(bureau_admin, reviewer.id)
    assert Account.get_by_id(reviewer.id).session_generation == 1
    assert last_event("account.end_sessions").actor_id == bureau_admin.id
    account, initial = bs.reset_staff_password(bureau_admin, reviewer.id)
    after = Account.get_by_id(reviewer.id)
    assert after.must_change_password and after.session_generation == 2
    assert accounts.verify_password(after, initial)
    assert last_event("bureau_staff.reset_password").object_id == str(reviewer.id)
    with pytest.raises(Refused):
        bs.reset_staff_password(bureau_admin, bureau_admin.id)


def test_accounts_of_other_tenants_are_not_found(bureau_admin, isp, make_filer):
    for account in (isp.operator, make_filer()):
        with pytest.raises(NotFound):
            bs.set_active(bureau_admin, account.id, False)
        assert Account.get_by_id(account.id).is_active
    assert {a.tenant for a in bs.bureau_staff()} == {"bureau"}
