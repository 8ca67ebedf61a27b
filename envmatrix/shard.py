"""--shard K/N: one job's deterministic share of the selected environments, split by account and region.

AWS throttles per account and region, so the environments read in one account and region (a *group*) go to one
shard whole while there are at least as many groups as shards: each job then holds its accounts' and regions' rate
budget alone. With more shards than groups, the biggest groups are cut into near-equal consecutive parts so that no
shard idles while another holds two environments or more. Every selected environment is in exactly one shard for
any N; a shard may be empty (more shards than environments): it runs nothing.

The index comes from the command line (``2/4``, 1-based) or, with ``auto``, from the runner: Kubernetes Indexed Jobs
(``JOB_COMPLETION_INDEX``, 0-based), AWS Batch array jobs (``AWS_BATCH_JOB_ARRAY_INDEX``, 0-based), GitLab parallel
jobs (``CI_NODE_INDEX``, 1-based, with ``CI_NODE_TOTAL``). Kubernetes and AWS Batch do not tell the container how
many jobs there are: the manifest sets ``ENVMATRIX_SHARD_COUNT`` (or ``--shard auto/N``). Nothing found fails closed:
a usage error, never a run of everything.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from envmatrix.config import EnvConfig
from envmatrix.errors import UsageError

#: The variable --shard falls back to (same values as the option).
SHARD_VARIABLE = "ENVMATRIX_SHARD"
#: How many shards a runner that does not say runs (Kubernetes, AWS Batch): set by the manifest.
COUNT_VARIABLE = "ENVMATRIX_SHARD_COUNT"
#: (variable, the index its first job has): the runners' job index, first found wins.
INDEX_VARIABLES: tuple[tuple[str, int], ...] = (("JOB_COMPLETION_INDEX", 0), ("AWS_BATCH_JOB_ARRAY_INDEX", 0),
                                                ("CI_NODE_INDEX", 1))
#: The runners' job count, first found wins (GitLab says it; the others' manifests set ENVMATRIX_SHARD_COUNT).
TOTAL_VARIABLES: tuple[str, ...] = ("CI_NODE_TOTAL", COUNT_VARIABLE)
AUTO = "auto"
USAGE = "K/N (K = 1..N), auto or auto/N"


@dataclass(frozen=True)
class ShardSpec:
    """This job's shard: ``index`` of ``count`` (1-based), and where that was read (for messages)."""

    index: int
    count: int
    source: str

    @property
    def label(self) -> str:
        return f"{self.index}/{self.count}"


def _number(text: str, what: str, source: str) -> int:
    value = text.strip()
    if not value.isdigit():  # digits only: no sign, no blank, no "1.0"
        raise UsageError(f"{source}: {what} {text!r} is not a whole number; use --shard {USAGE}")
    return int(value)


def _checked(index: int, count: int, source: str, index_is: str = "K") -> ShardSpec:
    if count < 1:
        raise UsageError(f"{source}: the number of shards must be at least 1, not {count}; use --shard {USAGE}")
    if not 1 <= index <= count:
        raise UsageError(f"{source}: {index_is} is {index}, outside 1..{count} (shards are numbered from 1); "
                         f"use --shard {USAGE}")
    return ShardSpec(index, count, source)


def from_runner(environ: Mapping[str, str], count: int | None = None, source: str = "--shard auto") -> ShardSpec:
    """The shard the runner's variables name; ``count`` (``auto/N``) wins over the total variables."""
    looked = ", ".join(f"${name}" for name, _first in INDEX_VARIABLES)
    found = next(((name, first) for name, first in INDEX_VARIABLES if environ.get(name, "").strip()), None)
    if found is None:
        raise UsageError(f"{source}: no runner job index found (looked for {looked}); give --shard K/N")
    name, first = found
    index = _number(environ[name], f"${name}", source) + 1 - first
    if count is None:
        total = next((total for total in TOTAL_VARIABLES if environ.get(total, "").strip()), None)
        if total is None:
            raise UsageError(f"{source}: ${name} is set but the number of shards is not (looked for "
                             f"{', '.join('$' + total for total in TOTAL_VARIABLES)}); set ${COUNT_VARIABLE} or "
                             f"give --shard auto/N")
        count = _number(environ[total], f"${total}", source)
        where = f"{source} (${name}={environ[name].strip()}, ${total}={count})"
    else:
        where = f"{source} (${name}={environ[name].strip()})"
    if count >= 1 and not 1 <= index <= count:
        raise UsageError(f"{where}: ${name}={environ[name].strip()} is outside the {count} shard(s) "
                         f"({first}..{count - 1 + first} for this runner)")
    return _checked(index, count, where)


def parse_shard(value: str, environ: Mapping[str, str], source: str = "--shard") -> ShardSpec:
    """``K/N``, ``auto`` or ``auto/N``; one UsageError naming the option (or variable) on anything else."""
    text = value.strip()
    head, slash, tail = text.partition("/")
    if head.strip().lower() == AUTO:
        count = _number(tail, "N", f"{source} {text}") if slash else None
        return from_runner(environ, count, f"{source} {text}")
    if not slash:
        raise UsageError(f"{source} {text!r}: not a shard; use --shard {USAGE}")
    index, count = _number(head, "K", f"{source} {text}"), _number(tail, "N", f"{source} {text}")
    return _checked(index, count, f"{source} {text}")


