"""Public pages (filled in by its owner)."""
from tenants.public import bp  # noqa: F401
