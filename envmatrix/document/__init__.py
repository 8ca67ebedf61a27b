"""The environment document as the source of truth: parse it, compare the spec with it, start a spec from it."""

from __future__ import annotations

from envmatrix.document.compare import Comparison, Disagreement, compare, report_lines
from envmatrix.document.parse import DocumentError, ParsedDocument, read_document

__all__ = ["Comparison", "Disagreement", "DocumentError", "ParsedDocument", "compare", "read_document",
           "report_lines"]
