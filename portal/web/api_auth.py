"""Bearer-token authentication for the ISP API. Cookies never authorise an API call, and
CSRF does not apply (the blueprint is exempt). Every call is audited."""
from functools import wraps

from flask import g, jsonify, request

from portal.audit import record_event
from portal.db import transaction
from portal.security_log import security_event
from portal.services.api_tokens import authenticate_token


def api_error(code: str, message, status: int):
    """The one shape of API errors: {"error": {"code", "message"}}."""
    response = jsonify(error={"code": code, "message": str(message)})
    response.status_code = status
    return response


def token_required(scope: str):
    """Require a bearer token with `scope`; sets g.api_token and g.api_isp_id."""
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            header = request.headers.get("Authorization", "")
            token = authenticate_token(header[7:].strip() if header.startswith("Bearer ") else "")
            if token is None:
                security_event("api.token_refused", present=bool(header))
                return api_error("unauthorised", "a valid bearer token is required", 401)
            if scope not in token.scopes:
                security_event("api.scope_refused", token=token.id, scope=scope)
                return api_error("forbidden", f"this token lacks the {scope} scope", 403)
            g.api_token, g.api_isp_id = token, token.organisation_id
            with transaction():
                record_event("api.call", token, actor=token.created_by, object_type="api_token",
                             after={"method": request.method, "path": request.path})
            return view(*args, **kwargs)
        return wrapped
    return decorator


def api_actor():
    """The account API calls act as: the token's creator (an ISP admin)."""
    return g.api_token.created_by