def resolve_shard(option: str | None, environ: Mapping[str, str]) -> ShardSpec | None:
    """The run's shard: --shard, else $ENVMATRIX_SHARD; None: the run is not sharded (it runs every selected)."""
    if option is not None:
        return parse_shard(option, environ)
    if environ.get(SHARD_VARIABLE, "").strip():
        return parse_shard(environ[SHARD_VARIABLE], environ, f"${SHARD_VARIABLE}")
    return None


def account_of(target: EnvConfig) -> str:
    """Whose rate budget an environment's reads take, as the config says: the role's account, else the profile;
    "" for the ambient credentials (every such environment shares them)."""
    if target.role_arn:
        parts = target.role_arn.split(":")
        return f"account {parts[4]}" if len(parts) > 5 and parts[4].isdigit() else f"role {target.role_arn}"
    return f"profile {target.profile}" if target.profile else ""


def group_key(target: EnvConfig, region: str) -> str:
    """The group an environment is read in: account and region, or the region alone (ambient credentials)."""
    account = account_of(target)
    return f"{account} {region}" if account else region


@dataclass(frozen=True)
class Piece:
    """A group, or one of ``parts`` consecutive parts of it (more shards than groups)."""

    key: str
    environments: tuple[str, ...]
    part: int = 1
    parts: int = 1

    @property
    def label(self) -> str:
        return self.key if self.parts == 1 else f"{self.key} part {self.part} of {self.parts}"


def groups_of(environments: Sequence[str], key: Callable[[str], str]) -> list[Piece]:
    """The environments by group, each group in the given (promotion) order, groups in order of first member."""
    found: dict[str, list[str]] = {}
    for env in environments:
        found.setdefault(key(env), []).append(env)
    return [Piece(name, tuple(envs)) for name, envs in found.items()]


def _cut(group: Piece, parts: int) -> list[Piece]:
    """``group`` as ``parts`` consecutive near-equal parts (the first ones one longer)."""
    size, extra = divmod(len(group.environments), parts)
    pieces, start = [], 0
    for number in range(parts):
        end = start + size + (1 if number < extra else 0)
        pieces.append(Piece(group.key, group.environments[start:end], number + 1, parts))
        start = end
    return pieces


def _parts(groups: Sequence[Piece], count: int) -> dict[str, int]:
    """How many shards each group gets when there are more shards than groups: one each, then one more at a time
    to the group with the most environments per shard (ties: by name), while a group has more environments than
    shards."""
    parts = {group.key: 1 for group in groups}
    sizes = {group.key: len(group.environments) for group in groups}
    for _extra in range(count - len(groups)):
        growable = [key for key in parts if parts[key] < sizes[key]]
        if not growable:
            break  # every environment has a shard of its own: the rest run nothing
        chosen = min(growable, key=lambda key: (-sizes[key] / parts[key], key))
        parts[chosen] += 1
    return parts


def split(groups: Sequence[Piece], count: int) -> list[list[Piece]]:
    """The pieces of each of ``count`` shards (shard 1 first). Groups whole, biggest first onto the shard with the
    fewest environments so far (ties: the lower shard), while there are at least ``count`` groups; else the biggest
    groups cut so that every shard has one piece where there are environments enough."""
    shards: list[list[Piece]] = [[] for _ in range(count)]
    ordered = sorted(groups, key=lambda group: (-len(group.environments), group.key))
    if len(groups) >= count:
        loads = [0] * count
        for group in ordered:
            target = min(range(count), key=lambda index: (loads[index], index))
            shards[target].append(group)
            loads[target] += len(group.environments)
        return shards
    parts = _parts(groups, count)
    pieces = [piece for group in ordered for piece in _cut(group, parts[group.key])]
    for index, piece in enumerate(pieces):
        shards[index].append(piece)
    return shards


@dataclass(frozen=True)
class ShardSelection:
    """What this job runs: its shard's environments (promotion order) and the pieces they came in."""

    spec: ShardSpec
    environments: tuple[str, ...]
    pieces: tuple[Piece, ...]
    #: the selection it was cut from (every shard's), and into how many groups
    selected: int
    groups: int

    def header(self) -> str:
        """The run's one line about its shard (the terminal's header, the empty shard's summary)."""
        if not self.environments:
            return (f"envmatrix: shard {self.spec.label}: no environments ({self.selected} selected environment(s) "
                    f"in {self.groups} account/region group(s) fill fewer than {self.spec.count} shards): "
                    f"nothing to run")
        where = ", ".join(piece.label for piece in self.pieces)
        return f"envmatrix: shard {self.spec.label}: {', '.join(self.environments)} (accounts/regions: {where})"


def select(spec: ShardSpec, selected: Sequence[str], key: Callable[[str], str]) -> ShardSelection:
    """Shard ``spec.index`` of the split of ``selected`` (promotion order) by ``key`` (account and region)."""
    groups = groups_of(selected, key)
    pieces = split(groups, spec.count)[spec.index - 1]
    mine = {env for piece in pieces for env in piece.environments}
    return ShardSelection(spec, tuple(env for env in selected if env in mine), tuple(pieces), len(selected),
                          len(groups))


__all__ = ["COUNT_VARIABLE", "INDEX_VARIABLES", "SHARD_VARIABLE", "Piece", "ShardSelection", "ShardSpec",
           "account_of", "group_key", "groups_of", "parse_shard", "resolve_shard", "select", "split"]
