"""Public JSON API: the lookup and the enumerations. No cookies, no CSRF (read-only)."""
import hashlib
import json

from flask import Response, jsonify, request

from portal.enumerations import all_enumerations
from portal.errors import ValidationError
from portal.extensions import csrf
from portal.models import InstanceSettings
from portal.openapi import build_document
from portal.services.lookup import lookup
from portal.services.throttle import take_lookup
from portal.web.client import client_address
from tenants.public import api_bp

csrf.exempt(api_bp)
MAX_PAGE = 10**6        # far past any result; keeps the offset inside a 64-bit integer


def _cached_json(payload) -> Response:
    """JSON with an ETag; a matching If-None-Match gets 304. (Headers written directly:
    this is the lookup's answer, and the header objects cost as much as the JSON.)"""
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    etag = hashlib.sha256(body.encode()).hexdigest()[:32]
    headers = {"ETag": f'"{etag}"', "Cache-Control": "public, max-age=60"}
    if request.if_none_match.contains(etag):
        return Response(status=304, headers=headers)
    return Response(body, mimetype="application/json", headers=headers)


def api_error(code: str, message, status: int):
    return jsonify(error={"code": code, "message": str(message)}), status


@api_bp.route("/lookup")
def lookup_api():
    wait = take_lookup(client_address())
    if wait:
        response = api_error("rate_limited", "too many requests, retry later", 429)[0]
        response.status_code = 429
        response.headers["Retry-After"] = str(int(wait) + 1)
        return response
    try:
        page = min(int(request.args.get("page", 1)), MAX_PAGE)
        result = lookup(request.args.get("q", ""), type_=request.args.get("type") or None,
                        kind=request.args.get("kind") or None, page=page)
    except ValueError:
        return api_error("bad_request", "page must be a number", 400)
    except ValidationError as exc:
        return api_error("bad_query", exc.message, 400)
    return _cached_json({"query": result.query, "results": result.results, "page": result.page,
                         "total": result.total})


@api_bp.route("/signing-key.pem")
def signing_key_api():
    """The bureau's public Ed25519 key: anyone can verify certificates with it."""
    return Response(InstanceSettings.get().public_key_pem, mimetype="application/x-pem-file")


@api_bp.route("/enumerations")
def enumerations_api():
    return _cached_json(all_enumerations())


@api_bp.route("/openapi.json")
def openapi_document():
    """The OpenAPI 3.1 description of every /api/v1 route (public and ISP)."""
    return _cached_json(build_document())
