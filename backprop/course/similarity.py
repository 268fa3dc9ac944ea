"""The similarity report: which answers of a class look alike, for the instructor to read.

`compare(course, lesson)` fingerprints, for each exercise of the lesson, the answer cell of
every submission (`backprop.course.winnow`: names, comments and layout normalised, the
release's stub subtracted) and scores every pair of students, and every student against
the package's reference of the exercise (and its equivalents) and against the instructor's
solution (the answer cell of `solutions/LESSON/LESSON.ipynb`). `write_similarity` writes
`similarity-LESSON.html` (the pairs ranked, flagged ones first, with their answers side by
side and the shared lines marked) and `similarity-LESSON.csv` into `reports/LESSON/`.

The score of a pair is the share of the smaller answer's fingerprints that the other one
has (`winnow.containment`): a copy scores 1.0 even with code added around it. A pair is
flagged at `THRESHOLD` or above; an answer with fewer than `MIN_FINGERPRINTS` fingerprints
(after the stub is subtracted) is too short to tell a copy from the one obvious way to
write it, and is listed as such, never flagged. Both numbers were chosen on a synthetic
class (`bench/similarity.py`; docs/grading.md, "Similarity report", gives the figures).

Nothing here changes a grade or opens the gradebook: the instructor reads the pairs and
decides. Submissions are read only through `backprop.course.submissions` (no link is
followed, the size is capped), and only the answer cells of exercises are compared: quiz
answers (`q1 = "c"`) and written answers are not code to compare. Student text (cell
sources, student ids) reaches the page HTML-escaped and the CSV through
`report.write_csv`, neutralised for spreadsheets.
"""

from __future__ import annotations

import html
import inspect
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from backprop import grading
from backprop.course.folders import REPORTS, CourseError, release_notebook, source_notebook
from backprop.course.notebooks import grade_id, graded_cells
from backprop.course.report import number_text, write_csv
from backprop.course.submissions import SubmissionError, find_submissions, preflight
from backprop.course.winnow import (
    MIN_FINGERPRINTS,
    THRESHOLD,
    Fingerprints,
    containment,
    fingerprint,
)

__all__ = ["MIN_FINGERPRINTS", "THRESHOLD", "Answer", "AnswerCell", "Pair", "Similarity",
           "best_matches", "compare", "write_similarity"]

#: Pairs under the threshold listed after the flagged ones, highest first.
LISTED_BELOW = 30
#: Flagged pairs shown side by side (all are in the table and the CSV): a class that
#: shared one answer widely would otherwise make a page of many megabytes.
SHOWN_FLAGGED = 100
CSV_COLUMNS = ("student_a", "student_b", "exercise", "score", "flagged")
SOLUTION = "instructor's solution"


@dataclass(frozen=True)
class AnswerCell:
    """One exercise of the lesson: its test cell, its answer cell, and the stub handed out."""

    exercise: str
    grade_id: str
    answer_id: str
    stub: str


@dataclass(frozen=True)
class Answer:
    """One answer to an exercise: a student's, a reference's or the instructor's."""

    who: str  # the student id; or SOLUTION; or "reference (module.function)"
    kind: str  # "student", "reference" or "solution"
    source: str
    prints: Fingerprints


@dataclass(frozen=True)
class Pair:
    """Two answers to one exercise and their score (None: too short to compare)."""

    cell: AnswerCell
    a: Answer
    b: Answer
    score: float | None
    flagged: bool


@dataclass
class Similarity:
    """The comparison of one lesson's class.

    Attributes:
        lesson: The lesson.
        threshold: The score from which a pair is flagged.
        cells: The exercises compared.
        students: The students whose notebook was read.
        pairs: Every pair, flagged ones first, then by score, too-short ones last.
        unreadable: Student -> why their notebook could not be read.
        missing: (student, exercise) whose answer cell is not in the notebook.
    """

    lesson: str
    threshold: float
    cells: list[AnswerCell]
    students: list[str]
    pairs: list[Pair]
    unreadable: dict[str, str] = field(default_factory=dict)
    missing: list[tuple[str, str]] = field(default_factory=list)


