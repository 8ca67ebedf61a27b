"""envmatrix merge appends the shards' results to one history, once: merging the same shards again adds nothing."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from envmatrix.history import store, tables
from envmatrix.reporting.merge import merge
from envmatrix.spec import load_spec
from tests.reporting.conftest import ReportProject


def test_merge_records_the_shards_once(report_project: ReportProject, tmp_path: Path) -> None:
    report_project.script(**{"live:DB-BACKUP-RETENTION[production]": "fail"})
    shards = []
    for env in ("dev", "production"):
        folder = report_project.path / "shards" / env
        outcome = report_project.run(f"--env={env}", "-m", "declared or live", "-k", "backup",
                                     f"--reports-dir={folder}", "--history=off")
        assert (folder / "matrix.json").exists(), "\n".join(outcome.outlines)
        assert not (folder / "history.sqlite").exists()
        shards.append(folder)
    spec_path = report_project.path / "fixtures" / "matrix.yaml"
    url = store.resolve_url(None, tmp_path / "merged")
    first = merge(shards, tmp_path / "merged", load_spec(spec_path), spec_path, history=url)
    again = merge(shards, tmp_path / "merged", load_spec(spec_path), spec_path, history=url)
    assert first.history is not None and again.history is not None and not first.history.error
    assert [f.state for f in first.history.findings.values()] == ["new"]
    assert again.history == first.history
    assert "  history: 1 open finding(s), 0 fixed" in first.lines()
    assert url is not None
    with store.connected(url) as connection:
        assert connection.execute(sa.select(sa.func.count()).select_from(tables.runs)).scalar() == 1
        envs = connection.execute(sa.select(tables.run_environments.c.environment)).scalars().all()
    assert sorted(envs) == ["dev", "production"]
