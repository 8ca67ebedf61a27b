"""Declared inputs know the line each key is set on, and findings say ``file:line`` where a file declares them."""

from __future__ import annotations

from pathlib import Path

import pytest

from envmatrix.declared import load_env_file, load_tfvars
from envmatrix.errors import TfvarsError
from envmatrix.locations import locate, repository_root, shown_path, split_location

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "fixtures" / "tfvars" / "production" / "terraform.tfvars"


def _shipped_with(tmp_path: Path, replace: dict[str, str], prefix: str = "", suffix: str = "") -> Path:
    """The shipped production tfvars with some text replaced (old -> new, possibly several lines)."""
    text = SHIPPED.read_text()
    for old, new in replace.items():
        assert old in text, old
        text = text.replace(old, new)
    path = tmp_path / "terraform.tfvars"
    path.write_text(prefix + text + suffix)
    return path


def _line(path: Path, text: str) -> int:
    return next(number for number, line in enumerate(path.read_text().splitlines(), 1) if line.startswith(text))


def test_every_shipped_key_is_on_the_line_the_file_shows() -> None:
    tfvars = load_tfvars(SHIPPED)
    for key in type(tfvars).model_fields:
        if key in tfvars.model_fields_set:
            assert tfvars.line_of(key) == _line(SHIPPED, key), key
    assert tfvars.line_of("not_a_variable") is None


def test_multi_line_values_heredocs_and_comments_are_not_assignments(tmp_path: Path) -> None:
    """Comments, a heredoc or a list spanning lines hold text that looks like ``key = value``; only real assignments
    count (indented ones too), and every line after a multi-line value is still counted right."""
    path = _shipped_with(tmp_path, {
        '"us-east-1a",\n': '"us-east-1a", # db_multi_az = false\n',
        'log_level                 = "INFO"':
            'log_level = <<EOT\ndb_backup_retention_days = 2\n  domain_name = "x"\nEOT',
        'domain_name               = "taskmanager.com"': '  domain_name = "taskmanager.com"',
    }, prefix='# db_backup_retention_days = 1\n/* log_level = "DEBUG"\n   vpc_cidr = "x" */\n')
    tfvars = load_tfvars(path)
    assert tfvars.db_backup_retention_days == 30
    assert tfvars.line_of("db_backup_retention_days") == _line(path, "db_backup_retention_days")
    assert tfvars.line_of("db_multi_az") == _line(path, "db_multi_az")
    assert tfvars.line_of("log_level") == _line(path, "log_level")
    assert tfvars.line_of("domain_name") == _line(path, "  domain_name = \"taskmanager.com\"")
    assert tfvars.line_of("vpc_cidr") == _line(path, "vpc_cidr")


def test_a_heredoc_value_keeps_the_following_lines_right(tmp_path: Path) -> None:
    path = _shipped_with(tmp_path, {'log_level                 = "INFO"': 'log_level = <<EOT\nINFO\nEOT'})
    tfvars = load_tfvars(path)
    assert tfvars.line_of("log_level") == _line(path, "log_level")
    assert tfvars.line_of("domain_name") == _line(path, "domain_name")


def test_a_misspelt_key_error_names_its_line(tmp_path: Path) -> None:
    path = _shipped_with(tmp_path, {}, suffix="\n# trailing\ndb_backup_retension_days = 1\n")
    with pytest.raises(TfvarsError) as caught:
        load_tfvars(path)
    assert f":{_line(path, 'db_backup_retension_days')}: " in str(caught.value)


def test_env_file_keys_know_their_line(tmp_path: Path) -> None:
    path = tmp_path / "production.env"
    shipped = (ROOT / "fixtures" / "env" / "production.env").read_text()
    path.write_text("# header\n\n" + shipped.replace("\nDEBUG=", "\nexport DEBUG="))
    env_file = load_env_file(path)
    for key in ("ENVIRONMENT", "DEBUG", "LOG_LEVEL"):
        assert env_file.line_of(key) == next(n for n, line in enumerate(path.read_text().splitlines(), 1)
                                             if line.removeprefix("export ").startswith(f"{key}="))


def test_locate_per_layer(tmp_path: Path) -> None:
    tfvars = load_tfvars(SHIPPED)
    env_path = ROOT / "fixtures" / "env" / "production.env"
    env_file = load_env_file(env_path)
    sources = ((SHIPPED, tfvars.line_of), (env_path, env_file.line_of))
    retention = f"fixtures/tfvars/production/terraform.tfvars:{_line(SHIPPED, 'db_backup_retention_days')}"
    debug = f"fixtures/env/production.env:{env_file.line_of('DEBUG')}"
    assert locate("declared", "terraform.tfvars", "db_backup_retention_days", sources, ROOT) == retention
    assert locate("declared", "production.env", "DEBUG", sources, ROOT) == debug
    assert locate("declared", "production.env", "literal_values", sources, ROOT) == "fixtures/env/production.env"
    assert locate("declared", "document", "db_backup_retention_days", sources, ROOT) == ""
    assert locate("drift", "rds:production-taskmanager-db", "db_backup_retention_days", sources, ROOT) == retention
    assert locate("drift", "ecs-task-definition:x/container:api", "DEBUG", sources, ROOT) == debug
    assert locate("live", "ecs-task-definition:x", "environment.DEBUG", sources, ROOT) == debug
    assert locate("live", "rds:production-taskmanager-db", "BackupRetentionPeriod", sources, ROOT) == ""
    assert locate("smoke", "GET /health", "DEBUG", sources, ROOT) == ""


def test_paths_are_shown_from_the_repository_root(tmp_path: Path) -> None:
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    inner = tmp_path / "repo" / "infra" / "envmatrix"
    inner.mkdir(parents=True)
    assert repository_root(inner) == (tmp_path / "repo").resolve()
    assert shown_path(inner / "a.tfvars", repository_root(inner)) == "infra/envmatrix/a.tfvars"
    assert shown_path(tmp_path / "elsewhere.tfvars", repository_root(inner)) == (tmp_path / "elsewhere.tfvars"
                                                                                 ).resolve().as_posix()
    assert split_location("infra/a.tfvars:14") == ("infra/a.tfvars", 14)
    assert split_location("infra/a.env") == ("infra/a.env", None)
