"""User-facing error types: one per kind of bad input or unavailable source."""

from __future__ import annotations

from pathlib import Path

from envmatrix.escape import visible
from envmatrix.redact import redact_text


class EnvmatrixError(Exception):
    """Base of every error the suite reports to a user as one readable message."""


class InputError(EnvmatrixError):
    """A file the user gave (spec, tfvars, env file, waivers, config) is unusable."""

    kind = "input"

    def __init__(self, path: Path | str, problem: str, *, line: int | None = None, column: int | None = None) -> None:
        self.path = Path(path)
        self.problem = problem
        self.line = line
        where = f"{self.path}:{line}" if line is not None else str(self.path)
        where += f":{column}" if line is not None and column is not None else ""
        super().__init__(f"{self.kind} {where}: {problem}")


class SpecError(InputError):
    kind = "spec"


class TfvarsError(InputError):
    kind = "tfvars"


class VariablesError(InputError):
    """The module's variable declarations (``[paths] variables``: variables.tf) are unusable."""

    kind = "variables"


class EnvFileError(InputError):
    kind = "env file"


class WaiverError(InputError):
    kind = "waivers"


class ConfigError(InputError):
    kind = "config"


class OutputError(EnvmatrixError):
    """A file the suite writes (a report, a snapshot, the call log) cannot be written safely."""

    def __init__(self, path: Path | str, problem: str) -> None:
        self.path = Path(path)
        self.problem = problem
        super().__init__(f"cannot write {self.path}: {problem}")


class UsageError(EnvmatrixError):
    """A bad command-line value (the plugin turns it into pytest.UsageError)."""


class InventoryUnavailable(EnvmatrixError):
    """Live AWS state could not be read; every check needing it fails with this reason."""

    def __init__(self, environment: str, resource: str, reason: str) -> None:
        self.environment = environment
        self.resource = resource
        self.reason = reason
        # AWS error messages and HTTP bodies are data: redacted whole (while their lines are still lines, so that
        # header and YAML rules see them), then one line with controls shown escaped
        super().__init__(f"{environment}: cannot read {visible(redact_text(resource))}: "
                         f"{visible(redact_text(reason))}")


class ReadOnlyViolation(EnvmatrixError):
    """A client tried an AWS operation outside the declared allow-list (envmatrix.aws.iam.OPERATIONS)."""
