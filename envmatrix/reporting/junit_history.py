"""JUnit XML with history: each finding's testcase gains ``first_seen``, ``days_open`` and ``history_state``.

pytest's junitxml freezes a testcase's properties when the test ends, before the history store has seen the run;
the store's view exists only at the session's end. So the file junitxml wrote is read back once and the three
properties added to the testcases of tonight's findings (matched by pytest's own classname/name of the node id).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from pathlib import Path

from envmatrix.files import write_bytes_atomic
from envmatrix.history.view import FindingState
from envmatrix.reporting.since import when


def junit_name(nodeid: str, prefix: str = "") -> tuple[str, str]:
    """(classname, name) as pytest's junitxml writes a node id (its mangle_test_address, with --junit-prefix)."""
    path, bracket, params = nodeid.partition("[")
    names = path.split("::")
    names[0] = re.sub(r"\.py$", "", names[0].replace("/", "."))
    names[-1] += bracket + params
    classes = [prefix, *names[:-1]] if prefix else names[:-1]
    return ".".join(classes), names[-1]


def _properties(case: ET.Element) -> ET.Element:
    found = case.find("properties")
    if found is None:
        found = ET.Element("properties")
        case.insert(0, found)  # the schema puts properties first
    return found


def add_history(path: Path, states: Mapping[str, FindingState], prefix: str = "") -> int:
    """Add the properties to ``path`` in place (atomically); returns how many testcases got them.

    ``states`` is nodeid -> the finding's state (since.states_of). Values go through ElementTree, which escapes
    them as attribute text: no value can add an element."""
    if not states or not path.is_file():
        return 0
    by_name = {junit_name(nodeid, prefix): state for nodeid, state in states.items()}
    tree = ET.parse(path)  # our own file, written by pytest moments ago
    added = 0
    for case in tree.iter("testcase"):
        state = by_name.get((case.get("classname", ""), case.get("name", "")))
        if state is None:
            continue
        properties = _properties(case)
        for name, value in (("first_seen", when(state.first_seen)), ("days_open", f"{state.days_open:.2f}"),
                            ("history_state", state.state)):
            ET.SubElement(properties, "property", {"name": name, "value": value})
        added += 1
    if added:
        write_bytes_atomic(path, ET.tostring(tree.getroot(), encoding="utf-8", xml_declaration=True))
    return added
