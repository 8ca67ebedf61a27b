"""scripts/mutation.py (`make mutation`): a module judged by its own tests; mutmut's mutants under a memory bound."""

from __future__ import annotations

import functools
import json
import subprocess
import sys
from typing import Any

import pytest

from tests.conftest import load_check_module

from .conftest import ROOT

mutation: Any = load_check_module("scripts/mutation.py")


def test_a_module_with_its_own_tests_runs_mutmut_with_them_and_another_plain_mutmut() -> None:
    own = mutation.OWN_TESTS["envmatrix/redact.py"]
    assert own and "tests/core" not in own  # the CI's module: its redaction tests, not the whole core selection
    assert mutation.mutmut_run("envmatrix/redact.py") == [
        sys.executable, "-c", mutation.LAUNCH, json.dumps(own), "run", "envmatrix.redact.*"]
    assert mutation.mutmut_run("envmatrix/parity.py") == [mutation.MUTMUT, "run", "envmatrix.parity.*"]


def test_the_launcher_hands_mutmut_the_module_tests_in_place_of_pyproject(monkeypatch: pytest.MonkeyPatch) -> None:
    from mutmut import __main__ as mutmut_main
    from mutmut import configuration

    seen: dict[str, list[str]] = {}

    def cli() -> int:  # where mutmut would start: what its stats, clean and mutant runs would read
        seen["selection"] = configuration.config().pytest_add_cli_args_test_selection
        seen["args"] = sys.argv[1:]
        return 0

    monkeypatch.chdir(ROOT)
    monkeypatch.setattr(configuration, "_config", None)
    monkeypatch.setattr(mutmut_main, "cli", cli)
    assert configuration.config().pytest_add_cli_args_test_selection != ["tests/x.py"]  # pyproject's own
    monkeypatch.setattr(configuration, "_config", None)
    monkeypatch.setattr(sys, "argv", ["-c", json.dumps(["tests/x.py"]), "run", "envmatrix.redact.*"])
    with pytest.raises(SystemExit) as done:
        exec(mutation.LAUNCH, {})
    assert done.value.code == 0
    assert seen == {"selection": ["tests/x.py"], "args": ["run", "envmatrix.redact.*"]}


@pytest.mark.parametrize(("own", "said"), [
    ({"envmatrix/nope.py": ["tests/core/test_core_redact.py"]}, "envmatrix/nope.py not in [tool.mutmut] only_mutate"),
    ({"envmatrix/redact.py": ["tests/core/test_gone.py::test_x"]}, "missing from the project: tests/core/test_gone.py"),
])
def test_own_tests_of_an_unknown_module_or_a_missing_file_stop_the_run(
        monkeypatch: pytest.MonkeyPatch, own: dict[str, list[str]], said: str) -> None:
    monkeypatch.setattr(mutation, "OWN_TESTS", own)
    with pytest.raises(mutation.Unrunnable, match=said.replace("[", r"\[").replace("]", r"\]")):
        mutation.check_setup(["envmatrix/redact.py"])


def test_the_shipped_own_tests_pass_the_setup_check() -> None:
    mutation.check_setup(list(mutation.MODULES))


def test_an_endless_allocation_under_the_bound_fails_at_once() -> None:
    """A mutant's endless loop that fills a list: MemoryError (a failed test, killed), not the machine's memory."""
    bound = mutation.memory_limit("envmatrix/redact.py")
    assert bound == mutation.OWN_TESTS_MEMORY_LIMIT < mutation.memory_limit("envmatrix/parity.py")
    limit = "import resource; print(resource.getrlimit(resource.RLIMIT_AS)[0])"
    bounded = subprocess.run([sys.executable, "-c", f"{limit}; bytearray({bound})"], capture_output=True, text=True,
                             timeout=60, preexec_fn=functools.partial(mutation.bounded_memory, bound))
    assert bounded.stdout.strip() == str(bound)
    assert bounded.returncode != 0 and "MemoryError" in bounded.stderr
    unbounded = subprocess.run([sys.executable, "-c", limit], capture_output=True, text=True, timeout=60)
    assert unbounded.stdout.strip() != str(bound)
