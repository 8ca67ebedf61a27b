"""Any tfvars file name, several files merged as Terraform merges them, ``*.tfvars.json``, syntax errors with line,
column and what was expected, and variables validated against the module's own declarations (variables.tf)."""

from __future__ import annotations

import json
from pathlib import Path

import hcl2
import pytest

from envmatrix.config import Setting, load_config
from envmatrix.context import Paths, build_paths
from envmatrix.declared import Tfvars, load_tfvars
from envmatrix.errors import ConfigError, TfvarsError, VariablesError
from envmatrix.escape import markdown
from envmatrix.locations import locate
from envmatrix.reporting.matrix import NOT_CHECKED, NOT_CHECKED_LABEL, header_facts
from envmatrix.reporting.model import Matrix
from envmatrix.tfvariables import load_declarations, parse_type, type_problem
from envmatrix.tfvars_read import auto_loaded
from tests.conftest import Project

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "fixtures" / "tfvars" / "production" / "terraform.tfvars"
#: What a real repository's tfvars carry beyond what the suite checks (issue 22, item 11).
EXTRA = '''
default_tags = {
  Team          = "orders"
  "cost-center" = "42"
}
alarm_thresholds = [
  { name = "cpu", threshold = 80.5 },
  { name = "memory", threshold = 90, enabled = false },
]
extra_cidrs = ["10.9.0.0/16", "10.10.0.0/16"]
service_description = <<EOT
Orders API
  and its worker
EOT
scaling_ratio = 0.75
'''
VARIABLES = '''
variable "default_tags" {
  type    = map(string)
  default = {}
}

variable "alarm_thresholds" {
  type = list(object({
    name      = string
    threshold = number
    enabled   = optional(bool, true)
  }))
}
variable "extra_cidrs" { type = list(string) }
variable "service_description" { type = string }
variable "scaling_ratio" { type = number }
'''


def _line(path: Path, text: str) -> int:
    return next(number for number, line in enumerate(path.read_text().splitlines(), 1) if line.startswith(text))


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _shipped_declarations() -> str:
    """A variables.tf declaring every shipped variable, untyped (Terraform's default: any)."""
    return "".join(f'variable "{key}" {{}}\n' for key in Tfvars.model_fields)


def _error(paths: Path | list[Path], **options: list[Path]) -> str:
    with pytest.raises(TfvarsError) as caught:
        load_tfvars(paths, **options)
    return str(caught.value)


# --- item 6: any file name, several files, JSON ---------------------------------------------------------------


def test_any_file_name_keeps_lines_and_names_the_file(tmp_path: Path) -> None:
    path = _write(tmp_path / "stacks" / "live" / "main.auto.tfvars", SHIPPED.read_text())
    tfvars = load_tfvars(path)
    line = _line(path, "db_backup_retention_days")
    assert tfvars.file_name("db_backup_retention_days") == "main.auto.tfvars"
    assert tfvars.line_of("db_backup_retention_days") == line
    where = f"stacks/live/main.auto.tfvars:{line}"
    assert locate("declared", "main.auto.tfvars", "db_backup_retention_days", tfvars.sources(), tmp_path) == where
    assert locate("drift", "rds:x", "db_backup_retention_days", tfvars.sources(), tmp_path) == where
    assert locate("declared", "terraform.tfvars", "db_backup_retention_days", tfvars.sources(), tmp_path) == ""


def test_a_later_file_wins_and_is_named_as_the_one_that_set_the_value(tmp_path: Path) -> None:
    base = _write(tmp_path / "terraform.tfvars", SHIPPED.read_text())
    override = _write(tmp_path / "zz.auto.tfvars", "# live overrides\n\ndb_backup_retention_days = 7\n")
    tfvars = load_tfvars([base, override])
    assert tfvars.db_backup_retention_days == 7
    assert (tfvars.file_name("db_backup_retention_days"), tfvars.line_of("db_backup_retention_days")) == (
        "zz.auto.tfvars", 3)
    assert (tfvars.file_name("db_multi_az"), tfvars.line_of("db_multi_az")) == (
        "terraform.tfvars", _line(base, "db_multi_az"))
    sources = tfvars.sources()
    assert locate("drift", "rds:x", "db_backup_retention_days", sources, tmp_path) == "zz.auto.tfvars:3"
    multi_az = f"terraform.tfvars:{_line(base, 'db_multi_az')}"
    assert locate("drift", "rds:x", "db_multi_az", sources, tmp_path) == multi_az
    # the other order: the base file's value applies, and is located there
    assert load_tfvars([override, base]).file_name("db_backup_retention_days") == "terraform.tfvars"


