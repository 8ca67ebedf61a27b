"""The spec against the document, cell by cell: disagreements, resolved contradictions, values only the spec has."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from envmatrix.document.claims import (
    ABSENT,
    INFRA,
    MATRIX,
    TFVARS,
    Claim,
    env_claims,
    infrastructure_claims,
    matrix_claims,
    tfvars_claims,
)
from envmatrix.document.parse import ParsedDocument
from envmatrix.environments import Environments
from envmatrix.spec import EnvironmentSpec, Spec


@dataclass(frozen=True)
class Contradiction:
    """A place where the document contradicts itself, and which of its places the spec follows."""

    path: str
    loser: str
    winner: str
    rule: str


#: The seed's known self-contradictions and the rule deciding each (the spec header: the most specific place
#: wins). Only these are accepted; any other contradiction inside the document is reported as a disagreement.
KNOWN_CONTRADICTIONS: tuple[Contradiction, ...] = (
    Contradiction(
        "services.worker.min_capacity", TFVARS, INFRA,
        "a task range in the infrastructure table (\"10-100 tasks (auto-scale)\") is the documented scaling "
        "floor; the tfvars block's lower worker_min_capacity is the deployment's finding, shipped as a waiver"),
)


@dataclass(frozen=True)
class Disagreement:
    env: str
    label: str
    document: str
    spec: str

    def line(self) -> str:
        return f"{self.env} {self.label}: document {self.document}, spec {self.spec}"


@dataclass
class Comparison:
    """The outcome of one comparison: agree when there are no disagreements."""

    disagreements: list[Disagreement] = field(default_factory=list)
    resolved: list[str] = field(default_factory=list)
    spec_only: dict[str, list[str]] = field(default_factory=dict)

    @property
    def agree(self) -> bool:
        return not self.disagreements


def spec_value(env: EnvironmentSpec, path: str) -> Any:
    """The spec's value at a dotted path; ``a.b:present`` -> whether a.b is set; a missing parent -> None."""
    dotted, _, flag = path.partition(":")
    value: Any = env
    for part in dotted.split("."):
        value = getattr(value, part, None) if value is not None else None
    return value is not None if flag == "present" else value


def _same(document: Any, spec: Any) -> bool:
    if isinstance(spec, tuple | list) and isinstance(document, list):
        return sorted(document) == sorted(spec)
    if isinstance(spec, bool) or isinstance(document, bool):
        return document is spec
    return bool(document == spec)


def render(value: Any) -> str:
    if value is None:
        return "(not set)"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return f"{value:g}" if isinstance(value, float) else str(value)
    if isinstance(value, tuple | list):
        return json.dumps(", ".join(map(str, value)) or "(none)")
    return json.dumps(value, ensure_ascii=False)


def _label(claim: Claim) -> str:
    return claim.label if claim.source == MATRIX else f"{claim.source} {claim.label}"


def _differ(env: str, claim: Claim, spec: Any) -> list[Disagreement]:
    if isinstance(spec, tuple | list) and isinstance(claim.value, list):  # one line per variable listed by one side
        where = f"{claim.label} ({claim.path})"
        return [Disagreement(env, f"{claim.source} {item}", f"{'' if item in claim.value else 'not '}{claim.label}",
                             f"{'' if item in spec else 'not '}{where}")
                for item in sorted(set(spec) ^ set(claim.value))]
    document = ABSENT if claim.raw == ABSENT else json.dumps(claim.raw, ensure_ascii=False)
    return [Disagreement(env, _label(claim), document, render(spec))]


def _resolved(claim: Claim, claims: list[Claim], env: EnvironmentSpec) -> Contradiction | None:
    for rule in KNOWN_CONTRADICTIONS:
        if rule.path == claim.path and rule.loser == claim.source and any(
                other.path == claim.path and other.source == rule.winner
                and _same(other.value, spec_value(env, other.path)) for other in claims):
            return rule
    return None


