"""Fault catalogue, application tier: task definitions, services, auto scaling, logs, secrets, alarms."""

from __future__ import annotations

import secrets
import string
from typing import Any

from envmatrix.redact import register_secret
from tests.faults.actions import FaultTarget
from tests.faults.registry import Action, conforming, drift, fault, live

APP_ENV = drift("DRIFT-APP-ENV")


def _variable(role: str, name: str, value: str) -> Action:
    return lambda target: target.set_variable(role, name, value)


# --- the task definitions' environment ------------------------------------------------------------
fault("staging-log-level-debug", "staging", "staging api task definition LOG_LEVEL changed to DEBUG",
      live("LOG-LEVEL") | APP_ENV | drift("DRIFT-LOGGING"),
      "ecs-task-definition:staging-taskmanager-api.environment.LOG_LEVEL")(_variable("api", "LOG_LEVEL", "DEBUG"))
fault("dev-debug-off", "dev", "development api task definition DEBUG=false",
      live("APP-DEBUG") | APP_ENV, "ecs-task-definition:dev-taskmanager-api.environment.DEBUG")(
    _variable("api", "DEBUG", "false"))
fault("production-jwt-minutes-60", "production", "production access tokens live 60 minutes",
      live("JWT-ACCESS-MINUTES") | APP_ENV,
      "ecs-task-definition:production-taskmanager-api.environment.JWT_ACCESS_TOKEN_EXPIRE_MINUTES")(
    _variable("api", "JWT_ACCESS_TOKEN_EXPIRE_MINUTES", "60"))
fault("staging-rate-limiting-off", "staging", "staging rate limiting switched off",
      live("APP-RATE-LIMITING") | APP_ENV,
      "ecs-task-definition:staging-taskmanager-api.environment.ENABLE_RATE_LIMITING")(
    _variable("api", "ENABLE_RATE_LIMITING", "false"))
fault("production-email-verification-off", "production", "production email verification skipped",
      live("APP-EMAIL-VERIFICATION") | APP_ENV,
      "ecs-task-definition:production-taskmanager-api.environment.ENABLE_EMAIL_VERIFICATION")(
    _variable("api", "ENABLE_EMAIL_VERIFICATION", "false"))
fault("staging-registration-off", "staging", "staging registration closed",
      live("APP-REGISTRATION") | APP_ENV,
      "ecs-task-definition:staging-taskmanager-api.environment.ENABLE_REGISTRATION")(
    _variable("api", "ENABLE_REGISTRATION", "false"))
fault("production-cors-wildcard", "production", "production CORS opened to every origin",
      live("APP-CORS-ORIGINS") | APP_ENV, "ecs-task-definition:production-taskmanager-api.environment.CORS_ORIGINS")(
    _variable("api", "CORS_ORIGINS", "*"))
fault("staging-pool-size", "staging", "staging database pool shrunk to 5",
      live("APP-POOLS") | APP_ENV, "ecs-task-definition:staging-taskmanager-api.environment.DB_POOL_SIZE")(
    _variable("api", "DB_POOL_SIZE", "5"))
fault("production-environment-name", "production", "production containers say ENVIRONMENT=staging",
      live("APP-ENVIRONMENT") | APP_ENV, "ecs-task-definition:production-taskmanager-api.environment.ENVIRONMENT")(
    _variable("api", "ENVIRONMENT", "staging"))



# --- settings as the application reads them (pydantic-settings) -----------------------------------
fault("production-cors-json-extra-origin", "production",
      "production CORS_ORIGINS a JSON array (as pydantic-settings reads it) with an extra origin",
      live("APP-CORS-ORIGINS") | APP_ENV, "ecs-task-definition:production-taskmanager-api.environment.CORS_ORIGINS")(
    _variable("api", "CORS_ORIGINS", '["https://taskmanager.com", "https://www.taskmanager.com", '
                                     '"https://preview.taskmanager.dev"]'))


