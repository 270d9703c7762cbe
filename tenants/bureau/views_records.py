"""Bureau pages: records."""
from tenants.bureau import bp  # noqa: F401
