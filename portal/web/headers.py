"""Security headers on every response (pages, API, static files, errors).

The Content-Security-Policy allows scripts and styles from this site only: no inline
script, no inline style, no framing. Pages shown to a logged-in user are never stored
by the browser or a proxy; public answers (the lookup API's ETag caching, static files)
keep their own Cache-Control.
"""
from flask import Flask, Response, request, session

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; "
       "img-src 'self' data:; "          # the captcha and QR pictures are data: URIs
       "frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'")
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",            # frame-ancestors for browsers that predate it
    "Cross-Origin-Opener-Policy": "same-origin",
}
HSTS = "max-age=31536000; includeSubDomains"


def _is_private_page() -> bool:
    """A page (not the API, not a static file) in a logged-in or half-logged-in session."""
    if request.path.startswith("/api/") or request.endpoint == "static":
        return False
    return "_user_id" in session or "pending_login" in session


def secure_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", HSTS)
    if _is_private_page() and "no-store" not in response.headers.get("Cache-Control", ""):
        response.headers["Cache-Control"] = "no-store"
    return response


def init_headers(app: Flask) -> None:
    app.after_request(secure_headers)