def test_a_folder_loads_what_terraform_loads_in_its_order(tmp_path: Path) -> None:
    for name in ("b.auto.tfvars.json", "a.auto.tfvars", "terraform.tfvars.json", "terraform.tfvars", "other.tfvars",
                 "notes.md"):
        _write(tmp_path / "live" / name, "")
    assert [path.name for path in auto_loaded(tmp_path / "live")] == [
        "terraform.tfvars", "terraform.tfvars.json", "a.auto.tfvars", "b.auto.tfvars.json"]
    paths = Paths(tmp_path, tmp_path / "{env}", tmp_path, tmp_path, tmp_path)
    assert [path.name for path in paths.tfvars_all("live")][2:] == ["a.auto.tfvars", "b.auto.tfvars.json"]
    assert paths.tfvars("live").name == "terraform.tfvars"
    listed = Paths(tmp_path, tmp_path, tmp_path, tmp_path, tmp_path,
                   tfvars_files={"live": [tmp_path / "common.tfvars", tmp_path / "live"]})
    assert [path.name for path in listed.tfvars_all("live")] == ["common.tfvars", *[p.name for p in
                                                                                   auto_loaded(tmp_path / "live")]]
    shipped = Paths(tmp_path, ROOT / "fixtures" / "tfvars", tmp_path, tmp_path, tmp_path)
    assert shipped.tfvars_all("production") == [SHIPPED]  # the default layout is one file, as before


def test_config_takes_a_list_of_tfvars_files_and_the_variables(tmp_path: Path) -> None:
    _write(tmp_path / "tf" / "common.tfvars", "")
    _write(tmp_path / "tf" / "prod" / "main.auto.tfvars", "")
    config = _write(tmp_path / "envmatrix.toml", '[paths]\nvariables = "tf/{short_name}"\n\n'
                    '[environments.production]\nshort_name = "prod"\n'
                    'tfvars = ["tf/common.tfvars", "tf/{short_name}/main.auto.tfvars"]\n')
    project = load_config(config)
    settings = {key: Setting(str(tmp_path), "test") for key in ("spec", "tfvars_root", "env_root", "waivers",
                                                                "reports")}
    paths = build_paths(settings, project, check=False)
    assert paths.tfvars_all("production") == [tmp_path / "tf" / "common.tfvars",
                                              tmp_path / "tf" / "prod" / "main.auto.tfvars"]
    assert paths.variables_of("production") == [tmp_path / "tf" / "prod"]
    assert Paths(tmp_path, tmp_path, tmp_path, tmp_path, tmp_path).variables_of("production") is None
    config.write_text('[environments.production]\ntfvars = ["tf/common.tfvars", "tf/{region}.tfvars"]\n')
    with pytest.raises(ConfigError, match=r"environments.production.tfvars: unknown placeholder"):
        load_config(config)
    config.write_text("[environments.production]\ntfvars = []\n")
    with pytest.raises(ConfigError, match=r"environments.production.tfvars"):
        load_config(config)


def test_json_tfvars_read_as_terraform_reads_them_with_lines(tmp_path: Path) -> None:
    options = hcl2.SerializationOptions(strip_string_quotes=True, with_comments=False)
    data = hcl2.loads(SHIPPED.read_text(), serialization_options=options)
    path = _write(tmp_path / "terraform.tfvars.json", json.dumps(data, indent=2))
    tfvars = load_tfvars(path)
    assert tfvars.model_dump() == load_tfvars(SHIPPED).model_dump()
    for key in data:
        assert tfvars.line_of(key) == _line(path, f'  "{key}"'), key
    assert tfvars.file_name("vpc_cidr") == "terraform.tfvars.json"


