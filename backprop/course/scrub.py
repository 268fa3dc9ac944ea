"""Feedback never shows a hidden test: the preprocessor that scrubs them from outputs.

nbgrader's ClearHiddenTests removes hidden tests from cell sources, but an error's
traceback can still quote them (IPython prints the lines around the failing one). The
course's nbgrader_config.py runs `ScrubHiddenTests` in GenerateFeedback before nbgrader's
ClearHiddenTests, so that `nbgrader generate_feedback` and `backprop-course feedback` both
apply it.

`restore_grading_metadata` puts the source's nbgrader metadata back into an autograded
notebook: a learner who re-labels an answer cell as graded, or adds a graded cell, would
otherwise make nbgrader's GetGrades ask the gradebook for a grade it never had, and stop
the feedback of the whole lesson.

`EscapeUnsafeMarkdown` keeps a learner's markdown from running in the feedback page:
nbgrader's feedback template renders markdown cells without nbconvert's `clean_html`, so a
cell whose rendered HTML holds anything bleach's markdown allowlist would remove (a
<script>, an onerror= attribute, a javascript: link) is shown as its source, in a code
block.
"""

from __future__ import annotations

import copy
import html
import re
from html.parser import HTMLParser

import bleach
from bleach.css_sanitizer import CSSSanitizer
from nbconvert.filters import markdown2html
from nbconvert.preprocessors import Preprocessor
from nbformat import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool, Unicode

from backprop.course.notebooks import HIDDEN_BEGIN, HIDDEN_END, grade_id, hidden_test_lines

__all__ = ["EscapeUnsafeMarkdown", "ScrubHiddenTests", "restore_grading_metadata"]

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _scrub(text: str, hidden: set[str], markers: tuple[str, str]) -> str:
    kept = []
    for line in text.split("\n"):
        plain = _ANSI.sub("", line)
        if any(h in plain for h in hidden) or any(m in plain for m in markers):
            kept.append("    (hidden test)")
        else:
            kept.append(line)
    return "\n".join(kept)


class ScrubHiddenTests(NbGraderPreprocessor):
    """Remove hidden-test lines from error tracebacks and printed text before feedback.

    Configured before ClearHiddenTests in GenerateFeedback (see nbgrader_config.py).
    """

    begin_test_delimeter = Unicode(HIDDEN_BEGIN).tag(config=True)
    end_test_delimeter = Unicode(HIDDEN_END).tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        """Scrub every error and stream output of the notebook."""
        markers = (self.begin_test_delimeter, self.end_test_delimeter)
        hidden = hidden_test_lines(nb, markers)
        for cell in nb.cells:
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    output["traceback"] = [
                        _scrub(t, hidden, markers) for t in output.get("traceback", [])
                    ]
                    output["evalue"] = _scrub(output.get("evalue", ""), hidden, markers)
                elif output.get("output_type") == "stream":
                    output["text"] = _scrub(output.get("text", ""), hidden, markers)
        return nb, resources


def restore_grading_metadata(nb: NotebookNode, source: NotebookNode) -> int:
    """Give every cell of nb the nbgrader metadata its grade_id has in the source notebook.

    A cell whose grade_id the source doesn't have (a learner's own cell, or one they
    labelled) loses its nbgrader metadata: the gradebook was registered from the source,
    so only the source's graded, answer and task cells exist there.

    Args:
        nb: An autograded notebook, changed in place.
        source: The lesson's source notebook (`solutions/LESSON/LESSON.ipynb`).

    Returns:
        How many cells had metadata that differed from the source's.
    """
    known = {grade_id(c): c.metadata["nbgrader"] for c in source.cells if grade_id(c)}
    changed = 0
    for cell in nb.cells:
        meta = cell.get("metadata")
        if not isinstance(meta, dict) or "nbgrader" not in meta:
            continue
        gid = grade_id(cell)
        if gid in known:
            if meta["nbgrader"] != known[gid]:
                meta["nbgrader"] = copy.deepcopy(known[gid])
                changed += 1
        else:
            del meta["nbgrader"]
            changed += 1
    return changed


# What nbconvert's markdown renderer writes for plain markdown: tags, attributes, links.
_MARKDOWN_TAGS = frozenset({
    "a", "abbr", "b", "blockquote", "br", "code", "del", "details", "div", "em", "h1", "h2",
    "h3", "h4", "h5", "h6", "hr", "i", "img", "input", "kbd", "li", "ol", "p", "pre", "s",
    "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "th", "thead", "tr",
    "u", "ul"})
_MARKDOWN_ATTRIBUTES = {"*": ["id", "class", "title"], "a": ["href"], "img": ["src", "alt"],
                        "th": ["style", "align"], "td": ["style", "align"], "ol": ["start"],
                        "input": ["type", "disabled", "checked"]}
_PROTOCOLS = frozenset({"http", "https", "mailto"})
_TABLE_CSS = CSSSanitizer(allowed_css_properties=["text-align"])  # a table column's alignment


class _Structure(HTMLParser):
    """Every start tag of an HTML fragment, with its attributes."""

    def __init__(self, fragment: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, tuple]] = []
        self.feed(fragment)
        self.close()

    def handle_starttag(self, tag: str, attrs: list) -> None:
        # A style bleach keeps may come back re-spaced, with or without its last ";".
        self.tags.append((tag, tuple(sorted(
            (k, re.sub(r"\s+", "", v or "").rstrip(";") if k == "style" else v or "")
            for k, v in attrs))))

    handle_startendtag = handle_starttag


def is_unsafe_html(fragment: str) -> bool:
    """True when bleach, allowing only plain markdown's markup, would change the fragment."""
    cleaned = bleach.clean(fragment, tags=_MARKDOWN_TAGS, attributes=_MARKDOWN_ATTRIBUTES,
                           protocols=_PROTOCOLS, css_sanitizer=_TABLE_CSS, strip=True,
                           strip_comments=True)
    return _Structure(fragment).tags != _Structure(cleaned).tags


def _as_code_block(source: str) -> str:
    """Markdown that shows source as it is, escaped: a fence longer than any inside it."""
    longest = max((len(run) for run in re.findall(r"`+", source)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{source}\n{fence}"


class EscapeUnsafeMarkdown(Preprocessor):
    """Show markdown and raw cells whose HTML could run as escaped text in the feedback.

    Configured in GenerateFeedback (see nbgrader_config.py). The lessons' own markdown is
    plain and passes unchanged.
    """

    enabled = Bool(True).tag(config=True)  # nbconvert's preprocessors are off by default

    def preprocess_cell(self, cell: NotebookNode, resources: dict,
                        index: int) -> tuple[NotebookNode, dict]:
        """Escape one cell's source if its rendered HTML holds anything unsafe."""
        if cell.cell_type in ("markdown", "raw"):
            source = cell.source
            rendered = markdown2html(source) if cell.cell_type == "markdown" else source
            if is_unsafe_html(rendered):
                cell.source = (_as_code_block(source) if cell.cell_type == "markdown"
                               else html.escape(source, quote=False))
        return cell, resources
