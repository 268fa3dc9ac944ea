"""The class report: scores per student and exercise, and which exercises the class found hard.

Scores come from nbgrader's gradebook, read through its own API (`nbgrader.api.Gradebook`).
The diagnostics behind a score (which known mistake matched, and the check's message) are
stored in the gradebook as well, so that there is no second store to keep in step with it:

Where the diagnostics live
    nbgrader keeps one `Comment` row per *solution* cell of every submitted notebook
    (`Gradebook.add_submission` creates them; test cells, being grade cells, have no
    comment). Its `auto_comment` is the autograder's text; a grader's `manual_comment`
    takes precedence in the display but leaves `auto_comment` untouched, so diagnostics
    survive manual grading. `save_verdicts` writes, into the `auto_comment` of the answer
    cell that each test cell checks (the nearest solution cell above it in the source
    notebook), a readable summary followed by the data in an HTML comment:

        **ex3-test** ✗ not yet: ...the check's message, in a text block...
        <!-- backprop-verdicts {"ex3-test": {"exercise": "mul_backward", ...}} -->

    `generate_feedback` renders comments as Markdown under the learner's answer cell, so a
    learner sees the message and never the HTML comment; formgrader shows the text as the
    placeholder of the grader's comment box. The data holds diagnostics only (exercise,
    passed, mistake name, message), never scores: scores stay in nbgrader's `Grade` rows.
    A re-grade rewrites the comment of every answer cell of that notebook, clearing those
    without a verdict, so no stale diagnosis outlives a crash.

`write_report(course, lesson)` writes `reports/<lesson>/report.csv` (one row per student and
graded cell), `summary.csv` (one row per graded cell: mean score, the most frequent known
mistake), and `summary.png` / `summary.html` (a bar chart of the mean score per exercise,
hardest first, annotated with that mistake).
"""

from __future__ import annotations

import base64
import csv
import html
import json
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from backprop.course import RELEASE, SOURCE, CourseError, parse_test_cell
from backprop.course import open_gradebook as course_open_gradebook

__all__ = [
    "Diagnostic",
    "GradedCell",
    "ReportRow",
    "SummaryRow",
    "gradebook_url",
    "graded_cells",
    "load_verdicts",
    "open_gradebook",
    "report_rows",
    "save_verdicts",
    "summarize",
    "write_report",
]

REPORTS = "reports"
REPORT_COLUMNS = ("student", "lesson", "exercise", "grade_id", "score", "max_score", "mistake",
                  "message")
SUMMARY_COLUMNS = ("lesson", "exercise", "grade_id", "max_score", "students", "mean_score",
                   "mean_fraction", "top_mistake", "top_mistake_count", "pending_manual")

_MARK = "backprop-verdicts"
_DATA = re.compile(r"<!-- " + _MARK + r" (\{.*?\}) -->", re.DOTALL)


# ---------------------------------------------------------------------------------
# The lesson's graded cells, from its source notebook
# ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class GradedCell:
    """A test cell of a lesson, as the source notebook defines it.

    Attributes:
        grade_id: The test cell's nbgrader grade_id, e.g. "ex3-test".
        exercise: What it checks: a registered exercise id ("mul_backward") or a quiz
            variable ("q1"); the grade_id when the cell calls neither checker.
        answer_id: The grade_id of the solution cell it checks (the nearest one above), or
            None when there is none.
        max_score: Its points.
    """

    grade_id: str
    exercise: str
    answer_id: str | None
    max_score: float


def _checked_target(source: str) -> str | None:
    call = parse_test_cell(source)
    return call.target if call is not None else None


def graded_cells(nb: nbformat.NotebookNode) -> list[GradedCell]:
    """List the autograded test cells of a notebook, in notebook order.

    Args:
        nb: A source or release notebook of the course.

    Returns:
        One `GradedCell` per cell marked grade=True and solution=False.
    """
    found: list[GradedCell] = []
    answer: str | None = None
    for cell in nb.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        grade_id = meta.get("grade_id")
        if not grade_id:
            continue
        if meta.get("solution") and not meta.get("grade"):
            answer = grade_id
        elif meta.get("grade") and not meta.get("solution"):
            found.append(GradedCell(
                grade_id=grade_id,
                exercise=_checked_target(cell.source) or grade_id,
                answer_id=answer,
                max_score=float(meta.get("points", 0)),
            ))
    return found