@conforming("production-cors-json-array", "production",
            "production CORS_ORIGINS written as a JSON array, the notation pydantic-settings decodes")
def _cors_json(target: FaultTarget) -> None:
    for role in ("api", "worker"):
        target.set_variable(role, "CORS_ORIGINS", '["https://www.taskmanager.com", "https://taskmanager.com"]')


@conforming("production-rate-limit-default", "production",
            "production RATE_LIMIT_PER_MINUTE not set: ProductionSettings' documented default (60) applies")
def _rate_limit_default(target: FaultTarget) -> None:
    def mutate(_definition: dict[str, Any], container: dict[str, Any]) -> None:
        container["environment"] = [e for e in container["environment"] if e["name"] != "RATE_LIMIT_PER_MINUTE"]
    for role in ("api", "worker"):
        target.revise_task(role, mutate)

def _variable_in_case(role: str, name: str, value: str) -> Action:
    """Set ``name`` (spelled as given) in place of the variable in any case, as a case-insensitive app reads it."""
    def apply(target: FaultTarget) -> None:
        def mutate(_definition: dict[str, Any], container: dict[str, Any]) -> None:
            container["environment"] = [e for e in container["environment"] if e["name"].upper() != name.upper()]
            container["environment"].append({"name": name, "value": value})
        target.revise_task(role, mutate)
    return apply


fault("production-log-level-verbose", "production",
      "production api LOG_LEVEL=verbose: not a level, pydantic-settings refuses it (the application cannot start)",
      live("LOG-LEVEL") | APP_ENV | drift("DRIFT-LOGGING"),
      "ecs-task-definition:production-taskmanager-api.environment.LOG_LEVEL: expected INFO, got <LOG_LEVEL: "
      "'verbose' does not parse")(_variable("api", "LOG_LEVEL", "verbose"))
fault("production-debug-maybe", "production", "production api DEBUG=maybe: not a boolean pydantic-settings reads",
      live("APP-DEBUG") | APP_ENV,
      "ecs-task-definition:production-taskmanager-api.environment.DEBUG: expected false, got <DEBUG: 'maybe' does "
      "not parse")(_variable("api", "DEBUG", "maybe"))


@fault("production-jwt-secret-not-delivered", "production",
       "JWT_SECRET_KEY no longer delivered to the api (not in secrets nor environment): ProductionSettings cannot "
       "load",
       live("APP-ENVIRONMENT", "SECRETS-PLACEHOLDERS") | APP_ENV,
       "ecs-task-definition:production-taskmanager-api.settings: expected ProductionSettings loads, got required but "
       "not set: JWT_SECRET_KEY")
def _secret_not_delivered(target: FaultTarget) -> None:
    def mutate(_definition: dict[str, Any], container: dict[str, Any]) -> None:
        container["secrets"] = [s for s in container["secrets"] if s["name"] != "JWT_SECRET_KEY"]
    target.revise_task("api", mutate)


@conforming("production-debug-0", "production",
            "production DEBUG=0: pydantic-settings reads it as false (the env file says false)")
def _debug_0(target: FaultTarget) -> None:
    for role in ("api", "worker"):
        _variable_in_case(role, "DEBUG", "0")(target)


@conforming("production-lower-case-names", "production",
            "production variables in lower case (log_level=INFO, debug=off): ProductionSettings is case-insensitive")
def _lower_case(target: FaultTarget) -> None:
    for role in ("api", "worker"):
        _variable_in_case(role, "log_level", "INFO")(target)
        _variable_in_case(role, "debug", "off")(target)


@fault("production-jwt-secret-plain-text", "production", "JWT_SECRET_KEY as plain text in the api task definition",
       live("SECRETS-PLACEHOLDERS", "SECRETS-NO-LITERALS") | APP_ENV,
       "ecs-task-definition:production-taskmanager-api.environment: expected no literal secrets")
def _secret_plain_text(target: FaultTarget) -> None:
    target.secret_as_plain_text("api", "JWT_SECRET_KEY")


