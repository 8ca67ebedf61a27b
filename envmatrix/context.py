"""Run state shared by every check: the Suite (inputs for the run) and the per-test Environment."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from envmatrix.catalog import CheckInfo
from envmatrix.config import ProjectConfig, Setting, env_names, run_environments, wanted_tags
from envmatrix.declared import EnvFile, Tfvars, load_env_file, load_tfvars
from envmatrix.environments import Environments
from envmatrix.errors import EnvmatrixError, InputError, UsageError
from envmatrix.locations import LOCATED_LAYERS, locate
from envmatrix.names import Names
from envmatrix.spec import EnvironmentSpec, Spec
from envmatrix.tfvars_read import terraform_files
from envmatrix.verdict import MISSING, CheckFailed, Evidence, compare

if TYPE_CHECKING:  # the sources' types, named for the checks; each layer is loaded by its own plugin, never here
    from envmatrix.aws.snapshot import Snapshot
    from envmatrix.document.compare import Disagreement
    from envmatrix.github.snapshot import GithubSnapshot
    from envmatrix.http.client import SmokeClient

T = TypeVar("T")


@dataclass
class Paths:
    """Where the run's inputs are. A root holding ``{env}`` or ``{short_name}`` is a template of the file itself."""

    spec: Path
    tfvars_root: Path
    env_root: Path
    waivers: Path
    reports: Path
    tfvars_files: dict[str, list[Path]] = field(default_factory=dict)
    env_files: dict[str, Path] = field(default_factory=dict)
    short_names: dict[str, str] = field(default_factory=dict)
    #: the module's variable declarations (a variables.tf or a module folder, may be a template); None: not given
    variables: Path | None = None

    def _from_template(self, root: Path, env: str) -> Path | None:
        if "{" not in str(root):
            return None
        return Path(str(root).format(env=env, short_name=self.short_names.get(env, env)))

    def tfvars_all(self, env: str) -> list[Path]:
        """Every tfvars file of ``env`` in the order Terraform applies them: the configured list, else the file the
        root's template names; a folder among them stands for what Terraform loads from it by itself."""
        given = self.tfvars_files.get(env) or [
            self._from_template(self.tfvars_root, env) or self.tfvars_root / env / "terraform.tfvars"]
        return [file for path in given for file in terraform_files(path)]

    def tfvars(self, env: str) -> Path:
        """The first tfvars file of ``env`` (where a finding no file declares is anchored)."""
        return self.tfvars_all(env)[0]

    def variables_of(self, env: str) -> list[Path] | None:
        """The module's variables files for ``env``, or None when the module's declarations are not given."""
        if self.variables is None:
            return None
        return [self._from_template(self.variables, env) or self.variables]

    def env_file(self, env: str) -> Path:
        if env in self.env_files:
            return self.env_files[env]
        return self._from_template(self.env_root, env) or self.env_root / f"{env}.env"


def build_paths(settings: Mapping[str, Setting], project: ProjectConfig, *, check: bool = True) -> Paths:
    """The run's Paths from the resolved settings and the config's per-environment files; missing roots fail."""
    for name in ("spec", "tfvars_root", "env_root") if check else ():
        value = settings[name].value
        if "{" not in value and not Path(value).exists():
            raise UsageError(f"{name} path {value} (from {settings[name].source}) does not exist")
    base = project.base_dir(Path.cwd())
    # Only configured environments have a short name or files of their own; the spec is not read yet.
    shorts = {env: project.short_name(env) for env in project.environments}
    files: dict[str, dict[str, list[Path]]] = {"tfvars": {}, "env_file": {}}
    for env in project.environments:
        for key, chosen in files.items():
            raw = getattr(project.env(env), key)
            for template in [raw] if isinstance(raw, str) else raw or []:
                chosen.setdefault(env, []).append(
                    base / Path(template.format(env=env, short_name=shorts[env])).expanduser())
    spec, tfvars_root, env_root, waivers, reports = (
        Path(settings[key].value) for key in ("spec", "tfvars_root", "env_root", "waivers", "reports"))
    variables = base / Path(project.paths.variables).expanduser() if project.paths.variables else None
    return Paths(spec, tfvars_root, env_root, waivers, reports, tfvars_files=files["tfvars"],
                 env_files={env: chosen[0] for env, chosen in files["env_file"].items()}, short_names=shorts,
                 variables=variables)


