"""Environment names: the canonical names, their aliases (long and configured short names), and --env parsing."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from envmatrix.errors import UsageError

#: Short names in promotion order; resource names use these (``dev-taskmanager-db``).
ENVIRONMENTS: tuple[str, ...] = ("dev", "staging", "production")
LONG_NAMES: dict[str, str] = {"dev": "development", "staging": "staging", "production": "production"}
_ALIASES: dict[str, str] = {
    **{name: name for name in ENVIRONMENTS},
    **{long: short for short, long in LONG_NAMES.items()},
    "prod": "production",
}


def valid_names(short_names: Mapping[str, str] | None = None) -> str:
    """The names --env accepts; ``short_names`` maps a configured short name to its canonical name."""
    extra = [name for name in (short_names or {}) if name not in ENVIRONMENTS and name != "development"]
    return ", ".join([*ENVIRONMENTS, "development", *extra, "all"])


def canonical(name: str, short_names: Mapping[str, str] | None = None) -> str:
    """Return the canonical name for ``name`` or raise UsageError listing the valid names.

    A configured short name (``prod``) is accepted beside the canonical and long names.
    """
    key = name.strip().lower()
    aliases = {**_ALIASES, **{short.lower(): env for short, env in (short_names or {}).items()}}
    if key not in aliases:
        raise UsageError(f"--env: unknown environment {name!r}; valid names: {valid_names(short_names)}")
    return aliases[key]


def parse_selection(values: Iterable[str], short_names: Mapping[str, str] | None = None) -> list[str]:
    """Turn repeated/comma-separated --env values (or ``all``) into canonical names, in order."""
    chosen: set[str] = set()
    for value in values:
        for part in value.split(","):
            if not part.strip():
                raise UsageError(f"--env: empty environment name in {value!r}; "
                                 f"valid names: {valid_names(short_names)}")
            if part.strip().lower() == "all":
                chosen.update(ENVIRONMENTS)
            else:
                chosen.add(canonical(part, short_names))
    return [name for name in ENVIRONMENTS if name in chosen]