@fault("production-sidecar-literal-api-key", "production", "a worker sidecar container with a literal DD_API_KEY",
       live("SECRETS-NO-LITERALS"),
       "ecs-task-definition:production-taskmanager-worker/container:datadog-agent.environment: expected no literal")
def _sidecar_literal(target: FaultTarget) -> None:
    literal = secrets.token_urlsafe(24)
    register_secret(literal)

    def mutate(definition: dict[str, Any], _container: dict[str, Any]) -> None:
        definition["containerDefinitions"].append({
            "name": "datadog-agent", "image": "public.ecr.aws/datadog/agent:7", "essential": False,
            "environment": [{"name": "DD_API_KEY", "value": literal}, {"name": "DD_SITE", "value": "datadoghq.com"}]})
    target.revise_task("worker", mutate)


def _shaped_credentials() -> dict[str, str]:
    """Credentials of common shapes under names that say nothing (fresh each time, never registered: only their
    shape can give them away)."""
    alnum = string.ascii_letters + string.digits

    def pick(alphabet: str, count: int) -> str:
        return "".join(secrets.choice(alphabet) for _ in range(count))
    return {
        "BILLING": "sk_live_" + pick(alnum, 99),
        "ALERTS_HOOK": f"https://hooks.slack.com/services/T{pick(alnum.upper(), 8)}/B{pick(alnum.upper(), 10)}/"
                       + pick(alnum, 24),
        "CI_BOT": "ghp_" + pick(alnum, 36),
        "UPLOADS": "AKIA" + pick(string.ascii_uppercase + string.digits, 16),
    }


@fault("production-credentials-by-shape", "production",
       "a Stripe key, a Slack webhook, a GitHub token and an AWS key id as plain api variables with innocent names",
       live("SECRETS-NO-LITERALS"),
       'ecs-task-definition:production-taskmanager-api.environment: expected no literal secrets, got '
       '["ALERTS_HOOK", "BILLING", "CI_BOT", "UPLOADS"]')
def _credentials_by_shape(target: FaultTarget) -> None:
    def mutate(_definition: dict[str, Any], container: dict[str, Any]) -> None:
        container["environment"] += [{"name": name, "value": value} for name, value in _shaped_credentials().items()]
    target.revise_task("api", mutate)


@conforming("production-settings-named-like-credentials", "production",
            "plain settings whose names mention auth, keys, sessions or webhooks but hold no credential")
def _named_like_credentials(target: FaultTarget) -> None:
    for name, value in (("ENABLE_BASIC_AUTH", "false"), ("SESSION_COOKIE_SECURE", "true"),
                        ("AUTH_PROVIDER", "google"), ("CACHE_KEY_PREFIX", "tasks"), ("SIGNING_KEY_ID", "k-2026-12"),
                        ("WEBHOOK_TIMEOUT_SECONDS", "10"), ("BASIC_AUTH_USER", "beta")):
        target.set_variable("api", name, value)


@fault("staging-secret-wrong-reference", "staging", "REDIS_URL read from the database-url secret",
       live("SECRETS-PLACEHOLDERS"),
       "taskmanager/staging/redis-url, got secrets valueFrom taskmanager/staging/database-url")
def _secret_wrong(target: FaultTarget) -> None:
    target.point_secret("api", "REDIS_URL", "database-url")


@fault("production-secret-lookalike-reference", "production",
       "JWT_SECRET_KEY read from a look-alike secret (jwt-secret-old) instead of jwt-secret",
       live("SECRETS-PLACEHOLDERS"),
       "taskmanager/production/jwt-secret, got secrets valueFrom taskmanager/production/jwt-secret-old")
def _secret_lookalike(target: FaultTarget) -> None:
    client = target.client("secretsmanager")
    tags = client.describe_secret(SecretId=target.secret_id("jwt-secret")).get("Tags", [])
    value = secrets.token_urlsafe(32)
    register_secret(value)
    client.create_secret(Name=target.secret_id("jwt-secret-old"), SecretString=value, Tags=tags)
    target.point_secret("api", "JWT_SECRET_KEY", "jwt-secret-old")


