"""``envmatrix init`` in a user's repository: the user's spec and waivers, names by prefix, secrets by rule,
ENVIRONMENT from the env file, display names; and ``envmatrix names`` with every name's source."""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from envmatrix.cli import main
from envmatrix.config import ProjectConfig, env_names, load_config
from envmatrix.context import Environment, Paths, Suite
from envmatrix.errors import ConfigError
from envmatrix.names import DEFAULTS, secret_reference
from envmatrix.reporting.matrix import build_matrix
from envmatrix.reporting.render_md import render_markdown
from envmatrix.spec import load_spec
from envmatrix.starter import NEXT_COMMAND, config_lines
from envmatrix.verdict import CheckFailed
from tests.conftest import ROOT, Project, forget_scratch_modules

#: The issue's team: environments development/uat/live (the spec's dev/staging/production), short names dev/uat/live.
SHORTS = {"dev": "dev", "staging": "uat", "production": "live"}
APP_ENVIRONMENTS = {"dev": "development", "staging": "uat", "production": "live"}
FLAGS = ["init", "--project", "orders", "--env", "development=dev", "--env", "staging=uat", "--env", "production=live",
         "--environment-tag", "Stage", "--project-tag", "Service",
         "--tfvars", "terraform/stacks/{short_name}/main.auto.tfvars", "--env-file", "deploy/env/{short_name}.env",
         "--name-prefix", "globex-{project}-{short_name}", "--project-prefix", "globex-{project}",
         "--name", "api_service=orders-api", "--name", "worker_service=orders-worker"]


def _user_repository(root: Path, *, region: str = "eu-west-1") -> Path:
    """The issue's layout: the shipped fixtures moved, their region, domain and ENVIRONMENT the team's own."""
    for env, short in SHORTS.items():
        tfvars = (ROOT / "fixtures" / "tfvars" / env / "terraform.tfvars").read_text()
        tfvars = tfvars.replace("us-east-1", region).replace("taskmanager", "orders")
        target = root / "terraform" / "stacks" / short / "main.auto.tfvars"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(tfvars)
        env_text = (ROOT / "fixtures" / "env" / f"{env}.env").read_text().replace("taskmanager", "orders")
        env_text = re.sub(r"(?m)^ENVIRONMENT=.*$", f"ENVIRONMENT={APP_ENVIRONMENTS[env]}", env_text)
        (root / "deploy" / "env").mkdir(parents=True, exist_ok=True)
        (root / "deploy" / "env" / f"{short}.env").write_text(env_text)
    return root


@pytest.fixture
def user_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("ENVMATRIX_SPEC", "ENVMATRIX_WAIVERS", "ENVMATRIX_TFVARS_ROOT", "ENVMATRIX_ENV_ROOT"):
        monkeypatch.delenv(name, raising=False)
    return _user_repository(tmp_path)


def test_the_issue_example_is_at_most_12_lines_and_every_name_follows_the_prefix(
        user_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*FLAGS, "--region", "eu-west-1"]) == 0
    out = capsys.readouterr().out
    text = (user_repo / "envmatrix.toml").read_text()
    assert config_lines(text) <= 12, text
    config = load_config(user_repo / "envmatrix.toml")
    live = env_names(config, "production")
    assert (live.db, live.cluster, live.api_log_group, live.secret("jwt-secret")) == (
        "globex-orders-live-db", "globex-orders-live", "/ecs/globex-orders-live-api", "globex-orders-live/jwt-secret")
    assert (live.api_service, live.worker_service, live.api_repository) == (
        "orders-api", "orders-worker", "globex-orders-api")
    assert env_names(config, "staging").alb == "globex-orders-uat-alb"
    # no default name of DESIGN.md's project survives anywhere
    for env in SHORTS:
        assert not [value for value in vars(env_names(config, env)).values() if "taskmanager" in str(value)]
    assert (config.tags.environment, config.tags.project) == ("Stage", "Service")
    # the user's own spec and an empty waivers file, both set in the config
    assert (config.paths.spec, config.paths.waivers) == ("matrix.yaml", "waivers.yaml")
    spec = load_spec(user_repo / "matrix.yaml")
    assert {spec.env(env).region for env in SHORTS} == {"eu-west-1"}
    assert spec.env("production").domain_name == "orders.com"
    assert spec.env("production").app.cors_origins == ("https://orders.com", "https://www.orders.com")
    assert yaml.safe_load((user_repo / "waivers.yaml").read_text()) == {"waivers": []}
    # the review: one line per value with its source; the next command is the audit
    assert re.search(r"production\s+region\s+eu-west-1\s+\(--region eu-west-1\)", out)
    assert re.search(r"production\s+domain_name\s+orders\.com\s+\(terraform/stacks/live/main\.auto\.tfvars:\d+\)", out)
    assert re.search(r"staging\s+app_environment\s+uat\s+\(deploy/env/uat\.env:2\)", out)
    assert NEXT_COMMAND in out and NEXT_COMMAND == 'envmatrix audit --env=all -m "declared or live or drift"'


