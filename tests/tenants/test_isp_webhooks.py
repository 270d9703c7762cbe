"""ISP webhook pages and API: the admin registers (secret shown once), tests, deletes and
retries; other roles only look; another ISP's webhook is a 404; every form has CSRF."""
import re

import pytest

from portal.models import OutboxMessage, Webhook
from portal.services import webhooks
from tests.conftest import csrf_token
from tests.sites import PUBLIC_IP, resolver_to
from tests.tenants.test_csrf import assert_tokens


@pytest.fixture
def loopback(app):
    app.config["ALLOW_LOOPBACK_OUTBOUND"] = True


@pytest.fixture
def admin(client, login, isp):
    login(isp.admin.username, tenant="isp")
    return isp.admin


def post(client, path, page="/isp/webhooks", **data):
    return client.post(path, data={"csrf_token": csrf_token(client, page), **data})


def register(client, url):
    return post(client, "/isp/webhooks", url=url)


def public_hook(isp):
    hook, _secret = webhooks.register_webhook(isp.id, isp.admin, "https://hooks.isp.example/",
                                              resolver=resolver_to(PUBLIC_IP))
    return hook


# -- pages ------------------------------------------------------------------

def test_the_admin_registers_and_sees_the_secret_once(client, admin, isp, receiver, loopback):
    response = register(client, receiver.url("/hook"))
    html = response.get_data(as_text=True)
    hook = Webhook.get(Webhook.organisation == isp.id)
    assert response.status_code == 200 and hook.secret in html
    assert response.headers["Cache-Control"] == "no-store"
    again = client.get("/isp/webhooks").get_data(as_text=True)
    assert hook.url in again and hook.secret not in again


def test_a_loopback_url_is_refused_when_the_setting_is_off(client, admin, receiver):
    response = register(client, receiver.url("/hook"))
    assert response.status_code == 400 and "回环地址" in response.get_data(as_text=True)
    assert Webhook.select().count() == 0


def test_the_test_button_delivers_a_signed_event(client, admin, isp, receiver, loopback):
    html = register(client, receiver.url("/hook")).get_data(as_text=True)
    receiver.secret = re.search(r"whsec_[\w-]+", html).group(0)
    hook = Webhook.get(Webhook.organisation == isp.id)
    response = post(client, f"/isp/webhooks/{hook.id}/test")
    assert response.status_code == 302 and response.location.endswith("/isp/webhooks/deliveries")
    (delivered,) = receiver.posts
    message = OutboxMessage.get(OutboxMessage.channel == "webhook")
    assert delivered["valid"] and delivered["event_id"] == message.message_id
    assert delivered["event"]["type"] == "webhook.test" and message.status == "sent"
    log = client.get("/isp/webhooks/deliveries").get_data(as_text=True)
    assert "webhook.test" in log and message.message_id in log and "已投递" in log


def test_a_failed_delivery_is_retried_from_the_log(client, admin, isp, receiver, loopback):
    register(client, receiver.url("/hook"))
    hook = Webhook.get(Webhook.organisation == isp.id)
    receiver.answers = [500]
    post(client, f"/isp/webhooks/{hook.id}/test")
    message = OutboxMessage.get(OutboxMessage.channel == "webhook")
    assert message.status == "failed"
    log = client.get("/isp/webhooks/deliveries").get_data(as_text=True)
    assert "投递失败" in log and "500" in log and f"/deliveries/{message.id}/retry" in log
    post(client, f"/isp/webhooks/deliveries/{message.id}/retry",
         page="/isp/webhooks/deliveries")
    assert OutboxMessage.get_by_id(message.id).status == "sent"
    assert [p["event_id"] for p in receiver.posts] == [message.message_id] * 2


def test_the_admin_deletes_a_webhook(client, admin, isp):
    hook = public_hook(isp)
    response = post(client, f"/isp/webhooks/{hook.id}/delete")
    assert response.status_code == 302 and Webhook.get_or_none(Webhook.id == hook.id) is None


def test_another_isps_webhook_and_deliveries_are_404(client, admin, make_isp, monkeypatch):
    from portal import notifications
    monkeypatch.setattr(notifications, "enqueue_delivery", lambda *args: None)
    other = make_isp()
    hook = public_hook(other)
    message = webhooks.send_test_event(other.id, other.admin, hook.id)
    for url in (f"/isp/webhooks/{hook.id}/delete", f"/isp/webhooks/{hook.id}/test",
                f"/isp/webhooks/deliveries/{message.id}/retry"):
        assert post(client, url).status_code == 404, url
    assert hook.url not in client.get("/isp/webhooks").get_data(as_text=True)
    assert message.message_id not in client.get("/isp/webhooks/deliveries").get_data(as_text=True)
    assert Webhook.get_or_none(Webhook.id == hook.id) is not None


