"""Lesson notebooks as the instructor's tools read and write them: one parser, one GradedCell.

Every command that asks "what does this graded cell grade?" (autograde, report, validate,
the gradebook's diagnostics) reads it with `graded_cells(nb)`. A lesson's graded cells are
of four kinds:

- "exercise": a test cell `check("mul_backward", mul_backward)` (and again with
  hidden=True in its hidden tests);
- "quiz": a test cell `check_choice("q1", q1)`, `check_number("q5", q5)` or
  `check_shape("q6", q6)`; the source's hidden test also gives the answer (`answer="c"`,
  a number with its tolerance, or a shape) and `reread="..."`;
- "written": an answer cell graded by hand (nbgrader's grade and solution flags together);
- "manual": a test cell of another shape, which no tool here scores: left to a human.

`clean_notebook` and `write_notebook` give a notebook the course's canonical form (no
outputs, no execution counts, fixed metadata), so writing it twice changes nothing.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode

__all__ = [
    "CheckCall",
    "GradedCell",
    "clean_notebook",
    "grade_id",
    "graded_cells",
    "hidden_test_lines",
    "parse_test_cell",
    "write_notebook",
]

# Cell metadata worth keeping: nbgrader's own, tags (nbval reads raises-exception), and
# JupyterLab's display flags an author chose. Everything else is editor state.
_CELL_METADATA = ("nbgrader", "tags", "editable", "deletable")
_KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
HIDDEN_BEGIN, HIDDEN_END = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"


# ---------------------------------------------------------------------------------
# What a test cell checks
# ---------------------------------------------------------------------------------


# The checker a quiz's test cell calls, by the form of its answer.
_QUIZ_FORMS = {"check_choice": "choice", "check_number": "number", "check_shape": "shape"}


@dataclass(frozen=True)
class CheckCall:
    """What a test cell's source calls: `check("id", fn)` or a quiz checker.

    Attributes:
        kind: "exercise" (check) or "quiz" (check_choice, check_number or check_shape).
        target: The exercise id or the quiz question's name.
        variable: The learner's function or answer variable the cell passes.
        answer: A quiz's right answer, a letter, a number or a shape (only the source's
            hidden test gives it).
        choices: The allowed letters of a multiple-choice quiz.
        reread: The section a quiz points to when the answer is wrong.
        form: A quiz's form of answer: "choice", "number" or "shape".
        rtol, atol: A numeric answer's tolerance.
    """

    kind: str
    target: str
    variable: str
    answer: object = None
    choices: str = "abcd"
    reread: str = ""
    form: str = "choice"
    rtol: float = 0.0
    atol: float = 0.0


def _literal(node: ast.expr) -> object:
    try:
        return ast.literal_eval(node)
    except ValueError:
        return None


def _number(value: object) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def parse_test_cell(source: str) -> CheckCall | None:
    """Read what a test cell of this course checks, or None if it is not one of its shapes.

    Every test cell calls one checker, visibly and again in its hidden tests, with the
    same target and variable; anything else (two targets, other code) returns None and is
    left to a human. The source is parsed, never run.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
             and (n.func.id == "check" or n.func.id in _QUIZ_FORMS)]
    if not calls:
        return None
    kinds = {c.func.id for c in calls}
    pairs = {(_literal(c.args[0]), c.args[1].id) for c in calls
             if len(c.args) >= 2 and isinstance(c.args[1], ast.Name)}
    if len(kinds) != 1 or len(pairs) != 1 or len(calls) != sum(
            1 for c in calls if len(c.args) >= 2 and isinstance(c.args[1], ast.Name)):
        return None
    (target, variable), kind = pairs.pop(), kinds.pop()
    if not isinstance(target, str):
        return None
    if kind == "check":
        return CheckCall("exercise", target, variable)
    keywords = {k.arg: _literal(k.value) for c in calls for k in c.keywords}
    extra = [_literal(c.args[2]) for c in calls if len(c.args) > 2]
    reread = keywords.get("reread")
    answer = keywords.get("answer")
    form = _QUIZ_FORMS[kind]
    if form == "choice" and not isinstance(answer, str):
        answer = None
    return CheckCall("quiz", target, variable, answer=answer,
                     choices=extra[0] if extra and isinstance(extra[0], str) else "abcd",
                     reread=reread if isinstance(reread, str) else "", form=form,
                     rtol=_number(keywords.get("rtol")), atol=_number(keywords.get("atol")))


