"""Read an environment document (Markdown): its matrix, infrastructure tables, tfvars and env blocks."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hcl2
from markdown_it import MarkdownIt
from markdown_it.token import Token

from envmatrix.declared import parse_env_text
from envmatrix.errors import InputError
from envmatrix.inputs import read_input_text

MATRIX_HEADING = "environment comparison matrix"
INFRA_HEADING = "infrastructure configuration"
ENV_VARS_HEADING = "environment variables"
_TFVARS_CAPTION = re.compile(r"environments/([A-Za-z0-9_-]+)/terraform\.tfvars")
_FACT = re.compile(r"^\*\*(Version|Last Updated)\*\*:\s*(\S+)", re.MULTILINE)
_ENV_HEADING = re.compile(r"^(.+?)\s+environment$", re.IGNORECASE)


class DocumentError(InputError):
    """The environment document cannot be read or lacks a section the comparison needs."""

    kind = "document"


@dataclass
class EnvSections:
    """What one environment's section of the document states (raw, as written)."""

    infrastructure: dict[str, str] = field(default_factory=dict)  # component -> specification
    tfvars: dict[str, Any] | None = None
    tfvars_source: str = ""
    env_vars: dict[str, str] | None = None
    env_groups: dict[str, str] = field(default_factory=dict)  # variable -> its "# Comment" group


@dataclass
class ParsedDocument:
    """The document's matrix (row -> environment name -> cell) and its per-environment sections."""

    path: Path
    digest: str
    title: str = ""
    facts: dict[str, str] = field(default_factory=dict)  # "**Version**: 1.0.0" lines: version, last updated
    matrix: dict[str, dict[str, str]] = field(default_factory=dict)
    matrix_columns: list[str] = field(default_factory=list)
    sections: dict[str, EnvSections] = field(default_factory=dict)  # keyed by the name the document uses
    #: the name a tfvars caption (environments/<name>/terraform.tfvars) gives the environment whose section holds it
    tfvars_names: dict[str, str] = field(default_factory=dict)


def cell_text(token: Token) -> str:
    """An inline token's text without emphasis or code markers (``**Backups**`` -> ``Backups``)."""
    return "".join(child.content for child in token.children or [] if child.type in ("text", "code_inline")).strip()


def _table_rows(tokens: list[Token], start: int) -> tuple[list[list[str]], int]:
    rows: list[list[str]] = []
    row: list[str] = []
    index = start
    while tokens[index].type != "table_close":
        token = tokens[index]
        if token.type == "tr_open":
            row = []
        elif token.type == "inline":
            row.append(cell_text(token))
        elif token.type == "tr_close":
            rows.append(row)
        index += 1
    return rows, index


def _heading_name(text: str) -> str | None:
    match = _ENV_HEADING.match(text.strip())
    return match.group(1).strip().lower() if match else None


def parse_env_block(text: str) -> tuple[dict[str, str], dict[str, str]]:
    """KEY=value lines of a bash block, and for each key the ``# Heading`` comment it sits under."""
    values, lines = parse_env_text(text, Path("<document>"))
    groups: dict[str, str] = {}
    group = ""
    by_line = {number: key for key, number in lines.items()}
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("#"):
            group = stripped.lstrip("#").strip().split("(")[0].strip().lower()
        elif number in by_line:
            groups[by_line[number]] = group
    return values, groups


def parse_tfvars_block(text: str, where: Path) -> dict[str, Any]:
    options = hcl2.SerializationOptions(strip_string_quotes=True, with_comments=False)
    try:
        data: dict[str, Any] = hcl2.loads(text, serialization_options=options)
    except Exception as exc:  # python-hcl2 raises several types for malformed input
        raise DocumentError(where, f"the terraform.tfvars block does not parse ({type(exc).__name__})") from None
    return data


class _Walker:
    """One pass over the token stream, keeping the heading context each table or block sits in."""

    def __init__(self, doc: ParsedDocument) -> None:
        self.doc = doc
        self.env: str | None = None  # the environment section we are in (by its heading)
        self.sub = ""  # the current sub-heading, lower case
        self.caption = ""  # the paragraph just before a block

    def heading(self, level: int, text: str) -> None:
        if level == 1 and not self.doc.title:
            self.doc.title = text
        if level <= 2:
            self.env = _heading_name(text)
            self.sub = text.lower()
        else:
            self.sub = text.lower()

    def table(self, rows: list[list[str]]) -> None:
        if not rows:
            return
        if self.sub == MATRIX_HEADING:
            self.doc.matrix_columns = [name.lower() for name in rows[0][1:]]
            for row in rows[1:]:
                self.doc.matrix[row[0]] = dict(zip(self.doc.matrix_columns, row[1:], strict=False))
        elif self.env is not None and self.sub == INFRA_HEADING:
            section = self.doc.sections.setdefault(self.env, EnvSections())
            section.infrastructure.update({row[0]: row[1] for row in rows[1:] if len(row) > 1})

    def fence(self, token: Token) -> None:
        language = token.info.strip().lower()
        caption = _TFVARS_CAPTION.search(self.caption)
        # an hcl block belongs to an environment by its caption, else by a "Terraform ..." sub-heading
        if language == "hcl" and (caption or (self.env is not None and "terraform" in self.sub)):
            env = caption.group(1).lower() if caption else self.env
            assert env is not None
            if caption and self.env is not None:
                self.doc.tfvars_names.setdefault(self.env, env)
            section = self.doc.sections.setdefault(env, EnvSections())
            section.tfvars_source = caption.group(0) if caption else f"{env} terraform.tfvars block"
            section.tfvars = parse_tfvars_block(token.content, self.doc.path)
        elif language in ("bash", "sh", "shell", "dotenv", "env") and self.env and self.sub == ENV_VARS_HEADING:
            section = self.doc.sections.setdefault(self.env, EnvSections())
            try:
                section.env_vars, section.env_groups = parse_env_block(token.content)
            except Exception as exc:
                raise DocumentError(self.doc.path, f"{self.env} environment-variable block: {exc}") from None


def read_document(path: Path | str) -> ParsedDocument:
    """Parse the Markdown document; raise DocumentError naming the file when it cannot be read or parsed."""
    path = Path(path)
    text = read_input_text(path, DocumentError)
    doc = ParsedDocument(path=path, digest=hashlib.sha256(text.encode("utf-8")).hexdigest())
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    walker = _Walker(doc)
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.type == "heading_open":
            walker.heading(int(token.tag[1:]), cell_text(tokens[index + 1]))
        elif token.type == "paragraph_open":
            walker.caption = tokens[index + 1].content
            for name, value in _FACT.findall(walker.caption):
                doc.facts.setdefault(name.lower(), value)
        elif token.type == "table_open":
            rows, index = _table_rows(tokens, index)
            walker.table(rows)
        elif token.type == "fence":
            walker.fence(token)
            walker.caption = ""
        index += 1
    if not doc.matrix:
        raise DocumentError(path, "no table under a heading 'Environment Comparison Matrix'")
    return doc

