"""Environment names: the short names resources use, their aliases, and --env parsing."""

from __future__ import annotations

from collections.abc import Iterable

from envmatrix.errors import UsageError

#: Short names in promotion order; resource names use these (``dev-taskmanager-db``).
ENVIRONMENTS: tuple[str, ...] = ("dev", "staging", "production")
LONG_NAMES: dict[str, str] = {"dev": "development", "staging": "staging", "production": "production"}
_ALIASES: dict[str, str] = {
    **{name: name for name in ENVIRONMENTS},
    **{long: short for short, long in LONG_NAMES.items()},
    "prod": "production",
}


def valid_names() -> str:
    return ", ".join([*ENVIRONMENTS, "development", "all"])


def canonical(name: str) -> str:
    """Return the short name for ``name`` or raise UsageError listing the valid names."""
    key = name.strip().lower()
    if key not in _ALIASES:
        raise UsageError(f"--env: unknown environment {name!r}; valid names: {valid_names()}")
    return _ALIASES[key]


def parse_selection(values: Iterable[str]) -> list[str]:
    """Turn repeated/comma-separated --env values (or ``all``) into short names, in order."""
    chosen: set[str] = set()
    for value in values:
        for part in value.split(","):
            if not part.strip():
                raise UsageError(f"--env: empty environment name in {value!r}; valid names: {valid_names()}")
            if part.strip().lower() == "all":
                chosen.update(ENVIRONMENTS)
            else:
                chosen.add(canonical(part))
    return [name for name in ENVIRONMENTS if name in chosen]
