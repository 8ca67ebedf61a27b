"""Declared layer: terraform.tfvars and application env files against the spec."""