@pytest.mark.parametrize(("text", "fragment"), [
    ('{\n  "aws_region": "us-east-1",\n}\n', "terraform.tfvars.json:3:1: JSON syntax error: Expecting property name"),
    ('["aws_region"]', "holds one object of variables, not a list"),
    ('{"aws_region": "a",\n "aws_region": "b"}', "aws_region is set more than once (lines [1, 2])"),
])
def test_json_tfvars_problems_name_file_and_line(tmp_path: Path, text: str, fragment: str) -> None:
    assert fragment in _error(_write(tmp_path / "terraform.tfvars.json", text))


# --- item 7: syntax errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "where", "problem"), [
    ("a = 1\nb = {\n  c = 2\n  }\n}\n", "5:1", "unexpected '}'; expected end of file"),
    ("a = 1\nb = [1, 2\nc = 3\n", "3:1", "unexpected 'c'; expected one of: ',', ']', a new line"),
    ("a = 1\nb = @\n", "2:5", "unexpected '@'; expected one of: "),
    ('a = 1\nb = "x\n', "2:6", "unexpected end of file; expected one of: "),
    ("a = \n", "1:5", "unexpected end of line; expected one of: "),
    ("x = 1\na = {\n  b = [1,\n  2]\nc = 2\n", "6:1", "unexpected end of file; expected one of: "),
])
def test_a_syntax_error_gives_line_column_and_what_was_expected(tmp_path: Path, text: str, where: str,
                                                               problem: str) -> None:
    path = _write(tmp_path / "stacks" / "main.auto.tfvars", text)
    message = _error(path)
    assert message.startswith(f"tfvars {path}:{where}: HCL syntax error: {problem}")
    assert message.endswith("(inside the '{' opened on line 2)") is (where == "6:1")


def test_json_in_a_file_not_named_json_says_so(tmp_path: Path) -> None:
    message = _error(_write(tmp_path / "main.auto.tfvars", '{\n  "aws_region": "eu-west-1"\n}\n'))
    assert message.endswith("1:1: HCL syntax error: unexpected '{'; expected one of: a name, a new line (JSON? "
                            "Terraform reads JSON only from a file named *.tfvars.json)")


def test_a_syntax_error_never_shows_a_secret_named_value(tmp_path: Path) -> None:
    message = _error(_write(tmp_path / "main.auto.tfvars", "db_password = [hunter2 hunter3\n"))
    assert "hunter" not in message and "value hidden" in message


# --- item 11: variables the suite does not model ----------------------------------------------------------------


def test_variables_the_suite_does_not_model_are_accepted_and_listed(tmp_path: Path) -> None:
    tfvars = load_tfvars(_write(tmp_path / "terraform.tfvars", SHIPPED.read_text() + EXTRA))
    assert tfvars.db_backup_retention_days == load_tfvars(SHIPPED).db_backup_retention_days
    assert tfvars.unchecked == ("alarm_thresholds", "default_tags", "extra_cidrs", "scaling_ratio",
                                "service_description")
    assert set(tfvars.unchecked) <= tfvars.keys() and "vpc_cidr" in tfvars.keys()
    assert load_tfvars(SHIPPED).unchecked == ()


def test_a_near_miss_of_a_known_name_stays_an_error(tmp_path: Path) -> None:
    path = _write(tmp_path / "terraform.tfvars", SHIPPED.read_text() + "\ndb_backup_retension_days = 7\n")
    message = _error(path)
    assert f"{path}:{_line(path, 'db_backup_retension_days')}: db_backup_retension_days" in message
    assert "did you mean 'db_backup_retention_days'?" in message