# ---------------------------------------------------------------------------------
# The graded cells of a notebook
# ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class GradedCell:
    """One graded cell of a lesson notebook, and what it grades.

    Attributes:
        grade_id: nbgrader's id of the cell, e.g. "ex3-test".
        points: Its maximum score.
        kind: "exercise", "quiz", "written" or "manual" (see the module docstring).
        target: The exercise id ("mul_backward") or quiz variable ("q1"); the grade_id for
            written and manual cells.
        variable: The learner's function or answer variable the test cell passes ("" for
            written and manual cells).
        answer, choices, reread: A quiz's right answer (None in a release notebook), the
            allowed letters of a multiple-choice one, and the section to reread.
        answer_id: For a test cell, the grade_id of the answer cell it checks (the nearest
            solution cell above it), where its diagnosis is kept; None if there is none.
        form, rtol, atol: A quiz's form of answer ("choice", "number" or "shape") and a
            numeric answer's tolerance.
    """

    grade_id: str
    points: float
    kind: str
    target: str
    variable: str = ""
    answer: object = None
    choices: str = "abcd"
    reread: str = ""
    answer_id: str | None = None
    form: str = "choice"
    rtol: float = 0.0
    atol: float = 0.0

    @property
    def is_test(self) -> bool:
        """Whether this is a test cell (not an answer cell graded by hand)."""
        return self.kind != "written"


def grade_id(cell: Any) -> str | None:
    """Nbgrader's grade_id of a cell (a NotebookNode or a plain dict), or None."""
    meta = cell.get("metadata", {}) if isinstance(cell, dict) else {}
    nbgrader = meta.get("nbgrader", {}) if isinstance(meta, dict) else {}
    found = nbgrader.get("grade_id") if isinstance(nbgrader, dict) else None
    return found if isinstance(found, str) else None


def graded_cells(nb: NotebookNode) -> list[GradedCell]:
    """List the graded cells of a source or release notebook, in notebook order.

    Args:
        nb: A lesson notebook of the course.

    Returns:
        One `GradedCell` per cell marked grade=True: test cells (exercise, quiz or manual)
        and written answers.
    """
    found: list[GradedCell] = []
    answer: str | None = None
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        name = meta.get("grade_id")
        if not name:
            continue
        points = float(meta.get("points", 0) or 0)
        if meta.get("solution") and not meta.get("grade"):
            answer = name
        elif meta.get("grade") and meta.get("solution"):
            found.append(GradedCell(name, points, "written", name))
        elif meta.get("grade"):
            call = parse_test_cell(cell.source) if cell.cell_type == "code" else None
            if call is None:
                found.append(GradedCell(name, points, "manual", name, answer_id=answer))
            else:
                found.append(GradedCell(name, points, call.kind, call.target, call.variable,
                                        call.answer, call.choices, call.reread, answer,
                                        call.form, call.rtol, call.atol))
    return found


def hidden_test_lines(nb: NotebookNode,
                      markers: tuple[str, str] = (HIDDEN_BEGIN, HIDDEN_END)) -> set[str]:
    """The non-empty lines between BEGIN and END HIDDEN TESTS, stripped, of every cell."""
    begin, end = markers
    hidden: set[str] = set()
    for cell in nb.cells:
        inside = False
        for line in cell.source.splitlines():
            if begin in line:
                inside = True
            elif end in line:
                inside = False
            elif inside and line.strip():
                hidden.add(line.strip())
    return hidden


# ---------------------------------------------------------------------------------
# The canonical form of a committed notebook
# ---------------------------------------------------------------------------------


def clean_notebook(nb: NotebookNode) -> NotebookNode:
    """Strip outputs, execution counts, widget state and editor metadata, in place.

    Returns:
        The same notebook, for chaining.
    """
    for cell in nb.cells:
        cell.metadata = {k: cell.metadata[k] for k in _CELL_METADATA if k in cell.metadata}
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        if "attachments" in cell and not cell.attachments:
            del cell["attachments"]
    nb.metadata = {"kernelspec": dict(_KERNELSPEC), "language_info": {"name": "python"}}
    return nb


def write_notebook(nb: NotebookNode, path: Path) -> bool:
    """Write a notebook in the course's canonical form; return whether the file changed."""
    text = nbformat.writes(nb) + "\n"
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return True
