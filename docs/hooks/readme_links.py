"""MkDocs hook: every relative link in the repository's README.md must name a file that exists (and, for a
docs/ page with an #anchor, a heading of that page), so the README's pointers into docs/ cannot rot."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from mkdocs.exceptions import PluginError

LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6} (.+?)\s*$", re.MULTILINE)


def _slug(title: str) -> str:
    """The anchor MkDocs' toc extension (and GitHub) makes of a heading: lower case, punctuation dropped."""
    text = re.sub(r"[`*_]", "", title).strip().lower()
    text = re.sub(r"[^\w\s-]", "", text)
    return re.sub(r"[\s]+", "-", text)


def _anchors(page: Path) -> set[str]:
    text = re.sub(r"^```.*?^```", "", page.read_text(encoding="utf-8"), flags=re.MULTILINE | re.DOTALL)
    return {_slug(title) for title in HEADING.findall(text)}


def broken_links(readme: Path) -> list[str]:
    """The README's relative links whose file (or docs/ heading) does not exist, as ``target: why`` lines."""
    problems = []
    for target in LINK.findall(readme.read_text(encoding="utf-8")):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # https:, mailto: ...: not ours to check
            continue
        path, _, anchor = target.partition("#")
        page = (readme.parent / path).resolve() if path else readme
        if not page.exists():
            problems.append(f"{target}: no such file")
        elif anchor and page.suffix == ".md" and anchor not in _anchors(page):
            problems.append(f"{target}: no heading #{anchor} in {path or readme.name}")
    return problems


def on_config(config: Any) -> Any:
    readme = Path(config["config_file_path"]).resolve().parent / "README.md"
    problems = broken_links(readme)
    if problems:
        raise PluginError("README.md has broken links:\n  " + "\n  ".join(problems))
    return config
