"""ISP API: webhook management with a bearer token (read lists; write registers,
deletes and sends a test event). The secret is in the 201 answer only."""
from flask import current_app, g, jsonify, request

from portal.errors import FIXABLE, NotFound
from portal.services import webhooks
from portal.web.api_auth import api_actor, api_error, token_required
from tenants.isp import api_bp


def _webhook_json(hook) -> dict:
    return {"id": hook.id, "url": hook.url, "is_active": hook.is_active,
            "created_at": hook.created_at.isoformat(timespec="seconds") + "Z"}


@api_bp.route("/webhooks", methods=["GET"])
@token_required("read")
def api_webhooks_list():
    return jsonify(webhooks=[_webhook_json(h) for h in webhooks.list_webhooks(g.api_isp_id)])


@api_bp.route("/webhooks", methods=["POST"])
@token_required("write")
def api_webhooks_register():
    body = request.get_json(silent=True)
    url = body.get("url") if isinstance(body, dict) else None
    if not isinstance(url, str) or not url.strip():
        return api_error("invalid_request", 'a JSON body {"url": "https://..."} is required', 400)
    try:
        hook, secret = webhooks.register_webhook(
            g.api_isp_id, api_actor(), url,
            allow_loopback=current_app.config["ALLOW_LOOPBACK_OUTBOUND"])
    except FIXABLE as exc:
        return api_error("refused_url", exc.message, 400)
    return jsonify(id=hook.id, url=hook.url, secret=secret), 201


@api_bp.route("/webhooks/<int:webhook_id>", methods=["DELETE"])
@token_required("write")
def api_webhooks_delete(webhook_id):
    try:
        webhooks.delete_webhook(g.api_isp_id, api_actor(), webhook_id)
    except NotFound as exc:
        return api_error("not_found", exc.message, 404)
    return "", 204


@api_bp.route("/webhooks/<int:webhook_id>/test", methods=["POST"])
@token_required("write")
def api_webhooks_test(webhook_id):
    try:
        message = webhooks.send_test_event(g.api_isp_id, api_actor(), webhook_id)
    except NotFound as exc:
        return api_error("not_found", exc.message, 404)
    except FIXABLE as exc:
        return api_error("refused", exc.message, 409)
    return jsonify(event_id=message.message_id, status="queued"), 202
