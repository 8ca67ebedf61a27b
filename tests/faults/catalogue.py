"""The fault catalogue: single misconfigurations of a provisioned sandbox and the checks each must turn red.

Each fault changes ONE thing in ONE environment with plain boto3 calls (the sandbox is the only place the
project writes). ``expected`` lists every (layer, check id) that must fail in a ``-m "live or drift"`` run of
that environment, and ``where`` is the ``<resource>.<setting>`` the main failure message must name.
"""

from __future__ import annotations

# Each tier registers its faults on import, in this order (the catalogue's order: the data tier first); importing
# them all here makes CATALOGUE and VARIANTS complete.
# isort: off
from tests.faults import data, app, deploy, network, ops, sla, changes  # noqa: F401
# isort: on
from tests.faults.registry import (
    CATALOGUE,
    VARIANTS,
    Action,
    Fault,
    Variant,
    by_id,
    conforming,
    drift,
    fault,
    live,
)

__all__ = ["CATALOGUE", "VARIANTS", "Action", "Fault", "Variant", "by_id", "conforming", "drift", "fault", "live"]