def _source_notebook(course: Path, lesson: str, notebook: str | None) -> nbformat.NotebookNode:
    """Read the lesson's source notebook (its release when the source is absent)."""
    name = f"{notebook or lesson}.ipynb"
    for folder in (SOURCE, RELEASE):
        path = course / folder / lesson / name
        if path.is_file():
            return nbformat.read(path, as_version=4)
    raise CourseError(
        f"no notebook {name} in {course / SOURCE / lesson} or {course / RELEASE / lesson}: "
        "the report needs the lesson's notebook to know its exercises."
    )


# ---------------------------------------------------------------------------------
# The gradebook
# ---------------------------------------------------------------------------------


def _course_config(course: Path) -> Any:
    from traitlets.config.loader import PyFileConfigLoader

    config_file = course / "nbgrader_config.py"
    if not config_file.is_file():
        return None
    return PyFileConfigLoader(config_file.name, path=str(course)).load_config()


def gradebook_url(course: Path) -> str:
    """Return the gradebook's database URL: nbgrader_config.py's, else course/gradebook.db."""
    config = _course_config(course)
    if config is not None and "db_url" in config.CourseDirectory:
        return str(config.CourseDirectory.db_url)
    return f"sqlite:///{course / 'gradebook.db'}"


def open_gradebook(course: Path, db_url: str | None = None):
    """Open the course's gradebook with nbgrader's API, refusing to create a new one.

    Args:
        course: The course folder.
        db_url: The database; by default the one nbgrader_config.py names.

    Returns:
        An open `nbgrader.api.Gradebook`; close it, or use it in a `with` block.

    Raises:
        CourseError: If the course folder or its SQLite gradebook file does not exist.
    """
    course = Path(course)
    if not course.is_dir():
        raise CourseError(f"no course folder at {course}: pass the folder with nbgrader_config.py.")
    url = db_url or gradebook_url(course)
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        if not path.is_file():
            raise CourseError(
                f"no gradebook at {path}: autograde the class first "
                "(backprop-course autograde LESSON)."
            )
    config = _course_config(course)
    course_id = "default_course"
    if config is not None and "course_id" in config.CourseDirectory:
        course_id = str(config.CourseDirectory.course_id)
    return course_open_gradebook(url, course_id=course_id)


# ---------------------------------------------------------------------------------
# Diagnostics in the answer cell's auto_comment
# ---------------------------------------------------------------------------------


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


def _comment_text(diagnostics: list[Diagnostic]) -> str:
    """Render diagnostics as Markdown for feedback, with the data in an HTML comment."""
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


def _parse_comment(text: str | None) -> dict[str, Diagnostic]:
    """Read the diagnostics back from an auto_comment; {} for any other comment."""
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


def _as_diagnostic(grade_id: str, exercise: str, verdict: Any) -> Diagnostic:
    """Read a verdict-like record: `passed` if it has one, else score == max_score."""
    if hasattr(verdict, "passed"):
        passed = bool(verdict.passed)
    else:
        passed = float(verdict.score) >= float(verdict.max_score) > 0
    mistake = getattr(verdict, "mistake", None)
    return Diagnostic(grade_id=grade_id, exercise=exercise, passed=passed,
                      mistake=str(mistake) if mistake else None, message=str(verdict.message))