@dataclass
class Sources:
    """Where this run reads each environment's evidence: one typed loader per source, set by the layer's plugin.

    A source left None is not configured for the run; a check that reads it fails closed (:func:`load`)."""

    #: the read-only AWS snapshot (envmatrix.aws.plugin)
    live: Callable[[str], Snapshot] | None = None
    #: the smoke client, once the service is ready (envmatrix.http.plugin)
    http: Callable[[str], SmokeClient] | None = None
    #: the GitHub approvals snapshot (envmatrix.github.plugin)
    github: Callable[[str], GithubSnapshot] | None = None
    #: where the spec disagrees with the environment document (envmatrix.document.plugin, with --doc)
    document: Callable[[str], list[Disagreement]] | None = None


def load(loader: Callable[[str], T] | None, kind: str, env: str) -> T:
    """What ``loader`` gives for ``env``; an error naming the source when the run has none (never a default)."""
    if loader is None:
        raise EnvmatrixError(f"{env}: no {kind} source is configured for this run")
    return loader(env)


@dataclass
class Suite:
    """Everything loaded once per process for this run; the sources are plugged in by layer plugins."""

    spec: Spec
    paths: Paths
    selected: list[str]
    sandbox: bool = False
    project: ProjectConfig = field(default_factory=ProjectConfig)
    settings: dict[str, Any] = field(default_factory=dict)
    sources: Sources = field(default_factory=Sources)
    #: The repository the inputs are shown relative to (``file:line`` of a finding).
    root: Path = field(default_factory=Path.cwd)
    _tfvars: dict[str, Tfvars] = field(default_factory=dict)
    _env_files: dict[str, EnvFile] = field(default_factory=dict)

    @cached_property
    def environments(self) -> Environments:
        """The spec's environments in promotion order, and every name --env accepts for them."""
        return run_environments(self.project, self.spec.environment_names())

    def tfvars(self, env: str) -> Tfvars:
        if env not in self._tfvars:
            self._tfvars[env] = load_tfvars(self.paths.tfvars_all(env), variables=self.paths.variables_of(env))
        return self._tfvars[env]

    def env_file(self, env: str) -> EnvFile:
        if env not in self._env_files:
            self._env_files[env] = load_env_file(self.paths.env_file(env))
        return self._env_files[env]

    def readable_env_files(self) -> list[EnvFile]:
        """Every environment's env file that can be read, for what collection derives from them all: the selected
        ones (checked when the run started) and the others' where they load. An environment that is not selected
        is not an input of this run: its missing or broken file stops nothing here; the parity checks, which
        compare it, fail naming it."""
        found = []
        for env in self.spec.environments:
            try:
                found.append(self.env_file(env))
            except InputError:
                if env in self.selected:
                    raise
        return found

    def load_selected(self) -> None:
        """Fail early (one message) if the selected environments' declared inputs are malformed."""
        for env in self.selected:
            self.tfvars(env)
            self.env_file(env)


