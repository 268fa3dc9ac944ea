"""Feedback never shows a hidden test: the preprocessor that scrubs them from outputs.

nbgrader's ClearHiddenTests removes hidden tests from cell sources, but an error's
traceback can still quote them (IPython prints the lines around the failing one). The
course's nbgrader_config.py runs `ScrubHiddenTests` in GenerateFeedback before nbgrader's
ClearHiddenTests, so that `nbgrader generate_feedback` and `backprop-course feedback` both
apply it.
"""

from __future__ import annotations

import re

from nbformat import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode

from backprop.course.notebooks import HIDDEN_BEGIN, HIDDEN_END, hidden_test_lines

__all__ = ["ScrubHiddenTests"]

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
