"""Dependencies point one way: the import graph of envmatrix/, read statically, has no cycle and no upward import.

The graph: one node per module under envmatrix/ (a package is its ``__init__``); an edge for every ``import`` /
``from ... import`` of an envmatrix module anywhere in a file -- inside functions and ``if TYPE_CHECKING:`` too,
since a lazy import is how a cycle hides. ``from envmatrix.pkg import name`` is an edge to ``envmatrix.pkg.name``
when that is a module, else to ``envmatrix.pkg``. (Importing a module also runs its parents' ``__init__``; those
implicit edges are not counted: the rule is about what a module names.)

The rules:

1. No cycles.
2. The core is every top-level module ``envmatrix/*.py``, ``plugin.py`` (the core's pytest hooks) included: it
   imports no layer package (``aws``, ``http``, ``github``, ``reporting``, ``document``, ``sandbox``). The one
   exception is ``cli.py``, the command line: an adapter over everything, it may import any layer (lazily).
   The core may *name* a layer's types in annotations, imported only under a module-level ``if TYPE_CHECKING:``
   (``Environment.live`` is a ``Snapshot``): that import never runs, so the layer still loads only through its
   own plugin; it still counts for rule 1 (a cycle through it is a cycle) and never reaches the sandbox.
3. A layer package (``aws``, ``http``, ``github``, ``reporting``, ``document``) imports the core and its own
   package only -- never another layer, neither its internals nor its ``__init__``. What two layers share
   lives in the core (resource names: ``names.py``; snapshot scrubbing: ``scrub.py``; URL rules: ``tls.py``;
   the run id's stash key: ``plugin.py``). Layer plugins reach each other only through the core's stash keys.
4. The sandbox (``envmatrix/sandbox``) may import anything; nothing imports the sandbox except the sandbox
   itself (its plugin included) and ``cli.py``.
5. Nothing in envmatrix imports the suite's own checks, smoke tests or the project's tests.
"""

from __future__ import annotations

import ast
from collections.abc import Set as AbstractSet
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "envmatrix"
LAYERS = frozenset({"aws", "http", "github", "reporting", "document", "sandbox"})
ADAPTERS = frozenset({"envmatrix.cli"})
OUTSIDE = ("checks", "smoke", "tests")

Graph = dict[str, dict[str, int]]  # module -> {imported module: first line}


def modules(root: Path) -> dict[str, Path]:
    out = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _imported(node: ast.Import | ast.ImportFrom, module: str, is_package: bool, known: set[str]) -> set[str]:
    """The modules one import statement names: ``from pkg import mod`` names ``pkg.mod`` when that is a module,
    else ``pkg`` (a name defined there); ``import a.b.c`` names its longest known prefix."""
    if isinstance(node, ast.Import):
        out = set()
        for alias in node.names:
            name = alias.name
            while name not in known and "." in name:
                name = name.rpartition(".")[0]
            out.add(name)
        return out
    base = node.module or ""
    if node.level:
        package = module.split(".") if is_package else module.split(".")[:-1]
        package = package[:len(package) - node.level + 1]
        base = ".".join([*package, base] if base else package)
    return {f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names}


def _is_type_checking(node: ast.stmt) -> bool:
    return isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"


def _edges(tree: ast.AST, module: str, is_package: bool, known: set[str]) -> dict[str, int]:
    edges: dict[str, int] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            for name in _imported(node, module, is_package, known):
                if (name in known or name.split(".")[0] in OUTSIDE) and name != module:
                    edges.setdefault(name, node.lineno)
    return edges


def build_graph(root: Path, type_only: set[tuple[str, str]] | None = None) -> Graph:
    """The import graph; ``type_only`` collects the (module, target) edges made only under ``if TYPE_CHECKING:``."""
    known = modules(root)
    graph: Graph = {}
    for module, path in known.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        is_package = path.name == "__init__.py"
        graph[module] = _edges(tree, module, is_package, set(known))
        if type_only is not None:
            guarded = [node for node in tree.body if _is_type_checking(node)]
            named = {name for block in guarded for name in _edges(block, module, is_package, set(known))}
            running = _edges(ast.Module([n for n in tree.body if n not in guarded], []), module, is_package,
                             set(known))
            type_only.update((module, name) for name in named - set(running))
    return graph