def _cells_and_solutions(course: Path, lesson: str) -> tuple[list[AnswerCell], dict[str, str]]:
    """The lesson's exercises with their stubs, and the instructor's answer of each."""
    paths = source_notebook(course, lesson), release_notebook(course, lesson)
    for path, fix in zip(paths, ("check the lesson's name", "run `backprop-course release`"),
                         strict=True):
        if not path.is_file():
            raise CourseError(f"no notebook {path}: {fix}.")
    source, release = (nbformat.read(p, as_version=4) for p in paths)
    stubs = {grade_id(c): c.source for c in release.cells if c.cell_type == "code"}
    solutions = {grade_id(c): c.source for c in source.cells if c.cell_type == "code"}
    cells = [AnswerCell(g.target, g.grade_id, g.answer_id, stubs[g.answer_id])
             for g in graded_cells(source)
             if g.kind == "exercise" and g.answer_id in stubs and g.answer_id in solutions]
    return cells, {c.answer_id: solutions[c.answer_id] for c in cells}


def _references(cell: AnswerCell) -> list[Answer]:
    """The package's reference of the exercise and its equivalents, where their source is."""
    exercise = grading.REGISTRY.get(cell.exercise)
    if exercise is None:
        return []
    found = []
    for fn in (exercise.reference, *getattr(exercise, "equivalents", ())):
        try:
            source = inspect.getsource(fn)
        except (OSError, TypeError):  # made by a factory (lesson 1's Scalar): no source file
            continue
        name = f"{getattr(fn, '__module__', '?')}.{getattr(fn, '__qualname__', '?')}"
        source = textwrap.dedent(source)
        found.append(Answer(f"reference ({name})", "reference", source,
                            fingerprint(source, base=cell.stub)))
    return found


def _read_answers(course: Path, lesson: str, cells: list[AnswerCell]
                  ) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """Each student's answer cells (answer_id -> source), and why a notebook was not read."""
    from backprop.course.autograde import plan_lesson  # the plan preflight reads with

    plan = plan_lesson(course, lesson)
    wanted = {c.answer_id for c in cells}
    answers: dict[str, dict[str, str]] = {}
    unreadable: dict[str, str] = {}
    for sub in find_submissions(course, lesson):
        try:
            nb, _ = preflight(plan, sub.folder)
        except SubmissionError as err:
            unreadable[sub.student] = str(err)
            continue
        mine: dict[str, list[str]] = {}
        for c in nb.cells:  # a duplicated answer cell: both copies, in order, as they run
            if c.cell_type == "code" and grade_id(c) in wanted:
                mine.setdefault(grade_id(c), []).append(c.source)
        answers[sub.student] = {k: "\n".join(v) for k, v in mine.items()}
    return answers, unreadable


def _pair(cell: AnswerCell, a: Answer, b: Answer, threshold: float) -> Pair:
    if min(len(a.prints), len(b.prints)) < MIN_FINGERPRINTS:
        return Pair(cell, a, b, None, False)
    score = containment(a.prints, b.prints)
    return Pair(cell, a, b, score, score >= threshold)


def compare(course: Path, lesson: str, threshold: float = THRESHOLD) -> Similarity:
    """Score every pair of answers to each exercise of a lesson's class.

    Args:
        course: The course folder.
        lesson: The lesson, e.g. "01_chain_rule".
        threshold: The score from which a pair is flagged, between 0 and 1.

    Returns:
        The comparison; nothing is written.

    Raises:
        CourseError: If the lesson's notebooks or the submissions are missing.
        ValueError: If the threshold is not between 0 and 1.
    """
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must be between 0 and 1, got {threshold}")
    course = Path(course)
    cells, solutions = _cells_and_solutions(course, lesson)
    answers, unreadable = _read_answers(course, lesson, cells)
    students = sorted(answers)
    pairs: list[Pair] = []
    missing: list[tuple[str, str]] = []
    for cell in cells:
        mine = []
        for student in students:
            if cell.answer_id not in answers[student]:
                missing.append((student, cell.exercise))
                continue
            text = answers[student][cell.answer_id]
            mine.append(Answer(student, "student", text, fingerprint(text, base=cell.stub)))
        solution = solutions[cell.answer_id]
        others = [*_references(cell), Answer(SOLUTION, "solution", solution,
                                             fingerprint(solution, base=cell.stub))]
        for i, a in enumerate(mine):
            pairs += [_pair(cell, a, b, threshold) for b in mine[i + 1:] + others]
    order = {c.grade_id: i for i, c in enumerate(cells)}  # ties: in the notebook's order
    pairs.sort(key=lambda p: (not p.flagged, p.score is None, -(p.score or 0.0),
                              order[p.cell.grade_id], p.a.who, p.b.who))
    return Similarity(lesson, threshold, cells, students, pairs, unreadable, missing)


