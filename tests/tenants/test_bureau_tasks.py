"""The bureau's task page: queued, scheduled, failed, done and periodic tasks, for
bureau admins only."""
from datetime import timedelta

import pytest
from huey import signals as S

from portal import task_log, tasks
from portal.clock import utcnow
from portal.models.task_runs import TaskRun
from tests.portal import test_task_log

paused_queue = test_task_log.paused_queue     # the fixture: enqueued tasks wait


@pytest.fixture
def admin(client, login, bureau_admin):
    login(bureau_admin.username, tenant="bureau")
    return bureau_admin


def page(client, show=None, **args) -> str:
    response = client.get("/bureau/tasks", query_string=dict(args, **({"show": show}
                                                                        if show else {})))
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_pending_tasks_are_listed_and_paginated(app, client, admin, paused_queue):
    app.config["PAGE_SIZE"] = 2
    for pk in (501, 502, 503):
        tasks.deliver_outbox_message(pk)
    html = page(client)                                   # the default: pending
    assert 'aria-current="page">排队中' in html
    assert "deliver_outbox_message" in html and "501" in html and "503" not in html
    assert "第 1 / 2 页，共 3 条" in html
    assert "503" in page(client, "pending", page=2)


def test_scheduled_tasks_show_their_time(client, admin, paused_queue):
    retry = tasks.deliver_webhook_message.s(77)
    retry.eta = utcnow() + timedelta(minutes=10)
    paused_queue.add_schedule(retry)
    html = page(client, "scheduled")
    assert "deliver_webhook_message" in html and "<code>77</code>" in html
    assert "没有计划中的任务" not in html


def test_failed_and_done_runs_are_listed_with_the_error(client, admin):
    failed, done = tasks.deliver_outbox_message.s(601), tasks.run_import_job.s(602)
    failed.retries = 0
    task_log.record_signal(S.SIGNAL_EXECUTING, failed)
    task_log.record_signal(S.SIGNAL_ERROR, failed, ConnectionRefusedError("smtp refused"))
    task_log.record_signal(S.SIGNAL_EXECUTING, done)
    task_log.record_signal(S.SIGNAL_COMPLETE, done)
    html = page(client, "failed")
    assert "ConnectionRefusedError: smtp refused" in html and "601" in html
    assert "run_import_job" not in html
    html = page(client, "complete")
    assert "run_import_job" in html and "601" not in html
    html = page(client, "all")
    assert "run_import_job" in html and "deliver_outbox_message" in html
    assert TaskRun.select().count() == 2


def test_periodic_tasks_are_listed_with_their_last_run(client, admin):
    task_log.record_signal(S.SIGNAL_COMPLETE, tasks.sweep_outbox.s())
    html = page(client, "periodic")
    assert "expire_sms_verifications" in html and "sweep_outbox" in html
    assert "尚无记录" in html and "已完成" in html


def test_the_counts_and_an_unknown_view(client, admin, paused_queue):
    tasks.deliver_outbox_message(1)
    html = page(client, "nonsense")
    assert 'aria-current="page">排队中' in html
    assert "<dt>排队中</dt><dd>1</dd>" in html


@pytest.mark.parametrize("who", ["reviewer", "auditor"])
def test_other_bureau_roles_are_refused(request, client, login, who):
    account = request.getfixturevalue(who)
    login(account.username, tenant="bureau")
    assert client.get("/bureau/tasks").status_code == 403


def test_another_tenant_gets_404(client, login, isp):
    login(isp.admin.username, tenant="isp")
    assert client.get("/bureau/tasks").status_code == 404
