"""Environments are data: the spec names them (order, long names, aliases); one registry answers --env."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml

from envmatrix.config import ProjectConfig, run_environments
from envmatrix.environments import EnvironmentName, Environments
from envmatrix.errors import ConfigError, SpecError, UsageError
from envmatrix.spec import load_spec
from tests.conftest import ROOT, SHIPPED

SPEC = ROOT / "fixtures" / "matrix.yaml"
QA = Environments([EnvironmentName("dev", "development"), EnvironmentName("qa", "quality assurance", ("test",)),
                   EnvironmentName("production", "production", ("prod", "live"))])


def _spec(tmp_path: Path, old: str, new: str) -> Path:
    text = SPEC.read_text()
    assert old in text, old
    path = tmp_path / "matrix.yaml"
    path.write_text(text.replace(old, new, 1))
    return path


def test_the_shipped_spec_names_the_three_environments_in_promotion_order() -> None:
    assert SHIPPED.names == ("dev", "staging", "production")
    assert [SHIPPED.long_name(env) for env in SHIPPED] == ["development", "staging", "production"]
    assert SHIPPED.valid_names() == "dev, staging, production, development, prod, all"
    assert "prod" in SHIPPED.valid_names() and "qa" not in SHIPPED


@pytest.mark.parametrize(("given", "canonical"), [
    ("qa", "qa"), ("QA", "qa"), (" Quality Assurance ", "qa"), ("test", "qa"), ("live", "production"),
    ("development", "dev"), ("prod", "production"),
])
def test_names_long_names_and_aliases_are_canonical(given: str, canonical: str) -> None:
    assert QA.canonical(given) == canonical and QA.lookup(given) == canonical


def test_selection_follows_promotion_order_and_all_takes_every_environment() -> None:
    assert QA.parse_selection(["production,test", "dev"]) == ["dev", "qa", "production"]
    assert QA.parse_selection(["all"]) == ["dev", "qa", "production"]
    assert QA.parse_selection(["prod", "production"]) == ["production"]


@pytest.mark.parametrize("value", ["staging", "", "qa,,dev"])
def test_an_unknown_or_empty_name_lists_exactly_the_valid_ones(value: str) -> None:
    with pytest.raises(UsageError) as caught:
        QA.parse_selection([value])
    assert str(caught.value).endswith(
        "valid names: dev, qa, production, development, quality assurance, test, prod, live, all")


def test_configured_short_names_join_the_valid_names() -> None:
    config = ProjectConfig.model_validate({"environments": {"qa": {"short_name": "q1"}}})
    environments = run_environments(config, QA)
    assert environments.canonical("q1") == "qa" and environments.valid_names().endswith(", q1, all")


@pytest.mark.parametrize(("table", "problem"), [
    ({"staging": {}}, "environments.staging: not an environment of the spec; valid keys: dev, qa, production"),
    ({"qa": {"short_name": "prod"}}, "environments.qa.short_name: 'prod' already names production"),
    ({"qa": {"short_name": "x"}, "dev": {"short_name": "x"}}, "environments.dev.short_name: 'x' already names qa"),
])
def test_the_config_must_fit_the_spec_environments(table: dict[str, dict[str, str]], problem: str) -> None:
    config = ProjectConfig.model_validate({"environments": table})
    with pytest.raises(ConfigError, match=problem):
        run_environments(config, QA)


def test_the_order_of_the_spec_is_the_promotion_order(tmp_path: Path) -> None:
    text = SPEC.read_text()
    start, middle, end = text.index("\n  dev:\n"), text.index("\n  staging:\n"), text.index("\n  production:\n")
    path = tmp_path / "matrix.yaml"
    path.write_text(text[:start] + text[middle:end] + text[start:middle] + text[end:])  # staging before dev
    assert load_spec(path).environment_names().names == ("staging", "dev", "production")


@pytest.mark.parametrize(("old", "new", "problem"), [
    ("    long_name: staging\n", "    long_name: staging\n    aliases: [dev]\n",
     "field environments: Value error, staging.aliases: 'dev' already names environment 'dev'"),
    ("    long_name: staging\n", "    long_name: staging\n    aliases: [Development]\n",
     "staging.aliases: 'Development' already names environment 'dev'"),
    ("    long_name: staging\n", "    long_name: production\n",
     "production: 'production' already names environment 'staging'"),
    ("    long_name: staging\n", "    long_name: staging\n    aliases: [prod]\n",
     "production.aliases: 'prod' already names environment 'staging'"),
    ("    long_name: staging\n", "    long_name: staging\n    aliases: [stage, Stage]\n",
     "staging.aliases: 'Stage' is empty or repeats a name staging already has"),
    ("    long_name: staging\n", "    long_name: staging\n    aliases: [All]\n",
     "staging.aliases: 'All' is reserved (--env=all selects every environment)"),
    ("\n  staging:\n", "\n  Staging:\n", "'Staging': an environment name is lower-case letters, digits"),
], ids=["alias-is-a-name", "alias-is-a-long-name", "long-name-is-a-name", "alias-twice", "alias-repeated",
        "alias-all", "name-not-lower-case"])
def test_bad_environment_names_are_spec_errors(tmp_path: Path, old: str, new: str, problem: str) -> None:
    path = _spec(tmp_path, old, new)
    with pytest.raises(SpecError) as caught:
        load_spec(path)
    assert str(caught.value).startswith(f"spec {path}: ") and problem in str(caught.value), caught.value


def test_an_unknown_by_design_environment_names_its_key(tmp_path: Path) -> None:
    path = _spec(tmp_path, "      environments: [production]\n", "      environments: [prod]\n")
    with pytest.raises(SpecError, match=r"parity\.tfvars\.\w+\.environments: unknown environment\(s\) \['prod'\]; "
                                        r"valid: \['dev', 'staging', 'production'\]"):
        load_spec(path)


def test_an_environment_given_twice_is_a_yaml_error_with_its_line(tmp_path: Path) -> None:
    text = SPEC.read_text()
    block = text[text.index("\n  dev:\n"):text.index("\n  staging:\n")]
    path = tmp_path / "matrix.yaml"
    path.write_text(text.replace(block, block + block, 1))  # plain YAML would keep the second silently
    with pytest.raises(SpecError) as caught:
        load_spec(path)
    line = text[:text.index("\n  staging:\n")].count("\n") + 2
    assert str(caught.value) == f"spec {path}:{line}: not valid YAML: duplicate key 'dev'"


def test_a_spec_without_environments_is_an_error(tmp_path: Path) -> None:
    data = yaml.safe_load(SPEC.read_text())
    path = tmp_path / "matrix.yaml"
    path.write_text(yaml.safe_dump({**data, "environments": {}}))
    with pytest.raises(SpecError, match="field environments: Value error, must hold at least one environment"):
        load_spec(path)


def _constants(path: Path) -> list[str]:
    """Module-level names for environments, and literals holding two or more of the shipped names."""
    shipped = {*SHIPPED, *(SHIPPED.long_name(env) for env in SHIPPED)}
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Name) and node.id in ("ENVIRONMENTS", "LONG_NAMES"):
            found.append(f"{path}:{node.lineno} {node.id}")
        elif isinstance(node, ast.Tuple | ast.List | ast.Set | ast.Dict):
            items = node.keys if isinstance(node, ast.Dict) else node.elts
            words = {item.value for item in items if isinstance(item, ast.Constant) and item.value in shipped}
            if len(words) >= 2:
                found.append(f"{path}:{node.lineno} {sorted(words)}")
    return found


def test_no_environment_constants_are_left_in_the_code() -> None:
    modules = [path for folder in ("envmatrix", "checks", "smoke") for path in sorted((ROOT / folder).rglob("*.py"))]
    assert len(modules) > 50
    assert [hit for path in modules for hit in _constants(path)] == []


def _without_database_access(tmp_path: Path, **production: object) -> Path:
    data = yaml.safe_load((ROOT / "fixtures/matrix.yaml").read_text())
    for env in data["environments"].values():
        env.pop("database_access")
    data["environments"]["production"].update(production)
    path = tmp_path / "matrix.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_a_spec_without_database_access_loads_with_groups_only(tmp_path: Path) -> None:
    """A user's older spec still loads: the database admits the application's groups only, no bastion, no audit."""
    access = load_spec(_without_database_access(tmp_path)).env("production").database_access
    assert (access.source_roles, access.allowed_cidrs, access.bastion, access.audit) == (("api", "worker"), (), False,
                                                                                        None)


@pytest.mark.parametrize(("value", "problem"), [
    ({"allowed_cidrs": ["10.0.0.0/33"]}, "allowed_cidrs"),
    ({"source_roles": ["bastion"]}, "source_roles"),
    ({"audit": {"log_exports": [], "parameters": {"log_connections": "1"}}}, "log_exports"),
])
def test_a_bad_database_access_names_its_field(tmp_path: Path, value: dict[str, object], problem: str) -> None:
    with pytest.raises(SpecError, match=problem):
        load_spec(_without_database_access(tmp_path, database_access=value))
