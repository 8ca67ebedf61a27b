"""pytest hooks of the live layer (snapshot provider, shared across xdist workers)."""
