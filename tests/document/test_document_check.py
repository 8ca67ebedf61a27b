"""SPEC-MATCHES-DOC in a real pytest session, and ``envmatrix spec check`` / ``spec init`` on the command line."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from envmatrix.cli import main
from envmatrix.spec import load_spec
from tests.conftest import Project
from tests.document.samples import SPEC, replace_once, sample_text

CHECK = "checks/declared/test_document.py"


def _doc(project: Project, text: str) -> Path:
    path = project.path / "docs" / "environment-management.md"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text)
    return path


def test_check_green_on_an_agreeing_document_and_the_header_names_it(project: Project) -> None:
    path = _doc(project, sample_text())
    outcome = project.run(CHECK, "--env=all", f"--doc={path}")
    assert outcome.returncode == 0, outcome.output
    assert outcome.passed == {f"SPEC-MATCHES-DOC[{env}]" for env in ("dev", "staging", "production")}
    assert f"envmatrix: document = {path} (command line; sha256 " in outcome.output
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    meta = json.loads((project.path / "reports" / "matrix.json").read_text())["meta"]
    assert meta["source_document"] == f"{path} (sha256 {digest})"
    assert f'source document <b data-fact="source document">{path} (sha256 {digest})</b>' in \
        (project.path / "reports" / "matrix.html").read_text()


def test_check_red_naming_the_row_only_for_its_environment(project: Project) -> None:
    text = replace_once(sample_text(), "| 30 days", "| 35 days", after="Environment Comparison Matrix")
    outcome = project.run(CHECK, "--env=all", f"--doc={_doc(project, text)}")
    assert set(outcome.failed) == {"SPEC-MATCHES-DOC[production]"}, outcome.failed
    assert ('production SPEC-MATCHES-DOC document.Backups: expected 30, got "35 days"'
            in outcome.failed["SPEC-MATCHES-DOC[production]"])


def test_without_a_document_the_check_is_not_generated(project: Project) -> None:
    outcome = project.run(CHECK, "--env=all")
    assert outcome.passed == set() and outcome.failed == {}
    assert "3 deselected" in outcome.output


def test_document_from_environment_variable_and_config_file(
    project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _doc(project, sample_text())
    monkeypatch.setenv("ENVMATRIX_DOC", str(path))
    outcome = project.run(CHECK, "--env=dev")
    assert outcome.passed == {"SPEC-MATCHES-DOC[dev]"}, outcome.output
    assert "($ENVMATRIX_DOC; sha256" in outcome.output
    monkeypatch.delenv("ENVMATRIX_DOC")
    (project.path / "envmatrix.toml").write_text('[paths]\ndoc = "docs/environment-management.md"\n')
    outcome = project.run(CHECK, "--env=dev")
    assert outcome.passed == {"SPEC-MATCHES-DOC[dev]"}, outcome.output


def test_an_unreadable_document_fails_closed(project: Project) -> None:
    path = _doc(project, "# no matrix here\n")
    outcome = project.run(CHECK, "--env=dev", f"--doc={path}")
    assert "no table under a heading 'Environment Comparison Matrix'" in outcome.failed["SPEC-MATCHES-DOC[dev]"]


def test_a_configured_document_that_does_not_exist_is_a_config_error(project: Project) -> None:
    (project.path / "envmatrix.toml").write_text('[paths]\ndoc = "docs/missing.md"\n')
    outcome = project.run(CHECK, "--env=dev")
    assert outcome.returncode == pytest.ExitCode.USAGE_ERROR
    assert "paths.doc" in outcome.output


def test_cli_spec_check_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = tmp_path / "good.md"
    good.write_text(sample_text())
    assert main(["spec", "check", "--doc", str(good), "--spec", str(SPEC)]) == 0
    assert "the spec agrees with the document" in capsys.readouterr().out
    bad = tmp_path / "bad.md"
    bad.write_text(replace_once(sample_text(), "DB_POOL_SIZE=50\n", "", after="## Production"))
    assert main(["spec", "check", "--doc", str(bad), "--spec", str(SPEC)]) == 1
    out = capsys.readouterr().out
    assert "production environment variables DB_POOL_SIZE: document (absent), spec 50" in out
    assert "values the spec adds that the document does not state (not errors):" in out


def test_cli_spec_check_without_a_document_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ENVMATRIX_DOC", raising=False)
    monkeypatch.chdir(tmp_path)
    assert main(["spec", "check", "--spec", str(SPEC)]) == 2
    assert "no document given" in capsys.readouterr().err


def test_cli_spec_init_writes_a_valid_spec_that_agrees_with_its_document(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = tmp_path / "doc.md"
    doc.write_text(sample_text())
    monkeypatch.chdir(tmp_path)
    assert main(["spec", "init", "--doc", "doc.md", "--output", "matrix.yaml"]) == 0
    written = (tmp_path / "matrix.yaml").read_text()
    spec = load_spec(tmp_path / "matrix.yaml")
    assert spec.env("production").database.instance_class == "db.r6g.xlarge"
    assert spec.env("production").services.worker.min_capacity == 10  # the infrastructure table wins
    assert "hsts: true  # TODO: not in the document" in written
    assert main(["spec", "check", "--doc", "doc.md", "--spec", "matrix.yaml"]) == 0, capsys.readouterr().out
    assert main(["spec", "init", "--doc", "doc.md", "--output", "matrix.yaml"]) == 2  # no overwrite without --force


def test_the_example_document_is_the_fixtures_written_as_a_document() -> None:
    """fixtures/environment-document.md (the README's and the manual's example) is what samples.py writes from
    fixtures/ today, and the shipped spec agrees with it: an example that drifted would teach a wrong shape."""
    shipped = SPEC.parent / "environment-document.md"
    assert shipped.read_text() == sample_text(), "regenerate: python -m tests.document.samples > " + str(shipped)
    assert main(["spec", "check", "--doc", str(shipped), "--spec", str(SPEC)]) == 0


def test_the_readme_and_the_manual_stand_alone() -> None:
    """Everything a user reads is in the repository: no page sends them to a file outside it (the design notes and
    the seed document the project was built from are not shipped), and every relative link resolves."""
    import re

    root = SPEC.parent.parent
    pages = [root / "README.md", *sorted((root / "docs").glob("*.md"))]
    not_shipped = r"\.\./shared\S*|DESIGN\.md|STYLE\.md|environment-management\.md"
    outside = [f"{page.name}: {hit}" for page in pages for hit in re.findall(not_shipped, page.read_text())]
    assert outside == [], outside
    for page in pages:
        for target in re.findall(r"\]\(([^)#\s]+)", page.read_text()):
            if "://" not in target and not target.startswith("mailto:"):
                assert (page.parent / target).resolve().is_relative_to(root), f"{page.name}: {target}"
                assert (page.parent / target).exists(), f"{page.name}: {target}"


def test_the_data_cell_claims_the_database_classification(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The Data row's wording is the class the DataClassification tag must claim: init writes it, check compares it."""
    from envmatrix.document.claims import classification

    assert [classification(text) for text in ("Synthetic", "Sanitized copy", "Real customer data", "Test data")] == [
        "synthetic", "anonymized", "real", None]
    doc = tmp_path / "doc.md"
    doc.write_text(sample_text())
    assert main(["spec", "init", "--doc", str(doc), "--output", str(tmp_path / "matrix.yaml")]) == 0
    shipped = load_spec(SPEC)
    written = load_spec(tmp_path / "matrix.yaml")
    assert {env: written.env(env).data.classification for env in shipped.environments} == {
        env: shipped.env(env).data.classification for env in shipped.environments}
    other = tmp_path / "other.yaml"
    other.write_text(SPEC.read_text().replace("classification: synthetic ", "classification: anonymized ", 1))
    capsys.readouterr()
    assert main(["spec", "check", "--doc", str(doc), "--spec", str(other)]) == 1
    assert 'dev Data: document "Synthetic", spec "anonymized"' in capsys.readouterr().out