class Environment:
    """What a check sees: one environment's spec, inputs and live sources, bound to one check."""

    def __init__(self, suite: Suite, name: str, info: CheckInfo | None) -> None:
        self.suite = suite
        self.name = name
        self.long_name = suite.environments.long_name(name)
        self.info = info
        self.evidence: list[Evidence] = []
        self.on_evidence: Callable[[Evidence], None] = lambda _evidence: None
        self._deferred: list[Evidence] | None = None

    def __repr__(self) -> str:
        return f"Environment({self.name})"

    @property
    def spec(self) -> EnvironmentSpec:
        return self.suite.spec.env(self.name)

    @property
    def short_name(self) -> str:
        """The name resources and tags use (``[environments.<env>] short_name``; the canonical name by default)."""
        return self.suite.project.short_name(self.name)

    @property
    def app_environment(self) -> str:
        """The value the application's ENVIRONMENT variable holds (``app_environment``; the long name by default)."""
        return self.suite.project.app_environment(self.name, self.long_name)

    @property
    def names(self) -> Names:
        return env_names(self.suite.project, self.name)

    @property
    def tags(self) -> dict[str, str]:
        """The tags every resource of this environment must carry (configured keys, spec values)."""
        return wanted_tags(self.suite.project, self.name, self.suite.spec.defaults.tags)

    @property
    def tfvars(self) -> Tfvars:
        return self.suite.tfvars(self.name)

    @property
    def env_file(self) -> EnvFile:
        return self.suite.env_file(self.name)

    @cached_property
    def live(self) -> Snapshot:
        """The environment's read-only AWS snapshot (fetched once per run by the live plugin)."""
        return load(self.suite.sources.live, "live", self.name)

    @cached_property
    def http(self) -> SmokeClient:
        """The smoke client for this environment (provided by the smoke plugin)."""
        return load(self.suite.sources.http, "http", self.name)

    @cached_property
    def github(self) -> GithubSnapshot:
        """The repository's approval and review settings as GitHub reported them (one snapshot per run)."""
        return load(self.suite.sources.github, "github", self.name)

    @cached_property
    def document(self) -> list[Disagreement]:
        """Where the spec of this environment disagrees with the environment document (--doc)."""
        return load(self.suite.sources.document, "document", self.name)

    def locate(self, resource: str, setting: str) -> str:
        """``file:line`` of the declared input that sets what this check compares ("" where none does)."""
        layer = self.info.layer if self.info else "declared"
        if layer not in LOCATED_LAYERS:
            return ""
        try:
            tfvars, env_file = self.tfvars, self.env_file
        except EnvmatrixError:
            return ""  # an input that does not load is reported by the run itself, not by a location
        sources = (*tfvars.sources(), (env_file.path, env_file.line_of))
        return locate(layer, resource, setting, sources, self.suite.root)

    def expect_tfvars(self, key: str, expected: Any, actual: Any, **options: Any) -> None:
        """:meth:`expect` of the tfvars variable ``key``: the finding names the tfvars file that sets it."""
        self.expect(self.tfvars.file_name(key), key, expected, actual, **options)

    def expect(
        self,
        resource: str,
        setting: str,
        expected: Any,
        actual: Any,
        *,
        ok: Callable[[Any, Any], bool] | None = None,
        expected_text: str | None = None,
    ) -> None:
        """Record the comparison as evidence and fail with the standard message if it does not hold."""
        check_id = self.info.id if self.info else "CHECK"
        layer = self.info.layer if self.info else "declared"
        evidence = compare(
            env=self.name, check_id=check_id, layer=layer, resource=resource, setting=setting,
            expected=expected, actual=actual, ok=ok, expected_text=expected_text,
            location=self.locate(resource, setting),
        )
        self.evidence.append(evidence)
        self.on_evidence(evidence)
        if not evidence.passed and self._deferred is not None:
            self._deferred.append(evidence)
        elif not evidence.passed:
            raise CheckFailed(evidence.message, evidence)

    @contextmanager
    def every(self) -> Iterator[None]:
        """Inside, a failing ``expect`` is recorded and the check goes on; on leaving, one failure lists each
        (one line each, the first first): a user fixing a list of names sees the whole list in one run."""
        self._deferred = []
        stopped: CheckFailed | None = None
        try:
            yield
        except CheckFailed as failure:  # a prerequisite is missing (``require``): nothing after it can be judged
            stopped = failure
        finally:
            failed, self._deferred = self._deferred, None
        if stopped is not None and stopped.evidence not in failed:
            failed.append(stopped.evidence)
        if failed:
            raise CheckFailed("\n".join(evidence.message for evidence in failed), failed[0])

    def require(self, resource: str, setting: str, expected: Any, actual: Any, *, holds: bool,
                **options: Any) -> None:
        """``expect`` for a prerequisite: when it does not hold the check stops here, inside ``every`` too (what
        follows would read what is not there)."""
        self.expect(resource, setting, expected, actual, **options)
        if not holds:
            raise CheckFailed(self.evidence[-1].message, self.evidence[-1])


__all__ = ["MISSING", "Environment", "Paths", "Sources", "Suite"]
