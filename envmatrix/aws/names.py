"""The resource names, kept in the core (envmatrix/names.py); this import path stays for the AWS modules."""

from envmatrix.names import (
    DEFAULT_PROJECT,
    DEFAULT_SOURCE,
    DEFAULTS,
    NAME_FIELDS,
    SECURITY_GROUP_ROLES,
    Names,
    as_dict,
    check_templates,
    effective_names,
    names_for,
    secret_reference,
)

__all__ = ["DEFAULTS", "DEFAULT_PROJECT", "DEFAULT_SOURCE", "NAME_FIELDS", "SECURITY_GROUP_ROLES", "Names", "as_dict",
           "check_templates", "effective_names", "names_for", "secret_reference"]
