"""Reading tfvars files as Terraform does: HCL (python-hcl2) or ``*.tfvars.json``, each variable with the line that
sets it, the files Terraform loads from a folder in its order, and a syntax error as line, column and what the
parser expected there."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hcl2
from lark import Token, Tree
from lark.exceptions import UnexpectedInput
from lark.lexer import PatternStr

from envmatrix.errors import TfvarsError
from envmatrix.inputs import read_input_text
from envmatrix.redact import quoted_piece

#: What Terraform loads from a root module's folder by itself: these two first, then ``*.auto.tfvars`` and
#: ``*.auto.tfvars.json`` in lexical order of their names; a later file's value of a variable wins.
AUTO_FIRST = ("terraform.tfvars", "terraform.tfvars.json")
AUTO_SUFFIXES = (".auto.tfvars", ".auto.tfvars.json")
#: Terminals of python-hcl2's grammar a user knows by a word rather than by a pattern.
_TERMINAL_WORDS = {
    "NAME": "a name", "INT_LITERAL": "a number", "FLOAT_LITERAL": "a number", "NL_OR_COMMENT": "a new line",
    "STRING_CHARS": "text", "TEMPLATE_STRING": "a string", "HEREDOC_TEMPLATE": "a heredoc",
    "HEREDOC_TEMPLATE_TRIM": "a heredoc", "EQ": "'='", "COLON": "':'", "$END": "end of file",
    "ESCAPED_INTERPOLATION": "'$${'", "ESCAPED_DIRECTIVE": "'%%{'",
}
#: Terminals whose text is a word of the file itself (shown as met, clipped), not free text.
_WORD_TERMINALS = ("NAME", "INT_LITERAL", "FLOAT_LITERAL")
#: Brackets whose opening the error names when the parser meets the problem on a later line.
_OPENING = ("LBRACE", "LSQB", "LPAR")
_JSON_SPACE = re.compile(r"[ \t\n\r]*")


@dataclass(frozen=True)
class TfvarsFile:
    """One tfvars file's variables and the line each is set on (a variable set twice is an error)."""

    path: Path
    values: dict[str, Any]
    lines: dict[str, int]


def auto_loaded(folder: Path) -> list[Path]:
    """The tfvars files Terraform loads from ``folder`` without being told, in the order it applies them."""
    first = [folder / name for name in AUTO_FIRST if (folder / name).is_file()]
    auto = sorted(path for path in folder.iterdir() if path.is_file() and path.name.endswith(AUTO_SUFFIXES))
    return first + auto


def terraform_files(path: Path) -> list[Path]:
    """The files one configured tfvars path stands for: a file itself; a folder what Terraform loads there by
    itself (its ``terraform.tfvars`` when it holds none of them: reading that names the missing file)."""
    return (auto_loaded(path) or [path / "terraform.tfvars"]) if path.is_dir() else [path]


def merge_tfvars(files: Sequence[TfvarsFile]) -> tuple[dict[str, Any], dict[str, TfvarsFile]]:
    """The variables as Terraform applies the files: in order, a later file's value of a variable wins; and the
    file that set each."""
    values: dict[str, Any] = {}
    setters: dict[str, TfvarsFile] = {}
    for tfvars_file in files:
        for key, value in tfvars_file.values.items():
            values[key], setters[key] = value, tfvars_file
    return values, setters


def read_tfvars_file(path: Path) -> TfvarsFile:
    """One tfvars file: ``*.json`` as Terraform's JSON variables file, anything else as HCL."""
    text = read_input_text(path, TfvarsError)
    values, lines = _json_file(text, path) if path.name.endswith(".json") else _hcl_file(text, path)
    for key, seen in lines.items():
        if len(seen) > 1:
            raise TfvarsError(path, f"{key} is set more than once (lines {seen})", line=seen[1])
    return TfvarsFile(path, values, {key: seen[0] for key, seen in lines.items()})


def _hcl_file(text: str, path: Path) -> tuple[dict[str, Any], dict[str, list[int]]]:
    options = hcl2.SerializationOptions(strip_string_quotes=True, with_comments=False)
    try:
        tree = hcl2.parses_to_tree(text)
        lines = _tfvars_lines(tree)  # before transforming: positions are read from the raw Lark tree
        data: dict[str, Any] = hcl2.serialize(hcl2.transform(tree), serialization_options=options)
    except UnexpectedInput as exc:
        line, column = getattr(exc, "line", None), getattr(exc, "column", None)
        json_like = " (JSON? Terraform reads JSON only from a file named *.tfvars.json)" if text.lstrip()[:1] in (
            "{", "[") else ""
        raise TfvarsError(path, syntax_problem(exc, text) + json_like, line=line, column=column) from None
    except Exception as exc:  # python-hcl2 raises several types for malformed input
        raise TfvarsError(path, f"cannot parse HCL: {type(exc).__name__}") from None
    return data, lines