def cycles(graph: Graph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(graph[start]))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            for target in edges:
                if target not in graph:
                    continue
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(graph[target])))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def layer(module: str) -> str:
    """``core`` for a top-level module, else the layer package it belongs to."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else "core"


def violations(graph: Graph, type_only: AbstractSet[tuple[str, str]] = frozenset()) -> list[str]:
    out = []
    for module, edges in sorted(graph.items()):
        for target, line in edges.items():
            where = f"{module}:{line} imports {target}"
            if target.split(".")[0] in OUTSIDE:
                out.append(f"{where} (envmatrix never imports the checks or tests)")
                continue
            source, wanted = layer(module), layer(target)
            if wanted == "core" or source == wanted or module in ADAPTERS:
                continue
            if source == "core" and wanted != "sandbox" and (module, target) in type_only:
                continue  # a layer's type named for annotations only (rule 2)
            if wanted == "sandbox":
                out.append(f"{where} (only the sandbox and cli.py import the sandbox)")
            elif source == "core":
                out.append(f"{where} (the core imports no layer)")
            elif source != "sandbox":
                out.append(f"{where} (a layer imports no other layer; move the shared piece to the core)")
    return out


def test_envmatrix_has_no_import_cycle() -> None:
    assert cycles(build_graph(PACKAGE)) == []


def test_dependencies_point_one_way() -> None:
    type_only: set[tuple[str, str]] = set()
    assert violations(build_graph(PACKAGE, type_only), type_only) == []


def test_the_graph_sees_the_modules_it_checks() -> None:
    graph = build_graph(PACKAGE)
    assert {"envmatrix.config", "envmatrix.aws.store", "envmatrix.sandbox.runner"} <= set(graph)
    assert "envmatrix.names" in graph["envmatrix.config"]
    assert "envmatrix.aws.identity" in graph["envmatrix.aws.buckets"]  # `from pkg import module`


def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "envmatrix"
    for name, text in {"__init__.py": "", **files}.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_a_lazy_import_cycle_is_found(tmp_path: Path) -> None:
    root = _package(tmp_path, {
        "reporting/__init__.py": "",
        "reporting/plugin.py": "from envmatrix.reporting.session import Builder\nKEY = 1\n",
        "reporting/session.py": "def f():\n    from envmatrix.reporting.plugin import KEY\n    return KEY\n",
        "sandbox/__init__.py": "",
        "sandbox/faults.py": "x = 1\nfrom . import faults_app  # noqa: E402\n",
        "sandbox/faults_app.py": "from .faults import x\n",
    })
    assert sorted(cycles(build_graph(root))) == [["envmatrix.reporting.plugin", "envmatrix.reporting.session"],
                                                 ["envmatrix.sandbox.faults", "envmatrix.sandbox.faults_app"]]


@pytest.mark.parametrize(("files", "expected"), [
    ({"config.py": "from envmatrix.aws.names import Names\n", "aws/__init__.py": "", "aws/names.py": ""},
     "envmatrix.config:1 imports envmatrix.aws.names (the core imports no layer)"),
    ({"github/__init__.py": "", "github/store.py": "def f():\n    from envmatrix.aws import store\n",
      "aws/__init__.py": "", "aws/store.py": ""},
     "envmatrix.github.store:2 imports envmatrix.aws.store (a layer imports no other layer; "
     "move the shared piece to the core)"),
    ({"reporting/__init__.py": "", "reporting/x.py": "import envmatrix.sandbox.runner\n",
      "sandbox/__init__.py": "", "sandbox/runner.py": ""},
     "envmatrix.reporting.x:1 imports envmatrix.sandbox.runner (only the sandbox and cli.py import the sandbox)"),
    ({"spec.py": "from tests.core import helpers\n"},
     "envmatrix.spec:1 imports tests.core (envmatrix never imports the checks or tests)"),
])
def test_each_rule_is_enforced(tmp_path: Path, files: dict[str, str], expected: str) -> None:
    assert violations(build_graph(_package(tmp_path, files))) == [expected]


def test_the_adapters_and_the_sandbox_may_import_layers(tmp_path: Path) -> None:
    root = _package(tmp_path, {
        "cli.py": "def main():\n    from envmatrix.sandbox.runner import run\n"
                  "    from envmatrix.reporting import merge\n",
        "sandbox/__init__.py": "", "sandbox/runner.py": "from envmatrix.aws.session import new_session\n",
        "reporting/__init__.py": "", "reporting/merge.py": "", "aws/__init__.py": "", "aws/session.py": "",
    })
    assert violations(build_graph(root)) == []


def test_the_core_may_name_a_layers_types_only_under_type_checking(tmp_path: Path) -> None:
    typed = ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from envmatrix.aws.snapshot import Snapshot\n")
    root = _package(tmp_path, {
        "context.py": typed,
        "config.py": typed + "from envmatrix.aws.snapshot import read\n",  # also imported at run time: upward
        "spec.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from envmatrix.sandbox import world\n",
        "aws/__init__.py": "", "aws/snapshot.py": "from envmatrix.cycle import x\n",
        "cycle.py": typed, "sandbox/__init__.py": "", "sandbox/world.py": "",
    })
    type_only: set[tuple[str, str]] = set()
    graph = build_graph(root, type_only)
    assert violations(graph, type_only) == [
        "envmatrix.config:4 imports envmatrix.aws.snapshot (the core imports no layer)",
        "envmatrix.spec:3 imports envmatrix.sandbox.world (only the sandbox and cli.py import the sandbox)"]
    assert cycles(graph) == [["envmatrix.aws.snapshot", "envmatrix.cycle"]]  # a type-only edge still closes a cycle
