"""Drift checks: what terraform.tfvars and the env files declare against what is live, key by key."""
