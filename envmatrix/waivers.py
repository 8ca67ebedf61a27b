"""Waivers: a known failure (check id, environment, reason, owner, expiry) becomes an expected one."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, StrictStr, ValidationError, ValidationInfo, field_validator

from envmatrix.catalog import LAYERS, CheckInfo
from envmatrix.environments import Environments
from envmatrix.errors import UsageError, WaiverError
from envmatrix.inputs import read_input_text


class Waiver(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    check: StrictStr
    env: StrictStr
    layer: StrictStr | None = None
    reason: StrictStr
    owner: StrictStr
    expires: dt.date

    @field_validator("env")
    @classmethod
    def _env(cls, value: str, info: ValidationInfo) -> str:
        """Canonical name of one of the run's environments (validation context ``environments``)."""
        environments: Environments | None = (info.context or {}).get("environments")
        if environments is None:
            raise ValueError("no environments to check the name against (validate with the run's environments)")
        try:
            return environments.canonical(value)
        except UsageError:
            raise ValueError(f"unknown environment {value!r}; valid: {list(environments)}") from None

    @field_validator("layer")
    @classmethod
    def _layer(cls, value: str | None) -> str | None:
        if value is not None and value not in LAYERS:
            raise ValueError(f"unknown layer {value!r}; valid: {list(LAYERS)}")
        return value

    @field_validator("reason", "owner")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value

    def matches(self, info: CheckInfo, env: str) -> bool:
        return self.check == info.id and self.env == env and self.layer in (None, info.layer)

    def expired(self, today: dt.date) -> bool:
        return self.expires < today

    def describe(self) -> str:
        return f"waived: {self.reason} (owner {self.owner}, until {self.expires.isoformat()})"


class _WaiverFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    waivers: list[Waiver]


def load_waivers(path: Path, environments: Environments) -> list[Waiver]:
    """Read the waiver file; each waiver names one of ``environments`` (the spec's)."""
    text = read_input_text(path, WaiverError)
    try:
        data = yaml.safe_load(text)
    except RecursionError:
        raise WaiverError(path, "not valid YAML: nested too deeply") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise WaiverError(path, "not valid YAML", line=mark.line + 1 if mark else None) from None
    if data is None:
        return []
    try:
        parsed = _WaiverFile.model_validate(data, context={"environments": environments})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise WaiverError(path, f"{where}: {first['msg']}") from None
    return parsed.waivers


def find_unknown(waivers: Iterable[Waiver], collected: Iterable[CheckInfo], *, complete: bool) -> list[Waiver]:
    """Waivers naming a check id that no collected check has.

    ``complete`` says the whole catalogue was collected (no path arguments); otherwise only
    waivers pinned to a collected layer can be judged, the rest may name checks left out.
    """
    infos = list(collected)
    ids = {(info.layer, info.id) for info in infos}
    layers = {info.layer for info in infos}
    unknown = []
    for waiver in waivers:
        if waiver.layer is not None:
            judged, wanted = waiver.layer in layers, [waiver.layer]
        else:
            judged, wanted = complete, sorted(layers)
        if judged and not any((layer, waiver.check) in ids for layer in wanted):
            unknown.append(waiver)
    return unknown
