"""The shell sweep: flags recomputed for every subject, one warning per flag to the filer
and the last ISP after the warning period, candidates after the candidate period."""
from datetime import datetime

import pytest

from portal.clock import freeze, utcnow
from portal.models import (AccessLink, Account, AuditEvent, IspOrganisation, OutboxMessage,
                           RecordFlag, Service)
from portal.services import shell_sweep, shells
from tests.portal.test_shells import shell_service

NOW = datetime(2026, 3, 2, 6, 10)


@pytest.fixture(autouse=True)
def frozen():
    freeze(NOW)
    yield
    freeze(None)


def warnings():
    return list(OutboxMessage.select().where(OutboxMessage.subject.contains("空壳提醒"))
                .order_by(OutboxMessage.id))


def test_a_missing_flag_is_opened_once_and_audited(app, website):
    AccessLink.update(status="cancelled", ended_at=utcnow()).where(
        AccessLink.service == website.id).execute()
    first = shell_sweep.sweep_shells()
    assert (first.opened, first.closed, first.warned) == (1, 0, 0) and first.subjects >= 1
    flag = RecordFlag.get(RecordFlag.service == website.id, RecordFlag.kind == "shell")
    assert flag.cleared_at is None and flag.set_at == NOW
    second = shell_sweep.sweep_shells()
    assert (second.opened, second.closed) == (0, 0)
    assert AuditEvent.select().where(AuditEvent.action == "flag.shell_set").count() == 1


def test_a_stale_flag_is_closed(app, website):
    RecordFlag.create(kind="shell", subject=website.subject_id, service=website.id)
    result = shell_sweep.sweep_shells()
    assert result.closed == 1
    assert not RecordFlag.select().where(RecordFlag.kind == "shell",
                                         RecordFlag.cleared_at.is_null()).exists()
    assert AuditEvent.select().where(AuditEvent.action == "flag.shell_clear").count() == 1


def test_a_flag_past_the_warning_period_warns_filer_and_isp_once(
        app, make_application, isp, reviewer):
    service, flag = shell_service(make_application, isp, reviewer, age_days=31)
    assert shell_sweep.sweep_shells().warned == 1
    sent = warnings()
    filer = Account.get_by_id(service.subject.account_id)
    assert [m.recipient for m in sent] == [filer.email, isp.admin.email]
    assert service.filing_number in sent[0].body and "注销候选" in sent[0].body
    assert "贵单位曾为其提供接入" in sent[1].body
    assert RecordFlag.get_by_id(flag.id).warned_at == NOW
    assert shell_sweep.sweep_shells().warned == 0
    assert len(warnings()) == 2
    assert AuditEvent.select().where(AuditEvent.action == "flag.shell_warn").count() == 1


def test_a_young_flag_is_not_warned(app, make_application, isp, reviewer):
    _, flag = shell_service(make_application, isp, reviewer, age_days=29)
    assert shell_sweep.sweep_shells().warned == 0
    assert warnings() == [] and RecordFlag.get_by_id(flag.id).warned_at is None


def test_the_isps_contacts_are_warned_instead_of_its_admins(app, make_application, isp,
                                                            reviewer):
    IspOrganisation.update(contacts=[{"name": "张三", "email": "noc@isp.example", "phone": "",
                                      "role": ""}, {"name": "李四", "email": "", "phone": "",
                                                    "role": ""}]).where(
        IspOrganisation.id == isp.id).execute()
    shell_service(make_application, isp, reviewer, age_days=40)
    shell_sweep.sweep_shells()
    assert [m.recipient for m in warnings()][1:] == ["noc@isp.example"]


def test_a_flag_past_the_candidate_period_is_a_candidate(app, make_application, isp, reviewer):
    _, flag = shell_service(make_application, isp, reviewer, age_days=61)
    shell_sweep.sweep_shells()
    assert [f.id for f in shells.candidates()] == [flag.id]
    assert RecordFlag.get_by_id(flag.id).warned_at == NOW   # warned no later than that


def test_a_warning_fails_whole(app, make_application, isp, reviewer, monkeypatch):
    """An error while warning leaves the flag unwarned and no message behind."""
    _, flag = shell_service(make_application, isp, reviewer, age_days=31)

    def broken(isp):
        raise RuntimeError("boom")

    monkeypatch.setattr(shell_sweep, "isp_recipients", broken)
    with pytest.raises(RuntimeError):
        shell_sweep.sweep_shells()
    assert RecordFlag.get_by_id(flag.id).warned_at is None and warnings() == []


def test_a_cancelled_record_is_not_warned(app, make_application, isp, reviewer):
    service, flag = shell_service(make_application, isp, reviewer, age_days=31)
    Service.update(status="cancelled").where(Service.id == service.id).execute()
    assert flag.id not in [f.id for f in shell_sweep.warnings_due()]