def save_verdicts(
    course: Path,
    lesson: str,
    student: str,
    verdicts: Mapping[str, Any] | Iterable[Any],
    *,
    notebook: str | None = None,
    gb: Any = None,
) -> None:
    """Store one submission's diagnostics in the gradebook; call it after writing the scores.

    Every answer cell's `auto_comment` of this submitted notebook is rewritten: cells whose
    test cells have a verdict get it, the others are cleared (None). So a re-grade that
    failed, saved with no verdicts, leaves no old diagnosis behind. Test cells with no
    solution cell above them have nowhere to keep a diagnosis and are skipped.

    Args:
        course: The course folder; the lesson's source notebook maps test cells to answers.
        lesson: The assignment, e.g. "01_chain_rule".
        student: The student id; the submission must already exist in the gradebook.
        verdicts: Either test-cell grade_id -> verdict, or records that carry their own
            `grade_id`. A verdict has `message` and `mistake` (None if no known mistake
            matched) and either `passed` (as `backprop.grading.Verdict`) or `score` and
            `max_score` (passed when they are equal).
        notebook: The notebook's name without ".ipynb"; the lesson's name by default.
        gb: An open `nbgrader.api.Gradebook` to write through (committed here); by default
            the course's gradebook is opened and closed again.

    Raises:
        CourseError: If the gradebook or the submission does not exist.
        ValueError: If a grade_id is not a test cell (or written answer, which is skipped)
            of the lesson's notebook.
    """
    from nbgrader.api import MissingEntry

    course = Path(course)
    name = notebook or lesson
    if isinstance(verdicts, Mapping):
        pairs = list(verdicts.items())
    else:
        pairs = [(v.grade_id, v) for v in verdicts]
    source = _source_notebook(course, lesson, notebook)
    cells = {c.grade_id: c for c in graded_cells(source)}
    # Written answers (manually graded answer cells) are a human's to comment on.
    written = {c.metadata["nbgrader"]["grade_id"] for c in source.cells
               if c.metadata.get("nbgrader", {}).get("grade")
               and c.metadata["nbgrader"].get("solution")}
    by_answer: dict[str, list[Diagnostic]] = {}
    for grade_id, verdict in pairs:
        cell = cells.get(grade_id)
        if cell is None and grade_id in written:
            continue
        if cell is None:
            raise ValueError(
                f"{lesson}/{name}.ipynb has no test cell {grade_id!r}: "
                f"its test cells are {', '.join(cells) or 'none'}."
            )
        if cell.answer_id is not None:
            by_answer.setdefault(cell.answer_id, []).append(
                _as_diagnostic(grade_id, cell.exercise, verdict))

    own = gb is None
    gb = open_gradebook(course) if own else gb
    try:
        try:
            submitted = gb.find_submission_notebook(name, lesson, student)
        except MissingEntry:
            raise CourseError(
                f"no submission of {lesson}/{name}.ipynb by {student!r} in the gradebook: "
                "add it (Gradebook.add_submission) before saving its verdicts."
            ) from None
        for comment in submitted.comments:
            diagnostics = by_answer.get(comment.name)
            comment.auto_comment = _comment_text(diagnostics) if diagnostics else None
        gb.db.commit()
    finally:
        if own:
            gb.close()


def load_verdicts(gb: Any, lesson: str) -> dict[str, dict[str, Diagnostic]]:
    """Read every submission's diagnostics of one assignment back from the gradebook.

    Args:
        gb: An open `nbgrader.api.Gradebook`.
        lesson: The assignment, e.g. "01_chain_rule".

    Returns:
        Student id -> test-cell grade_id -> `Diagnostic`; students without saved
        diagnostics are absent.
    """
    found: dict[str, dict[str, Diagnostic]] = {}
    for submission in gb.assignment_submissions(lesson):
        for submitted in submission.notebooks:
            for comment in submitted.comments:
                parsed = _parse_comment(comment.auto_comment)
                if parsed:
                    found.setdefault(submission.student.id, {}).update(parsed)
    return found


# ---------------------------------------------------------------------------------
# Rows and summary
# ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportRow:
    """One student's result on one test cell (a row of report.csv)."""

    student: str
    lesson: str
    exercise: str
    grade_id: str
    score: float
    max_score: float
    mistake: str | None
    message: str
    pending: bool = False  # a written answer that waits for a human: no score yet


@dataclass(frozen=True)
class SummaryRow:
    """The class's result on one test cell (a row of summary.csv)."""

    lesson: str
    exercise: str
    grade_id: str
    max_score: float
    students: int
    mean_score: float
    mean_fraction: float
    top_mistake: str | None
    top_mistake_count: int
    pending: int = 0  # written answers still to grade by hand (not in students or the mean)


def _check_assignment(gb: Any, lesson: str) -> Any:
    from nbgrader.api import MissingEntry

    try:
        return gb.find_assignment(lesson)
    except MissingEntry:
        known = sorted(a.name for a in gb.assignments)
        raise CourseError(
            f"no assignment {lesson!r} in the gradebook. Known: {', '.join(known) or 'none'}. "
            "Release and autograde it first."
        ) from None


