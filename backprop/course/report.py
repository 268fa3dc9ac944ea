"""The class report: scores per student and exercise, and which exercises the class found hard.

Read-only: the scores and the diagnoses behind them (which known mistake matched, and the
check's message) come from nbgrader's gradebook through `backprop.course.gradebook`, which
also says where the diagnoses are kept (`backprop.course.diagnostics`). Nothing here
writes the gradebook.

`write_report(course, lesson)` writes `reports/<lesson>/report.csv` (one row per student and
graded cell, with the answer's highest score in the similarity report and whose answer
that was, `backprop.course.similarity`; empty when submitted/ has no notebook to compare),
`summary.csv` (one row per graded cell: mean score, the most frequent known
mistake), and `summary.png` / `summary.html` (a bar chart of the mean score per exercise,
hardest first, annotated with that mistake).

Student code controls some of this text: a check's message quotes what a learner's
function raised or returned, and a stored diagnosis is only as trustworthy as the
gradebook. So every value in `summary.html` is HTML-escaped (attributes quoted), the
chart draws its labels as plain text (no mathtext), and in the CSVs every text column
(all but `NUMBER_COLUMNS`) that starts with `=`, `+`, `-`, `@`, a tab or a carriage
return gets a leading `'`, so that a spreadsheet shows it rather than running it as a
formula (OWASP's rule against CSV injection). Number columns are written as numbers.
"""

from __future__ import annotations

import base64
import csv
import html
import io
import math
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from backprop import _style
from backprop.course import gradebook
from backprop.course.folders import REPORTS, release_notebook, source_notebook
from backprop.course.notebooks import graded_cells

__all__ = [
    "ReportRow",
    "SummaryRow",
    "number_text",
    "report_rows",
    "spreadsheet_text",
    "summarize",
    "write_csv",
    "write_report",
]

REPORT_COLUMNS = ("student", "lesson", "exercise", "grade_id", "score", "max_score", "mistake",
                  "message", "similarity", "similar_to")
SUMMARY_COLUMNS = ("lesson", "exercise", "grade_id", "max_score", "students", "mean_score",
                   "mean_fraction", "top_mistake", "top_mistake_count", "pending_manual")
# The columns written as numbers; every other column is text, neutralised for spreadsheets.
NUMBER_COLUMNS = frozenset({"score", "max_score", "students", "mean_score", "mean_fraction",
                            "top_mistake_count", "pending_manual", "similarity"})
# What makes a spreadsheet read a cell as a formula (OWASP, "CSV Injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


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


def _cell_order(course: Path, lesson: str, notebook: str) -> tuple[dict[str, int], dict[str, str]]:
    """Each graded cell's position in the lesson's notebook, and what it checks."""
    for path in (source_notebook(course, lesson), release_notebook(course, lesson)):
        path = path.with_name(f"{notebook}.ipynb")
        if path.is_file():
            cells = graded_cells(nbformat.read(path, as_version=4))
            return ({c.grade_id: i for i, c in enumerate(cells)},
                    {c.grade_id: c.target for c in cells})
    return {}, {}


