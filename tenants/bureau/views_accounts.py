"""Bureau pages: accounts."""
from tenants.bureau import bp  # noqa: F401