def test_declared_variables_validate_names_and_types(tmp_path: Path) -> None:
    variables = _write(tmp_path / "module" / "variables.tf", _shipped_declarations() + VARIABLES)
    path = _write(tmp_path / "terraform.tfvars", SHIPPED.read_text() + EXTRA)
    assert load_tfvars(path, variables=[variables]).unchecked[0] == "alarm_thresholds"
    assert load_tfvars(path, variables=[variables.parent]).unchecked[0] == "alarm_thresholds"  # a module folder


def test_an_undeclared_variable_is_one_error_naming_file_and_line(tmp_path: Path) -> None:
    variables = _write(tmp_path / "variables.tf", _shipped_declarations())
    path = _write(tmp_path / "main.auto.tfvars", SHIPPED.read_text() + EXTRA)
    message = _error(path, variables=[variables])
    assert message.startswith(f"tfvars {path}:{_line(path, 'default_tags')}: default_tags: undeclared variable")
    assert "(and" not in message and "\n" not in message
    typo = _write(tmp_path / "typo.auto.tfvars", "\ndb_multi_azz = true\n")
    assert _error([SHIPPED, typo], variables=[variables]) == (
        f"tfvars {typo}:2: db_multi_azz: undeclared variable (the module's variables declare no 'db_multi_azz'); "
        "did you mean 'db_multi_az'?")


def test_with_declarations_a_name_near_a_known_one_is_the_module_own(tmp_path: Path) -> None:
    """The module decides: a variable it declares passes, however close its name is to one the suite checks."""
    path = _write(tmp_path / "terraform.tfvars", SHIPPED.read_text() + "db_multi_azz = true\n")
    assert "did you mean 'db_multi_az'?" in _error(path)
    variables = _write(tmp_path / "variables.tf", _shipped_declarations() + 'variable "db_multi_azz" {}\n')
    assert load_tfvars(path, variables=[variables]).unchecked == ("db_multi_azz",)


@pytest.mark.parametrize(("replace", "wrong", "variable", "problem"), [
    ("scaling_ratio = 0.75", 'scaling_ratio = "three quarters"', "scaling_ratio",
     "scaling_ratio: expected number, got a string"),
    ('extra_cidrs = ["10.9.0.0/16", "10.10.0.0/16"]', 'extra_cidrs = "10.9.0.0/16"', "extra_cidrs",
     "extra_cidrs: expected list(string), got a string"),
    ('{ name = "cpu", threshold = 80.5 }', '{ name = "cpu", threshold = "high" }', "alarm_thresholds",
     "alarm_thresholds[0].threshold: expected number"),
    ('{ name = "cpu", threshold = 80.5 }', "{ threshold = 1 }", "alarm_thresholds",
     "alarm_thresholds[0]: attribute 'name' is required"),
    ('Team          = "orders"', 'Team          = ["orders"]', "default_tags",
     "default_tags.Team: expected string, got a list"),
])
def test_a_value_of_the_wrong_type_is_one_error(tmp_path: Path, replace: str, wrong: str, variable: str,
                                                problem: str) -> None:
    variables = _write(tmp_path / "variables.tf", _shipped_declarations() + VARIABLES)
    path = _write(tmp_path / "terraform.tfvars", SHIPPED.read_text() + EXTRA.replace(replace, wrong))
    message = _error(path, variables=[variables])
    assert message.startswith(f"tfvars {path}:{_line(path, variable)}: {problem}")
    declared = _line(variables, f'variable "{variable}"')
    assert f"(declared at variables.tf:{declared})" in message
    assert "high" not in message and "three quarters" not in message  # values are never shown


@pytest.mark.parametrize("text", [
    "string", "number", "bool", "any", "list(string)", "set(number)", "map(any)", "list(map(string))",
    "tuple([string, number, bool])", "object({a, b})",
])
def test_type_constraints_read_back(text: str) -> None:
    source = text if text != "object({a, b})" else "object({a = string, b = optional(number, 3)})"
    assert str(parse_type("${" + source + "}")) == text


