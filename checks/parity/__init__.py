"""Parity: environments compared with each other."""