def best_matches(course: Path, lesson: str) -> dict[tuple[str, str], tuple[float, str]]:
    """Each student's highest score per exercise, and against whom, for the class report.

    Returns:
        (student, test cell's grade_id) -> (score, the other answer's label); empty when
        the lesson has no submissions or notebooks to compare (the report stays whole).
    """
    try:
        result = compare(course, lesson)
    except CourseError:
        return {}
    best: dict[tuple[str, str], tuple[float, bool, str]] = {}
    for p in result.pairs:
        if p.score is None:
            continue
        for me, other in ((p.a, p.b), (p.b, p.a)):
            # On a tie, another student is named before a reference: the likelier source.
            found = (p.score, other.kind == "student", other.who)
            key = (me.who, p.cell.grade_id)
            if me.kind == "student" and found[:2] > best.get(key, (-1.0, False, ""))[:2]:
                best[key] = found
    return {key: (score, who) for key, (score, _, who) in best.items()}


# ---------------------------------------------------------------------------------
# The page and the CSV
# ---------------------------------------------------------------------------------

_STYLE = ("body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
          "td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top}"
          "pre{margin:0;font-size:90%}mark{background:#ffe08a}.n{color:#888}"
          "tr.flag td{background:#fff3f0}")


def _code(answer: Answer, shared: set[int]) -> str:
    """An answer's lines, numbered, the ones shared with the other answer marked."""
    lines = []
    for number, line in enumerate(answer.source.splitlines(), start=1):
        text = f"<span class=\"n\">{number:3d}</span> {html.escape(line)}"
        lines.append(f"<mark>{text}</mark>" if number in shared else text)
    return "<pre>" + "\n".join(lines) + "</pre>"


def _side_by_side(p: Pair) -> str:
    a_lines, b_lines = p.a.prints.lines_shared_with(p.b.prints), p.b.prints.lines_shared_with(
        p.a.prints)
    return ("<table><tr>" + "".join(f"<th>{html.escape(x.who)}</th>" for x in (p.a, p.b))
            + f"</tr><tr><td>{_code(p.a, a_lines)}</td><td>{_code(p.b, b_lines)}</td></tr>"
            "</table>")


def _title(p: Pair) -> str:
    score = "too short to compare" if p.score is None else f"{p.score:.2f}"
    return html.escape(f"{p.cell.exercise} ({p.cell.grade_id}): {p.a.who} ↔ {p.b.who}  {score}")


