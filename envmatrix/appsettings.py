"""Settings as the application reads them (pydantic-settings): names in any case, documented defaults, lists."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from envmatrix.spec import SettingDefault, Spec

Source = Literal["environment", "secrets", "default", "absent", "ambiguous"]
FROM_SECRETS = "<delivered through secrets>"


class SettingParseError(ValueError):
    """A value the application could not read as its setting's type (it would refuse to start)."""


def parse_list(raw: str) -> tuple[str, ...]:
    """A list-valued setting: a JSON array of strings (as pydantic-settings decodes it) or a comma list."""
    text = raw.strip()
    if not text.startswith("["):
        return tuple(item.strip() for item in text.split(",") if item.strip())
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SettingParseError(f"not a JSON array ({exc.msg} at character {exc.pos})") from None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise SettingParseError("not a JSON array of strings")
    return tuple(value)


def as_text(value: SettingDefault) -> str:
    """A documented default written as a deployment would set it (booleans lower-case, lists as JSON)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return json.dumps(list(value))
    return str(value)


def same(want: object, raw: str | None) -> bool:
    """Does text ``raw`` read as ``want``? Booleans in any case, lists as sets, everything else exactly."""
    if raw is None or want is None:
        return False
    if isinstance(want, tuple | list):
        try:
            return set(parse_list(raw)) == set(want)
        except SettingParseError:
            return False
    if isinstance(want, bool):
        return raw.strip().lower() == as_text(want)
    return raw.strip() == str(want)


def equivalent(a: str, b: str, like: SettingDefault | None) -> bool:
    """Two texts read alike as a setting of ``like``'s type (lists as sets; no documented type: same text)."""
    if isinstance(like, tuple):
        try:
            return set(parse_list(a)) == set(parse_list(b))
        except SettingParseError:
            return a == b
    if isinstance(like, bool):
        return a.strip().lower() == b.strip().lower()
    if isinstance(like, int):
        return a.strip() == b.strip()
    return a == b


def list_text(raw: str) -> str:
    """A list-valued text for a message: its distinct items sorted as JSON, or why it is not a list."""
    try:
        return json.dumps(sorted(set(parse_list(raw))))
    except SettingParseError as exc:
        return f"<{exc}: {raw}>"


@dataclass(frozen=True)
class Found:
    """Where the application gets one setting from, and the text it reads there."""

    source: Source
    raw: str | None = None  # the text set in the environment, or the default written as text
    names: tuple[str, ...] = ()  # the variable names that matched (several: set more than once)

    def agrees(self, want: object) -> bool:
        return self.source in ("environment", "default") and same(want, self.raw)

    def shown(self, want: object = None) -> str | None:
        """The value for a message (lists as sorted JSON; a default says so); None when absent."""
        if self.source == "absent":
            return None
        if self.source == "secrets":
            return FROM_SECRETS
        if self.source == "ambiguous":
            return f"<set more than once: {', '.join(self.names)}>"
        assert self.raw is not None  # environment and default always carry text
        text = list_text(self.raw) if isinstance(want, tuple | list) else self.raw
        return f"{text} (default)" if self.source == "default" else text


@dataclass(frozen=True)
class AppSettings:
    """One environment's settings rules: its documented defaults and whether names match case-sensitively."""

    defaults: Mapping[str, SettingDefault] = field(default_factory=dict)
    #: pydantic-settings' own default; where the seed documents no class, the library's default applies.
    case_sensitive: bool = False
    #: Every documented default of every class: the type a variable is read as (one codebase everywhere).
    types: Mapping[str, SettingDefault] = field(default_factory=dict)

    @classmethod
    def of(cls, spec: Spec, env: str) -> AppSettings:
        types = {name: value for settings in spec.app_settings.values() for name, value in settings.defaults.items()}
        for settings in spec.app_settings.values():
            if env in settings.environments:
                return cls(settings.defaults, settings.case_sensitive, types)
        return cls(types=types)

    def _key(self, name: str) -> str:
        return name if self.case_sensitive else name.upper()

    def default(self, name: str) -> SettingDefault | None:
        return next((value for key, value in self.defaults.items() if self._key(key) == self._key(name)), None)

    def like(self, name: str) -> SettingDefault | None:
        """A documented value of the setting ``name`` (any environment's), whose type says how it is read."""
        return next((value for key, value in self.types.items() if key == name.upper()), None)

    def find(self, name: str, environment: Mapping[str, str], secrets: Mapping[str, str] | None = None) -> Found:
        """The setting ``name`` in a container's (or env file's) variables, else its documented default."""
        matches = {key: value for key, value in environment.items() if self._key(key) == self._key(name)}
        from_secrets = [key for key in (secrets or {}) if self._key(key) == self._key(name)]
        names = (*matches, *from_secrets)
        if len(names) > 1 and (from_secrets or len(set(matches.values())) > 1):
            return Found("ambiguous", names=names)
        if from_secrets:
            return Found("secrets", names=names)
        if matches:
            return Found("environment", next(iter(matches.values())), names)
        default = self.default(name)
        return Found("absent") if default is None else Found("default", as_text(default))
