"""envmatrix: prove each environment matches its documented environment matrix."""

from envmatrix.catalog import check
from envmatrix.context import Environment, Suite
from envmatrix.declared import load_env_file, load_tfvars
from envmatrix.errors import EnvmatrixError, InputError, InventoryUnavailable
from envmatrix.spec import Spec, load_spec

__version__ = "0.1.0"
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
