"""Smoke layer: the HTTP client for the smoke contract."""