def claims_for(doc: ParsedDocument, env: str, placeholder: str,
               environments: Environments) -> tuple[list[Claim], list[Disagreement]]:
    """Everything the document states about ``env``, and the sections it lacks for it."""
    names = {column for column in doc.matrix_columns if environments.lookup(column) == env}
    missing: list[Disagreement] = []
    claims: list[Claim] = []
    if names:
        column = next(iter(names))
        claims += matrix_claims({row: cells.get(column, "") for row, cells in doc.matrix.items()})
    else:
        missing.append(Disagreement(env, "Environment Comparison Matrix", "has no column", "has the environment"))
    sections = [section for name, section in doc.sections.items() if environments.lookup(name) == env]
    tfvars = next((s.tfvars for s in sections if s.tfvars is not None), None)
    env_vars = next((s for s in sections if s.env_vars is not None), None)
    for section in sections:
        claims += infrastructure_claims(section)
    if tfvars is not None:
        claims += tfvars_claims(tfvars)
    else:
        missing.append(Disagreement(env, "terraform.tfvars block", "has none", "has the environment"))
    if env_vars is not None and env_vars.env_vars is not None:
        claims += env_claims(env_vars.env_vars, env_vars.env_groups, placeholder)
    else:
        missing.append(Disagreement(env, "environment-variable block", "has none", "has the environment"))
    return claims, missing


def _leaves(value: Any, prefix: str = "") -> list[str]:
    if isinstance(value, BaseModel):
        return [leaf for key in type(value).model_fields for leaf in _leaves(getattr(value, key), f"{prefix}{key}.")]
    return [prefix.rstrip(".")]


def _covered(leaf: str, claims: list[Claim]) -> bool:
    return any(leaf == path or leaf.startswith(path + ".") for path in (c.path.partition(":")[0] for c in claims))


def compare(doc: ParsedDocument, spec: Spec) -> Comparison:
    """Every claim the document makes about every spec environment, against the spec."""
    result = Comparison()
    environments = spec.environment_names()
    for env, env_spec in spec.environments.items():
        claims, missing = claims_for(doc, env, spec.defaults.secret_placeholder, environments)
        result.disagreements += missing
        seen: set[tuple[str, str]] = set()
        for claim in claims:
            expected = spec_value(env_spec, claim.path)
            if _same(claim.value, expected) or (claim.source, claim.label) in seen:
                continue
            rule = _resolved(claim, claims, env_spec)
            if rule is not None:
                result.resolved.append(f"{env} {_label(claim)}: document {json.dumps(claim.raw)} yields to the "
                                       f"{rule.winner} ({rule.rule})")
                continue
            seen.add((claim.source, claim.label))
            result.disagreements += _differ(env, claim, expected)
        result.spec_only[env] = [leaf for leaf in _leaves(env_spec) if not _covered(leaf, claims)
                                 and spec_value(env_spec, leaf) not in (None, {}, ())]
    known = set(spec.environments)
    documented = {*doc.matrix_columns, *doc.sections}
    for name in sorted(documented):
        if environments.lookup(name) not in known:
            result.disagreements.append(Disagreement(name, "environment", "documents it", "has no such environment"))
    return result


def report_lines(result: Comparison, doc: ParsedDocument, spec_label: str) -> list[str]:
    """The text ``envmatrix spec check`` prints: disagreements first, then notes."""
    head = f"envmatrix spec check: {doc.path} (sha256 {doc.digest[:12]}) against {spec_label}"
    lines = [head, *(d.line() for d in result.disagreements)]
    lines.append(f"{len(result.disagreements)} disagreement(s)" if result.disagreements
                 else "the spec agrees with the document")
    if result.resolved:
        lines += ["", "known contradictions inside the document, resolved (the most specific place wins):",
                  *(f"  {note}" for note in result.resolved)]
    if any(result.spec_only.values()):
        lines += ["", "values the spec adds that the document does not state (not errors):"]
        lines += [f"  {env}: {', '.join(paths)}" for env, paths in result.spec_only.items() if paths]
    return lines


__all__ = ["Comparison", "Disagreement", "compare", "report_lines"]
