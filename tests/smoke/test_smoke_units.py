"""Smoke checks called directly with canned responses: what the reference service cannot be made to answer."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from envmatrix.catalog import REGISTRY
from envmatrix.context import Environment, Paths, Sources, Suite
from envmatrix.http.client import SmokePaths
from envmatrix.spec import load_spec
from envmatrix.verdict import CheckFailed
from tests.conftest import load_check_module

app_rate_limiting = load_check_module("smoke/test_flags.py").test_app_rate_limiting

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


class CannedClient:
    """Answers a burst with the given status codes (repeating the last one)."""

    paths = SmokePaths()

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = statuses

    def url(self, path: str) -> str:
        return f"https://dev.taskmanager.internal{path}"

    def burst(self, method: str, path: str, count: int, *, until: int | None = None) -> list[httpx.Response]:
        answers: list[httpx.Response] = []
        while len(answers) < count and (not answers or answers[-1].status_code != until):
            answers.append(httpx.Response(self.statuses[min(len(answers), len(self.statuses) - 1)]))
        return answers


def _dev(client: CannedClient) -> Environment:
    paths = Paths(FIXTURES / "matrix.yaml", FIXTURES / "tfvars", FIXTURES / "env", FIXTURES / "waivers.yaml",
                  FIXTURES / "reports")
    suite = Suite(spec=load_spec(paths.spec), paths=paths, selected=["dev"], sources=Sources(http=lambda _env: client))
    return Environment(suite, "dev", REGISTRY[("smoke", "APP-RATE-LIMITING")])


def test_rate_limiting_disabled_passes_when_every_request_reaches_the_api() -> None:
    app_rate_limiting(_dev(CannedClient([401])))


@pytest.mark.parametrize("statuses", [[401] * 30 + [403], [401] * 10 + [503], [502]])
def test_rate_limiting_disabled_fails_on_another_refusal(statuses: list[int]) -> None:
    with pytest.raises(CheckFailed) as failed:
        app_rate_limiting(_dev(CannedClient(statuses)))
    assert str(failed.value).startswith("dev APP-RATE-LIMITING GET https://dev.taskmanager.internal/api/v1/tasks x")
    assert "status codes (anonymous): expected [401], got [" in str(failed.value)
