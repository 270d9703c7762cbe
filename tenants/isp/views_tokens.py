"""ISP pages (filled in by its owner)."""
from tenants.isp import bp  # noqa: F401
