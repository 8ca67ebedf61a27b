"""Parity: which keys an environment lacks or adds compared with the others, net of by-design differences."""

from __future__ import annotations

from collections.abc import Mapping

from envmatrix.spec import ByDesign


def parity_gaps(env: str, keys_by_env: Mapping[str, set[str]], by_design: Mapping[str, ByDesign]) -> list[str]:
    """Unexplained differences of ``env``'s keys, as readable findings (empty when at parity)."""
    union = set().union(*keys_by_env.values()) | set(by_design)
    findings = []
    for key in sorted(union):
        present = key in keys_by_env[env]
        rule = by_design.get(key)
        if rule is not None:
            should = env in rule.environments
            if present and not should:
                findings.append(f"unexpected {key} (by design only in {', '.join(rule.environments)})")
            elif should and not present:
                findings.append(f"missing {key} (by design in {', '.join(rule.environments)})")
        elif not present:
            holders = sorted(name for name, keys in keys_by_env.items() if key in keys)
            findings.append(f"missing {key} (present in {', '.join(holders)})")
    return findings
