"""Bad input: one readable message naming the file/option, a non-zero exit, never a traceback."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import Project, assert_one_usage_error


@dataclass(frozen=True)
class BadInput:
    name: str
    target: str  # "tfvars:<env>", "env:<env>", "spec", "waivers", or "" for command-line only
    content: str | None  # new file content (None: leave the file)
    args: tuple[str, ...]
    message: tuple[str, ...]  # fragments of the one error line


def _waiver(check: str = "DB-BACKUP-RETENTION", env: str = "production", expires: str = "2099-01-01") -> str:
    return (f"waivers:\n  - check: {check}\n    env: {env}\n    reason: test\n    owner: me\n"
            f"    expires: {expires}\n")


CASES = [
    BadInput("hcl-syntax", "tfvars:production", 'aws_region = "us-east-1"\nvpc_cidr = \n', (),
             ("tfvars", "production/terraform.tfvars:2", "HCL syntax error")),
    BadInput("tfvars-empty", "tfvars:staging", "", ("--env=staging",), ("staging/terraform.tfvars", "file is empty")),
    BadInput("tfvars-binary", "tfvars:production", "\x00\x01\x02garbage", (),
             ("production/terraform.tfvars", "binary data")),
    BadInput("env-duplicate", "env:production", "ENVIRONMENT=production\nENVIRONMENT=staging\n", (),
             ("production.env:2", "ENVIRONMENT is set more than once")),
    BadInput("env-bad-quote", "env:production", 'ENVIRONMENT="production\n', (),
             ("production.env:1", "unterminated \" quote")),
    BadInput("env-not-assignment", "env:production", "this is not an env file\n", (),
             ("production.env:1", "not a KEY=value line")),
    BadInput("spec-not-yaml", "spec", "environments: [unclosed\n", (), ("spec", "matrix.yaml", "not valid YAML")),
    # dev renamed qa: a new environment, valid, whose tfvars do not exist yet
    BadInput("spec-new-env-without-files", "spec", None, (), ("tfvars", "tfvars/qa/terraform.tfvars", "cannot read")),
    BadInput("spec-alias-taken", "spec:alias", None, (),
             ("spec", "field environments", "production.aliases: 'prod' already names environment 'dev'")),
    BadInput("waiver-unknown-field", "waivers", _waiver() + "    color: red\n", (),
             ("waivers", "waivers.yaml", "waivers.0.color")),
    BadInput("waiver-bad-date", "waivers", _waiver(expires="next tuesday"), (),
             ("waivers", "waivers.0.expires")),
    BadInput("waiver-unknown-env", "waivers", _waiver(env="qa"), (), ("waivers", "unknown environment 'qa'")),
    BadInput("waiver-unknown-check", "waivers", _waiver(check="NO-SUCH-CHECK"), (),
             ("waivers", "NO-SUCH-CHECK[production]", "no check has the id")),
    BadInput("unknown-env", "", None, ("--env=qa",), ("--env", "unknown environment 'qa'", "dev, staging, production")),
    BadInput("empty-env", "", None, ("--env=production,",), ("--env", "empty environment name")),
    BadInput("missing-spec-path", "", None, ("--spec=nowhere.yaml",), ("spec path", "nowhere.yaml", "does not exist")),
    BadInput("missing-tfvars-root", "", None, ("--tfvars-root=nowhere",), ("tfvars_root", "does not exist")),
]


def _apply(project: Project, case: BadInput) -> None:
    kind, _, env = case.target.partition(":")
    if kind == "spec" and case.content is None:
        spec = project.path / "fixtures" / "matrix.yaml"
        text = spec.read_text()
        spec.write_text(text.replace("\n  dev:\n", "\n  dev:\n    aliases: [prod]\n" if env else "\n  qa:\n", 1))
        return
    paths = {"tfvars": lambda: project.tfvars(env), "env": lambda: project.env_file(env),
             "spec": lambda: project.path / "fixtures" / "matrix.yaml",
             "waivers": lambda: project.path / "fixtures" / "waivers.yaml"}
    if kind and case.content is not None:
        paths[kind]().write_text(case.content)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_bad_input_gives_one_clear_message(project: Project, case: BadInput) -> None:
    _apply(project, case)
    args = case.args if any(a.startswith("--env") for a in case.args) else ("--env=all", *case.args)
    assert_one_usage_error(project.run(*args, "-m", "declared or parity"), case.message)


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ('db_multi_az = "yes"', "db_multi_az: Input should be a valid boolean"),
        ("db_backup_retention_days = \"30\"", "db_backup_retention_days: Input should be a valid integer"),
        ("db_instance_class = null", "db_instance_class"),
        ("db_multi_azz = true", "db_multi_azz: not a variable this suite knows; did you mean 'db_multi_az'?"),
        ("db_multi_az = true\ndb_multi_az = false", "db_multi_az is set more than once"),
    ],
)
def test_wrong_typed_or_unknown_tfvars_value(project: Project, line: str, fragment: str) -> None:
    project.set_line(project.tfvars("production"), line.split(" ")[0], line)
    outcome = project.run("--env=production", "-m", "declared")
    assert outcome.returncode == pytest.ExitCode.USAGE_ERROR, outcome.output
    assert "production/terraform.tfvars:" in outcome.output
    assert fragment in outcome.output
    assert "Traceback" not in outcome.output


def test_missing_required_key_names_file_and_key(project: Project) -> None:
    project.set_line(project.tfvars("staging"), "db_multi_az", None)
    outcome = project.run("--env=staging", "-m", "declared")
    assert outcome.returncode == pytest.ExitCode.USAGE_ERROR
    assert "staging/terraform.tfvars: db_multi_az: required key is missing" in outcome.output


def test_wrong_typed_env_value(project: Project) -> None:
    project.set_line(project.env_file("production"), "DEBUG", "DEBUG=maybe")
    outcome = project.run("--env=production", "-m", "declared")
    assert outcome.returncode == pytest.ExitCode.USAGE_ERROR
    assert "production.env:3: DEBUG: Input should be a valid boolean, unable to interpret input" in outcome.output


def test_no_environment_selected_is_a_usage_error(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ENVIRONMENT", raising=False)
    outcome = project.run("-m", "declared")
    assert outcome.returncode == pytest.ExitCode.USAGE_ERROR
    assert "no environment selected" in outcome.output and "dev, staging, production" in outcome.output


def test_environment_variable_selects_when_no_option(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "development")
    outcome = project.run("-m", "declared and backups")
    assert outcome.passed == {"DB-BACKUP-RETENTION[dev]", "DB-DELETION-PROTECTION[dev]", "DB-FINAL-SNAPSHOT[dev]"}


def test_expired_waiver_fails_the_check(project: Project) -> None:
    waivers = project.path / "fixtures" / "waivers.yaml"
    yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    waivers.write_text(waivers.read_text().replace("expires: 2027-03-31", f"expires: {yesterday}", 1))
    outcome = project.run("--env=dev", "-m", "declared")
    assert outcome.returncode == 1
    assert "waiver expired on" in outcome.failed["AUTO-SCALING[dev]"]


def test_waiver_on_a_passing_check_fails_as_stale(project: Project) -> None:
    (project.path / "fixtures" / "waivers.yaml").write_text(_waiver())
    outcome = project.run("--env=production", "-m", "declared and backups")
    assert outcome.returncode == 1
    assert "DB-BACKUP-RETENTION[production]" in outcome.failed
    assert "XPASS(strict)" in outcome.failed["DB-BACKUP-RETENTION[production]"]


def test_waiver_never_hides_an_infrastructure_error(project: Project) -> None:
    """A waived check that cannot run (not a CheckFailed) still fails: waivers cover findings only."""
    (project.path / "checks" / "declared" / "test_broken.py").write_text(
        "from envmatrix import check\nfrom envmatrix.errors import InventoryUnavailable\n\n"
        "@check('DB-BROKEN', layer='declared', area='backups', row='backups')\n"
        "def test_db_broken(env):\n    raise InventoryUnavailable(env.name, 'rds', 'endpoint down')\n"
    )
    (project.path / "fixtures" / "waivers.yaml").write_text(_waiver(check="DB-BROKEN"))
    outcome = project.run("--env=production", "-k", "DB-BROKEN")
    assert outcome.returncode == 1
    assert "production: cannot read rds: endpoint down" in outcome.failed["DB-BROKEN[production]"]


def test_only_selected_area_runs(project: Project) -> None:
    outcome = project.run("--env=production", "-m", "declared and backups")
    assert outcome.passed == {"DB-BACKUP-RETENTION[production]", "DB-DELETION-PROTECTION[production]",
                              "DB-FINAL-SNAPSHOT[production]"}


def test_report_header_shows_each_setting_and_its_source(project: Project) -> None:
    outcome = project.run("--env=staging", f"--waivers={Path('fixtures/waivers.yaml')}", "-m", "declared and logging")
    assert "envmatrix: environments staging" in outcome.output
    assert "envmatrix: spec = " in outcome.output and "(default)" in outcome.output
    assert "waivers.yaml (command line)" in outcome.output


def test_markers_are_registered(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_inprocess("--markers")
    for marker in ("declared", "live", "smoke", "drift", "parity", "security", "sla", "backups", "logging", "flags"):
        result.stdout.fnmatch_lines([f"@pytest.mark.{marker}:*"])
