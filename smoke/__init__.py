"""Smoke tests: the HTTP smoke contract, one module per part of it, expectations from the spec."""