@pytest.mark.parametrize(("type_text", "value", "fits"), [
    ("number", "30", True), ("number", "thirty", False), ("number", True, False), ("string", 30, True),
    ("string", False, True), ("string", {"a": 1}, False), ("bool", "true", True), ("bool", 1, False),
    ("list(string)", ["a", 1], True), ("list(number)", ["a"], False), ("set(string)", "a", False),
    ("tuple([string, number])", ["a", 1], True), ("tuple([string, number])", ["a"], False),
    ("map(number)", {"a": 1, "b": "x"}, False), ("object({a = number})", {"a": 1, "extra": "dropped"}, True),
    ("object({a = optional(number)})", {}, True), ("object({a = number})", {}, False),
    ("any", [{"a": [1]}], True), ("string", None, True),
])
def test_values_fit_types_as_terraform_converts_them(type_text: str, value: object, fits: bool) -> None:
    assert (type_problem(parse_type(type_text), value, "x") is None) is fits


@pytest.mark.parametrize(("text", "fragment"), [
    ('variable "a" { type = strng }', "variables.tf:1: variable 'a': type 'strng' is not one this suite reads"),
    ('variable "a" {}\nvariable "a" {}\n', "variables.tf:2: variable 'a' is declared twice"),
    ('variable "a" {\n', "variables.tf:2:1: HCL syntax error: unexpected end of file"),
    ('output "a" { value = 1 }\n', "variables.tf: no variable blocks found"),
])
def test_bad_declarations_are_one_error(tmp_path: Path, text: str, fragment: str) -> None:
    with pytest.raises(VariablesError) as caught:
        load_declarations([_write(tmp_path / "variables.tf", text)])
    assert fragment in str(caught.value) and str(caught.value).startswith("variables ")


def test_header_says_once_which_variables_are_not_checked() -> None:
    def facts(meta: dict[str, str]) -> dict[str, str]:
        return dict(header_facts(Matrix.model_construct(meta=meta, environments=[], layers={})))

    assert facts({NOT_CHECKED: "dev, production: default_tags"})[NOT_CHECKED_LABEL] == "dev, production: default_tags"
    assert NOT_CHECKED_LABEL not in facts({})


# --- a whole run: findings keep the real file and line in every report -------------------------------------------


def test_a_run_on_main_auto_tfvars_names_the_file_and_line_everywhere(project: Project) -> None:
    """The issue's layout: ``stacks/<env>/main.auto.tfvars`` (a folder template, loaded as Terraform loads it),
    with a variable the suite has no model for."""
    (project.path / "envmatrix.toml").write_text('[paths]\ntfvars_root = "stacks/{env}"\n')
    for env in ("dev", "staging", "production"):
        _write(project.path / "stacks" / env / "main.auto.tfvars", project.tfvars(env).read_text())
    path = project.path / "stacks" / "production" / "main.auto.tfvars"
    project.set_line(path, "db_backup_retention_days", "db_backup_retention_days = 1")
    path.write_text(path.read_text() + 'default_tags = { Team = "orders" }\n')
    line = _line(path, "db_backup_retention_days")
    outcome = project.run("--env=production", "-m", "declared", "--reports-dir=reports")
    message = outcome.failed["DB-BACKUP-RETENTION[production]"]
    assert "main.auto.tfvars.db_backup_retention_days" in message and "terraform.tfvars" not in message
    reports = project.path / "reports"
    results = json.loads((reports / "matrix.json").read_text())["results"]
    located = {r["check_id"]: r["location"] for r in results if r["status"] == "fail"}
    assert located["DB-BACKUP-RETENTION"] == f"stacks/production/main.auto.tfvars:{line}"
    sarif = json.loads((reports / "envmatrix.sarif").read_text())["runs"][0]["results"]
    physical = next(r for r in sarif if r["ruleId"] == "DB-BACKUP-RETENTION")["locations"][0]["physicalLocation"]
    assert physical == {"artifactLocation": {"uri": "stacks/production/main.auto.tfvars", "uriBaseId": "%SRCROOT%"},
                        "region": {"startLine": line}}
    assert "terraform.tfvars" not in json.dumps([r["message"] for r in sarif])
    assert f"{NOT_CHECKED_LABEL} **{markdown('production: default_tags')}**" in (reports / "matrix.md").read_text()
