"""Your own account by configuration (issue 16) and path options that cannot move the defaults (issue 13)."""

from __future__ import annotations

import shutil

import pytest

from tests.conftest import Project, assert_one_usage_error
from tests.live.acme_account import acme_layout


def test_acme_declared_green_with_configuration_only(project: Project) -> None:
    acme_layout(project)
    outcome = project.run("--envmatrix-config=acme/envmatrix.toml", "--env=prod,stage", "-m", "declared")
    assert outcome.returncode == 0, outcome.output
    assert "APP-ENVIRONMENT[production]" in outcome.passed and "APP-ENVIRONMENT[staging]" in outcome.passed
    assert "envmatrix: project acme; short names staging=stage, production=prod; tags env=<short name>, " \
           "app=<project>" in outcome.output


def test_acme_one_setting_broken_turns_exactly_its_check_red(project: Project) -> None:
    root = acme_layout(project)
    env_file = root / "app" / "config" / "prod.env"
    env_file.write_text(env_file.read_text().replace("ENVIRONMENT=prod", "ENVIRONMENT=production"))
    outcome = project.run("--envmatrix-config=acme/envmatrix.toml", "--env=prod", "-m", "declared")
    assert set(outcome.failed) == {"APP-ENVIRONMENT[production]"}, outcome.failed
    assert ("production APP-ENVIRONMENT prod.env.ENVIRONMENT: expected prod, got production"
            in outcome.failed["APP-ENVIRONMENT[production]"])


def test_short_name_from_environment_variable(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    acme_layout(project)
    monkeypatch.setenv("ENVIRONMENT", "prod")
    outcome = project.run("--envmatrix-config=acme/envmatrix.toml", "-m", "declared")
    assert outcome.returncode == 0, outcome.output
    assert {key.split("[")[1] for key in outcome.passed} == {"production]"}


@pytest.mark.parametrize("marker", ["declared", "live", "drift", "parity", "smoke", "declared or parity", ""])
def test_bad_config_stops_every_layer_selection(project: Project, marker: str) -> None:
    """An unknown names key stops the run before any check (exit 4), whatever layers are selected."""
    (project.path / "envmatrix.toml").write_text('[environments.production.names]\ndatabase = "x"\n')
    args = ("-m", marker) if marker else ()
    assert_one_usage_error(project.run("--env=all", *args),
                           ("config", "envmatrix.toml", "environments.production.names.database", "valid keys"))


def _outside(tmp_path_factory: pytest.TempPathFactory, project: Project, option: str) -> str:
    """A valid value for ``option`` that lives outside the project folder."""
    outside = tmp_path_factory.mktemp("outside")
    fixtures = project.path / "fixtures"
    sources = {"spec": fixtures / "matrix.yaml", "tfvars-root": fixtures / "tfvars", "env-root": fixtures / "env",
               "waivers": fixtures / "waivers.yaml"}
    if option in ("reports-dir", "previous-snapshots"):
        return str(outside)  # an existing folder: what moved pytest's rootdir
    if option == "ca-bundle":
        (outside / "ca.pem").write_text("")  # only its location matters here: no smoke check runs
        return str(outside / "ca.pem")
    if option == "envmatrix-config":
        (outside / "envmatrix.toml").write_text('[project]\nname = "taskmanager"\n')
        return str(outside / "envmatrix.toml")
    source = sources[option]
    target = outside / source.name
    if source.is_dir():
        shutil.copytree(source, target)
    else:
        shutil.copy(source, target)
    return str(target)


@pytest.mark.parametrize("form", ["separate", "equals"])
@pytest.mark.parametrize("option", ["spec", "tfvars-root", "env-root", "waivers", "reports-dir", "envmatrix-config",
                                    "previous-snapshots", "ca-bundle"])
def test_path_option_does_not_move_the_defaults(
    project: Project, tmp_path_factory: pytest.TempPathFactory, option: str, form: str,
) -> None:
    """``--opt=DIR``: the other settings still resolve against the project folder. ``--opt DIR`` (a plain pytest
    run): pytest took DIR for a test path and made it its rootdir, so the run stops with one line saying to write
    ``--opt=DIR`` (`envmatrix audit` runs both forms the same: tests/install/test_option_forms.py)."""
    value = _outside(tmp_path_factory, project, option)
    args = (f"--{option}", value) if form == "separate" else (f"--{option}={value}",)
    outcome = project.run("--env=dev", "-m", "declared", *args)
    if form == "separate":
        assert_one_usage_error(outcome, (f"write --{option}={value}", "rootdir", str(project.path)))
        return
    assert outcome.returncode == 0, outcome.output
    defaults = [line for line in outcome.output.splitlines() if line.endswith("(default)")]
    assert defaults and all(f"= {project.path}/" in line for line in defaults), defaults
