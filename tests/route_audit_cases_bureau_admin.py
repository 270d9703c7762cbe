"""Route-audit cases of the bureau's administration pages: organisations, staff,
settings, enumerations, calendar, announcements, annual review, outbox and audit
(tests/tenants/test_route_audit.py)."""
from datetime import date

from portal import clock
from portal.models import (
    Announcement,
    InstanceSettings,
    OutboxMessage,
    WorkingDayOverride,
)
from portal.services import organisations
from tests.route_audit_cases_bureau import approved_subject, as_admin, as_reviewer
from tests.route_audit_support import Req, case_registry

CASES, case = case_registry()


# -- organisations and staff ----------------------------------------------------------------
@case("/bureau/orgs/new")
def org_new(w):
    as_admin(w)
    return Req("/bureau/orgs/new", w.form("/bureau/orgs/new", name="新开接入服务商",
                                          admin_username="newisp-admin",
                                          licence_number="B1-20260001",
                                          consultation_phone="0351-1234567"))


@case("/bureau/orgs/<int:org_id>/edit")
def org_edit(w):
    as_admin(w)
    page = f"/bureau/orgs/{w.isp.id}/edit"
    return Req(page, w.form(page, consultation_phone="0351-7654321"))


def _org_status(w, action):
    as_admin(w)
    return Req(f"/bureau/orgs/{w.isp.id}/{action}",
               {**w.csrf(f"/bureau/orgs/{w.isp.id}"), "reason": "违规接入"})


@case("/bureau/orgs/<int:org_id>/suspend")
def org_suspend(w):
    return _org_status(w, "suspend")


@case("/bureau/orgs/<int:org_id>/resume")
def org_resume(w):
    organisations.suspend_isp(w.isp.id, w.bureau_admin, "先暂停")
    return _org_status(w, "resume")


@case("/bureau/orgs/<int:org_id>/admins")
def org_admin_new(w):
    as_admin(w)
    return Req(f"/bureau/orgs/{w.isp.id}/admins", {
        **w.csrf(f"/bureau/orgs/{w.isp.id}"), "username": "second-isp-admin",
        "display_name": "王五", "mobile": "13900003333", "email": "admin2@isp.example"})


@case("/bureau/staff")
def staff(w):
    as_admin(w)
    return Req("/bureau/staff", {**w.csrf("/bureau/staff"), "username": "reviewer-new",
                                 "role": "reviewer", "display_name": "赵六"})


def _staff_action(w, action, data=None, **fields):
    account = w.make_account("bureau", "reviewer", **fields)
    as_admin(w)
    return Req(f"/bureau/staff/{account.id}/{action}", {**w.csrf("/bureau/staff"),
                                                        **(data or {})})


@case("/bureau/staff/<int:account_id>/role")
def staff_role(w):
    return _staff_action(w, "role", {"role": "auditor"})


@case("/bureau/staff/<int:account_id>/disable")
def staff_disable(w):
    return _staff_action(w, "disable")


@case("/bureau/staff/<int:account_id>/enable")
def staff_enable(w):
    return _staff_action(w, "enable", is_active=False)


@case("/bureau/staff/<int:account_id>/end-sessions")
def staff_end_sessions(w):
    return _staff_action(w, "end-sessions")


@case("/bureau/staff/<int:account_id>/reset-password")
def staff_reset_password(w):
    return _staff_action(w, "reset-password")


# -- settings, enumerations, calendar, announcements, annual review, outbox, audit ---------
@case("/bureau/settings")
def settings(w):
    as_admin(w)
    return Req("/bureau/settings", w.form("/bureau/settings", office_hours="工作日 9:00-17:00"))


@case("/bureau/enumerations/<name>")
def enumeration_edit(w):
    as_admin(w)
    page = "/bureau/enumerations/languages"
    values = w.form(page)
    return Req(page, {**values, "content": values["content"].rstrip() + "\n世界语\n"})


@case("/bureau/calendar")
def calendar_add(w):
    as_admin(w)
    return Req("/bureau/calendar", {**w.csrf("/bureau/calendar"), "day": "2030-10-08",
                                    "kind": "holiday", "note": "国庆调休"})


@case("/bureau/calendar/<int:override_id>/delete")
def calendar_delete(w):
    row = WorkingDayOverride.create(day=date(2030, 10, 9), is_working=False, note="x")
    as_admin(w)
    return Req(f"/bureau/calendar/{row.id}/delete", w.csrf("/bureau/calendar?year=2030"))


@case("/bureau/announcements/new")
def announcement_new(w):
    as_admin(w)
    return Req("/bureau/announcements/new", {**w.csrf("/bureau/announcements/new"),
                                             "title": "通知", "body": "系统维护"})


def _announcement(w, published=False):
    item = Announcement.create(title="通知", body="正文", published=published)
    as_admin(w)
    return item


@case("/bureau/announcements/<int:announcement_id>/edit")
def announcement_edit(w):
    item = _announcement(w)
    page = f"/bureau/announcements/{item.id}/edit"
    return Req(page, {**w.csrf(page), "title": "新通知", "body": "新的正文"})


@case("/bureau/announcements/<int:announcement_id>/publish")
def announcement_publish(w):
    item = _announcement(w)
    return Req(f"/bureau/announcements/{item.id}/publish", w.csrf("/bureau/announcements"))


@case("/bureau/announcements/<int:announcement_id>/unpublish")
def announcement_unpublish(w):
    item = _announcement(w, published=True)
    return Req(f"/bureau/announcements/{item.id}/unpublish", w.csrf("/bureau/announcements"))


@case("/bureau/annual/window")
def annual_window(w):
    as_admin(w)
    return Req("/bureau/annual/window", {**w.csrf("/bureau/annual"), "start": "2030-03-01",
                                         "end": "2030-05-31", "action": "save"})


@case("/bureau/annual/remind")
def annual_remind(w):
    today = clock.local_today()
    InstanceSettings.update(annual_review_start=today, annual_review_end=today).execute()
    approved_subject(w)
    as_admin(w)
    return Req("/bureau/annual/remind", w.csrf("/bureau/annual"))


@case("/bureau/mailbox/<int:message_id>/retry")
def outbox_retry(w):
    failed = OutboxMessage.create(message_id="msg_retry_1", channel="email", status="failed",
                                  recipient="someone@mail.example", subject="通知", body="正文")
    as_admin(w)
    return Req(f"/bureau/mailbox/{failed.id}/retry", w.csrf("/bureau/mailbox"))


@case("/bureau/audit/verify")
def audit_verify(w):
    as_reviewer(w)
    return Req("/bureau/audit/verify", w.csrf("/bureau/audit"))

