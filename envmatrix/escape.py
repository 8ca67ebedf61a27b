"""Values are data, never markup: the one escaper per report format for text read from AWS, GitHub or the service."""

from __future__ import annotations

import html
import re

#: C0 and C1 controls, DEL, the Unicode line and paragraph separators, bidi embeddings, overrides and isolates
#: (they reorder what a reader sees), and lone surrogates (no encoder writes them: one would stop every report).
_UNSEEN = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ud800-\udfff"
                     "\U000e0000-\U000e007f]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
#: CommonMark lets any ASCII punctuation be backslash-escaped; these are the ones Markdown (and GitHub: $ math,
#: : . @ autolinks) gives a meaning. < > & become entities instead, so no value opens a tag, comment or entity.
_MARKDOWN = {char: "\\" + char for char in "\\`*_{}[]()#+-.!|~$:@"} | {"<": "&lt;", ">": "&gt;", "&": "&amp;"}
_BACKTICKS = re.compile("`+")
#: SARIF 2.1.0 §3.11.6: a literal [ or ] in message text is escaped with a backslash, and so is a backslash
#: before one (else "\[" from a value would turn the next bracket into link syntax).
_SARIF_BRACKET = re.compile(r"(\\*)([\[\]])")


def _shown(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    return _NAMED.get(char) or (f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}" if code <= 0xFFFF
                                else f"\\U{code:08x}")


def visible(value: object) -> str:
    r"""One line of plain text: each control, separator, bidi control and lone surrogate shown as its escape
    (a newline as the two characters ``\n``), so a value cannot start a line, hide text or stop a writer."""
    return _UNSEEN.sub(_shown, str(value))


def markdown(value: object) -> str:
    """Markdown inline text that renders as exactly ``visible(value)``: no tag, link, emphasis or cell break."""
    return "".join(_MARKDOWN.get(char, char) for char in visible(value))


def code(value: object) -> str:
    """A Markdown code span of ``visible(value)``: fenced by a backtick run longer than any inside, padded with a
    space when the text starts or ends with a backtick or a space (CommonMark strips one space each side)."""
    text = visible(value)
    fence = "`" * (max((len(run) for run in _BACKTICKS.findall(text)), default=0) + 1)
    pad = " " if not text or text[0] in "` " or text[-1] in "` " else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def html_text(value: object) -> str:
    """HTML text or attribute value (quotes escaped too) of ``visible(value)``."""
    return html.escape(visible(value))


def sarif_text(value: object) -> str:
    """SARIF message text of ``visible(value)`` with no embedded-link syntax: brackets escaped (§3.11.6)."""
    return _SARIF_BRACKET.sub(lambda match: match.group(1) * 2 + "\\" + match.group(2), visible(value))
