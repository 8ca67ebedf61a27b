"""Conformance checks, one package per layer."""
