"""logging's registry of loggers, made safe to walk while envmatrix's own threads create loggers.

pytest (9.1 and later) walks ``logging.Logger.manager.loggerDict.values()`` at the start of every test phase, without
logging's lock, to attach its capture handler to the loggers that do not propagate. A logger created meanwhile on
another thread changes the dict's size mid-walk, and that test phase fails with "dictionary changed size during
iteration". envmatrix's threads do create loggers: a snapshot taken in the background imports botocore's and urllib3's
modules on its first client, and each module makes its logger as it is imported. (Seen in CI: a declared check failed
this way while production's snapshot was being taken.)

Before envmatrix starts a thread that outlives the call that starts it, ``guard()`` puts in the registry's place a dict
whose ``values()``, ``items()`` and iteration walk a copy. The copy is one C call (no Python code, so no other thread,
runs inside it); everything else about the dict is unchanged.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Any

_LOGGING_LOCK: AbstractContextManager[Any] = vars(logging)["_lock"]  # held by logging.getLogger while it adds a logger


class _Registry(dict[str, Any]):
    """logging's loggerDict, walked over a copy."""

    def __iter__(self) -> Iterator[str]:
        return iter(list(dict.keys(self)))

    def values(self) -> list[Any]:  # type: ignore[override]
        return list(dict.values(self))

    def items(self) -> list[tuple[str, Any]]:  # type: ignore[override]
        return list(dict.items(self))


def guard() -> None:
    """Put the copy-walking registry in place (once; cheap after that)."""
    manager = logging.Logger.manager
    if isinstance(manager.loggerDict, _Registry):
        return
    with _LOGGING_LOCK:
        if not isinstance(manager.loggerDict, _Registry):
            manager.loggerDict = _Registry(manager.loggerDict)


def guarded() -> bool:
    return isinstance(logging.Logger.manager.loggerDict, _Registry)


__all__ = ["guard", "guarded"]
