"""Services: the portal's operations, each one unit of work called by a view, task or CLI."""
