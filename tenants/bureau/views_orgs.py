"""Bureau pages: orgs."""
from tenants.bureau import bp  # noqa: F401
