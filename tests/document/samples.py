"""Documents of the seed's shape for the spec-check tests: written from the project's own fixtures."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT.parent / "shared" / "seed" / "environment-management.md"
SPEC = ROOT / "fixtures" / "matrix.yaml"

_LONG = {"dev": "Development", "staging": "Staging", "production": "Production"}
_ROWS = {"uptime_sla": "Uptime SLA", "data": "Data", "database": "Database", "auto_scaling": "Auto Scaling",
         "debug_mode": "Debug Mode", "log_level": "Log Level", "jwt_expiration": "JWT Expiration",
         "email_verification": "Email Verification", "rate_limiting": "Rate Limiting", "monitoring": "Monitoring",
         "backups": "Backups", "deployment": "Deployment", "cost_per_month": "Cost/Month"}
_INFRA = {
    "dev": [("VPC", "10.1.0.0/16"), ("RDS", "db.t3.micro (1 vCPU, 1 GB RAM)"),
            ("ElastiCache", "cache.t3.micro (1 node)"), ("ECS API", "0.25 vCPU, 512 MB × 2 tasks"),
            ("ECS Worker", "0.25 vCPU, 512 MB × 2 tasks"), ("ALB", "Application Load Balancer"), ("Total", "")],
    "staging": [("VPC", "10.2.0.0/16"), ("RDS", "db.t3.large (2 vCPU, 8 GB RAM), Multi-AZ"),
                ("ElastiCache", "cache.t3.medium (2 nodes, Multi-AZ)"), ("ECS API", "0.5 vCPU, 1 GB × 3 tasks"),
                ("ECS Worker", "0.5 vCPU, 1 GB × 5 tasks"), ("ALB", "Application Load Balancer")],
    "production": [("VPC", "10.0.0.0/16"), ("RDS", "db.r6g.xlarge (4 vCPU, 32 GB RAM), Multi-AZ"),
                   ("RDS Replica", "db.r6g.large (2 vCPU, 16 GB RAM)"),
                   ("ElastiCache", "cache.r7g.large (3 nodes, Multi-AZ)"),
                   ("ECS API", "1 vCPU, 2 GB × 5-50 tasks (auto-scale)"),
                   ("ECS Worker", "0.5 vCPU, 1 GB × 10-100 tasks (auto-scale)"),
                   ("ALB", "Application Load Balancer + WAF"), ("S3", "Backups + Static Assets")],
}


def _table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return "\n".join([*lines, *("| " + " | ".join(row) + " |" for row in rows)])


def sample_text() -> str:
    """A document of the seed's shape whose every statement matches fixtures/ (tfvars, env files, matrix)."""
    import yaml

    spec = yaml.safe_load(SPEC.read_text())["environments"]
    intro = ("An example environment document of the shape envmatrix reads (`envmatrix spec check --doc`), "
             "written from the project's own fixtures by `tests/document/samples.py`.")
    parts = ["# Environment Management", "", intro, ""]
    for env, long in _LONG.items():
        tfvars = (ROOT / "fixtures" / "tfvars" / env / "terraform.tfvars").read_text()
        variables = (ROOT / "fixtures" / "env" / f"{env}.env").read_text()
        infra = _table(["Component", "Specification", "Cost/Month"],
                       [[f"**{name}**", text, "-"] for name, text in _INFRA[env]])
        parts += [f"## {long} Environment", "", "### Infrastructure Configuration", "", infra, "",
                  "### Terraform Configuration", "", f"**environments/{env}/terraform.tfvars**:", "",
                  "```hcl", tfvars.strip(), "```", "", "### Environment Variables", "", "```bash",
                  variables.strip(), "```", ""]
    rows = [[f"**{label}**", *(str(spec[env]["matrix"][key]) for env in _LONG)] for key, label in _ROWS.items()]
    parts += ["## Environment Comparison Matrix", "", _table(["Feature", *_LONG.values()], rows), "",
              "## Environment Lifecycle", "", "```bash", "ENVIRONMENT=${1}  # not an environment block", "```"]
    return "\n".join(parts) + "\n"


def replace_once(text: str, old: str, new: str, *, after: str = "") -> str:
    """``text`` with the first ``old`` after ``after`` replaced (a mutation of one cell, key or line)."""
    start = text.index(after) if after else 0
    index = text.index(old, start)
    return text[:index] + new + text[index + len(old):]


if __name__ == "__main__":  # python -m tests.document.samples > fixtures/environment-document.md
    print(sample_text(), end="")