@fault("production-worker-logs-elsewhere", "production", "production worker logs to the api log group",
       live("LOG-DESTINATION"),
       "ecs-task-definition:production-taskmanager-worker.logConfiguration.options.awslogs-group")
def _worker_logs(target: FaultTarget) -> None:
    def mutate(_definition: dict[str, Any], container: dict[str, Any]) -> None:
        container["logConfiguration"]["options"]["awslogs-group"] = target.names.log_group("api")
    target.revise_task("worker", mutate)


# --- capacity ---------------------------------------------------------------------------------------
@fault("production-api-task-cpu", "production", "production api task definition with half the cpu",
       live("ECS-API-TASK-SIZE") | drift("DRIFT-SERVICES"), "ecs-task-definition:production-taskmanager-api.cpu")
def _api_cpu(target: FaultTarget) -> None:
    target.revise_task("api", lambda definition, _container: definition.update(cpu="512"))


@fault("staging-worker-task-memory", "staging", "staging worker task definition with half the memory",
       live("ECS-WORKER-TASK-SIZE") | drift("DRIFT-SERVICES"),
       "ecs-task-definition:staging-taskmanager-worker.memory")
def _worker_memory(target: FaultTarget) -> None:
    target.revise_task("worker", lambda definition, _container: definition.update(memory="512"))


def _on_ec2(role: str, **sizes: int) -> Action:
    """The role's task moved to ECS on EC2 capacity: no task-level cpu/memory, the application container sized.
    Registered without requiresCompatibilities (AWS then makes it EC2-compatible): moto 5.2 refuses an explicit
    EC2 one whose container sets only memoryReservation, which AWS accepts."""
    def mutate(definition: dict[str, Any], container: dict[str, Any]) -> None:
        for key in ("cpu", "memory", "requiresCompatibilities"):
            definition.pop(key, None)
        container.update(sizes)

    def apply(target: FaultTarget) -> None:
        target.revise_task(role, mutate)
    return apply


conforming("production-api-on-ec2-container-sizes", "production",
           "production api on EC2 capacity: no task-level size, its container reserves cpu 1024 and memory 2048")(
    _on_ec2("api", cpu=1024, memory=2048))
conforming("staging-worker-on-ec2-soft-memory", "staging",
           "staging worker on EC2 capacity sized by cpu 512 and a soft memoryReservation 1024")(
    _on_ec2("worker", cpu=512, memoryReservation=1024))
fault("staging-worker-on-ec2-container-memory", "staging",
      "staging worker on EC2 capacity with its container reserving half the memory",
      live("ECS-WORKER-TASK-SIZE") | drift("DRIFT-SERVICES"),
      "ecs-task-definition:staging-taskmanager-worker.containerDefinitions[].memory (sum: worker.memoryReservation "
      "512)")(_on_ec2("worker", cpu=512, memoryReservation=512))
fault("dev-api-on-ec2-no-cpu", "dev", "development api on EC2 capacity with no cpu at task or container level",
      live("ECS-API-TASK-SIZE") | drift("DRIFT-SERVICES"),
      "ecs-task-definition:dev-taskmanager-api.cpu: expected cpu at task level or on its containers, "
      "got no task-level cpu and no container reserves cpu (all 0 or unset)")(_on_ec2("api", memory=512))


@fault("staging-worker-desired-below-min", "staging", "staging worker desired count set below its minimum",
       live("ECS-WORKER-CAPACITY") | drift("DRIFT-SERVICES"), "ecs-service:staging-taskmanager/worker.desiredCount")
def _worker_desired(target: FaultTarget) -> None:
    target.client("ecs").update_service(cluster=target.names.cluster, service="worker", desiredCount=1)


