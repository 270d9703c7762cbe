"""Bureau pages: audit."""
from tenants.bureau import bp  # noqa: F401
