"""Route-audit cases of the bureau tenant: logins, review, conflicts, records and written
applications (tests/tenants/test_route_audit.py; administration in _bureau_admin)."""
import copy
import io
from datetime import date

from portal import clock, record_decisions
from portal.models import (
    BlacklistEntry,
    Subject,
)
from portal.services import violations
from portal.services import written_applications as written_service
from portal.states import State
from portal.validators import make_resident_id
from tests.conftest import form_tokens
from tests.factories import PASSWORD, next_n
from tests.portal.test_conflicts import clashing, owner_proposal
from tests.portal.test_shells import shell_service
from tests.route_audit_support import Req, case_registry

NEW_PASSWORD = "a brand new passphrase"
PDF = b"%PDF-1.4\n% a scanned form\n"
CASES, case = case_registry()


def as_admin(w):
    return w.login(w.bureau_admin, "bureau")


def as_reviewer(w):
    return w.login(w.reviewer, "bureau")


def approved_subject(w) -> Subject:
    return w.website.subject


# -- logins --------------------------------------------------------------------------------
@case("/bureau/login")
def login(w):
    return Req("/bureau/login", {**form_tokens(w.client, "/bureau/login"),
                                 "username": w.reviewer.username, "password": PASSWORD})


@case("/bureau/logout")
def logout(w):
    as_reviewer(w)
    return Req("/bureau/logout", w.csrf("/bureau/"))


@case("/bureau/password")
def password(w):
    as_reviewer(w)
    return Req("/bureau/password", {**w.csrf("/bureau/password"), "current": PASSWORD,
                                    "new": NEW_PASSWORD, "confirm": NEW_PASSWORD})


# -- review ---------------------------------------------------------------------------------
def _in_review(w):
    app = w.make_application(state=State.REVIEW)
    as_reviewer(w)
    return app


@case("/bureau/applications/<int:app_id>/approve")
def application_approve(w):
    app = _in_review(w)
    return Req(f"/bureau/applications/{app.id}/approve",
               {**w.csrf(f"/bureau/applications/{app.id}"), "version": str(app.version)})


@case("/bureau/applications/<int:app_id>/return")
def application_return(w):
    page = f"/bureau/applications/{_in_review(w).id}/return"
    return Req(page, w.form(page, reason="资料不全", notes__0__selected="y",
                            notes__0__note="请填写全称"))


# -- conflicts ------------------------------------------------------------------------------
def _clash(w, other_state=State.APPROVED, kind="domain"):
    theirs = owner_proposal(w.isp)
    other = w.make_application(state=other_state, proposal=copy.deepcopy(theirs))
    mine = w.make_application(state=State.REVIEW,
                              proposal=clashing(kind, theirs, next_n(), w.isp))
    assert mine.in_conflict
    as_reviewer(w)
    return mine, other


@case("/bureau/conflicts/<int:app_id>/recheck")
def conflict_recheck(w):
    mine, other = _clash(w)
    record_decisions.revoke_record(w.reviewer, "恶意抢注", subject_id=other.subject_id)
    return Req(f"/bureau/conflicts/{mine.id}/recheck", w.csrf(f"/bureau/conflicts/{mine.id}"))


@case("/bureau/conflicts/<int:app_id>/revoke-other")
def conflict_revoke_other(w):
    mine, other = _clash(w)
    subject = Subject.get(Subject.account == other.account_id)
    return Req(f"/bureau/conflicts/{mine.id}/revoke-other", {
        **w.csrf(f"/bureau/conflicts/{mine.id}"), "target": f"subject:{subject.id}",
        "how": "revoke", "reason": "恶意抢注"})


@case("/bureau/conflicts/<int:app_id>/delete-other")
def conflict_delete_other(w):
    mine, other = _clash(w, State.REVIEW, "cert_number")
    return Req(f"/bureau/conflicts/{mine.id}/delete-other", {
        **w.csrf(f"/bureau/conflicts/{mine.id}"), "other_id": str(other.id),
        "reason": "收到对方纸质书面申请（编号 SM-01）"})


