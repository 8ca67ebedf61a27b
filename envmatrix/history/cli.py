"""``envmatrix history``: the open findings oldest first, one finding's timeline, an export, pruning.

The store is found as a run finds it: ``--history``, else ``[history] url``, else ``<reports>/history.sqlite``.
Everything read back is data: each value is shown ``visible`` (it cannot start a line of the terminal or a CI log).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from envmatrix.config import config_path, load_config, project_root, resolve
from envmatrix.escape import visible


def add_history_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    history = commands.add_parser(
        "history", help="the findings over time: open findings oldest first, a finding's timeline, export, prune",
        description="Without an action: each environment's open findings in its latest run, oldest first.")
    history.add_argument("--history", metavar="URL|PATH", help="the history store (default: [history] url, else "
                         "<reports>/history.sqlite); postgresql://user@host/db takes its password from PGPASSWORD "
                         "or ${VARIABLE} in the URL")
    history.add_argument("--envmatrix-config", metavar="PATH", help="project config file (default: ./envmatrix.toml)")
    actions = history.add_subparsers(dest="history_command", metavar="ACTION")
    show = actions.add_parser("show", help="a finding's timeline: its status in every run of its environment")
    show.add_argument("fingerprint", help="the finding's fingerprint (the first column of `envmatrix history`)")
    export = actions.add_parser("export", help="every recorded result, one row each, oldest run first")
    export.add_argument("--format", choices=("csv", "json"), default="csv")
    export.add_argument("--output", metavar="FILE", help="write to FILE (default: standard output)")
    prune = actions.add_parser("prune", help="delete the runs older than --keep (their results with them)")
    prune.add_argument("--keep", required=True, metavar="AGE", help="how much to keep: 90d, 12w")


def _url(args: argparse.Namespace, cwd: Path) -> str:
    from envmatrix.history import store

    project = load_config(config_path(args.envmatrix_config, cwd))
    root = project_root(cwd)
    reports = Path(resolve("reports", None, project, cwd=cwd, rootdir=root).value)
    url = store.location(args.history, project.history.url, project.base_dir(root), cwd, reports)
    if url is None:
        raise store.HistoryError("history is off (--history off / [history] url = \"off\"): nothing to read")
    return url


def _missing_file(url: str) -> bool:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    return parsed.get_backend_name() == "sqlite" and not Path(str(parsed.database)).exists()


def run_history(args: argparse.Namespace, cwd: Path, out: TextIO | None = None) -> int:
    """0 on success; 1 when ``show`` knows no such finding; 2 when the store cannot be used."""
    from sqlalchemy.exc import SQLAlchemyError

    from envmatrix.history import store  # SQLAlchemy: imported for this command only

    out = out or sys.stdout
    url = _url(args, cwd)
    if _missing_file(url):
        print(f"envmatrix: no history yet at {store.shown(url)} (a run records one)", file=sys.stderr)
        return 0 if args.history_command in (None, "export", "prune") else 1
    keep = store.parse_keep(args.keep) if args.history_command == "prune" else None
    try:
        with store.connected(url) as connection:
            if args.history_command == "show":
                return _show(store.timeline(connection, args.fingerprint), args.fingerprint, out)
            if args.history_command == "export":
                return _export(list(store.export_rows(connection)), args, cwd, out)
            if keep is not None:
                print(f"envmatrix: pruned {store.prune(connection, keep)} run(s) older than {args.keep} from "
                      f"{store.shown(url)}", file=out)
                return 0
            return _list(store.open_findings(connection), out)
    except SQLAlchemyError as exc:
        raise store.HistoryError(store.reason(exc, url)) from None


def _list(findings: list[dict[str, Any]], out: TextIO) -> int:
    if not findings:
        print("envmatrix: no open findings in the latest runs", file=out)
        return 0
    print(f"{'FINGERPRINT':16}  {'FIRST SEEN (UTC)':19}  {'DAYS':>6}  {'ENVIRONMENT':12}  {'STATUS':7}  FINDING",
          file=out)
    for item in findings:
        print(f"{item['fingerprint']:16}  {item['first_seen'][:19]:19}  {item['days_open']:6.1f}  "
              f"{visible(item['environment']):12}  {item['status']:7}  {visible(item['message'] or item['check_id'])}",
              file=out)
    return 0


def _show(points: list[dict[str, Any]], print_: str, out: TextIO) -> int:
    if not points:
        print(f"envmatrix: no finding {visible(print_)} in the history", file=sys.stderr)
        return 1
    head = next((p for p in points if p["check_id"]), points[0])
    print(f"{visible(print_)}: {visible(head['check_id'])} in {visible(head['environment'])}", file=out)
    for point in points:
        print(f"  {point['started'][:19]}  {point['status']:7}  {visible(point['message'])}".rstrip(), file=out)
    return 0


def _export(rows: list[dict[str, Any]], args: argparse.Namespace, cwd: Path, out: TextIO) -> int:
    if args.format == "json":
        text = json.dumps(rows, indent=2) + "\n"
    else:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]) if rows else ["run_id"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        text = buffer.getvalue()
    if args.output:
        (cwd / args.output).write_text(text, encoding="utf-8")
        print(f"envmatrix: {len(rows)} result(s) written to {args.output}", file=sys.stderr)
    else:
        out.write(text)
    return 0
