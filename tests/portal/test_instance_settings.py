"""Instance settings: what the bureau may edit, the checks, the audit event."""
from datetime import date

import pytest

from portal.errors import Forbidden, FormErrors, ValidationError
from portal.models import AuditEvent, InstanceSettings
from portal.services import instance_settings as service


def last_event() -> AuditEvent:
    return AuditEvent.select().order_by(AuditEvent.seq.desc()).first()


def snapshot() -> dict:
    return InstanceSettings.get().__data__.copy()


def test_an_edit_saves_only_what_changed_and_audits_before_and_after(bureau_admin):
    service.update_settings(bureau_admin, {
        "bureau_name": " 山西省通信管理局 ", "phones": "0351-1234567、0351-7654321",
        "cancellation_mailbox": "Zhuxiao@Example.CN", "public_site_url": "https://beian.example.cn/",
        "annual_review_start": "2026-03-01", "annual_review_end": date(2026, 4, 30),
        "shell_warning_days": "45", "shell_candidate_days": 90})
    settings = InstanceSettings.get()
    assert settings.cancellation_mailbox == "Zhuxiao@example.cn"
    assert (settings.annual_review_start, settings.annual_review_end) == (
        date(2026, 3, 1), date(2026, 4, 30))
    assert (settings.shell_warning_days, settings.shell_candidate_days) == (45, 90)
    event = last_event()
    assert event.action == "settings.update" and event.actor_id == bureau_admin.id
    assert "bureau_name" not in event.after   # unchanged once stripped
    assert event.before["shell_warning_days"] == 30 and event.after["shell_warning_days"] == 45
    assert event.after["annual_review_start"] == "2026-03-01"


def test_saving_the_same_values_writes_no_event(bureau_admin):
    count = AuditEvent.select().count()
    service.update_settings(bureau_admin, service.settings_values(InstanceSettings.get()))
    assert AuditEvent.select().count() == count


@pytest.mark.parametrize("values,field", [
    ({"public_site_url": "beian.example.cn"}, "public_site_url"),
    ({"public_site_url": "ftp://beian.example.cn/"}, "public_site_url"),
    ({"public_site_url": "javascript:alert(1)"}, "public_site_url"),
    ({"public_site_url": "https://user@beian.example.cn/"}, "public_site_url"),
    ({"public_site_url": "https://"}, "public_site_url"),
    ({"public_site_url": "https://beian.example.cn:99999/"}, "public_site_url"),
    ({"public_site_url": ""}, "public_site_url"),
    ({"bureau_name": "  "}, "bureau_name"),
    ({"cancellation_mailbox": "not-an-address"}, "cancellation_mailbox"),
    ({"annual_review_start": "2026-05-01", "annual_review_end": "2026-04-30"},
     "annual_review_end"),
    ({"annual_review_start": "2026-05-01"}, "annual_review_end"),
    ({"annual_review_start": "2026-13-01", "annual_review_end": "2026-12-31"},
     "annual_review_start"),
    ({"shell_warning_days": 0}, "shell_warning_days"),
    ({"shell_warning_days": "abc"}, "shell_warning_days"),
    ({"shell_warning_days": 60, "shell_candidate_days": 60}, "shell_candidate_days"),
    ({"shell_candidate_days": 20}, "shell_candidate_days"),
])
def test_bad_values_are_refused_by_field_and_nothing_changes(bureau_admin, values, field):
    before, count = snapshot(), AuditEvent.select().count()
    with pytest.raises(FormErrors) as caught:
        service.update_settings(bureau_admin, values)
    assert field in caught.value.errors
    assert snapshot() == before and AuditEvent.select().count() == count


def test_every_fault_is_reported_at_once(bureau_admin):
    with pytest.raises(FormErrors) as caught:
        service.update_settings(bureau_admin, {"public_site_url": "nope", "bureau_name": "",
                                               "shell_warning_days": -1})
    assert set(caught.value.errors) == {"public_site_url", "bureau_name", "shell_warning_days"}


@pytest.mark.parametrize("field", ["province", "abbreviation", "numbers_issued"])
def test_province_abbreviation_and_internal_fields_are_not_editable(bureau_admin, field):
    before = snapshot()
    with pytest.raises(ValidationError):
        service.update_settings(bureau_admin, {field: "北京", "bureau_name": "新名称"})
    assert snapshot() == before


def test_only_a_bureau_admin_edits(reviewer, auditor, make_filer, isp):
    for actor in (reviewer, auditor, make_filer(), isp.admin, None):
        with pytest.raises(Forbidden):
            service.update_settings(actor, {"bureau_name": "别的名字"})
    assert InstanceSettings.get().bureau_name == "山西省通信管理局"
