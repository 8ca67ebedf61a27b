"""The spec against the environment document it was written from (run when a document is configured)."""

from __future__ import annotations

import pytest

from envmatrix import Environment, check


@check("SPEC-MATCHES-DOC", layer="declared", area="flags", row="config_structure", severity="high")
@pytest.mark.envmatrix_document
def test_spec_matches_doc(env: Environment) -> None:
    """Every matrix cell, infrastructure row, tfvars key and variable the document states equals the spec."""
    disagreements = env.document
    if not disagreements:
        env.expect("document", "disagreements", 0, 0)
        return
    first, rest = disagreements[0], disagreements[1:]
    more = f" (and {len(rest)} more: {'; '.join(d.label for d in rest)})" if rest else ""
    # the values are the document's text and the spec's rendering: unequal by construction, never compared again
    env.expect("document", first.label, first.spec, f"{first.document}{more}",
               ok=lambda _spec, _document: False, expected_text=first.spec)
