"""Live checks: the read-only AWS snapshot of each environment against the documented matrix."""
