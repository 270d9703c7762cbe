"""Bureau pages: review."""
from tenants.bureau import bp  # noqa: F401
