"""Demo data for the bureau's own pages: announcements, a holiday, an open annual-review
window, a restricted and a violation-marked website, and a written application waiting
to be handled. Everything goes through the same services the pages call (and is audited).
"""
import io
from datetime import date, timedelta

from portal.clock import local_today
from portal.models import Account, Service
from portal.record_decisions import restrict_service
from portal.services import announcements, instance_settings, working_days
from portal.services.violations import mark_violation
from portal.services.written_applications import record_written_application

# The smallest PDF the upload check accepts: a written application's scan.
SCAN = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def load_bureau_demo(filer_username: str) -> None:
    admin = Account.get(Account.username == "admin")
    _announcements(admin)
    today = local_today()
    working_days.add_override(admin, date(today.year + 1, 1, 1), False, "元旦")
    values = instance_settings.settings_values(instance_settings.get_settings())
    values.update(annual_review_start=today - timedelta(days=7),
                  annual_review_end=today + timedelta(days=60))
    instance_settings.update_settings(admin, values)
    _flags(admin)
    _written(admin, filer_username, today)


def _announcements(admin) -> None:
    announcements.create_announcement(
        admin, "关于做好年度备案信息核查工作的通知",
        "请各网站主办者在年度审核期间登录系统核对并更新备案信息。", publish=True)
    announcements.create_announcement(
        admin, "系统维护公告", "本系统将于周六 22:00 至 24:00 进行例行维护。", publish=True)
    announcements.create_announcement(admin, "（草稿）元旦假期审核安排", "假期期间审核顺延。")


def _flags(admin) -> None:
    services = (Service.select().where(Service.status == "active", Service.kind == "website")
                .order_by(Service.id.desc()).limit(2))
    restricted, marked = list(services)
    restrict_service(admin, restricted.id, "网站内容与备案不符，整改期间限制接入")
    mark_violation(admin, marked.id, "传播违法信息，经核查属实")


def _written(admin, username: str, today: date) -> None:
    record_written_application(admin, {
        "kind": "password_recovery", "username": username, "received_via": "fax",
        "received_on": today.isoformat(), "applicant_name": "张三",
        "applicant_cert_type": "居民身份证", "applicant_cert_number": "11010519491231002X",
        "applicant_capacity": "legal_representative",
    }, [(io.BytesIO(SCAN), "书面申请.pdf")])
