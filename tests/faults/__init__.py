"""The fault catalogue: test data, not product. Each tier module misconfigures one provisioned sandbox environment
with plain boto3 calls and names the checks that must turn red; `catalogue` collects them, `github` holds the
GitHub stand-in's faults. Only the project's tests import it (tests/live/test_faults.py runs it whole)."""