def report_rows(gb: Any, course: Path, lesson: str) -> list[ReportRow]:
    """Collect one row per student and test cell of an assignment, from the gradebook.

    Students are sorted by id; test cells follow the source notebook's order (cells the
    notebook no longer has come last, by name).

    Raises:
        CourseError: If the assignment is unknown or nobody has a graded submission.
    """
    assignment = _check_assignment(gb, lesson)
    submissions = sorted(gb.assignment_submissions(lesson), key=lambda s: s.student.id)
    if not submissions:
        raise CourseError(
            f"the gradebook has no submission of {lesson}: collect the class's notebooks "
            f"into submitted/<student>/{lesson}/ and autograde them first."
        )
    diagnostics = load_verdicts(gb, lesson)
    rows: list[ReportRow] = []
    for submission in submissions:
        student = submission.student.id
        for submitted in sorted(submission.notebooks, key=lambda n: n.name):
            try:
                order = graded_cells(_source_notebook(Path(course), lesson, submitted.name))
            except CourseError:
                order = []
            position = {c.grade_id: i for i, c in enumerate(order)}
            names = {c.grade_id: c.exercise for c in order}
            grades = [g for g in submitted.grades if g.cell.type == "GradeCell"]
            grades.sort(key=lambda g: (position.get(g.name, len(position)), g.name))
            for grade in grades:
                d = diagnostics.get(student, {}).get(grade.name)
                # Neither a manual nor an automatic score (nbgrader's `score` then says 0):
                # a written answer waiting for a human.
                pending = grade.manual_score is None and grade.auto_score is None
                rows.append(ReportRow(
                    student=student, lesson=assignment.name,
                    exercise=names.get(grade.name, d.exercise if d else grade.name),
                    grade_id=grade.name, score=float(grade.score or 0.0),
                    max_score=float(grade.max_score or 0.0),
                    mistake=d.mistake if d else None,
                    message="needs manual grading" if pending else (d.message if d else ""),
                    pending=pending,
                ))
    return rows


def summarize(rows: Iterable[ReportRow]) -> list[SummaryRow]:
    """Summarise report rows per test cell, in the order the cells first appear.

    The most frequent known mistake breaks ties by name, so the summary is deterministic.
    """
    groups: dict[tuple[str, str], list[ReportRow]] = {}
    for row in rows:
        groups.setdefault((row.lesson, row.grade_id), []).append(row)
    summary = []
    for (lesson, grade_id), everyone in groups.items():
        max_score = max(r.max_score for r in everyone)
        group = [r for r in everyone if not r.pending]  # a pending answer has no score yet
        mean = sum(r.score for r in group) / len(group) if group else float("nan")
        counts = Counter(r.mistake for r in group if r.mistake)
        top = min(counts.items(), key=lambda kv: (-kv[1], kv[0])) if counts else None
        summary.append(SummaryRow(
            lesson=lesson, exercise=everyone[0].exercise, grade_id=grade_id,
            max_score=max_score, students=len(group), mean_score=mean,
            mean_fraction=mean / max_score if max_score else 0.0,
            top_mistake=top[0] if top else None, top_mistake_count=top[1] if top else 0,
            pending=len(everyone) - len(group),
        ))
    return summary


# ---------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------


def _num(x: float) -> str:
    """Format a score for CSV: 2 rather than 2.0, at most three decimals; "" for none yet."""
    return "" if math.isnan(x) else f"{round(x, 3):g}"