@fault("production-api-scaling-max-changed", "production", "production api scalable target max lowered to 20",
       live("ECS-API-CAPACITY") | drift("DRIFT-SERVICES"),
       "scalable-target:production-taskmanager/api.MaxCapacity")
def _scaling_max(target: FaultTarget) -> None:
    scaling, resource = target.client("application-autoscaling"), target.names.scalable_target("api")
    current = scaling.describe_scalable_targets(ServiceNamespace="ecs", ResourceIds=[resource])["ScalableTargets"][0]
    scaling.register_scalable_target(ServiceNamespace="ecs", ResourceId=resource,
                                     ScalableDimension="ecs:service:DesiredCount",
                                     MinCapacity=current["MinCapacity"], MaxCapacity=20)


# --- logs -------------------------------------------------------------------------------------------
@fault("staging-log-retention-shortened", "staging", "staging api log group keeps 7 days instead of 30",
       live("LOG-RETENTION") | drift("DRIFT-LOGGING"), "log-group:/ecs/staging-taskmanager-api.retentionInDays")
def _log_retention(target: FaultTarget) -> None:
    target.client("logs").put_retention_policy(logGroupName=target.names.log_group("api"), retentionInDays=7)


@fault("production-log-archive-90-days", "production", "production log archive expires after 90 days",
       live("LOG-ARCHIVE") | drift("DRIFT-LOGGING"),
       "s3:production-taskmanager-log-archive.LifecycleConfiguration.Expiration.Days")
def _archive_days(target: FaultTarget) -> None:
    rule = {"ID": "expire-archived-logs", "Status": "Enabled", "Filter": {"Prefix": ""}, "Expiration": {"Days": 90}}
    target.client("s3").put_bucket_lifecycle_configuration(
        Bucket=target.names.archive_bucket, LifecycleConfiguration={"Rules": [rule]})


# --- secrets rotation -------------------------------------------------------------------------------
# Re-creating the secret also gives it a new ARN: the task definitions still name the deleted one's ARN.
@fault("production-rotation-disabled", "production", "database-url secret re-created without rotation",
       live("SECRETS-ROTATION", "SECRETS-PLACEHOLDERS"), "secret:taskmanager/production/database-url.RotationEnabled")
def _rotation_disabled(target: FaultTarget) -> None:
    target.recreate_secret_without_rotation("database-url")


@fault("production-rotation-days-changed", "production", "jwt-secret rotates every 30 days instead of 90",
       live("SECRETS-ROTATION"), "secret:taskmanager/production/jwt-secret.RotationRules.AutomaticallyAfterDays")
def _rotation_days(target: FaultTarget) -> None:
    target.client("secretsmanager").rotate_secret(
        SecretId=target.secret_id("jwt-secret"), RotationRules={"AutomaticallyAfterDays": 30})


@fault("production-manual-secret-rotated", "production", "oauth-google (manual) given automatic rotation",
       live("SECRETS-ROTATION"), "secret:taskmanager/production/oauth-google.RotationEnabled")
def _manual_rotated(target: FaultTarget) -> None:
    target.client("secretsmanager").rotate_secret(
        SecretId=target.secret_id("oauth-google"), RotationRules={"AutomaticallyAfterDays": 30})


# --- monitoring -------------------------------------------------------------------------------------
@fault("production-alarm-action-removed", "production", "production db CPU alarm notifies nobody",
       live("MON-ALARMS", "MON-ALARM-SIGNALS"), "alarm:production-taskmanager-db-cpu-high.AlarmActions")
def _alarm_action(target: FaultTarget) -> None:
    target.put_alarm(target.alarm("db-cpu-high"), AlarmActions=[])


conforming("production-alarms-page-through-composite", "production",
           "production metric alarms without actions, all watched by one composite alarm notifying the SNS topic")(
    lambda target: target.page_through_composite("page-oncall"))
