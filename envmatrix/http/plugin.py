"""pytest hooks of the smoke layer (HTTP client provider, --base-url and friends)."""
