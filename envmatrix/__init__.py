"""envmatrix: prove each environment matches its documented environment matrix.

The public names are imported at their first use (PEP 562): a process that needs one part of envmatrix, such
as the sandbox's moto server (every sandbox a test starts), does not pay for the rest (pytest, pydantic, the
HCL parser: half a second).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from envmatrix.catalog import check
    from envmatrix.context import Environment, Suite
    from envmatrix.declared import load_env_file, load_tfvars
    from envmatrix.errors import EnvmatrixError, InputError, InventoryUnavailable
    from envmatrix.spec import Spec, load_spec

__version__ = "0.1.0"
#: public name -> the module it lives in
_HOMES = {
    "Environment": "envmatrix.context",
    "EnvmatrixError": "envmatrix.errors",
    "InputError": "envmatrix.errors",
    "InventoryUnavailable": "envmatrix.errors",
    "Spec": "envmatrix.spec",
    "Suite": "envmatrix.context",
    "check": "envmatrix.catalog",
    "load_env_file": "envmatrix.declared",
    "load_spec": "envmatrix.spec",
    "load_tfvars": "envmatrix.declared",
}
__all__ = [
    "Environment",
    "EnvmatrixError",
    "InputError",
    "InventoryUnavailable",
    "Spec",
    "Suite",
    "check",
    "load_env_file",
    "load_spec",
    "load_tfvars",
]


def __getattr__(name: str) -> Any:
    """A public name, imported from its module at first use (then kept here)."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'envmatrix' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value