# -- records --------------------------------------------------------------------------------
@case("/bureau/records/<int:subject_id>/revoke")
def record_revoke(w):
    subject = approved_subject(w)
    as_reviewer(w)
    return Req(f"/bureau/records/{subject.id}/revoke", {
        **w.csrf(f"/bureau/records/{subject.id}"), "service_id": "", "reason": "虚假材料"})


@case("/bureau/records/<int:subject_id>/cancel")
def record_cancel(w):
    subject = approved_subject(w)
    as_reviewer(w)
    return Req(f"/bureau/records/{subject.id}/cancel", {
        **w.csrf(f"/bureau/records/{subject.id}"), "service_id": "", "reason": "违法违规",
        "for_violation": "y", "blacklist": "y"})


def _service_decision(w, action, prepare=None):
    service = w.website
    if prepare:
        prepare(service)
    as_reviewer(w)
    return Req(f"/bureau/services/{service.id}/{action}",
               {**w.csrf(f"/bureau/records/{service.subject_id}"), "reason": "核查结论"})


@case("/bureau/services/<int:service_id>/restrict")
def service_restrict(w):
    return _service_decision(w, "restrict")


@case("/bureau/services/<int:service_id>/unrestrict")
def service_unrestrict(w):
    return _service_decision(w, "unrestrict", lambda s: record_decisions.restrict_service(
        w.reviewer, s.id, "先限制"))


@case("/bureau/services/<int:service_id>/violation")
def service_violation_mark(w):
    return _service_decision(w, "violation")


@case("/bureau/services/<int:service_id>/violation/clear")
def service_violation_clear(w):
    return _service_decision(w, "violation/clear", lambda s: violations.mark_violation(
        w.reviewer, s.id, "先标记"))


@case("/bureau/blacklist/<int:entry_id>/remove")
def blacklist_remove(w):
    subject = approved_subject(w)
    record_decisions.cancel_record(w.reviewer, "违法违规", subject_id=subject.id,
                                   for_violation=True, blacklist=True)
    entry = BlacklistEntry.select().first()
    as_admin(w)
    return Req(f"/bureau/blacklist/{entry.id}/remove",
               {**w.csrf("/bureau/blacklist"), "reason": "复核后移出"})


@case("/bureau/shells/cancel")
def shells_cancel(w):
    _, flag = shell_service(w.make_application, w.isp, w.reviewer)
    as_reviewer(w)
    return Req("/bureau/shells/cancel", {**w.csrf("/bureau/shells"), "reason": "长期空壳",
                                         "confirm": "1", "flag_ids": [str(flag.id)]})


# -- written applications -------------------------------------------------------------------
def _written_fields(account, kind):
    return {"kind": kind, "username": account.username, "received_via": "fax",
            "received_on": clock.local_today().isoformat(), "applicant_name": "李四",
            "applicant_capacity": "self", "applicant_cert_type": "居民身份证",
            "applicant_cert_number": make_resident_id("14010519850505003"),
            "note": "网站已关闭"}


def _recorded(w, kind="cancel_subject"):
    data = _written_fields(w.website.subject.account, kind)
    data["received_on"] = date.fromisoformat(data["received_on"])
    written = written_service.record_written_application(
        w.reviewer, data, [(io.BytesIO(PDF), "申请表.pdf")])
    as_reviewer(w)
    return written


@case("/bureau/written/new")
def written_new(w):
    account = w.website.subject.account
    as_reviewer(w)
    return Req("/bureau/written/new", {
        **w.csrf("/bureau/written/new"), **_written_fields(account, "cancel_subject"),
        "scans": [(io.BytesIO(PDF), "申请表.pdf")]}, content_type="multipart/form-data")


@case("/bureau/written/<int:written_id>/accept")
def written_accept(w):
    written = _recorded(w)
    return Req(f"/bureau/written/{written.id}/accept", w.csrf(f"/bureau/written/{written.id}"))


@case("/bureau/written/<int:written_id>/refuse")
def written_refuse(w):
    written = _recorded(w)
    return Req(f"/bureau/written/{written.id}/refuse",
               {**w.csrf(f"/bureau/written/{written.id}"), "reason": "材料不全"})