def test_the_region_is_the_tfvars_one_and_a_missing_file_is_named_not_replaced_by_the_example(
        user_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(FLAGS) == 0
    out = capsys.readouterr().out
    spec = load_spec(user_repo / "matrix.yaml")
    assert spec.env("production").region == "eu-west-1"
    assert re.search(r"production\s+region\s+eu-west-1\s+\(terraform/stacks/live/main\.auto\.tfvars:2\)", out)
    assert "# from terraform/stacks/live/main.auto.tfvars:2" in (user_repo / "matrix.yaml").read_text()
    assert '  tags: {"Service": "orders"}   # plus Stage=<short name>' in (user_repo / "matrix.yaml").read_text()
    assert spec.defaults.tags == {"Service": "orders"}
    # A file the template misses: one line naming it (the example's us-east-1 would otherwise be written silently).
    (user_repo / "terraform" / "stacks" / "dev" / "main.auto.tfvars").rename(user_repo / "dev.tfvars.json")
    assert main([*FLAGS, "--force"]) != 0
    assert "init: not found: dev tfvars terraform/stacks/dev/main.auto.tfvars." in capsys.readouterr().err
    # ... named on its own (a JSON tfvars file, read as Terraform reads it, with its line)
    own = {"aws_region": "eu-west-3", "domain_name": "dev.orders.example"}
    (user_repo / "dev.tfvars.json").write_text(json.dumps(own, indent=2))
    assert main([*FLAGS, "--force", "--tfvars", "development=dev.tfvars.json"]) == 0
    assert re.search(r"dev\s+region\s+eu-west-3\s+\(dev\.tfvars\.json:2\)", capsys.readouterr().out)
    assert load_spec(user_repo / "matrix.yaml").env("dev").region == "eu-west-3"
    assert load_config(user_repo / "envmatrix.toml").env("dev").tfvars == "dev.tfvars.json"


def test_app_environment_is_the_env_files_never_the_short_name(user_repo: Path) -> None:
    assert main(FLAGS) == 0
    config = load_config(user_repo / "envmatrix.toml")
    spec = load_spec(user_repo / "matrix.yaml")
    names = spec.environment_names()
    assert {env: config.app_environment(env, names.long_name(env)) for env in SHORTS} == APP_ENVIRONMENTS
    assert "app_environment" not in config.env("dev").model_fields_set  # development is the long name: no line


def test_a_given_spec_is_saved_as_is(user_repo: Path) -> None:
    own = user_repo / "conformance" / "spec.yaml"
    own.parent.mkdir()
    own.write_text((ROOT / "fixtures" / "matrix.yaml").read_text())
    assert main([*FLAGS, "--spec", "conformance/spec.yaml"]) == 0
    config = load_config(user_repo / "envmatrix.toml")
    assert config.paths.spec == "conformance/spec.yaml"
    assert config.app_environment("production", "production") == "live"  # still the env file's ENVIRONMENT
    assert own.read_text() == (ROOT / "fixtures" / "matrix.yaml").read_text()
    assert not (user_repo / "matrix.yaml").exists()


def test_init_never_overwrites_and_bad_answers_are_one_line(
        user_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(FLAGS) == 0
    assert main(FLAGS) == 2
    assert "exists; pass --force" in capsys.readouterr().err
    assert main([*FLAGS, "--force", "--name", "database=x"]) == 2
    assert "unknown key" in capsys.readouterr().err
    assert main([*FLAGS, "--force", "--env", "uat=uat"]) == 2  # uat is a short name, not one of the spec's
    err = capsys.readouterr().err
    assert "'uat' is not an environment of the spec" in err and "--env staging=uat" in err
    assert len(err.strip().splitlines()) == 1


def test_without_a_prefix_every_default_name_is_designs(tmp_path: Path) -> None:
    design = {  # DESIGN.md's templates before prefixes existed
        "db": "{env}-{project}-db", "cluster": "{env}-{project}", "api_service": "api", "worker_service": "worker",
        "api_log_group": "/ecs/{env}-{project}-api", "secret_prefix": "{project}/{env}/",
        "sg_prefix": "{env}-{project}-", "api_repository": "{project}-api", "budget": "{env}-{project}-monthly"}
    names = vars(env_names(ProjectConfig(), "production"))
    for key, template in design.items():
        assert names[key] == template.format(env="production", project="taskmanager"), key
    assert set(DEFAULTS) <= set(names)


def test_names_prints_every_name_with_its_source(user_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(FLAGS) == 0
    capsys.readouterr()
    assert main(["names", "--env", "live", "--name", "db=orders-postgres"]) == 0
    out = capsys.readouterr().out
    for key in DEFAULTS:
        assert re.search(rf"^  {key}\s", out, re.MULTILINE), key
    assert re.search(r"^  db\s+orders-postgres\s+\(flag\)", out, re.MULTILINE)
    assert re.search(r"^  cache\s+globex-orders-live-cache\s+\(\S+ \[names\] prefix\)", out, re.MULTILINE)
    assert re.search(r"^  worker_container\s+\(default template\)", out, re.MULTILINE)
    assert re.search(r"^  secret OAUTH_GOOGLE_CLIENT_ID\s+globex-orders-live/oauth-google JSON key client_id\s+"
                     r"\(default rule\)", out, re.MULTILINE)


def test_the_secret_rule_is_configuration(tmp_path: Path) -> None:
    assert secret_reference("DATABASE_URL") == ("database-url", None)
    assert secret_reference("JWT_SECRET_KEY") == ("jwt-secret", None)
    assert secret_reference("OAUTH_GOOGLE_CLIENT_ID") == ("oauth-google", "client_id")
    path = tmp_path / "envmatrix.toml"
    path.write_text('[secrets]\ntemplate = "{snake}"\n[secrets.names]\nSMTP_PASSWORD = "mail#password"\n')
    secrets = load_config(path).secrets
    assert secrets.reference("DATABASE_URL") == ("database_url", None)
    assert secrets.reference("OAUTH_GITHUB_CLIENT_SECRET") == ("oauth_github", "client_secret")
    assert secrets.reference("SMTP_PASSWORD") == ("mail", "password")
    assert secrets.reference("JWT_SECRET_KEY") == ("jwt-secret", None)  # DESIGN.md's exception stays
    assert (secrets.source("SMTP_PASSWORD"), secrets.source("REDIS_URL")) == ("[secrets.names]", "[secrets] template")
    path.write_text('[secrets]\ntemplate = "{name}"\n')
    with pytest.raises(ConfigError, match=r"secrets\.template: unknown placeholder\(s\) \['name'\]"):
        load_config(path)


@pytest.fixture
def shipped_checks() -> Iterator[None]:
    """The shipped checks imported for a direct call, then forgotten (a scratch project's must not meet them)."""
    forget_scratch_modules()
    yield
    forget_scratch_modules()


def _environment(tmp_path: Path, env: str, env_text: str) -> Environment:
    import checks.declared.test_security  # noqa: F401 - registers the check
    from envmatrix.catalog import REGISTRY

    env_file = tmp_path / f"{env}.env"
    env_file.write_text(env_text)
    fixtures = ROOT / "fixtures"
    paths = Paths(fixtures / "matrix.yaml", fixtures / "tfvars", fixtures / "env", tmp_path / "w.yaml",
                  tmp_path / "reports", env_files={env: env_file})
    suite = Suite(spec=load_spec(paths.spec), paths=paths, selected=[env], root=tmp_path)
    return Environment(suite, env, REGISTRY[("declared", "SECRETS-PLACEHOLDERS")])


@pytest.mark.usefixtures("shipped_checks")
def test_secrets_placeholders_reports_every_mismatch_at_once(tmp_path: Path) -> None:
    from checks.declared.test_security import test_secrets_placeholders

    text = (ROOT / "fixtures" / "env" / "staging.env").read_text()
    broken = re.sub(r"(?m)^(JWT_SECRET_KEY|REDIS_URL)=.*$", r"\1=literal-value", text)
    env = _environment(tmp_path, "staging", broken)
    with pytest.raises(CheckFailed) as failed:
        test_secrets_placeholders(env)
    lines = str(failed.value).splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "staging SECRETS-PLACEHOLDERS staging.env.REDIS_URL", "staging SECRETS-PLACEHOLDERS staging.env.JWT_SECRET_KEY"]
    assert lines[1].endswith("got *** (staging.env:20)")  # a secret-named variable's value is never shown
    assert len(env.evidence) == len(env.spec.secrets.from_secrets_manager)  # every variable compared
    test_secrets_placeholders(_environment(tmp_path, "staging", text))  # the shipped file passes


def test_display_names_in_columns_and_failure_lines(tmp_path: Path) -> None:
    from envmatrix.reporting.results import CheckResult

    spec = load_spec(ROOT / "fixtures" / "matrix.yaml")
    result = CheckResult("checks/x.py::t[staging]", "APP-ENVIRONMENT", "staging", "declared", "flags",
                         "configuration", "critical", status="fail", kind="misconfiguration",
                         message="staging APP-ENVIRONMENT staging.env.ENVIRONMENT: expected uat, got staging")
    plain = render_markdown(build_matrix([result], spec, ["staging"], {}))
    shown = render_markdown(build_matrix([result], spec, ["staging"], {}, display_names={"staging": "UAT"}))
    assert "| Feature | Staging |" in plain and "`staging APP-ENVIRONMENT" in plain
    assert "| Feature | UAT |" in shown and "`UAT APP-ENVIRONMENT staging.env.ENVIRONMENT" in shown
    assert "display_names" not in build_matrix([result], spec, ["staging"], {}).dump()  # matrix.json unchanged


def test_init_writes_display_names(user_repo: Path) -> None:
    assert main([*FLAGS, "--display", "staging=UAT", "--display", "live=Live"]) == 0
    data = tomllib.loads((user_repo / "envmatrix.toml").read_text())
    assert data["environments"]["staging"]["display_name"] == "UAT"
    assert load_config(user_repo / "envmatrix.toml").display_names() == {"staging": "UAT", "production": "Live"}


def test_init_from_the_users_document(user_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.document.samples import sample_text

    (user_repo / "environments.md").write_text(sample_text())
    assert main([*FLAGS, "--doc", "environments.md", "--region", "production=eu-central-1"]) == 0
    out = capsys.readouterr().out
    spec = load_spec(user_repo / "matrix.yaml")
    assert spec.env("production").region == "eu-central-1"
    assert re.search(r"staging\s+domain_name\s+\S+\s+\(document environments\.md\)", out)  # the doc, not the tfvars
    assert load_config(user_repo / "envmatrix.toml").paths.spec == "matrix.yaml"


def test_terminal_failure_lines_use_display_names(project: Project) -> None:
    (project.path / "envmatrix.toml").write_text('[environments.production]\ndisplay_name = "Live"\n')
    project.set_line(project.tfvars("production"), "db_instance_class", 'db_instance_class = "db.t3.large"')
    project.set_line(project.tfvars("production"), "db_multi_az", "db_multi_az = false")
    outcome = project.run("--env=production", "-m", "declared")
    assert set(outcome.failed) >= {"DB-INSTANCE-CLASS[production]", "DB-MULTI-AZ[production]"}
    assert re.search(r"^Live DB-INSTANCE-CLASS terraform\.tfvars\.db_instance_class: expected db\.r6g\.xlarge",
                     outcome.output, re.MULTILINE), outcome.output
    assert not re.search(r"^production DB-", outcome.output, re.MULTILINE)


def test_every_mismatch_at_once_stops_at_a_missing_service() -> None:
    """Inside ``env.every()`` a missing prerequisite (the service whose containers are compared) still stops the
    check with the line naming it, after any mismatch already recorded; not a bare AssertionError."""
    from envmatrix.aws.ecs import EcsInventory
    from envmatrix.aws.secrets import SecretsInventory
    from tests.shapes.harness import judge, snapshot_of

    snapshot = snapshot_of("production", ecs=EcsInventory(cluster=None, services={}, task_definitions={}),
                           secrets=SecretsInventory(secrets={}))
    verdict = judge("checks/live/test_security.py", "SECRETS-PLACEHOLDERS", "production", snapshot)
    assert not verdict.passed
    assert verdict.message == ("production SECRETS-PLACEHOLDERS ecs-service:production-taskmanager/api.exists: "
                               "expected present, got missing"), verdict.message


def test_names_flags_a_missing_input_file(user_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A run would stop on a missing env file: `envmatrix names` says so first, for each file, and exits 1."""
    assert main(FLAGS) == 0
    capsys.readouterr()
    assert main(["names"]) == 0
    assert "MISSING" not in capsys.readouterr().out
    (user_repo / "deploy" / "env" / "uat.env").unlink()
    assert main(["names"]) == 1
    captured = capsys.readouterr()
    flagged = [line for line in captured.out.splitlines() if "MISSING" in line]
    assert flagged == [f"  env file {user_repo / 'deploy' / 'env' / 'uat.env'}   MISSING: no such file"], flagged
    assert "1 input file(s) missing" in captured.err