fault("production-composite-without-actions", "production",
      "production metric alarms without actions, watched by a composite alarm that notifies nobody",
      live("MON-ALARMS", "MON-ALARM-SIGNALS", "MON-ALERT-SUBSCRIPTIONS", "SLA-EXTERNAL-HEALTH-CHECK"),
      "alarms:production-taskmanager-*.signal.alb-5xx: expected an enabled alarm notifying SNS")(
    lambda target: target.page_through_composite("page-oncall", actions=[]))


@fault("production-alarm-untagged", "production", "Environment tag removed from a production alarm",
       live("MON-ALARMS", "RESOURCE-TAGS"), "alarm:production-taskmanager-api-cpu-high.tags.Environment")
def _alarm_untagged(target: FaultTarget) -> None:
    target.client("cloudwatch").untag_resource(
        ResourceARN=target.alarm("api-cpu-high")["AlarmArn"], TagKeys=["Environment"])


@fault("production-container-insights-off", "production", "production Container Insights switched off",
       live("MON-CONTAINER-INSIGHTS"), "ecs-cluster:production-taskmanager.settings.containerInsights")
def _insights_off(target: FaultTarget) -> None:
    target.client("ecs").update_cluster(
        cluster=target.names.cluster, settings=[{"name": "containerInsights", "value": "disabled"}])


@fault("dev-container-insights-on", "dev", "development Container Insights switched on (documented: basic)",
       live("MON-CONTAINER-INSIGHTS"), "ecs-cluster:dev-taskmanager.settings.containerInsights")
def _insights_on(target: FaultTarget) -> None:
    target.client("ecs").update_cluster(
        cluster=target.names.cluster, settings=[{"name": "containerInsights", "value": "enabled"}])


# --- what runs: the running revision, the application container, the rollout --------------------------
def _variable_value(target: FaultTarget, role: str, name: str) -> str:
    definition = target.client("ecs").describe_task_definition(taskDefinition=target.running_task(role))
    app = next(c for c in definition["taskDefinition"]["containerDefinitions"] if c["name"] == role)
    return str(next(e["value"] for e in app["environment"] if e["name"] == name))


@fault("staging-runs-old-revision", "staging",
       "staging api runs a revision with LOG_LEVEL=DEBUG; a newer, right revision is registered but not deployed",
       live("LOG-LEVEL") | APP_ENV | drift("DRIFT-LOGGING"),
       "ecs-task-definition:staging-taskmanager-api.environment.LOG_LEVEL")
def _old_revision(target: FaultTarget) -> None:
    right = _variable_value(target, "api", "LOG_LEVEL")
    target.set_variable("api", "LOG_LEVEL", "DEBUG")

    def restore(_definition: dict[str, Any], container: dict[str, Any]) -> None:
        container["environment"] = [e for e in container["environment"] if e["name"] != "LOG_LEVEL"]
        container["environment"].append({"name": "LOG_LEVEL", "value": right})
    target.revise_task("api", restore, deploy=False)


@fault("production-app-container-unknown", "production",
       "production api containers renamed (web, migrate): no container is named like the service",
       live("LOG-LEVEL", "LOG-DESTINATION", "APP-DEBUG", "APP-ENVIRONMENT", "APP-RATE-LIMITING",
            "APP-EMAIL-VERIFICATION", "APP-REGISTRATION", "APP-CORS-ORIGINS", "APP-POOLS", "JWT-ACCESS-MINUTES",
            "JWT-REFRESH-DAYS", "SECRETS-PLACEHOLDERS", "SECRETS-NO-LITERALS") | APP_ENV | drift("DRIFT-LOGGING"),
       "ecs-task-definition:production-taskmanager-api/container.name: expected the application container")
def _container_unknown(target: FaultTarget) -> None:
    def mutate(definition: dict[str, Any], container: dict[str, Any]) -> None:
        container["name"] = "web"
        definition["containerDefinitions"].append({
            "name": "migrate", "image": container["image"], "essential": False, "command": ["alembic", "upgrade"]})
    target.revise_task("api", mutate)


