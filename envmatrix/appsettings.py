"""Settings as the application reads them: pydantic-settings itself parses each environment's variables.

The spec documents the application's settings classes (``app_settings``: names, types, defaults, required fields,
allowed values, case sensitivity). From them this module builds a ``pydantic_settings.BaseSettings`` class and
feeds it a task definition's ``environment`` (or an env file's variables) through pydantic-settings' own
environment source, so every rule is the library's, not a copy: booleans in each spelling it accepts, integers,
lists as JSON, names in any case where the class is case-insensitive, unknown names ignored. A value the library
refuses is its own finding, with pydantic's reason.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

from pydantic import ValidationError, create_model
from pydantic_settings import BaseSettings, EnvSettingsSource, SettingsConfigDict, SettingsError

try:  # pydantic-settings 2.7+ splits its sources into a package
    from pydantic_settings.sources.utils import parse_env_vars
except ImportError:  # pragma: no cover - older releases keep it in one module
    from pydantic_settings.sources import parse_env_vars  # type: ignore[attr-defined,no-redef]

from envmatrix.declared import app_variable_type
from envmatrix.spec import SettingDefault, Spec

Source = Literal["environment", "secrets", "default", "absent", "ambiguous", "unparsed"]
FROM_SECRETS = "<delivered through secrets>"
_TYPES: dict[str, Any] = {"str": str, "int": int, "bool": bool, "list": list[str]}


class SettingParseError(ValueError):
    """A value the application could not read as its setting's type (it would refuse to start)."""


class _Variables(EnvSettingsSource):
    """pydantic-settings' environment source reading a given mapping (a container's variables) for ``os.environ``."""

    def __init__(self, settings_cls: type[BaseSettings], variables: Mapping[str, str]) -> None:
        self._variables = dict(variables)  # before super().__init__, which loads the variables
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return parse_env_vars(self._variables, self.case_sensitive, self.env_ignore_empty, self.env_parse_none_str)


class _AnyCase(BaseSettings):
    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore")


class _ExactCase(BaseSettings):
    model_config = SettingsConfigDict(case_sensitive=True, extra="ignore")


def _annotation(like: SettingDefault, choices: tuple[str, ...] = ()) -> Any:
    """The field type: a documented default's type; a text field with choices: those only."""
    if choices:
        return Literal[choices]
    if isinstance(like, tuple):
        return list[str]
    return type(like)


@cache
def _one_field(name: str, annotation: Any, case_sensitive: bool) -> type[BaseSettings]:
    """A settings class of the one field ``name`` (the variable it reads), required, as the application types it.

    One field at a time, so a value the library refuses is a finding of its own and every other setting is
    still read (the whole class would stop at the first list that is not JSON)."""
    base: type[BaseSettings] = _ExactCase if case_sensitive else _AnyCase
    fields: dict[str, Any] = {name.lower(): (annotation, ...)}
    model: type[BaseSettings] = create_model(f"Setting_{name}", __base__=base, **fields)
    return model


def parse(annotation: Any, raw: str, name: str = "VALUE") -> Any:
    """``raw`` as the application reads a ``name`` field of type ``annotation``; SettingParseError with pydantic's
    reason when it does not."""
    model = _one_field(name, annotation, False)
    return _read(model, name, {name: raw})


def _read(model: type[BaseSettings], name: str, variables: Mapping[str, str]) -> Any:
    """pydantic-settings' reading of ``variables`` into ``model`` (one field): its value, or why it refuses."""
    try:
        values = _Variables(model, variables)()
        return getattr(model.model_validate(values), name.lower())
    except SettingsError as exc:  # a list that is not JSON: the library stops before validating
        cause = exc.__cause__
        raise SettingParseError(f"not JSON ({cause})" if cause else str(exc)) from None
    except ValidationError as exc:
        raise SettingParseError(exc.errors()[0]["msg"]) from None


def list_of(raw: str) -> tuple[str, ...]:
    """A list-valued setting as the application decodes it (a JSON array of strings)."""
    return tuple(parse(list[str], raw))


