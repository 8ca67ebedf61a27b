"""Provisioning of one sandbox environment: the order of the steps (the shared context: provision_target.py).

Provisioning is the only code in envmatrix that writes to AWS; it uses its own plain boto3 clients
(never the live layer's guarded ones) and only ever talks to the sandbox endpoint it is given.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from envmatrix.sandbox import (
    provision_app,
    provision_data,
    provision_deploy,
    provision_network,
    provision_ops,
    provision_sla,
    provision_trail,
)
from envmatrix.sandbox.provision_target import ProvisionTarget, Step


def _steps() -> tuple[tuple[Step, ...], ...]:
    """Stages run one after another; the steps inside a stage are independent and run in parallel."""
    return (
        (provision_network.network, provision_app.secrets, provision_app.log_groups, provision_app.alert_topic,
         provision_deploy.images, provision_ops.budget, provision_trail.trail),
        (provision_network.load_balancer, provision_network.bastion, provision_data.database, provision_data.cache,
         provision_data.buckets, provision_app.task_definitions, provision_ops.alert_subscriptions),
        (provision_network.waf, provision_app.cluster_and_services, provision_app.alarms, provision_sla.traffic,
         provision_sla.external_check, provision_data.data_custody),
        (provision_deploy.deployment_group, provision_deploy.circuit_breakers, provision_ops.scaling_policies),
    )


def provision_env(target: ProvisionTarget) -> None:
    """Create every resource of one environment, stage by stage."""
    for stage in _steps():
        with ThreadPoolExecutor(max_workers=len(stage)) as pool:
            for future in [pool.submit(step, target) for step in stage]:
                future.result()
