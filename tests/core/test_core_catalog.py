"""A check is one place: its id literal in its module, its figure declared beside it and carried with it."""

from __future__ import annotations

import ast
import json
from collections import Counter

import pytest

from envmatrix.catalog import CheckInfo
from envmatrix.outcome import info_from, info_record
from envmatrix.reporting.figures import SEEN, figure_table
from envmatrix.wording import Figure, Show, count, days, figure_from, of_documented, text, when, word
from tests.conftest import ROOT, checks_of, shipped_check_modules, shipped_checks


def _string_arguments(relative: str) -> set[str]:
    """Every string literal given as an argument in the module (``@check("ID", ...)``, ``_factory("ID", ...)``);
    docstrings and comments do not count."""
    tree = ast.parse((ROOT / relative).read_text(encoding="utf-8"))
    return {arg.value for node in ast.walk(tree) if isinstance(node, ast.Call)
            for arg in node.args if isinstance(arg, ast.Constant) and isinstance(arg.value, str)}


def test_every_check_id_is_a_literal_in_its_module() -> None:
    """`grep DATA-ENCRYPTION` finds the check: each id is written out where it is declared, never built from parts
    (f-strings, concatenation)."""
    missing = []
    for relative, module in shipped_check_modules().items():
        literals = _string_arguments(relative)
        missing += [f"{relative}: {info.id}" for info in checks_of(module) if info.id not in literals]
    assert missing == []


def test_the_shipped_checks_are_found() -> None:
    infos = shipped_checks()
    assert len(infos) > 100 and ("live", "DB-MULTI-AZ") in {(i.layer, i.id) for i in infos}


def test_figures_are_declared_only_where_they_show_and_unambiguously() -> None:
    """Only live and smoke evidence is a figure; two declarations of one part never share a rank."""
    infos = shipped_checks()
    assert [info.id for info in infos if info.figures and info.layer not in SEEN] == []
    places = Counter((info.row, figure.part, figure.rank) for info in infos for figure in info.figures)
    assert [place for place, times in places.items() if times > 1] == []


def test_the_figure_table_orders_parts_and_alternatives() -> None:
    table = figure_table(shipped_checks())
    database = [[(source.check_id, source.figure.setting) for source in part] for part in table["database"]]
    assert database == [[("DB-MULTI-AZ", "MultiAZ")],
                        [("DB-REPLICA-CLASS", "DBInstanceClass"), ("DB-REPLICA", "ReadReplicaDBInstanceIdentifiers")]]
    jwt = [(source.layer, source.check_id) for source in table["jwt_expiration"][0]]
    assert jwt == [("smoke", "JWT-ACCESS-MINUTES"), ("live", "JWT-ACCESS-MINUTES")], "observed before live"


@pytest.mark.parametrize(("show", "actual", "expected", "shown"), [
    (text(), "INFO", "", "INFO"),
    (text("{} alarms"), "4", "", "4 alarms"),
    (text("WAF"), "production-taskmanager-waf", "", "WAF"),
    (days(), "30.0", "", "30 d"),
    (days("TLS cert {} left"), "89.5", "", "TLS cert 89.5 d left"),
    (word("Multi-AZ", "Single AZ"), "True", "", "Multi-AZ"),
    (word("Multi-AZ", "Single AZ"), "maybe", "", ""),
    (when("none", "no replica"), "none", "", "no replica"),
    (when("none", "no replica"), "[\"r\"]", "", ""),
    (count("AZs"), '["a", "b", "a"]', "", "2 AZs"),
    (count("AZs"), "not json", "", ""),
    (of_documented(), "$362 USD (2026-10)", "~$380 USD (within 10%)", "$362 of ~$380"),
])
def test_wordings(show: Show, actual: str, expected: str, shown: str) -> None:
    assert show(actual, expected) == shown


def test_an_unknown_wording_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown figure wording 'shout'"):
        Show("shout")


def test_figures_cross_the_xdist_boundary_as_data() -> None:
    """Workers send CheckInfo as JSON-able records; the controller gets the same figures back (it has no check)."""
    figure = Figure("ReadReplicaDBInstanceIdentifiers", when("none", "no replica"), "replica", part=2, rank=2)
    info = CheckInfo("DB-REPLICA", "live", "sla", "database", "high", "t", evidence=True, figures=(figure,))
    assert info_from(json.loads(json.dumps(info_record(info)))) == info
    assert figure_from(json.loads(json.dumps(figure.record()))) == figure