def _write_csv(path: Path, header: tuple[str, ...], rows: Iterable[Iterable[Any]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def _hardest_first(summary: list[SummaryRow]) -> list[SummaryRow]:
    # Stable: ties keep the notebook's order. Cells nobody has a score on yet go last.
    return sorted(summary, key=lambda s: (math.isnan(s.mean_fraction), s.mean_fraction))


def _plot(summary: list[SummaryRow], lesson: str, path: Path) -> None:
    """Draw the mean score fraction per test cell, hardest at the top, as a PNG."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure  # no pyplot: no GUI backend, no global state

    rows = _hardest_first(summary)
    fig = Figure(figsize=(8.0, 1.2 + 0.45 * len(rows)), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    labels = [s.exercise if s.exercise == s.grade_id else f"{s.exercise} ({s.grade_id})"
              for s in rows]
    y = range(len(rows))
    ax.barh(y, [0.0 if math.isnan(s.mean_fraction) else s.mean_fraction for s in rows],
            color="#4c72b0")
    ax.set_yticks(list(y), labels)
    ax.invert_yaxis()  # the hardest exercise on top
    ax.set_xlim(0, 1.6)
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1.0])
    ax.set_xlabel("mean score (fraction of the points)")
    n = max(s.students + s.pending for s in rows) if rows else 0
    ax.set_title(f"{lesson}: {n} student(s), hardest first")
    for i, s in enumerate(rows):
        graded = not math.isnan(s.mean_fraction)
        note = f"{s.mean_fraction:.0%}" if graded else "not graded yet"
        if s.top_mistake:
            note += f"  ·  {s.top_mistake} ×{s.top_mistake_count}"
        if s.pending:
            note += f"  ·  {s.pending} to grade by hand"
        ax.text((s.mean_fraction if graded else 0.0) + 0.02, i, note, va="center", fontsize=9)
    fig.savefig(path, dpi=100)


def _html(summary: list[SummaryRow], lesson: str, png: Path) -> str:
    image = base64.b64encode(png.read_bytes()).decode("ascii")
    head = "".join(f"<th>{html.escape(c)}</th>" for c in SUMMARY_COLUMNS)
    body = []
    for s in _hardest_first(summary):
        cells = [s.lesson, s.exercise, s.grade_id, _num(s.max_score), str(s.students),
                 _num(s.mean_score), _num(s.mean_fraction), s.top_mistake or "",
                 str(s.top_mistake_count), str(s.pending)]
        body.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in cells) + "</tr>")
    title = html.escape(f"{lesson}: which exercises the class found hard")
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\">"
        f"<title>{title}</title>\n<style>body{{font-family:sans-serif;margin:2em}}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px}"
        "</style></head>\n<body>\n"
        f"<h1>{title}</h1>\n<img alt=\"mean score per exercise, hardest first\" "
        f"src=\"data:image/png;base64,{image}\">\n"
        f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n" + "\n".join(body)
        + "\n</tbody>\n</table>\n</body>\n</html>\n"
    )


def write_report(
    course: Path,
    lesson: str,
    dest: Path | None = None,
    *,
    db_url: str | None = None,
    log: Callable[[str], None] = lambda msg: print(msg, flush=True),
) -> dict[str, Path]:
    """Write the class report of one lesson from the gradebook.

    Args:
        course: The course folder.
        lesson: The assignment, e.g. "01_chain_rule".
        dest: The folder for the files; `course/reports/<lesson>` by default.
        db_url: The gradebook; by default the one nbgrader_config.py names.
        log: Progress messages go here.

    Returns:
        "report.csv", "summary.csv", "summary.png", "summary.html" -> the written files.

    Raises:
        CourseError: If the course folder, the gradebook or the assignment is missing, or
            the assignment has no submission.
    """
    course = Path(course)
    with open_gradebook(course, db_url) as gb:
        rows = report_rows(gb, course, lesson)
    summary = summarize(rows)
    dest = Path(dest) if dest is not None else course / REPORTS / lesson
    dest.mkdir(parents=True, exist_ok=True)
    files = {name: dest / name for name in
             ("report.csv", "summary.csv", "summary.png", "summary.html")}
    _write_csv(files["report.csv"], REPORT_COLUMNS, (
        (r.student, r.lesson, r.exercise, r.grade_id, "" if r.pending else _num(r.score),
         _num(r.max_score), r.mistake or "", r.message) for r in rows))
    _write_csv(files["summary.csv"], SUMMARY_COLUMNS, (
        (s.lesson, s.exercise, s.grade_id, _num(s.max_score), s.students, _num(s.mean_score),
         _num(s.mean_fraction), s.top_mistake or "", s.top_mistake_count, s.pending)
        for s in summary))
    _plot(summary, lesson, files["summary.png"])
    files["summary.html"].write_text(_html(summary, lesson, files["summary.png"]),
                                     encoding="utf-8")
    students = len({r.student for r in rows})
    log(f"report of {lesson}: {students} student(s), {len(summary)} graded cell(s) -> {dest}")
    return files
