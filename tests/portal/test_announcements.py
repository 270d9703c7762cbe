"""Announcements (公告栏) and violation marks: validation, audit events, what is listed."""
import pytest

from portal.audit import verify_chain
from portal.errors import Forbidden, NotFound, Refused, ValidationError
from portal.models import Account, Announcement, AuditEvent, RecordFlag, Service
from portal.services import announcements as board
from portal.services import violations
from portal.states import State


def last_event() -> AuditEvent:
    return AuditEvent.select().order_by(AuditEvent.seq.desc()).first()


@pytest.mark.parametrize("title,body,field", [
    ("", "正文", "title"), ("   ", "正文", "title"), ("标", "", "body"), ("标题", " \n ", "body"),
    ("长" * (board.TITLE_MAX + 1), "正文", "title"),
])
def test_title_and_body_are_required(bureau_admin, title, body, field):
    with pytest.raises(ValidationError) as caught:
        board.create_announcement(bureau_admin, title, body)
    assert caught.value.field == field
    assert Announcement.select().count() == 0


def test_create_writes_an_audit_event_naming_the_actor(bureau_admin):
    item = board.create_announcement(bureau_admin, " 停机维护 ", "周六凌晨维护。")
    assert item.title == "停机维护" and not item.published and item.published_at is None
    event = last_event()
    assert (event.action, event.object_id, event.actor_id) == (
        "announcement.create", str(item.id), bureau_admin.id)
    assert verify_chain().ok


def test_only_published_announcements_are_listed_newest_first(bureau_admin):
    first = board.create_announcement(bureau_admin, "第一条", "正文", publish=True)
    draft = board.create_announcement(bureau_admin, "草稿", "正文")
    second = board.create_announcement(bureau_admin, "第二条", "正文")
    board.publish_announcement(second.id, bureau_admin)
    assert [a.id for a in board.published_announcements()] == [second.id, first.id]
    assert draft.id not in {a.id for a in board.published_announcements()}


def test_publish_and_unpublish_are_audited(bureau_admin):
    item = board.create_announcement(bureau_admin, "通知", "正文")
    board.publish_announcement(item.id, bureau_admin)
    assert last_event().action == "announcement.publish"
    assert Announcement.get_by_id(item.id).published_at is not None
    board.unpublish_announcement(item.id, bureau_admin)
    assert last_event().action == "announcement.unpublish"
    assert list(board.published_announcements()) == []


def test_publishing_twice_writes_one_event(bureau_admin):
    item = board.create_announcement(bureau_admin, "通知", "正文", publish=True)
    count = AuditEvent.select().count()
    board.publish_announcement(item.id, bureau_admin)
    assert AuditEvent.select().count() == count


def test_update_keeps_before_and_after(bureau_admin):
    item = board.create_announcement(bureau_admin, "旧标题", "旧正文")
    board.update_announcement(item.id, bureau_admin, "新标题", "新正文")
    event = last_event()
    assert event.action == "announcement.update"
    assert event.before["title"] == "旧标题" and event.after["title"] == "新标题"
    with pytest.raises(ValidationError) as caught:
        board.update_announcement(item.id, bureau_admin, "新标题", "")
    assert caught.value.field == "body"


def test_unknown_announcement_is_not_found(bureau_admin):
    with pytest.raises(NotFound):
        board.publish_announcement(999999, bureau_admin)


def test_only_bureau_admins_write(make_filer, make_account):
    for actor in (make_filer(), make_account("bureau", "auditor"),
                  make_account("bureau", "reviewer"), None):
        with pytest.raises(Forbidden):
            board.create_announcement(actor, "标题", "正文")


def test_isp_contacts_leave_out_suspended_isps(make_isp):
    active, suspended = make_isp(), make_isp()
    suspended.is_suspended = True
    suspended.save()
    assert {i.id for i in board.isp_contacts()} == {active.id}


# -- violation marks -----------------------------------------------------------------

@pytest.fixture
def service(make_application):
    """The website of an approved first filing."""
    app = make_application(state=State.APPROVED)
    return Account.get_by_id(app.account_id).subjects.get().services.get()


def test_mark_and_clear_a_violation(bureau_admin, service):
    violations.mark_violation(bureau_admin, service.id, "传播违法信息")
    assert Service.get_by_id(service.id).violation
    assert last_event().action == "service.violation.mark"
    assert [f.service_id for f in violations.open_violations()] == [service.id]
    violations.clear_violation(bureau_admin, service.id, "已整改")
    assert not Service.get_by_id(service.id).violation
    assert last_event().action == "service.violation.clear"
    assert list(violations.open_violations()) == []
    assert RecordFlag.select().where(RecordFlag.service == service.id).count() == 1


def test_marking_twice_keeps_one_open_flag(bureau_admin, service):
    violations.mark_violation(bureau_admin, service.id, "原因一")
    violations.mark_violation(bureau_admin, service.id, "原因二")
    assert violations.open_violations().count() == 1


def test_violation_needs_a_reason_and_a_bureau_decider(bureau_admin, make_filer, service):
    with pytest.raises(ValidationError) as caught:
        violations.mark_violation(bureau_admin, service.id, " ")
    assert caught.value.field == "reason"
    with pytest.raises(Forbidden):
        violations.mark_violation(make_filer(), service.id, "原因")
    with pytest.raises(Refused):
        violations.clear_violation(bureau_admin, service.id, "没有标记")
    with pytest.raises(NotFound):
        violations.mark_violation(bureau_admin, 999999, "原因")
