"""Bureau pages: shells."""
from tenants.bureau import bp  # noqa: F401
