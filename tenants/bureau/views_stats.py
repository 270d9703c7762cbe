"""Bureau pages: stats."""
from tenants.bureau import bp  # noqa: F401
