"""Web glue shared by the tenants: setup, authentication routes, pagination, forms."""
