"""Bureau pages: written."""
from tenants.bureau import bp  # noqa: F401
