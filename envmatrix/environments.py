"""Environment names as data: the spec's environments in promotion order, their long names and aliases, and --env."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from envmatrix.errors import UsageError

#: What --env takes for every environment; no environment may be called this.
ALL = "all"


@dataclass(frozen=True)
class EnvironmentName:
    """One environment as the spec names it: canonical (short) name, long name, aliases."""

    name: str
    long_name: str
    aliases: tuple[str, ...] = ()


class Environments:
    """The run's environments in promotion order (the spec's order), and every name --env accepts for them.

    ``short_names`` maps a configured short name (``[environments.<env>] short_name``) to its canonical name;
    it is accepted beside the spec's names, long names and aliases.
    """

    def __init__(self, entries: Iterable[EnvironmentName], short_names: Mapping[str, str] | None = None) -> None:
        self._entries = {entry.name: entry for entry in entries}
        self._aliases: dict[str, str] = {}
        for entry in self._entries.values():
            for alias in (entry.name, entry.long_name, *entry.aliases):
                self._aliases.setdefault(alias.strip().lower(), entry.name)
        self._shorts = {short.lower(): env for short, env in (short_names or {}).items() if env in self._entries}

    @property
    def names(self) -> tuple[str, ...]:
        """Canonical names in promotion order."""
        return tuple(self._entries)

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __repr__(self) -> str:
        return f"Environments({', '.join(self._entries)})"

    def with_short_names(self, short_names: Mapping[str, str]) -> Environments:
        """The same environments, also accepting the configured short names."""
        return Environments(self._entries.values(), short_names)

    def long_name(self, name: str) -> str:
        return self._entries[name].long_name

    def lookup(self, name: str) -> str | None:
        """The canonical name ``name`` stands for (name, long name, alias or configured short name), or None."""
        key = name.strip().lower()
        return self._aliases.get(key) or self._shorts.get(key)

    def valid_names(self) -> str:
        """The names --env accepts, for usage errors: canonical, long, aliases, configured short names, all."""
        words = [*self._entries, *(alias for alias in self._aliases), *self._shorts]
        return ", ".join([*dict.fromkeys(words), ALL])

    def canonical(self, name: str) -> str:
        """Return the canonical name for ``name`` or raise UsageError listing the valid names."""
        found = self.lookup(name)
        if found is None:
            raise UsageError(f"--env: unknown environment {name!r}; valid names: {self.valid_names()}")
        return found

    def parse_selection(self, values: Iterable[str]) -> list[str]:
        """Turn repeated/comma-separated --env values (or ``all``) into canonical names, in promotion order."""
        chosen: set[str] = set()
        for value in values:
            for part in value.split(","):
                if not part.strip():
                    raise UsageError(f"--env: empty environment name in {value!r}; "
                                     f"valid names: {self.valid_names()}")
                if part.strip().lower() == ALL:
                    chosen.update(self._entries)
                else:
                    chosen.add(self.canonical(part))
        return [name for name in self._entries if name in chosen]
