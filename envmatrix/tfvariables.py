"""The module's own variable declarations (``[paths] variables``: its variables.tf), read with python-hcl2: each
variable's file, line and type constraint, and whether a tfvars value fits that type as Terraform converts it."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hcl2
from lark import Token, Tree
from lark.exceptions import UnexpectedInput

from envmatrix.errors import VariablesError
from envmatrix.inputs import read_input_text
from envmatrix.tfvars_read import syntax_problem

PRIMITIVES = ("string", "number", "bool", "any")
COLLECTIONS = ("list", "set", "map")
_TOKEN = re.compile(r'\s*("(?:[^"\\]|\\.)*"|[A-Za-z_][A-Za-z0-9_-]*|-?\d+(?:\.\d+)?|\S)')
_CLOSING = {"(": ")", "{": "}", "[": "]"}


@dataclass(frozen=True)
class VarType:
    """A Terraform type constraint: a primitive, a collection of one element type, an object or a tuple."""

    kind: str
    element: VarType | None = None
    #: an object's attributes: name, type, and whether it is ``optional(...)``
    attributes: tuple[tuple[str, VarType, bool], ...] = ()
    items: tuple[VarType, ...] = ()

    def __str__(self) -> str:
        if self.element is not None:
            return f"{self.kind}({self.element})"
        if self.kind == "object":
            return "object({" + ", ".join(name for name, _type, _optional in self.attributes) + "})"
        if self.kind == "tuple":
            return "tuple([" + ", ".join(map(str, self.items)) + "])"
        return self.kind


ANY = VarType("any")


@dataclass(frozen=True)
class Declaration:
    """One ``variable "<name>" {}`` block: where it is and the type it constrains its value to."""

    name: str
    path: Path
    line: int
    type: VarType


class _TypeParser:
    """A small recursive-descent reader of a type expression (``list(object({a = string}))``)."""

    def __init__(self, text: str) -> None:
        self.tokens = [match.group(1) for match in _TOKEN.finditer(text)]
        self.index = 0

    def take(self, expected: str | None = None) -> str:
        if self.index >= len(self.tokens) or (expected is not None and self.tokens[self.index] != expected):
            found = self.tokens[self.index] if self.index < len(self.tokens) else "the end"
            raise ValueError(f"expected {expected or 'a type'}, found {found}")
        self.index += 1
        return self.tokens[self.index - 1]

    def peek(self) -> str:
        return self.tokens[self.index] if self.index < len(self.tokens) else ""

    def parse(self) -> VarType:
        kind = self.take()
        if kind in PRIMITIVES:
            return VarType(kind)
        self.take("(")
        if kind in COLLECTIONS:
            parsed = VarType(kind, element=self.parse())
        elif kind == "object":
            parsed = VarType(kind, attributes=self._attributes())
        elif kind == "tuple":
            parsed = VarType(kind, items=self._items())
        else:
            raise ValueError(f"unknown type {kind!r}")
        self.take(")")
        return parsed

    def _attributes(self) -> tuple[tuple[str, VarType, bool], ...]:
        self.take("{")
        attributes: list[tuple[str, VarType, bool]] = []
        while self.peek() != "}":
            name = self.take().strip('"')
            self.take("=") if self.peek() == "=" else self.take(":")
            optional = self.peek() == "optional"
            if optional:
                self.take()
                self.take("(")
                attributes.append((name, self.parse(), True))
                self._skip_to(")")  # the default, an expression this check does not need
            else:
                attributes.append((name, self.parse(), False))
            if self.peek() == ",":
                self.take()
        self.take("}")
        return tuple(attributes)

    def _items(self) -> tuple[VarType, ...]:
        self.take("[")
        items: list[VarType] = []
        while self.peek() != "]":
            items.append(self.parse())
            if self.peek() == ",":
                self.take()
        self.take("]")
        return tuple(items)

    def _skip_to(self, closing: str) -> None:
        depth: list[str] = []
        while depth or self.peek() != closing:
            token = self.take()
            if token in _CLOSING:
                depth.append(_CLOSING[token])
            elif depth and token == depth[-1]:
                depth.pop()
        self.take(closing)


def parse_type(text: str) -> VarType:
    """A type constraint as python-hcl2 gives it (``string``, ``${map(string)}``); ValueError when it is not one."""
    text = text.strip()
    if text.startswith("${") and text.endswith("}"):
        text = text[2:-1]
    parser = _TypeParser(text)
    parsed = parser.parse()
    if parser.peek():
        raise ValueError(f"unexpected {parser.peek()!r} after the type")
    return parsed


def _block_lines(tree: Tree[Token]) -> list[int]:
    """The line of each top-level ``variable`` block, in file order (the order python-hcl2 serializes them in)."""
    body = tree.children[0] if tree.children else None
    lines: list[int] = []
    for node in body.children if isinstance(body, Tree) else ():
        if isinstance(node, Tree) and node.data == "block" and isinstance(node.children[0], Tree):
            name = node.children[0].children[0]
            if isinstance(name, Token) and str(name) == "variable" and name.line is not None:
                lines.append(name.line)
    return lines


def _declarations_of(path: Path) -> list[Declaration]:
    text = read_input_text(path, VariablesError)
    options = hcl2.SerializationOptions(strip_string_quotes=True, with_comments=False)
    try:
        tree = hcl2.parses_to_tree(text)
        lines = _block_lines(tree)
        data: dict[str, Any] = hcl2.serialize(hcl2.transform(tree), serialization_options=options)
    except UnexpectedInput as exc:
        raise VariablesError(path, syntax_problem(exc, text), line=getattr(exc, "line", None),
                             column=getattr(exc, "column", None)) from None
    except Exception as exc:  # python-hcl2 raises several types for malformed input
        raise VariablesError(path, f"cannot parse HCL: {type(exc).__name__}") from None
    blocks = [(name, body) for block in data.get("variable", []) for name, body in block.items()]
    declarations = []
    for (name, body), line in zip(blocks, lines, strict=True):
        try:
            declared = parse_type(str(body["type"])) if "type" in body else ANY
        except ValueError as exc:
            raise VariablesError(path, f"variable {name!r}: type {body['type']!r} is not one this suite reads: "
                                 f"{exc}", line=line) from None
        declarations.append(Declaration(name, path, line, declared))
    return declarations


def variable_files(path: Path) -> list[Path]:
    """A variables file, or every ``*.tf`` of a module folder (a variable block may be in any of them)."""
    return sorted(path.glob("*.tf")) if path.is_dir() else [path]


def load_declarations(paths: Sequence[Path]) -> dict[str, Declaration]:
    """Every variable the module declares, by name; a name declared twice is an error (Terraform's too)."""
    found: dict[str, Declaration] = {}
    for path in (file for given in paths for file in variable_files(given)):
        for declaration in _declarations_of(path):
            if declaration.name in found:
                first = found[declaration.name]
                raise VariablesError(path, f"variable {declaration.name!r} is declared twice (first at "
                                     f"{first.path}:{first.line})", line=declaration.line)
            found[declaration.name] = declaration
    if not found and paths:  # every variable would then be "undeclared": say what is really wrong
        raise VariablesError(paths[0], "no variable blocks found (give the module's variables.tf or its folder)")
    return found


def _kind_of(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "list" if isinstance(value, list) else "object" if isinstance(value, dict) else type(value).__name__


def _primitive_fits(kind: str, value: Any) -> bool:
    """Terraform converts between primitives: any number or bool to a string, a numeric string to a number,
    "true"/"false" to a bool."""
    if kind == "string":
        return isinstance(value, str | int | float)
    if kind == "number":
        if isinstance(value, str):
            return re.fullmatch(r"-?\d+(\.\d+)?([eE][-+]?\d+)?", value.strip()) is not None
        return isinstance(value, int | float) and not isinstance(value, bool)
    return value in ("true", "false") if isinstance(value, str) else isinstance(value, bool)


def type_problem(declared: VarType, value: Any, where: str = "") -> str | None:
    """Why ``value`` does not fit ``declared`` (``alarms[1].threshold: expected number, got a string``), or None.

    ``null`` fits every type (it means "the default"); an object's undeclared attributes are dropped as Terraform
    drops them. Values are never shown: a tfvars value may be a secret."""
    if value is None or declared.kind == "any":
        return None
    got = _kind_of(value)
    wrong = f"{where or 'value'}: expected {declared}, got {'an' if got[0] in 'aeiou' else 'a'} {got}"
    if declared.kind in PRIMITIVES:
        return None if _primitive_fits(declared.kind, value) else wrong
    if declared.kind in ("list", "set", "tuple") and isinstance(value, list):
        if declared.kind == "tuple" and len(value) != len(declared.items):
            return f"{wrong} of {len(value)} elements (the tuple has {len(declared.items)})"
        types = declared.items if declared.kind == "tuple" else [declared.element or ANY] * len(value)
        return _first(type_problem(kind, item, f"{where}[{index}]") for index, (kind, item) in
                      enumerate(zip(types, value, strict=True)))
    if declared.kind == "map" and isinstance(value, dict):
        return _first(type_problem(declared.element or ANY, item, f"{where}.{key}") for key, item in value.items())
    if declared.kind == "object" and isinstance(value, dict):
        missing = [name for name, _type, optional in declared.attributes if not optional and name not in value]
        if missing:
            return f"{where or 'value'}: attribute {missing[0]!r} is required by {declared}"
        return _first(type_problem(kind, value[name], f"{where}.{name}") for name, kind, _optional in
                      declared.attributes if name in value)
    return wrong


def _first(problems: Any) -> str | None:
    return next((problem for problem in problems if problem), None)
