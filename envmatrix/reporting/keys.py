"""The stash keys and xdist hand-over names the reporting hooks (plugin.py) share with the report builder."""

from __future__ import annotations

import pytest

from envmatrix.catalog import CheckInfo

#: The checks this session collected (before any selection): the evidence catalogue is built from them.
COLLECTED_KEY = pytest.StashKey[set[CheckInfo]]()
#: The evidence catalogue (catalog.evidence_catalogue()) of what this process collected.
CATALOGUE_KEY = pytest.StashKey[dict[str, list[str]]]()
#: How an xdist worker hands its catalogue to the controller (which collects nothing itself).
CATALOGUE_OUTPUT = "envmatrix_evidence_catalogue"
#: --fail-on / $ENVMATRIX_FAIL_ON: the lowest severity that gates (None: every failure gates)
FAIL_ON_KEY = pytest.StashKey[str | None]()
#: How an xdist worker hands the CheckInfo of every check it collected to the controller (for SARIF's rules).
CHECKS_OUTPUT = "envmatrix_checks"
