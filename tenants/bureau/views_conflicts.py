"""Bureau pages: conflicts."""
from tenants.bureau import bp  # noqa: F401
