"""pytest hooks of the document check: ``--doc``, the comparison as the document source, the report header line."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from envmatrix.config import ProjectConfig, resolve_doc
from envmatrix.plugin import CONFIG_KEY, SUITE_KEY, project_folder

if TYPE_CHECKING:
    from envmatrix.document.compare import Disagreement

#: Checks carrying this marker compare the spec with the document; without a document they are not generated.
DOCUMENT_MARKER = "envmatrix_document"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("envmatrix", "envmatrix: environment conformance")
    group.addoption("--doc", dest="envmatrix_doc", metavar="PATH",
                    help="the environment document (Markdown) the spec is proven against: check SPEC-MATCHES-DOC "
                         "(default: $ENVMATRIX_DOC, [paths] doc in envmatrix.toml; none: the check is not run)")


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{DOCUMENT_MARKER}: a check of the spec against the environment document")
    suite = config.stash.get(SUITE_KEY, None)
    if suite is None:
        return
    project = config.stash.get(CONFIG_KEY, ProjectConfig())
    setting = resolve_doc(config.getoption("envmatrix_doc"), project, cwd=Path(config.invocation_params.dir),
                          rootdir=project_folder(config))
    if setting is None:
        return
    # the Markdown parser only for a run with a document (most runs have none)
    from envmatrix.document.compare import compare
    from envmatrix.document.parse import DocumentError, read_document

    info = {"path": setting.value, "source": setting.source, "sha256": ""}
    suite.settings["document"] = info
    try:
        document = read_document(setting.value)
        by_env = compare(document, suite.spec).disagreements
        info["sha256"] = document.digest
    except DocumentError as exc:
        problem = exc  # fail closed: every document check fails with the reason

        def unreadable(_env: str) -> list[Disagreement]:
            raise problem

        suite.sources.document = unreadable
        return
    suite.sources.document = lambda env: [d for d in by_env if d.env == env]


def pytest_report_header(config: pytest.Config) -> list[str]:
    suite = config.stash.get(SUITE_KEY, None)
    info = suite.settings.get("document") if suite is not None else None
    if not info:
        return []
    digest = f"sha256 {info['sha256']}" if info["sha256"] else "unreadable"
    return [f"envmatrix: document = {info['path']} ({info['source']}; {digest})"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    suite = config.stash.get(SUITE_KEY, None)
    if suite is not None and suite.sources.document is not None:
        return
    dropped = [item for item in items if item.get_closest_marker(DOCUMENT_MARKER)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if not item.get_closest_marker(DOCUMENT_MARKER)]