def _page(result: Similarity) -> str:
    """The ranked pairs, flagged ones open, the next ones folded; every value escaped."""
    flagged = [p for p in result.pairs if p.flagged]
    below = [p for p in result.pairs if not p.flagged and p.score is not None][:LISTED_BELOW]
    short: dict[str, list[str]] = {}
    for p in result.pairs:
        if p.score is None and p.b.kind == "solution":  # each short answer once
            short.setdefault(p.cell.exercise, []).append(p.a.who)
    title = html.escape(f"{result.lesson}: similar answers ({len(result.students)} students)")
    parts = [f"<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><title>"
             f"{title}</title>\n<style>{_STYLE}</style></head>\n<body>\n<h1>{title}</h1>\n",
             "<p>Each score is the share of the smaller answer's fingerprints (winnowed "
             "7-token runs, after names, comments and layout are normalised and the "
             "handed-out stub is left out) found in the other answer. "
             f"Pairs from {result.threshold:g} on are flagged. This page changes no grade: "
             "read the answers and decide.</p>\n"]
    rows = "".join(
        "<tr class=\"flag\"><td>"
        + (f"<a href=\"#pair-{i}\">{i}</a>" if i <= SHOWN_FLAGGED else str(i)) + "</td>"
        f"<td>{html.escape(p.cell.exercise)}</td><td>{html.escape(p.a.who)}</td>"
        f"<td>{html.escape(p.b.who)}</td><td>{p.score or 0.0:.2f}</td></tr>\n"
        for i, p in enumerate(flagged, start=1))
    parts.append(f"<h2>Flagged: {len(flagged)} pair(s)</h2>\n<table><thead><tr><th>#</th>"
                 "<th>exercise</th><th>answer</th><th>compared with</th><th>score</th></tr>"
                 f"</thead><tbody>\n{rows}</tbody></table>\n")
    parts += [f"<h3 id=\"pair-{i}\">{i}. {_title(p)}</h3>\n{_side_by_side(p)}\n"
              for i, p in enumerate(flagged[:SHOWN_FLAGGED], start=1)]
    if len(flagged) > SHOWN_FLAGGED:
        parts.append(f"<p>The other {len(flagged) - SHOWN_FLAGGED} flagged pairs are in the "
                     "table above and in the CSV.</p>\n")
    parts.append(f"<h2>Below {result.threshold:g}: the {len(below)} highest</h2>\n")
    parts += [f"<details><summary>{_title(p)}</summary>\n{_side_by_side(p)}\n</details>\n"
              for p in below]
    parts.append(f"<h2>Too short to compare (fewer than {MIN_FINGERPRINTS} fingerprints)"
                 "</h2>\n<ul>\n" + "".join(
                     f"<li>{html.escape(ex)}: {html.escape(', '.join(who))}</li>\n"
                     for ex, who in short.items()) + "</ul>\n")
    if result.unreadable or result.missing:
        parts.append("<h2>Not compared</h2>\n<ul>\n" + "".join(
            f"<li>{html.escape(s)}: {html.escape(why)}</li>\n"
            for s, why in sorted(result.unreadable.items())) + "".join(
            f"<li>{html.escape(s)}: no answer cell for {html.escape(ex)}</li>\n"
            for s, ex in result.missing) + "</ul>\n")
    parts.append("</body>\n</html>\n")
    return "".join(parts)


def write_similarity(
    course: Path,
    lesson: str,
    dest: Path | None = None,
    *,
    threshold: float = THRESHOLD,
    log: Callable[[str], None] = lambda msg: print(msg, flush=True),
) -> tuple[Similarity, dict[str, Path]]:
    """Compare a lesson's class and write the page and the CSV of its pairs.

    Args:
        course: The course folder.
        lesson: The lesson, e.g. "01_chain_rule".
        dest: The folder for the files; `course/reports/<lesson>` by default.
        threshold: The score from which a pair is flagged.
        log: Progress messages go here.

    Returns:
        The comparison, and "html", "csv" -> the written files.

    Raises:
        CourseError: If the lesson's notebooks or the submissions are missing.
    """
    course = Path(course)
    result = compare(course, lesson, threshold)
    dest = Path(dest) if dest is not None else course / REPORTS / lesson
    dest.mkdir(parents=True, exist_ok=True)
    files = {"html": dest / f"similarity-{lesson}.html", "csv": dest / f"similarity-{lesson}.csv"}
    files["html"].write_text(_page(result), encoding="utf-8")
    write_csv(files["csv"], CSV_COLUMNS, (
        (p.a.who, p.b.who, p.cell.exercise, "" if p.score is None else number_text(p.score),
         "too short" if p.score is None else ("yes" if p.flagged else "no"))
        for p in result.pairs))
    flagged = [p for p in result.pairs if p.flagged]
    log(f"similarity of {lesson}: {len(result.students)} notebook(s), {len(result.cells)} "
        f"exercise(s), {len(result.pairs)} pair(s); {len(flagged)} at {threshold:g} or above"
        + (f", {len(result.unreadable)} notebook(s) not read" if result.unreadable else ""))
    for p in flagged[:10]:
        log(f"  {p.cell.grade_id} {p.cell.exercise}: {p.a.who} ↔ {p.b.who} {p.score:.2f}")
    if len(flagged) > 10:
        log(f"  ... and {len(flagged) - 10} more on the page")
    return result, files
