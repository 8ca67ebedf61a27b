"""The spec against the environment document it was written from (run when a document is configured)."""

from __future__ import annotations

import pytest

from envmatrix import Environment, check


@check("SPEC-MATCHES-DOC", layer="declared", area="flags", row="config_structure", severity="high")
@pytest.mark.envmatrix_document
def test_spec_matches_doc(env: Environment) -> None:
    """Every matrix cell, infrastructure row, tfvars key and variable the document states equals the spec."""
    disagreements = env.suite.provide("document", env.name)
    first = disagreements[0] if disagreements else None
    more = f" (and {len(disagreements) - 1} more: {'; '.join(d.label for d in disagreements[1:])})" \
        if len(disagreements) > 1 else ""
    env.expect(f"document {first.label}" if first else "document", "value",
               first.spec if first else "the spec's values", f"{first.document}{more}" if first else "the same",
               ok=lambda _expected, _actual: first is None, expected_text=first.spec if first else None)