def report_rows(course: Path, lesson: str) -> list[ReportRow]:
    """Collect one row per student and graded cell of an assignment, from the gradebook.

    Students are sorted by id; cells follow the lesson notebook's order (cells the
    notebook no longer has come last, by name).

    Raises:
        CourseError: If the gradebook or the assignment is missing, or nobody has a graded
            submission.
    """
    course = Path(course)
    stored = gradebook.read_grades(course, lesson)
    orders = {name: _cell_order(course, lesson, name) for name in {g.notebook for g in stored}}
    rows: list[ReportRow] = []
    for g in sorted(stored, key=lambda g: (g.student, g.notebook, orders[g.notebook][0].get(
            g.grade_id, len(orders[g.notebook][0])), g.grade_id)):
        d = g.diagnostic
        rows.append(ReportRow(
            student=g.student, lesson=lesson,
            exercise=orders[g.notebook][1].get(g.grade_id, d.exercise if d else g.grade_id),
            grade_id=g.grade_id, score=g.score, max_score=g.max_score,
            mistake=d.mistake if d else None,
            message="needs manual grading" if g.pending else (d.message if d else ""),
            pending=g.pending,
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


def number_text(x: float) -> str:
    """Format a score for CSV: 2 rather than 2.0, at most three decimals; "" for none yet."""
    return "" if math.isnan(x) else f"{round(x, 3):g}"


def spreadsheet_text(text: str) -> str:
    """Neutralise a text field for spreadsheets: a leading `'` if it would start a formula.

    A field that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is what Excel,
    LibreOffice and Google Sheets run as a formula (`=HYPERLINK(...)`, `@SUM(...)`); with a
    `'` in front they show it as text. Anything else is returned unchanged.
    """
    return "'" + text if text.startswith(_FORMULA_START) else text


def write_csv(path: Path, header: tuple[str, ...], rows: Iterable[Iterable[Any]]) -> None:
    """Write a CSV; its text columns (all but `NUMBER_COLUMNS`) neutralised for spreadsheets.

    Rows end in LF. The writer is told CR LF so that it quotes every field holding a CR as
    well as a LF: told LF alone, it leaves a bare CR unquoted, and a message with one would
    end its row in a spreadsheet and could add rows of its own.
    """
    text = [column not in NUMBER_COLUMNS for column in header]
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    lines = []
    for row in [header, *rows]:
        fields = [spreadsheet_text(str(field)) if is_text else field
                  for field, is_text in zip(row, text, strict=True)]
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(fields)
        lines.append(buffer.getvalue().removesuffix("\r\n") + "\n")
    path.write_text("".join(lines), encoding="utf-8", newline="")


def _similar_columns(found: tuple[float, str] | None) -> tuple[str, str]:
    """report.csv's similarity and similar_to: the highest score and whose; empty if none."""
    return (number_text(found[0]), found[1]) if found else ("", "")


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
            color=_style.BLUE)
    # Labels and notes are plain text: a "$" in a stored name must not be parsed as mathtext.
    ax.set_yticks(list(y), labels, parse_math=False)
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
        ax.text((s.mean_fraction if graded else 0.0) + 0.02, i, note, va="center", fontsize=9,
                parse_math=False)
    fig.savefig(path, dpi=100)


def _html(summary: list[SummaryRow], lesson: str, png: Path) -> str:
    """The summary page: every interpolated value is escaped, the chart embedded as base64."""
    image = base64.b64encode(png.read_bytes()).decode("ascii")
    head = "".join(f"<th>{html.escape(c)}</th>" for c in SUMMARY_COLUMNS)
    body = []
    for s in _hardest_first(summary):
        cells = [s.lesson, s.exercise, s.grade_id, number_text(s.max_score), str(s.students),
                 number_text(s.mean_score), number_text(s.mean_fraction), s.top_mistake or "",
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
    log: Callable[[str], None] = lambda msg: print(msg, flush=True),
) -> dict[str, Path]:
    """Write the class report of one lesson from the gradebook.

    Args:
        course: The course folder.
        lesson: The assignment, e.g. "01_chain_rule".
        dest: The folder for the files; `course/reports/<lesson>` by default.
        log: Progress messages go here.

    Returns:
        "report.csv", "summary.csv", "summary.png", "summary.html" -> the written files.

    Raises:
        CourseError: If the course folder, the gradebook or the assignment is missing, or
            the assignment has no submission.
    """
    course = Path(course)
    rows = report_rows(course, lesson)
    summary = summarize(rows)
    dest = Path(dest) if dest is not None else course / REPORTS / lesson
    dest.mkdir(parents=True, exist_ok=True)
    files = {name: dest / name for name in
             ("report.csv", "summary.csv", "summary.png", "summary.html")}
    from backprop.course.similarity import best_matches  # it reads this module's CSV writer

    # Each answer's highest similarity score and with whom (empty without submissions):
    # `backprop-course similarity` shows the pairs side by side. No score depends on it.
    similar = best_matches(course, lesson)
    write_csv(files["report.csv"], REPORT_COLUMNS, (
        (r.student, r.lesson, r.exercise, r.grade_id, "" if r.pending else number_text(r.score),
         number_text(r.max_score), r.mistake or "", r.message,
         *_similar_columns(similar.get((r.student, r.grade_id)))) for r in rows))
    write_csv(files["summary.csv"], SUMMARY_COLUMNS, (
        (s.lesson, s.exercise, s.grade_id, number_text(s.max_score), s.students,
         number_text(s.mean_score), number_text(s.mean_fraction), s.top_mistake or "",
         s.top_mistake_count, s.pending)
        for s in summary))
    _plot(summary, lesson, files["summary.png"])
    files["summary.html"].write_text(_html(summary, lesson, files["summary.png"]),
                                     encoding="utf-8")
    students = len({r.student for r in rows})
    log(f"report of {lesson}: {students} student(s), {len(summary)} graded cell(s) -> {dest}")
    return files
