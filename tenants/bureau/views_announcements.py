"""Bureau pages: announcements."""
from tenants.bureau import bp  # noqa: F401
