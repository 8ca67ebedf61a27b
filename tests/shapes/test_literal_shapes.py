"""SECRETS-NO-LITERALS on DescribeTaskDefinition answers shaped as real AWS returns them.

A credential stored as a plain ``environment`` variable under a name that says nothing (``BILLING``) is found by
its shape; a setting named like a credential whose value is no credential (``ENABLE_BASIC_AUTH=false``) is not.
The answers go through botocore's Stubber, so they are validated against the ECS service model.
"""

from __future__ import annotations

import json
from typing import Any

from tests.hardening.secret_corpus import SHAPES, chunks
from tests.shapes.harness import judge
from tests.shapes.test_ecs_shapes import ENV, NAMES, SECURITY, _with_api_containers, app_container

#: Credentials of common shapes under names no name rule knows (the fault production-credentials-by-shape).
PLANTED = {
    "BILLING": "sk_live_51NzQ7mZt4RwL9vN3cB6yHs1FdJ5gUa0eTiXk2Pq8Lm3Xv7Pt4Rw9Nz6Cs1Hd5Fg0Ja3eUoYb",
    "ALERTS_HOOK": "https://hooks.slack.com/services/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",
    "CI_BOT": "ghp_R7tQ2mXv9LpK4sWz8NcB1yHd6FgJ3eUa0oTi",
    "UPLOADS": "AKIAZ7Q4WJ3KX2PLM5TD",
}

#: Settings real task definitions carry whose names look like credentials and whose values are none.
LOOK_ALIKES = {
    "ENABLE_BASIC_AUTH": "false", "AUTH_PROVIDER": "cognito", "CACHE_KEY_PREFIX": "tasks:",
    "SIGNING_KEY_ID": "alias/taskmanager-signing", "TOKEN_EXPIRE_MINUTES": "30",
    "JWT_SECRET_KEY_ARN": f"arn:aws:secretsmanager:us-east-1:123456789012:secret:taskmanager/{ENV}/jwt-Ab12Cd",
}


def _app_with(variables: dict[str, str]) -> dict[str, Any]:
    app = app_container("api")
    app["environment"] = [*app["environment"], *({"name": k, "value": v} for k, v in variables.items())]
    return app


def test_credentials_under_neutral_names_are_red_naming_the_variables_only() -> None:
    snapshot = _with_api_containers([_app_with(PLANTED)])
    verdict = judge(SECURITY, "SECRETS-NO-LITERALS", ENV, snapshot)
    assert not verdict.passed
    assert verdict.message.startswith(f"{ENV} SECRETS-NO-LITERALS ecs-task-definition:{NAMES.family('api')}")
    assert '.environment: expected no literal secrets, got ["ALERTS_HOOK", "BILLING", "CI_BOT", "UPLOADS"]' \
        in verdict.message
    shown = verdict.message + snapshot.model_dump_json()
    leaked = {piece for value in PLANTED.values() for piece in chunks(value.rsplit("/", 1)[-1]) if piece in shown}
    assert not leaked, leaked


def test_every_single_line_corpus_shape_is_a_literal() -> None:
    shapes = {f"CONFIG_{index}": shape for index, shape in enumerate(SHAPES) if "\n" not in shape.value}
    snapshot = _with_api_containers([_app_with({name: shape.value for name, shape in shapes.items()})])
    verdict = judge(SECURITY, "SECRETS-NO-LITERALS", ENV, snapshot)
    assert not verdict.passed
    assert f"expected no literal secrets, got {json.dumps(sorted(shapes))}" in verdict.message, verdict.message
    shown = verdict.message + snapshot.model_dump_json()
    leaked = {shape.kind for shape in shapes.values() for secret in shape.secret for piece in chunks(secret)
              if piece in shown}
    assert not leaked, leaked


def test_settings_named_like_credentials_stay_green() -> None:
    snapshot = _with_api_containers([_app_with(LOOK_ALIKES)])
    verdict = judge(SECURITY, "SECRETS-NO-LITERALS", ENV, snapshot)
    assert verdict.passed, verdict.message