def _tfvars_lines(tree: Tree[Token]) -> dict[str, list[int]]:
    """Each top-level variable's line(s), from the parse tree's own positions: a heredoc, a multi-line
    value or a comment that looks like ``key = value`` is not an assignment, an indented one is."""
    lines: dict[str, list[int]] = {}
    body = tree.children[0] if tree.children else None
    for node in body.children if isinstance(body, Tree) else ():
        if not isinstance(node, Tree) or node.data != "attribute":
            continue
        identifier = node.children[0]
        name = identifier.children[0] if isinstance(identifier, Tree) else identifier
        if isinstance(name, Token) and name.line is not None:
            lines.setdefault(str(name), []).append(name.line)
    return lines


@functools.cache
def _literal_terminals() -> dict[str, str]:
    """Terminal name -> its literal text ('}', ','), from python-hcl2's own grammar."""
    from hcl2.parser import parser  # the grammar is compiled once, by python-hcl2 itself

    return {terminal.name: terminal.pattern.value for terminal in parser().terminals
            if isinstance(terminal.pattern, PatternStr)}


def _terminal(name: str) -> str:
    if name in _TERMINAL_WORDS:
        return _TERMINAL_WORDS[name]
    literal = _literal_terminals().get(name)
    return repr(literal) if literal is not None else name.lower()


def _found(exc: UnexpectedInput, text: str) -> str:
    """What the parser met: a literal or a word by its text, the end of the file, or the first piece of the line's
    rest (redacted and clipped; nothing of a secret-named variable's value)."""
    token = getattr(exc, "token", None)
    line = getattr(exc, "line", 0) or 0
    source = text.splitlines()[line - 1] if 0 < line <= len(text.splitlines()) else ""
    key = source.split("=")[0].strip()
    if isinstance(token, Token) and token.type == "$END":
        return "end of file"
    if isinstance(token, Token) and token.type in _literal_terminals():
        return repr(str(token))
    if isinstance(token, Token) and token.type in _WORD_TERMINALS:
        return quoted_piece(str(token), 20, key)
    rest = source[max(getattr(exc, "column", 1) - 1, 0):].split()
    return quoted_piece(rest[0], 20, key) if rest else "end of line"


def syntax_problem(exc: UnexpectedInput, text: str) -> str:
    """``unexpected '}'; expected one of: ',', ']', a new line``: python-hcl2's (lark's) view of the error."""
    expected = getattr(exc, "expected", None) or getattr(exc, "allowed", None) or ()
    words = sorted({_terminal(str(name)) for name in expected})
    hint = f"; expected {'one of: ' if len(words) > 1 else ''}{', '.join(words)}" if words else ""
    return f"HCL syntax error: unexpected {_found(exc, text)}{hint}{_inside(exc)}"


def _inside(exc: UnexpectedInput) -> str:
    """Where the innermost bracket still open was opened, when that is another line: an unclosed ``{`` is only
    noticed where the file ends, far from the line to fix."""
    stack = getattr(getattr(exc, "state", None), "value_stack", None) or []
    opened = [item for item in stack if isinstance(item, Token) and item.type in _OPENING]
    if not opened or opened[-1].line == getattr(exc, "line", None):
        return ""
    return f" (inside the {str(opened[-1])!r} opened on line {opened[-1].line})"


def _json_file(text: str, path: Path) -> tuple[dict[str, Any], dict[str, list[int]]]:
    """Terraform's JSON variables file: one object, each member a variable; lines found by walking its members."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TfvarsError(path, f"JSON syntax error: {exc.msg}", line=exc.lineno, column=exc.colno) from None
    except RecursionError:
        raise TfvarsError(path, "JSON syntax error: nested too deeply") from None
    if not isinstance(data, dict):
        raise TfvarsError(path, f"a JSON tfvars file holds one object of variables, not a {type(data).__name__}")
    return data, _json_key_lines(text)


def _skip(text: str, index: int) -> int:
    """The index of the first non-space character at or after ``index``."""
    match = _JSON_SPACE.match(text, index)
    return match.end() if match else index


def _json_key_lines(text: str) -> dict[str, list[int]]:
    """Each top-level member's line(s) in a JSON object already known to be valid (the decoder has no positions)."""
    decoder, lines = json.JSONDecoder(), dict[str, list[int]]()
    index = _skip(text, _skip(text, 0) + 1)  # past the object's "{"
    while text[index] == '"':
        key, end = decoder.raw_decode(text, index)  # the member's name, a JSON string
        lines.setdefault(key, []).append(text.count("\n", 0, index) + 1)
        _value, end = decoder.raw_decode(text, _skip(text, _skip(text, end) + 1))  # past the ":"
        index = _skip(text, end)
        if text[index] == ",":
            index = _skip(text, index + 1)
    return lines
