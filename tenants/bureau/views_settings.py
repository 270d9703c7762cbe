"""Bureau pages: settings."""
from tenants.bureau import bp  # noqa: F401
