"""The shipped least-privilege IAM policy: exactly the reads a whole run makes, no write, no data read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from envmatrix.aws.iam import OPERATIONS, actions, iam_action, policy, policy_json
from envmatrix.cli import main
from tests.live.conftest import ROOT, suite_args

SHIPPED = ROOT / "iam" / "envmatrix-readonly.json"
#: How AWS names the actions of IAM access level Read/List (the guard no longer goes by names: it is the table).
READ_PREFIXES = ("Describe", "List", "Get", "Head")
#: Reads whose IAM action is not named like a read (HeadBucket, should the suite call it, needs s3:ListBucket).
NOT_NAMED_LIKE_READS = {"s3:ListBucket", "budgets:ViewBudget",  # both reads (IAM access level Read)
                        "cloudtrail:LookupEvents"}  # IAM access level Read: the event history
#: Reads a clean sandbox run need not make: task sets are asked for only when DescribeServices omits them
#: (CODE_DEPLOY / EXTERNAL), the account-level block only when a bucket's own block is incomplete, canaries
#: only where no Route 53 health check is tagged (the sandbox's production has one), a custom deployment config,
#: a deployment group under another name, a registry scan rule where a repository has no scanOnPush
#: DB clusters only where an instance is a cluster member (Aurora) (each proven in tests/shapes/).
CONDITIONAL = {"ecs:DescribeTaskSets", "s3:GetAccountPublicAccessBlock", "synthetics:DescribeCanaries",
               "codedeploy:GetDeploymentConfig", "codedeploy:ListDeploymentGroups",
               "ecr:GetRegistryScanningConfiguration", "rds:DescribeDBClusters", "ec2:DescribeClientVpnEndpoints",
               # only where the spec allows a WAF on CloudFront and none is on the load balancer
               "cloudfront:ListDistributions", "wafv2:GetWebACL",
               "elasticache:DescribeServerlessCaches"}  # only where no replication group has the cache's name


def test_shipped_file_is_the_generated_policy() -> None:
    assert SHIPPED.read_text() == policy_json()
    assert json.loads(SHIPPED.read_text()) == policy()


def test_cli_prints_the_policy(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["iam-policy"]) == 0
    assert json.loads(capsys.readouterr().out) == json.loads(SHIPPED.read_text())


@pytest.mark.parametrize(("service", "operation", "action"), [
    ("s3", "GetBucketEncryption", "s3:GetEncryptionConfiguration"),
    ("s3", "GetBucketLifecycleConfiguration", "s3:GetLifecycleConfiguration"),
    ("s3", "GetPublicAccessBlock", "s3:GetBucketPublicAccessBlock"),
    ("s3control", "GetPublicAccessBlock", "s3:GetAccountPublicAccessBlock"),
    ("s3", "HeadBucket", "s3:ListBucket"),
    ("elbv2", "DescribeListeners", "elasticloadbalancing:DescribeListeners"),
    ("application-autoscaling", "DescribeScalableTargets", "application-autoscaling:DescribeScalableTargets"),
    ("rds", "DescribeDBInstances", "rds:DescribeDBInstances"),
])
def test_api_names_map_to_iam_actions(service: str, operation: str, action: str) -> None:
    assert iam_action(service, operation) == action


def test_policy_grants_reads_only() -> None:
    document = policy()
    [statement] = document["Statement"]
    assert statement["Effect"] == "Allow" and statement["Resource"] == "*"
    granted = statement["Action"]
    assert granted == actions() and len(granted) == len(set(granted))
    assert not [a for a in granted if "*" in a]
    assert not {"secretsmanager:GetSecretValue", "secretsmanager:BatchGetSecretValue", "s3:GetObject",
                "s3:GetObjectVersion", "ssm:GetParameter", "ecr:GetAuthorizationToken"} & set(granted)
    writes = [a for a in granted if not a.split(":", 1)[1].startswith(READ_PREFIXES) and a not in NOT_NAMED_LIKE_READS]
    assert writes == []
    assert CONDITIONAL <= set(granted)
    assert len(OPERATIONS) == len(set(OPERATIONS))


def test_a_whole_run_stays_inside_the_policy(pytester: pytest.Pytester, aws_env: dict[str, str], tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    log = tmp_path / "calls.jsonl"
    monkeypatch.setenv("ENVMATRIX_AWS_CALL_LOG", str(log))
    result = pytester.runpytest(*suite_args(tmp_path / "reports", "--env=all", "-m", "live or drift"))
    assert result.parseoutcomes().get("passed", 0) > 250, result.stdout.str()[-2000:]
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    used = {iam_action(call["service"], call["operation"]) for call in calls}
    assert len(calls) > 30 and len(used) > 15
    assert used - set(actions()) == set()
    assert set(actions()) - used <= CONDITIONAL  # nothing else: every other action is one this run used
    # Cost Explorer charges $0.01 a request: one for the whole run, shared by the three environments
    costs = [call for call in calls if call["operation"] == "GetCostAndUsage"]
    assert len([call for call in costs if not call.get("retry")]) == 1, costs  # a retry is the same request again
