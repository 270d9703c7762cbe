"""The client's address, after the configured number of trusted proxies."""
from flask import current_app, request


def client_address() -> str:
    """X-Forwarded-For is believed only for TRUSTED_PROXIES hops; otherwise the peer."""
    trusted = int(current_app.config.get("TRUSTED_PROXIES") or 0)
    forwarded = [p.strip() for p in request.headers.get("X-Forwarded-For", "").split(",")
                 if p.strip()]
    if trusted and len(forwarded) >= trusted:
        return forwarded[-trusted]
    return request.remote_addr or ""