def canonical(value: object) -> str:
    """A typed value written as a deployment sets it: booleans lower-case, lists as sorted JSON."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple | list | set | frozenset):
        return json.dumps(sorted(set(value)))
    return str(value)


def typed_equal(want: object, got: object) -> bool:
    """Two typed values the same: lists as sets, a boolean only equal to a boolean (True is not 1)."""
    if want is None or got is None:
        return False
    if isinstance(want, tuple | list) or isinstance(got, tuple | list):
        return isinstance(want, tuple | list) and isinstance(got, tuple | list) and set(want) == set(got)
    if isinstance(want, bool) != isinstance(got, bool):
        return False
    return want == got


@dataclass(frozen=True)
class Found:
    """Where the application gets one setting from, the text set there and the value the application holds."""

    source: Source
    raw: str | None = None  # the text set in the environment
    value: object = None  # the typed value (environment or default)
    names: tuple[str, ...] = ()  # the variable names that matched (several: set more than once)
    reason: str = ""  # unparsed: pydantic's reason

    @property
    def read(self) -> bool:
        """A value the application holds (set and parsed, or its documented default)."""
        return self.source in ("environment", "default")

    def agrees(self, want: object) -> bool:
        return self.read and typed_equal(want, self.value)

    def same_as(self, other: Found) -> bool:
        """Both sides give the application the same value (both absent, or both secrets, agree too)."""
        if self.read and other.read:
            return typed_equal(self.value, other.value)
        return self.source == other.source and self.source in ("absent", "secrets")

    def shown(self) -> str | None:
        """The value for a message: the raw text beside the typed value where they differ (``0 → false``)."""
        if self.source == "absent":
            return None
        if self.source == "secrets":
            return FROM_SECRETS
        if self.source == "ambiguous":
            return f"<set more than once: {', '.join(self.names)}>"
        if self.source == "unparsed":
            return f"<{self.names[0]}: {self.raw!r} does not parse: {self.reason}>"
        text = canonical(self.value)
        if self.source == "default":
            return f"{text} (default)"
        if isinstance(self.value, list | tuple) or self.raw is None or self.raw == text:
            return text
        return f"{self.raw} → {text}"


@dataclass(frozen=True)
class Field:
    """One field of a settings class: the type it reads, its default, whether the class needs it set."""

    annotation: Any
    default: Any = None
    required: bool = False


def _fields(spec: Spec, env: str) -> tuple[dict[str, Field], bool]:
    """The fields the environment's class declares (with its defaults), plus every other class's as typed but not
    defaulted (one codebase: a variable has one type everywhere); and whether names match case-sensitively."""
    own = next((c for c in spec.app_settings.values() if env in c.environments), None)
    fields: dict[str, Field] = {}
    for settings in spec.app_settings.values():
        choices = settings.choices
        for name, default in settings.defaults.items():
            fields.setdefault(name, Field(_annotation(default, choices.get(name, ()))))
        for name, kind in {**settings.required, **settings.optional}.items():
            fields.setdefault(name, Field(Literal[choices[name]] if name in choices else _TYPES[kind]))
    if own is not None:
        for name, default in own.defaults.items():
            fields[name] = Field(fields[name].annotation, list(default) if isinstance(default, tuple) else default)
        for name in own.required:
            fields[name] = Field(fields[name].annotation, required=True)
    return fields, (own.case_sensitive if own is not None else False)


@dataclass(frozen=True)
class AppSettings:
    """One environment's settings class, read by pydantic-settings from a container's (or env file's) variables."""

    fields: Mapping[str, Field] = field(default_factory=dict)
    #: pydantic-settings' own default; where the seed documents no class, the library's default applies.
    case_sensitive: bool = False
    name: str = ""  # the documented class serving the environment ("": none documented)

    @classmethod
    def of(cls, spec: Spec, env: str) -> AppSettings:
        fields, case_sensitive = _fields(spec, env)
        name = next((name for name, c in spec.app_settings.items() if env in c.environments), "")
        return cls(fields, case_sensitive, name)

    def _variable(self, name: str) -> str:
        """The variable a setting reads: any case (compared upper-cased), or exactly its field's name (a
        documented key lower-cased, as the class declares the field)."""
        if not self.case_sensitive:
            return name.upper()
        return name.lower() if name.upper() in self.fields else name

    def _field(self, name: str, like: object) -> Field | None:
        """The documented field ``name``; undocumented, one typed like the value expected of it, else as the
        declared layer's typed view of the application's variables reads it (None: read as text)."""
        known = self.fields.get(name.upper())
        if known is not None:
            return known
        if like is not None:
            return Field(list[str] if isinstance(like, tuple | list) else type(like))
        kind = app_variable_type(name)
        return None if kind is None else Field(kind)

    def _matches(self, key: str, variable: str) -> bool:
        return key == variable if self.case_sensitive else key.upper() == variable

    def default(self, name: str) -> SettingDefault | None:
        known = self._field(name, None)
        return None if known is None or known.default is None else known.default

    def find(self, name: str, environment: Mapping[str, str], secrets: Mapping[str, str] | None = None,
             like: object = None) -> Found:
        """The setting ``name`` as the application reads it from these variables, else its documented default.

        ``like``: the value expected of an undocumented setting, whose type says how it is read (no type: text).
        """
        variable = self._variable(name)
        matches = {key: value for key, value in environment.items() if self._matches(key, variable)}
        from_secrets = [key for key in (secrets or {}) if self._matches(key, variable)]
        names = (*matches, *from_secrets)
        if len(names) > 1 and (from_secrets or len(set(matches.values())) > 1):
            return Found("ambiguous", names=names)
        if from_secrets:
            return Found("secrets", names=names)
        known = self._field(name, like) or Field(str)
        if not matches:
            return Found("absent") if known.default is None else Found("default", value=known.default)
        raw = next(iter(matches.values()))
        model = _one_field(name, known.annotation, self.case_sensitive)
        try:
            value = _read(model, name, {name.lower(): raw})  # the model's one field, named as the class names it
        except SettingParseError as exc:
            return Found("unparsed", raw, names=(next(iter(matches)),), reason=str(exc))
        return Found("environment", raw, value, names)

    def refused(self, environment: Mapping[str, str], secrets: Mapping[str, str] | None = None) -> str:
        """Why the class would not load from these variables ("": it loads): the required settings set nowhere
        (one delivered through ``secrets`` counts as set; its value is never read)."""
        missing = [name for name, known in self.fields.items()
                   if known.required and self.find(name, environment, secrets).source == "absent"]
        return f"required but not set: {', '.join(missing)}" if missing else ""
