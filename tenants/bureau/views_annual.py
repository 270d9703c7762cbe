"""Bureau pages: annual."""
from tenants.bureau import bp  # noqa: F401