@pytest.mark.parametrize("role", ["operator", "readonly"])
def test_other_roles_may_look_but_not_change(client, login, isp, make_account, role):
    hook = public_hook(isp)
    account = isp.operator if role == "operator" else make_account("isp", "readonly", isp)
    login(account.username, tenant="isp")
    page = client.get("/isp/webhooks")
    assert page.status_code == 200 and hook.url in page.get_data(as_text=True)
    assert "/delete" not in page.get_data(as_text=True)
    assert client.get("/isp/webhooks/deliveries").status_code == 200
    for url in ("/isp/webhooks", f"/isp/webhooks/{hook.id}/delete",
                f"/isp/webhooks/{hook.id}/test"):
        assert post(client, url, url="https://x.example/").status_code == 403, url
    assert Webhook.get_or_none(Webhook.id == hook.id) is not None


def test_every_form_has_a_csrf_token_and_a_post_without_one_is_refused(
        client, admin, isp, monkeypatch):
    from portal import notifications
    monkeypatch.setattr(notifications, "enqueue_delivery", lambda *args: None)
    hook = public_hook(isp)
    message = webhooks.send_test_event(isp.id, isp.admin, hook.id)
    OutboxMessage.update(status="failed").where(OutboxMessage.id == message.id).execute()
    assert assert_tokens(client, "/isp/webhooks") >= 3        # register, test, delete
    assert assert_tokens(client, "/isp/webhooks/deliveries") >= 1   # retry
    for url in ("/isp/webhooks", f"/isp/webhooks/{hook.id}/delete",
                f"/isp/webhooks/{hook.id}/test", f"/isp/webhooks/deliveries/{message.id}/retry"):
        assert client.post(url, data={"url": "https://x.example/"}).status_code == 400, url
    assert Webhook.get_or_none(Webhook.id == hook.id) is not None


def test_the_delivery_log_is_paginated(client, admin, isp, monkeypatch):
    from portal import notifications
    monkeypatch.setattr(notifications, "enqueue_delivery", lambda *args: None)
    hook = public_hook(isp)
    for _ in range(21):
        webhooks.send_test_event(isp.id, isp.admin, hook.id)
    html = client.get("/isp/webhooks/deliveries?page=2").get_data(as_text=True)
    assert "第 2 / 2 页，共 21 条" in html and html.count("webhook.test") == 1


# -- API --------------------------------------------------------------------

def test_api_registers_lists_tests_and_deletes(client, bearer, isp, receiver, loopback):
    headers = bearer()
    created = client.post("/api/v1/isp/webhooks", json={"url": receiver.url("/hook")},
                          headers=headers)
    body = created.get_json()
    assert created.status_code == 201 and set(body) == {"id", "url", "secret"}
    receiver.secret = body["secret"]
    listed = client.get("/api/v1/isp/webhooks", headers=headers).get_json()["webhooks"]
    assert [h["id"] for h in listed] == [body["id"]] and "secret" not in listed[0]
    tested = client.post(f"/api/v1/isp/webhooks/{body['id']}/test", headers=headers)
    assert tested.status_code == 202
    assert receiver.posts[0]["valid"]
    assert receiver.posts[0]["event_id"] == tested.get_json()["event_id"]
    deleted = client.delete(f"/api/v1/isp/webhooks/{body['id']}", headers=headers)
    assert deleted.status_code == 204 and Webhook.select().count() == 0


@pytest.mark.parametrize("url", ["http://127.0.0.1/hook", "http://10.0.0.1/", "ftp://x.example/"])
def test_api_refuses_a_blocked_url_with_a_clear_message(client, bearer, isp, url):
    response = client.post("/api/v1/isp/webhooks", json={"url": url}, headers=bearer())
    error = response.get_json()["error"]
    assert response.status_code == 400 and error["code"] == "refused_url" and error["message"]
    assert Webhook.select().count() == 0


def test_api_refuses_a_missing_url(client, bearer, isp):
    for body in (None, {}, {"url": 5}, ["x"]):
        response = client.post("/api/v1/isp/webhooks", json=body, headers=bearer())
        assert response.status_code == 400
        assert response.get_json()["error"]["code"] == "invalid_request"


def test_api_another_isps_webhook_is_404(client, bearer, isp, make_isp):
    hook = public_hook(make_isp())
    headers = bearer()
    assert client.delete(f"/api/v1/isp/webhooks/{hook.id}", headers=headers).status_code == 404
    assert client.post(f"/api/v1/isp/webhooks/{hook.id}/test",
                       headers=headers).status_code == 404
    assert client.get("/api/v1/isp/webhooks", headers=headers).get_json() == {"webhooks": []}
    assert Webhook.get_or_none(Webhook.id == hook.id) is not None


def test_api_needs_a_token_with_the_right_scope(client, bearer, isp):
    hook = public_hook(isp)
    read_only = bearer(["read"])
    assert client.get("/api/v1/isp/webhooks").status_code == 401
    assert client.get("/api/v1/isp/webhooks", headers=read_only).status_code == 200
    for method, url in (("post", "/api/v1/isp/webhooks"),
                        ("delete", f"/api/v1/isp/webhooks/{hook.id}"),
                        ("post", f"/api/v1/isp/webhooks/{hook.id}/test")):
        response = getattr(client, method)(url, json={"url": "https://x.example/"},
                                           headers=read_only)
        assert response.status_code == 403, url
