"""Every declared and parity check: green on the shipped fixtures, red on a one-value mutation."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from envmatrix.catalog import info_of
from tests.conftest import Project


@dataclass(frozen=True)
class Mutation:
    env: str
    file: str  # "tfvars" or "env"
    key: str
    line: str | None  # the replacement line; None deletes the key
    fails: tuple[str, ...]  # check ids expected to turn red (only these)
    shows: tuple[str, ...]  # fragments the first failure message must contain (expected and actual)


MUTATIONS = [
    Mutation("production", "tfvars", "db_instance_class", 'db_instance_class = "db.t3.large"',
             ("DB-INSTANCE-CLASS",), ("db_instance_class", "expected db.r6g.xlarge", "got db.t3.large")),
    Mutation("staging", "tfvars", "db_allocated_storage", "db_allocated_storage = 40",
             ("DB-STORAGE",), ("expected 50", "got 40")),
    Mutation("production", "tfvars", "db_max_allocated_storage", "db_max_allocated_storage = 500",
             ("DB-MAX-STORAGE",), ("expected 1000", "got 500")),
    Mutation("production", "tfvars", "db_multi_az", "db_multi_az = false",
             ("DB-MULTI-AZ",), ("db_multi_az", "expected true", "got false")),
    Mutation("staging", "tfvars", "db_create_replica", "db_create_replica = false",
             ("DB-REPLICA",), ("db_create_replica", "expected true", "got false")),
    Mutation("production", "tfvars", "db_replica_instance_class", 'db_replica_instance_class = "db.r6g.xlarge"',
             ("DB-REPLICA-CLASS",), ("expected db.r6g.large", "got db.r6g.xlarge")),
    Mutation("production", "tfvars", "db_backup_retention_days", "db_backup_retention_days = 7",
             ("DB-BACKUP-RETENTION",), ("db_backup_retention_days", "expected 30", "got 7")),
    Mutation("production", "tfvars", "db_deletion_protection", "db_deletion_protection = false",
             ("DB-DELETION-PROTECTION",), ("expected true", "got false")),
    Mutation("dev", "tfvars", "bastion_enabled", "bastion_enabled = false",
             ("DB-BASTION",), ("bastion_enabled", "expected true", "got false")),
    Mutation("production", "tfvars", "db_audit_logging", "db_audit_logging = false",
             ("DB-AUDIT-LOGGING",), ("db_audit_logging", "expected true", "got false")),
    Mutation("staging", "tfvars", "db_skip_final_snapshot", "db_skip_final_snapshot = true",
             ("DB-FINAL-SNAPSHOT",), ("expected false", "got true")),
    Mutation("production", "tfvars", "cache_node_type", 'cache_node_type = "cache.t3.medium"',
             ("CACHE-NODE-TYPE",), ("expected cache.r7g.large", "got cache.t3.medium")),
    Mutation("production", "tfvars", "cache_num_nodes", "cache_num_nodes = 2",
             ("CACHE-NODE-COUNT",), ("expected 3", "got 2")),
    Mutation("staging", "tfvars", "cache_automatic_failover", "cache_automatic_failover = false",
             ("CACHE-FAILOVER",), ("expected true", "got false")),
    Mutation("production", "tfvars", "api_cpu", 'api_cpu = "512"',
             ("ECS-API-TASK-SIZE",), ("api_cpu", "expected 1024", "got 512")),
    Mutation("staging", "tfvars", "worker_memory", 'worker_memory = "2048"',
             ("ECS-WORKER-TASK-SIZE",), ("worker_memory", "expected 1024", "got 2048")),
    Mutation("production", "tfvars", "api_max_capacity", "api_max_capacity = 20",
             ("ECS-API-CAPACITY",), ("api_max_capacity", "expected 50", "got 20")),
    Mutation("staging", "tfvars", "worker_desired_count", "worker_desired_count = 4",
             ("ECS-WORKER-CAPACITY",), ("worker_desired_count", "expected 5", "got 4")),
    Mutation("production", "tfvars", "api_desired_count", "api_desired_count = 60",
             ("ECS-API-CAPACITY", "ECS-API-BOUNDS"), ("api_desired_count", "got 60")),
    Mutation("staging", "tfvars", "api_max_capacity", "api_max_capacity = 3",
             ("ECS-API-CAPACITY", "AUTO-SCALING"), ("api_max_capacity", "got 3")),
    Mutation("production", "tfvars", "availability_zones", 'availability_zones = ["us-east-1a"]',
             ("NET-AVAILABILITY-ZONES",), ("availability_zones", "at least 2 distinct zones", "us-east-1a")),
    Mutation("production", "tfvars", "aws_region", 'aws_region = "eu-west-1"',
             ("ENV-REGION", "NET-AVAILABILITY-ZONES"), ("aws_region", "expected us-east-1", "got eu-west-1")),
    Mutation("staging", "tfvars", "domain_name", 'domain_name = "staging.example.com"',
             ("ENV-DOMAIN",), ("expected staging.taskmanager.com", "got staging.example.com")),
    Mutation("production", "tfvars", "log_level", 'log_level = "DEBUG"',
             ("LOG-LEVEL",), ("log_level", "expected INFO", "got DEBUG")),
    Mutation("production", "env", "LOG_LEVEL", "LOG_LEVEL=DEBUG",
             ("LOG-LEVEL",), ("production.env.LOG_LEVEL", "expected INFO", "got DEBUG")),
    Mutation("staging", "tfvars", "log_retention_days", "log_retention_days = 7",
             ("LOG-RETENTION",), ("expected 30", "got 7")),
    Mutation("production", "tfvars", "log_archive_days", "log_archive_days = 90",
             ("LOG-ARCHIVE",), ("expected 365", "got 90")),
    Mutation("staging", "env", "ENVIRONMENT", "ENVIRONMENT=production",
             ("APP-ENVIRONMENT",), ("ENVIRONMENT", "expected staging", "got production")),
    Mutation("production", "env", "DEBUG", "DEBUG=true",
             ("APP-DEBUG",), ("DEBUG", "expected false", "got true")),
    Mutation("production", "env", "JWT_ACCESS_TOKEN_EXPIRE_MINUTES", "JWT_ACCESS_TOKEN_EXPIRE_MINUTES=60",
             ("JWT-ACCESS-MINUTES",), ("JWT_ACCESS_TOKEN_EXPIRE_MINUTES", "expected 15", "got 60")),
    Mutation("production", "env", "JWT_ALGORITHM", "JWT_ALGORITHM=none",
             ("JWT-ACCESS-MINUTES",), ("JWT_ALGORITHM", "expected HS256", "got none")),
    Mutation("production", "env", "JWT_REFRESH_TOKEN_EXPIRE_DAYS", "JWT_REFRESH_TOKEN_EXPIRE_DAYS=30",
             ("JWT-REFRESH-DAYS",), ("expected 7", "got 30")),
    Mutation("staging", "env", "ENABLE_EMAIL_VERIFICATION", "ENABLE_EMAIL_VERIFICATION=false",
             ("APP-EMAIL-VERIFICATION",), ("expected true", "got false")),
    Mutation("production", "env", "ENABLE_REGISTRATION", "ENABLE_REGISTRATION=false",
             ("APP-REGISTRATION",), ("expected true", "got false")),
    Mutation("production", "env", "ENABLE_RATE_LIMITING", "ENABLE_RATE_LIMITING=false",
             ("APP-RATE-LIMITING",), ("ENABLE_RATE_LIMITING", "expected true", "got false")),
    Mutation("production", "env", "RATE_LIMIT_PER_MINUTE", "RATE_LIMIT_PER_MINUTE=600",
             ("APP-RATE-LIMITING",), ("RATE_LIMIT_PER_MINUTE", "expected 60", "got 600")),
    Mutation("production", "env", "CORS_ORIGINS", """CORS_ORIGINS='["*"]'""",
             ("APP-CORS-ORIGINS",), ("CORS_ORIGINS", "https://taskmanager.com", 'got ["*"]')),
    Mutation("staging", "env", "DB_POOL_SIZE", "DB_POOL_SIZE=5",
             ("APP-POOLS",), ("DB_POOL_SIZE", "expected 20", "got 5")),
    Mutation("production", "env", "JWT_SECRET_KEY", "JWT_SECRET_KEY=hunter2-canary-value",
             ("SECRETS-PLACEHOLDERS", "SECRETS-NO-LITERALS"), ("JWT_SECRET_KEY", "expected <from-secrets-manager>",
                                                                "got ***")),
    Mutation("staging", "env", "SMTP_HOST", "SMTP_HOST=smtp://mailer:hunter2-canary@smtp.sendgrid.net",
             ("SECRETS-NO-LITERALS",), ("literal_values", "SMTP_HOST")),
    Mutation("staging", "tfvars", "vpc_cidr", 'vpc_cidr = "10.0.0.0/16"',
             ("NET-VPC-CIDR",), ("vpc_cidr", "expected 10.2.0.0/16", "got 10.0.0.0/16")),
    Mutation("production", "env", "SENTRY_DSN", "SENTRY_DSN=",
             ("MON-VARIABLES", "SECRETS-PLACEHOLDERS"), ("SENTRY_DSN", "expected set", "got <missing>")),
    Mutation("dev", "tfvars", "db_replica_instance_class", 'db_replica_instance_class = "db.t3.micro"',
             ("PARITY-TFVARS-KEYS",),
             ("unexpected db_replica_instance_class", "by design only in staging, production")),
    Mutation("production", "env", "SMTP_HOST", None,  # a required field of ProductionSettings: it cannot load
             ("PARITY-ENV-KEYS", "APP-ENVIRONMENT"),
             ("production.env.variables", "missing SMTP_HOST (present in dev, staging)")),
    Mutation("staging", "tfvars", "worker_min_capacity", "worker_min_capacity = 6",
             ("ECS-WORKER-CAPACITY", "ECS-WORKER-BOUNDS"), ("worker_min_capacity", "expected 3", "got 6")),
    Mutation("staging", "tfvars", "db_data_classification", 'db_data_classification = "production-copy"',
             ("DATA-CLASSIFICATION",), ("db_data_classification", "expected anonymized", "got production-copy")),
    Mutation("production", "tfvars", "dr_account_ids", 'dr_account_ids = ["444455556666", "111122223333"]',
             ("DATA-SNAPSHOTS-PRIVATE",), ("dr_account_ids", "only accounts of data.allowed_accounts",
                                           'got ["111122223333"]')),
    Mutation("dev", "tfvars", "alb_internal", "alb_internal = false",
             ("ACCESS-REACH",), ("alb_internal", "expected true (private environment)", "got false")),
    Mutation("staging", "tfvars", "admin_allowed_cidrs", 'admin_allowed_cidrs = ["203.0.113.0/24", "0.0.0.0/0"]',
             ("ACCESS-ADMIN-PATHS",), ("admin_allowed_cidrs", "none world-wide", "0.0.0.0/0")),
    Mutation("production", "tfvars", "admin_allowed_cidrs", 'admin_allowed_cidrs = ["10.0.0.0/8"]',
             ("ACCESS-ADMIN-PATHS",), ("admin_allowed_cidrs", "blocked from everywhere", "10.0.0.0/8")),
]


def test_shipped_fixtures_are_green(project: Project) -> None:
    outcome = project.run("--env=all", "-m", "declared or parity")
    assert outcome.returncode == 0, outcome.output
    assert not outcome.failed
    assert len(outcome.passed) > 90
    assert outcome.xfailed == {"AUTO-SCALING[dev]", "ECS-WORKER-CAPACITY[production]", "SECRETS-NO-LITERALS[dev]",
                               "PARITY-ENV-KEYS[dev]", "PARITY-ENV-KEYS[staging]"}


@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: f"{m.env}-{m.key}")
def test_one_value_turns_exactly_its_checks_red(project: Project, mutation: Mutation) -> None:
    path = project.tfvars(mutation.env) if mutation.file == "tfvars" else project.env_file(mutation.env)
    project.set_line(path, mutation.key, mutation.line)
    outcome = project.run(f"--env={mutation.env}", "-m", "declared or parity")
    assert outcome.returncode == 1, outcome.output
    assert set(outcome.failed) == {f"{check_id}[{mutation.env}]" for check_id in mutation.fails}
    message = outcome.failed[f"{mutation.fails[0]}[{mutation.env}]"]
    assert message.startswith(f"{mutation.env} {mutation.fails[0]} "), message
    for fragment in mutation.shows:
        assert fragment in message, message
    assert "hunter2" not in outcome.output + "".join(outcome.failed.values())


def test_every_declared_check_has_a_mutation(project: Project) -> None:
    items, _ = project.pytester.inline_genitems("--env=all", "-m", "declared or parity", "-p", "no:hypothesispytest")
    declared = {info.id for info in map(info_of, items) if info is not None and info.layer in ("declared", "parity")}
    covered = {check_id for mutation in MUTATIONS for check_id in mutation.fails}
    # SPEC-MATCHES-DOC compares the spec with a document, not the declared files: its mutations (a changed matrix
    # cell, tfvars value, removed variable line of the document) are proven in tests/document/.
    covered.add("SPEC-MATCHES-DOC")
    assert len(declared) > 30
    assert declared - covered == set()
