"""Bureau pages: staff."""
from tenants.bureau import bp  # noqa: F401
