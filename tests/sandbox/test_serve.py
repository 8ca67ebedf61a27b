"""`envmatrix sandbox serve`: the sandbox's moto server, empty, with its fixes to moto, until Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from tests.conftest import free_port, read_until

ROOT = Path(__file__).resolve().parents[2]
READY = "Ctrl-C stops it"


class Served:
    def __init__(self, process: subprocess.Popen[str], shown: str, port: int) -> None:
        self.process, self.shown, self.port = process, shown, port
        exports = dict(re.findall(r"export (\w+)=(\S+)", shown))
        self.endpoint = exports.get("AWS_ENDPOINT_URL", "")
        self.exports = exports

    def client(self, service: str) -> Any:
        return boto3.client(service, endpoint_url=self.endpoint, region_name=self.exports["AWS_DEFAULT_REGION"],
                            aws_access_key_id=self.exports["AWS_ACCESS_KEY_ID"],
                            aws_secret_access_key=self.exports["AWS_SECRET_ACCESS_KEY"],
                            config=Config(retries={"max_attempts": 1}))


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    port = free_port()
    command = [sys.executable, "-c", "import sys; from envmatrix.cli import main; sys.exit(main())",
               "sandbox", "serve", f"--port={port}", "--region=eu-west-1"]
    environment = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env={**environment, "PYTHONUNBUFFERED": "1", "AWS_EC2_METADATA_DISABLED": "true"})
    try:
        yield Served(process, read_until(process, READY, 30), port)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            process.communicate(timeout=15)


def test_serve_prints_the_endpoint_and_exports_on_the_port_asked(served: Served) -> None:
    assert served.endpoint == f"http://127.0.0.1:{served.port}", served.shown
    assert served.exports["AWS_DEFAULT_REGION"] == "eu-west-1"
    assert served.exports["AWS_EC2_METADATA_DISABLED"] == "true"


def test_serve_starts_empty(served: Served) -> None:
    assert served.client("rds").describe_db_instances()["DBInstances"] == []
    assert served.client("ecs").list_clusters()["clusterArns"] == []


def test_a_created_service_runs_its_tasks_and_keeps_its_circuit_breaker(served: Served) -> None:
    """Plain moto: runningCount 0 and no deploymentConfiguration after create_service (DESIGN's pitfalls)."""
    ecs = served.client("ecs")
    ecs.create_cluster(clusterName="orders-dev")
    ecs.register_task_definition(family="orders-api", containerDefinitions=[
        {"name": "api", "image": "orders-api:1", "memory": 512}])
    breaker = {"enable": True, "rollback": True}
    ecs.create_service(cluster="orders-dev", serviceName="orders-api", taskDefinition="orders-api", desiredCount=2,
                       deploymentConfiguration={"deploymentCircuitBreaker": breaker})
    service = ecs.describe_services(cluster="orders-dev", services=["orders-api"])["services"][0]
    assert (service["desiredCount"], service["runningCount"]) == (2, 2)
    assert service["deployments"][0]["rolloutState"] == "COMPLETED"
    assert service["deploymentConfiguration"]["deploymentCircuitBreaker"] == breaker


def test_num_cache_clusters_gives_that_many_members(served: Served) -> None:
    """Plain moto: one member for NumCacheClusters=3."""
    cache = served.client("elasticache")
    cache.create_replication_group(ReplicationGroupId="orders-dev-cache", ReplicationGroupDescription="orders",
                                   Engine="redis", CacheNodeType="cache.t3.micro", NumCacheClusters=3)
    group = cache.describe_replication_groups(ReplicationGroupId="orders-dev-cache")["ReplicationGroups"][0]
    assert len(group["MemberClusters"]) == 3


def test_codedeploy_answers_the_alarms_it_was_given(served: Served) -> None:
    """Plain moto answers ``{}`` for a deployment group's alarm configuration."""
    deploy = served.client("codedeploy")
    deploy.create_application(applicationName="orders", computePlatform="ECS")
    alarms = {"enabled": True, "ignorePollAlarmFailure": False, "alarms": [{"name": "orders-5xx"}]}
    deploy.create_deployment_group(applicationName="orders", deploymentGroupName="orders-api",
                                   serviceRoleArn="arn:aws:iam::123456789012:role/deploy", alarmConfiguration=alarms)
    group = deploy.get_deployment_group(applicationName="orders", deploymentGroupName="orders-api")
    assert group["deploymentGroupInfo"]["alarmConfiguration"] == alarms


def test_ctrl_c_stops_it_and_frees_the_port(served: Served) -> None:
    served.process.send_signal(signal.SIGINT)
    rest, _ = served.process.communicate(timeout=15)
    assert served.process.returncode == 0, rest
    assert "envmatrix sandbox serve: stopped" in rest
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", served.port), timeout=2).close()


def test_serve_refuses_the_provisioning_options(capsys: pytest.CaptureFixture[str]) -> None:
    from envmatrix.cli import main

    assert main(["sandbox", "serve", "--env=dev", "--port=0"]) == 2
    assert capsys.readouterr().err.strip() == ("envmatrix: error: sandbox serve starts empty: --env: only "
                                                "`envmatrix sandbox` provisions from them")