@fault("staging-worker-rollout-in-progress", "staging",
       "staging worker redeployed and its tasks not yet running (rollout in progress)",
       live("ECS-ROLLOUT"), "ecs-service:staging-taskmanager/worker.runningCount: expected desiredCount")
def _rollout_in_progress(target: FaultTarget) -> None:
    target.redeploy_service("worker")


#: A FireLens router container (Fluent Bit), as AWS's own examples register it.
_LOG_ROUTER = {"name": "log_router", "image": "public.ecr.aws/aws-observability/aws-for-fluent-bit:stable",
               "essential": True, "firelensConfiguration": {"type": "fluentbit"}}


@conforming("production-sidecars-first", "production",
            "production api task definition lists a Datadog agent and a FireLens log router before the app")
def _sidecars_first(target: FaultTarget) -> None:
    def mutate(definition: dict[str, Any], _container: dict[str, Any]) -> None:
        definition["containerDefinitions"][:0] = [
            {"name": "datadog-agent", "image": "public.ecr.aws/datadog/agent:7", "essential": False,
             "environment": [{"name": "DD_SITE", "value": "datadoghq.com"}, {"name": "ECS_FARGATE", "value": "true"}]},
            dict(_LOG_ROUTER)]
    target.revise_task("api", mutate)


@conforming("production-worker-logs-through-firelens", "production",
            "production worker logs through a FireLens router to its CloudWatch log group (cloudwatch_logs output)")
def _firelens_to_cloudwatch(target: FaultTarget) -> None:
    def mutate(definition: dict[str, Any], container: dict[str, Any]) -> None:
        definition["containerDefinitions"].insert(0, dict(_LOG_ROUTER))
        container["logConfiguration"] = {"logDriver": "awsfirelens", "options": {
            "Name": "cloudwatch_logs", "region": target.aws.region, "log_group_name": target.names.log_group("worker"),
            "log_stream_prefix": "worker/", "auto_create_group": "false"}}
    target.revise_task("worker", mutate)


@fault("staging-api-logs-only-to-datadog", "staging",
       "staging api ships its logs only to Datadog through FireLens, the API key inline in the log options",
       live("LOG-DESTINATION", "SECRETS-NO-LITERALS"),
       "ecs-task-definition:staging-taskmanager-api.logConfiguration.logDriver: expected awslogs")
def _firelens_to_datadog(target: FaultTarget) -> None:
    def mutate(definition: dict[str, Any], container: dict[str, Any]) -> None:
        definition["containerDefinitions"].insert(0, dict(_LOG_ROUTER))
        key = secrets.token_hex(16)
        register_secret(key)
        container["logConfiguration"] = {"logDriver": "awsfirelens", "options": {
            "Name": "datadog", "Host": "http-intake.logs.datadoghq.com", "TLS": "on", "apikey": key}}
    target.revise_task("api", mutate)


@conforming("staging-newer-revision-not-deployed", "staging",
            "a newer staging api revision (DEBUG, half the cpu) registered but not deployed")
def _newer_not_deployed(target: FaultTarget) -> None:
    def mutate(definition: dict[str, Any], container: dict[str, Any]) -> None:
        definition["cpu"] = str(int(definition["cpu"]) // 2)
        container["environment"] = [e for e in container["environment"] if e["name"] != "LOG_LEVEL"]
        container["environment"].append({"name": "LOG_LEVEL", "value": "DEBUG"})
    target.revise_task("api", mutate, deploy=False)


@conforming("production-desired-count-autoscaled", "production",
            "Application Auto Scaling moved the production api desired count within its scalable range")
def _desired_autoscaled(target: FaultTarget) -> None:
    resource = target.names.scalable_target("api")
    scalable = target.client("application-autoscaling").describe_scalable_targets(
        ServiceNamespace="ecs", ResourceIds=[resource])["ScalableTargets"][0]
    desired = (scalable["MinCapacity"] + scalable["MaxCapacity"]) // 2
    target.client("ecs").update_service(cluster=target.names.cluster, service="api", desiredCount=desired)
