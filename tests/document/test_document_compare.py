"""The spec against documents of the seed's shape: green when they agree, one named line per disagreement."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from envmatrix.document.compare import compare
from envmatrix.document.parse import DocumentError, read_document
from envmatrix.spec import load_spec
from tests.document.samples import SEED, SPEC, replace_once, sample_text


def _lines(path: Path) -> list[str]:
    return [d.line() for d in compare(read_document(path), load_spec(SPEC)).disagreements]


def test_sample_document_agrees_with_the_spec(write_doc: Callable[[str], Path]) -> None:
    result = compare(read_document(write_doc(sample_text())), load_spec(SPEC))
    assert result.disagreements == []
    # the production worker's floor: the infrastructure table's range wins over the tfvars (known contradiction)
    assert [note.split(":")[0] for note in result.resolved] == ["production terraform.tfvars worker_min_capacity"]
    assert "security.hsts" in result.spec_only["production"]


MUTATIONS = [
    pytest.param(("| 30 days", "| 35 days", "Environment Comparison Matrix"),
                 ['production Backups: document "35 days", spec 30'], id="matrix-cell"),
    pytest.param(("db_backup_retention_days  = 30", "db_backup_retention_days  = 21", "## Production"),
                 ['production terraform.tfvars db_backup_retention_days: document "21", spec 30'], id="tfvars-value"),
    pytest.param(("DB_POOL_SIZE=50\n", "", "## Production"),
                 ["production environment variables DB_POOL_SIZE: document (absent), spec 50"], id="env-line-removed"),
    pytest.param(("SMTP_PASSWORD=<from-secrets-manager>\n", "", "## Production"),
                 ["production environment variables SMTP_PASSWORD: document not <from-secrets-manager>, spec "
                  "<from-secrets-manager> (secrets.from_secrets_manager)"], id="secret-line-removed"),
    pytest.param(("db.t3.large (2 vCPU", "db.t3.xlarge (4 vCPU", "## Staging"),
                 ['staging infrastructure table RDS: document "db.t3.xlarge (4 vCPU, 8 GB RAM), Multi-AZ", '
                  'spec "db.t3.large"'], id="infrastructure-row"),
]


@pytest.mark.parametrize("mutation, expected", MUTATIONS)
def test_mutated_sample_is_red_naming_the_row(
    write_doc: Callable[[str], Path], mutation: tuple[str, str, str], expected: list[str]
) -> None:
    old, new, after = mutation
    assert _lines(write_doc(replace_once(sample_text(), old, new, after=after))) == expected


def test_a_matrix_cell_change_in_the_sample(write_doc: Callable[[str], Path]) -> None:
    text = sample_text()
    row = next(line for line in text.splitlines() if line.startswith("| **Rate Limiting**"))
    changed = row.rsplit("| Enabled |", 1)[0] + "| Disabled |"
    assert _lines(write_doc(text.replace(row, changed))) == [
        'production Rate Limiting: document "Disabled", spec true']


def test_environment_the_spec_lacks_and_section_the_document_lacks(write_doc: Callable[[str], Path]) -> None:
    text = sample_text().replace("## Staging Environment", "## QA Environment")
    lines = _lines(write_doc(text))
    # the tfvars block still says environments/staging/terraform.tfvars: its caption places it
    assert "staging environment-variable block: document has none, spec has the environment" in lines
    assert "qa environment: document documents it, spec has no such environment" in lines


def test_a_document_without_the_matrix_is_an_error(write_doc: Callable[[str], Path]) -> None:
    with pytest.raises(DocumentError, match="Environment Comparison Matrix"):
        read_document(write_doc("# Title\n\n## Development Environment\n"))


def test_a_tfvars_block_that_does_not_parse_names_the_document(write_doc: Callable[[str], Path]) -> None:
    text = sample_text().replace('aws_region = "us-east-1"', 'aws_region = "us-east-1', 1)
    with pytest.raises(DocumentError, match="terraform.tfvars block does not parse"):
        read_document(write_doc(text))


seed = pytest.mark.skipif(not SEED.exists(), reason=f"the seed document is not here ({SEED})")


@seed
def test_the_seed_agrees_with_the_spec() -> None:
    result = compare(read_document(SEED), load_spec(SPEC))
    assert result.disagreements == []
    assert len(result.resolved) == 1


SEED_MUTATIONS = [
    pytest.param("| 30 days                |", "| 35 days                |", "## Environment Comparison Matrix",
                 'production Backups: document "35 days", spec 30', id="matrix-cell"),
    pytest.param("| Basic                 |", "| Full                  |", "## Environment Comparison Matrix",
                 'dev Monitoring: document "Full", spec "basic"', id="matrix-monitoring"),
    pytest.param("cache_num_nodes           = 2", "cache_num_nodes           = 3", "environments/staging/terraform",
                 'staging terraform.tfvars cache_num_nodes: document "3", spec 2', id="tfvars-value"),
    pytest.param("ENABLE_RATE_LIMITING=true\n", "", "## Production Environment",
                 "production environment variables ENABLE_RATE_LIMITING: document (absent), spec true",
                 id="env-line-removed"),
]


@seed
@pytest.mark.parametrize("old, new, after, expected", SEED_MUTATIONS)
def test_mutated_seed_is_red_naming_the_row(
    write_doc: Callable[[str], Path], old: str, new: str, after: str, expected: str
) -> None:
    mutated = replace_once(SEED.read_text(), old, new, after=after)
    assert _lines(write_doc(mutated)) == [expected]
