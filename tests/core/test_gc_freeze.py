"""What start-up built is frozen out of the garbage collector's reach during a run, and a session run inside
another process's (pytester's in-process runs) thaws it when it ends, so that process's garbage stays
collectable."""

from __future__ import annotations

import gc

import pytest


def test_a_run_freezes_its_start_up_and_an_inner_run_thaws_it(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_inner="""
        import gc

        def test_frozen_while_checks_run():
            assert gc.get_freeze_count() > 1000
        """)
    gc.unfreeze()
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
    assert gc.get_freeze_count() == 0
