"""A logger made on another thread while pytest walks logging's registry (as it does at every test phase) no longer
fails that test phase, once envmatrix has started a thread of its own (logsafety.guard)."""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest

from envmatrix import logsafety

# Reading ``propagate``, as pytest does for each registered logger at the start of each test phase, makes another
# logger: what a snapshot thread importing botocore does at that moment, made deterministic.
MAKES_A_LOGGER_MEANWHILE = """
import itertools
import logging
import subprocess
import sys

_made = itertools.count()


class MakesALoggerWhenRead(logging.Logger):
    @property
    def propagate(self):
        logging.getLogger(f"made-meanwhile-{next(_made)}")
        return True

    @propagate.setter
    def propagate(self, value):
        pass


logging.Logger.manager.loggerDict["makes-a-logger"] = MakesALoggerWhenRead("makes-a-logger")
"""


def _run(pytester: pytest.Pytester, *, guarded: bool) -> pytest.RunResult:
    guard = "from envmatrix import logsafety\nlogsafety.guard()\n" if guarded else ""
    pytester.makeconftest(guard + MAKES_A_LOGGER_MEANWHILE)
    pytester.makepyfile(test_phases="def test_one():\n    pass\n\ndef test_two():\n    pass\n")
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:xdist", "-p", "no:randomly")


def test_without_the_guard_pytest_fails_the_phase_a_logger_was_made_in(pytester: pytest.Pytester) -> None:
    result = _run(pytester, guarded=False)
    assert result.ret != 0
    result.stdout.fnmatch_lines(["*RuntimeError: dictionary changed size during iteration*"])


def test_with_the_guard_every_phase_runs(pytester: pytest.Pytester) -> None:
    result = _run(pytester, guarded=True)
    result.assert_outcomes(passed=2)


def test_the_guarded_registry_is_the_same_registry() -> None:
    before = logging.getLogger("envmatrix-logsafety-before")
    logsafety.guard()
    logsafety.guard()
    registry = logging.Logger.manager.loggerDict
    assert logsafety.guarded()
    assert registry["envmatrix-logsafety-before"] is before
    assert logging.getLogger("envmatrix-logsafety-before") is before
    seen = []
    for name, _logger in registry.items():  # a logger made mid-walk is in the registry, not in this walk
        seen.append(name)
        logging.getLogger(f"envmatrix-logsafety-mid-walk-{len(seen)}")
    for _logger in registry.values():
        logging.getLogger(f"envmatrix-logsafety-mid-values-{len(seen)}")
    for name in registry:
        logging.getLogger(f"envmatrix-logsafety-mid-iter-{name}")
    assert "envmatrix-logsafety-mid-walk-1" in registry
    assert "envmatrix-logsafety-mid-walk-1" not in seen
    assert isinstance(logging.getLogger("envmatrix-logsafety-after"), logging.Logger)


def test_envmatrix_guards_before_it_starts_a_background_thread() -> None:
    program = ("from envmatrix import logsafety\nfrom envmatrix.snapshots import in_background\n"
               "assert not logsafety.guarded()\nin_background('t', lambda: None).join()\nprint(logsafety.guarded())\n")
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=60, check=False)
    assert done.stdout.strip() == "True", done.stderr
