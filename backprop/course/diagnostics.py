"""Why a cell got its score, kept in nbgrader's gradebook: the format of the stored diagnoses.

nbgrader keeps one `Comment` row per *solution* cell of every submitted notebook
(`Gradebook.add_submission` creates them; test cells, being grade cells, have none). Its
`auto_comment` is the autograder's text; a grader's `manual_comment` takes precedence in the
display but leaves `auto_comment` untouched, so diagnoses survive manual grading. Into the
`auto_comment` of the answer cell that each test cell checks (the nearest solution cell
above it), `backprop.course.gradebook` writes what `comment_text` makes: a readable summary
followed by the data in an HTML comment::

    **ex3-test** ✗ (known mistake: `swapped`)  ...the check's message, in a text block...
    <!-- backprop-verdicts {"ex3-test": {"exercise": "mul_backward", ...}} -->

`generate_feedback` renders comments as Markdown under the learner's answer cell, so a
learner reads the message and never the HTML comment; formgrader shows the text as the
placeholder of the grader's comment box. The data holds diagnoses only (exercise, passed,
mistake name, message), never scores: scores stay in nbgrader's `Grade` rows.

This module only encodes and decodes; it never opens a gradebook.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

__all__ = ["Diagnostic", "comment_text", "parse_comment"]

_MARK = "backprop-verdicts"
_DATA = re.compile(r"<!-- " + _MARK + r" (\{.*?\}) -->", re.DOTALL)


@dataclass(frozen=True)
class Diagnostic:
    """Why a test cell got its score: the judge's verdict, without the score.

    Attributes:
        grade_id: The test cell, e.g. "ex3-test".
        exercise: The exercise or quiz variable it checks, e.g. "mul_backward".
        passed: Whether the check passed.
        mistake: The known mistake's name when one matched, e.g. "swapped"; else None.
        message: What the check printed or raised.
    """

    grade_id: str
    exercise: str
    passed: bool
    mistake: str | None
    message: str


def comment_text(diagnostics: list[Diagnostic]) -> str:
    """Render diagnoses as Markdown for feedback, with the data in an HTML comment."""
    parts = []
    for d in diagnostics:
        mark = "✓" if d.passed else "✗"
        known = f" (known mistake: `{d.mistake}`)" if d.mistake else ""
        # A fenced block shows the message verbatim: no Markdown inside it is interpreted.
        fence = "~" * max(3, 1 + max((len(run) for run in re.findall(r"~+", d.message)),
                                     default=0))
        parts.append(f"**{d.grade_id}** {mark}{known}\n\n{fence}text\n{d.message}\n{fence}")
    data = {d.grade_id: {"exercise": d.exercise, "passed": d.passed, "mistake": d.mistake,
                         "message": d.message} for d in diagnostics}
    # No "-", "<" or ">" in the data (JSON reads the escapes back), so nothing can end the
    # HTML comment early, and the whole comment reads as one tag to a tag stripper.
    encoded = json.dumps(data, ensure_ascii=False, sort_keys=True)
    for char, escape in (("-", "\\u002d"), ("<", "\\u003c"), (">", "\\u003e")):
        encoded = encoded.replace(char, escape)
    return "\n\n".join(parts) + f"\n\n<!-- {_MARK} {encoded} -->"


def parse_comment(text: str | None) -> dict[str, Diagnostic]:
    """Read the diagnoses back from an auto_comment; {} for any other comment."""
    match = _DATA.search(text or "")
    if match is None:
        return {}
    try:
        data = json.loads(match.group(1))
    except json.JSONDecodeError:
        return {}
    found = {}
    for grade_id, d in data.items() if isinstance(data, dict) else ():
        if not isinstance(d, dict):
            continue
        mistake = d.get("mistake")
        found[grade_id] = Diagnostic(
            grade_id=str(grade_id), exercise=str(d.get("exercise", grade_id)),
            passed=bool(d.get("passed")), mistake=str(mistake) if mistake else None,
            message=str(d.get("message", "")),
        )
    return found
