"""Where a setting is declared: ``file:line`` relative to the repository, for messages, JUnit, reports and SARIF."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from pathlib import Path

#: A declared input: its path and how to find the line a key is set on.
Source = tuple[Path, Callable[[str], int | None]]
#: Layers whose settings name a declared key: declared (the file's own key), drift (the tfvars key or env
#: variable it compares), live (``environment.<VARIABLE>`` of a container, which the env file declares).
LOCATED_LAYERS = ("declared", "drift", "live")
_CONTAINER_VARIABLE = "environment."


def repository_root(start: Path) -> Path:
    """The nearest folder from ``start`` upwards that is a git work tree (what SARIF's %SRCROOT% is), else ``start``."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return start


def shown_path(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` with forward slashes; absolute when it lies outside the repository."""
    if path.is_absolute() and root.is_absolute():
        return _shown_once(path, root)  # the usual case: every piece of declared evidence names one of a few files
    return _shown(path, root)  # relative to the working directory, which may change: worked out every time


def _shown(path: Path, root: Path) -> str:
    resolved = path.resolve()
    try:
        return resolved.relative_to(root.resolve()).as_posix()
    except ValueError:
        return resolved.as_posix()


_shown_once = functools.lru_cache(maxsize=256)(_shown)


def location(path: Path, line: int | None, root: Path) -> str:
    return f"{shown_path(path, root)}:{line}" if line else shown_path(path, root)


def split_location(text: str) -> tuple[str, int | None]:
    """``"a/b.tfvars:14"`` -> ``("a/b.tfvars", 14)``; a location without a line keeps None."""
    path, _, line = text.rpartition(":")
    return (path, int(line)) if path and line.isdigit() else (text, None)


def locate(layer: str, resource: str, setting: str, sources: Sequence[Source], root: Path) -> str:
    """The ``file:line`` declaring what a check compared, or "" when no declared input holds it.

    A declared check names its file as the resource: a setting the file does not set still points at the file,
    and a declared check of something else (the environment document) has no location here.
    """
    if layer not in LOCATED_LAYERS:
        return ""
    if layer == "declared":
        named = [(path, line_of(setting)) for path, line_of in sources if resource == path.name]
        # several files of one name (tfvars of two folders): the one that sets the key, else the first
        return location(*max(named, key=lambda found: found[1] is not None), root) if named else ""
    if layer == "live":
        if not setting.startswith(_CONTAINER_VARIABLE):
            return ""
        setting = setting.removeprefix(_CONTAINER_VARIABLE)
    for path, line_of in sources:
        line = line_of(setting)
        if line:
            return location(path, line, root)
    return ""
