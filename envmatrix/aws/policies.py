"""Who a resource policy (an S3 bucket policy) grants access to, judged against the accounts allowed to have it.

Fail closed: an ``Allow`` counts as kept inside only where every principal it names is an allowed account (its id
or an ARN in it), or where an open principal (``*``, a service, a federated or canonical user) is restricted by a
condition that pins the caller's account (``aws:PrincipalAccount``, ``aws:SourceAccount``) or organization
(``aws:PrincipalOrgID``) to allowed values with an exact string operator. Anything else (``NotPrincipal``,
wildcards in conditions, an unknown principal form) is a grant outside. ``Deny`` statements grant nothing.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Any

from envmatrix.aws.arn import parse_arn

_ACCOUNT = re.compile(r"\d{12}")
#: exact-match operators a restricting condition may use (a StringLike wildcard could match any account)
_EXACT = ("stringequals", "stringequalsignorecase")
_ACCOUNT_KEYS = ("aws:principalaccount", "aws:sourceaccount")
_ORG_KEYS = ("aws:principalorgid",)


def _values(raw: object) -> list[str]:
    return [str(item) for item in raw] if isinstance(raw, list) else [str(raw)]


def _account_of(principal: str) -> str | None:
    if _ACCOUNT.fullmatch(principal):
        return principal
    arn = parse_arn(principal)
    return arn.account if arn and arn.service in ("iam", "sts") and arn.account else None


def restricted(condition: object, accounts: Collection[str], organizations: Collection[str]) -> bool:
    """Whether the condition pins the caller to allowed accounts or organizations (every value allowed)."""
    if not isinstance(condition, dict):
        return False
    for operator, tests in condition.items():
        if str(operator).lower() not in _EXACT or not isinstance(tests, dict):
            continue
        for key, raw in tests.items():
            wanted = accounts if str(key).lower() in _ACCOUNT_KEYS else (
                organizations if str(key).lower() in _ORG_KEYS else None)
            values = _values(raw)
            if wanted is not None and values and all(value in wanted for value in values):
                return True
    return False


def _principals(statement: dict[str, Any]) -> list[tuple[str, str]]:
    raw = statement.get("Principal")
    if raw == "*":
        return [("*", "*")]
    if isinstance(raw, dict):
        return [(str(kind), value) for kind, listed in raw.items() for value in _values(listed)]
    return [("unknown", str(raw))]


def grants_outside(statements: list[dict[str, Any]], accounts: Collection[str],
                   organizations: Collection[str] = ()) -> list[str]:
    """Each grant of an ``Allow`` statement to a principal outside the allowed accounts, worded for a finding."""
    found: list[str] = []
    for number, statement in enumerate(statements, 1):
        if str(statement.get("Effect", "")).lower() != "allow":
            continue
        name = f"statement {statement.get('Sid') or number}"
        if "NotPrincipal" in statement:
            found.append(f"{name}: NotPrincipal (everyone but the principals it names)")
            continue
        pinned = restricted(statement.get("Condition"), accounts, organizations)
        for kind, value in _principals(statement):
            account = _account_of(value) if kind == "AWS" and value != "*" else None
            if account is not None and account in accounts:
                continue
            if account is None and pinned:  # an open principal, pinned to allowed callers by the condition
                continue
            who = f"account {account}" if account else f"{kind} {value!r}"
            found.append(f"{name}: {who}" + ("" if account else " without a condition pinning allowed accounts"))
    return found
