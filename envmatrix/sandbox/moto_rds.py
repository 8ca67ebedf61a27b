"""RDS fidelity for the sandbox's moto server: a parameter set by ModifyDBParameterGroup says ``Source: user``.

moto 5.x keeps a DB parameter group's parameters as the dicts the modify call sent, so DescribeDBParameters
answers them without ``Source``; AWS marks every parameter a user set ``user`` (the family's own are
``engine-default`` or ``system``, which moto does not list at all).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def install() -> None:
    """Wrap moto's ``DBParameterGroup.update_parameters`` (in this server process only)."""
    from moto.rds.models import DBParameterGroup

    original = DBParameterGroup.update_parameters
    if getattr(original, "_envmatrix", False):
        return

    def update_parameters(self: Any, new_parameters: Iterable[dict[str, Any]]) -> None:
        original(self, [{**parameter, "Source": "user"} for parameter in new_parameters])

    update_parameters._envmatrix = True  # type: ignore[attr-defined]
    DBParameterGroup.update_parameters = update_parameters  # type: ignore[method-assign]
