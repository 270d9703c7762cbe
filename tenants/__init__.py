"""One blueprint package per tenant: public, isp, bureau. Tenants never import each other."""
