"""The one door to nbgrader's gradebook and to the nbgrader apps that use it.

Every command reaches nbgrader's database through this module, and only through it (an
import-linter contract in pyproject.toml keeps it so). Where the gradebook is, and which
course it belongs to, is read from the course's own `nbgrader_config.py`
(`CourseDirectory.db_url` and `CourseDirectory.course_id`), exactly as nbgrader's own
commands read it; a course without them gets `sqlite:///COURSE/gradebook.db`.

- `open_gradebook(course)`: nbgrader's `Gradebook` API, for reading and writing.
- `nbgrader_api(course)`: nbgrader's `NbGraderAPI` (generate_assignment, generate_feedback),
  configured by the same file.
- `record_submission(...)`: one graded submission's scores and diagnoses, written in one
  transaction of one open gradebook.
- `read_grades(course, lesson)`: what the report reads, as plain records.
- `save_verdicts` / `load_verdicts`: the diagnoses alone (see `backprop.course.diagnostics`).
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

from backprop.course.diagnostics import Diagnostic, comment_text, parse_comment
from backprop.course.folders import CONFIG_FILE, EXCHANGE, CourseError, release_notebook
from backprop.course.folders import source_notebook as source_path
from backprop.course.notebooks import GradedCell, graded_cells

__all__ = [
    "CellScore",
    "StoredGrade",
    "course_config",
    "course_id",
    "db_url",
    "lesson_cells",
    "load_verdicts",
    "nbgrader_api",
    "open_gradebook",
    "read_grades",
    "record_submission",
    "save_verdicts",
]

DEFAULT_FILE = "gradebook.db"  # where a course without a db_url keeps its gradebook
DEFAULT_COURSE_ID = "default_course"  # nbgrader's own default


# ---------------------------------------------------------------------------------
# Where the gradebook is: the course's nbgrader_config.py
# ---------------------------------------------------------------------------------


def course_config(course: Path) -> Any:
    """Load the course's nbgrader_config.py as nbgrader does (an empty config if there is none).

    Returns:
        A `traitlets.config.Config`.
    """
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    if not (Path(course) / CONFIG_FILE).is_file():
        return Config()
    return PyFileConfigLoader(CONFIG_FILE, path=str(course)).load_config()


def db_url(course: Path) -> str:
    """The gradebook's database URL: nbgrader_config.py's db_url, else COURSE/gradebook.db."""
    config = course_config(course)
    if "db_url" in config.CourseDirectory:
        return str(config.CourseDirectory.db_url)
    return f"sqlite:///{Path(course).resolve() / DEFAULT_FILE}"


def course_id(course: Path) -> str:
    """The course id nbgrader_config.py gives (nbgrader's 'default_course' if none)."""
    config = course_config(course)
    if "course_id" in config.CourseDirectory:
        return str(config.CourseDirectory.course_id)
    return DEFAULT_COURSE_ID


def _put_python_on_path() -> None:
    """Let nbgrader find the `alembic` command of this Python's environment.

    nbgrader runs `alembic` through PATH when it opens a gradebook, which fails in a
    virtual environment that was used without being activated (`.venv/bin/python ...`).
    """
    bin_dir = str(Path(sys.executable).parent)
    path = os.environ.get("PATH", "")
    if bin_dir not in path.split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + path


@contextmanager
def open_gradebook(course: Path, *, create: bool = False) -> Iterator[Any]:
    """Open the course's gradebook with nbgrader's API, and close it at the end of the block.

    Args:
        course: The course folder.
        create: Create an SQLite gradebook that does not exist yet (autograde does); by
            default a missing one is an error, so that reading never leaves an empty file.

    Yields:
        An open `nbgrader.api.Gradebook`.

    Raises:
        CourseError: If the course folder, or (without `create`) its SQLite file, is missing.
    """
    from nbgrader.api import Gradebook

    course = Path(course)
    if not course.is_dir():
        raise CourseError(f"no course folder at {course}: pass the folder with {CONFIG_FILE}.")
    url = db_url(course)
    if url.startswith("sqlite:///") and not create:
        path = Path(url.removeprefix("sqlite:///"))
        if not path.is_file():
            raise CourseError(f"no gradebook at {path}: autograde the class first "
                              "(backprop-course autograde LESSON).")
    _put_python_on_path()
    # nbgrader's own add_submission triggers SQLAlchemy's "not in session" warnings; they
    # are harmless and would bury the progress lines.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*not in session.*")
        with Gradebook(url, course_id=course_id(course)) as gb:
            yield gb


def nbgrader_api(course: Path, *, root: Path | None = None, db: str | None = None) -> Any:
    """An `NbGraderAPI` configured by the course's nbgrader_config.py.

    Args:
        course: The course folder whose configuration applies.
        root: Run nbgrader on this folder instead (a temporary copy of the course).
        db: Use this database URL instead of the course's db_url (a temporary gradebook).
    """
    from nbgrader.apps import NbGraderAPI  # heavy: only when a command needs it

    _put_python_on_path()
    config = course_config(course)
    root = Path(root or course)
    config.CourseDirectory.root = str(root)
    config.CourseDirectory.db_url = db or db_url(course)
    if "root" not in config.Exchange:  # nbgrader's default exchange is not writable
        config.Exchange.root = str(root / EXCHANGE)
    return NbGraderAPI(config=config)


# ---------------------------------------------------------------------------------
# Writing a graded submission
# ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CellScore:
    """The score of one graded cell and what the learner is told: what autograde stores.

    Attributes:
        grade_id: The graded cell.
        score: Points earned (0 for a written answer waiting for a human).
        max_score: Points available.
        message: The check's message (the ✓ line, or why it failed).
        mistake: The known mistake that matched, if any.
        manual: A written answer for a human to grade: stored with no automatic score.
    """

    grade_id: str
    score: float
    max_score: float
    message: str
    mistake: str | None = None
    manual: bool = False


def lesson_cells(course: Path, lesson: str) -> set[tuple[str, float]] | None:
    """The graded cells and points the gradebook holds for a lesson, or None if it has none."""
    from nbgrader.api import MissingEntry

    url = db_url(course)
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).is_file():
        return None
    with open_gradebook(course) as gb:
        try:
            notebook = gb.find_notebook(lesson, lesson)
        except MissingEntry:
            return None
        return {(g.name, float(g.max_score)) for g in notebook.grade_cells}


def record_submission(course: Path, lesson: str, student: str,
                      scores: Sequence[CellScore]) -> None:
    """Store one submission's scores and diagnoses, replacing any earlier ones, in one go.

    Raises:
        CourseError: If the lesson's source notebook is missing.
        ValueError: If a score names a cell the lesson does not have.
    """
    cells = _cells(course, lesson, None)
    unknown = [s.grade_id for s in scores if s.grade_id not in {c.grade_id for c in cells}]
    if unknown:
        raise ValueError(f"{lesson}/{lesson}.ipynb has no test cell {unknown[0]!r}: its graded "
                         f"cells are {', '.join(c.grade_id for c in cells) or 'none'}.")
    with open_gradebook(course, create=True) as gb:
        gb.update_or_create_student(student)
        gb.update_or_create_submission(lesson, student)
        for score in scores:
            grade = gb.find_grade(score.grade_id, lesson, lesson, student)
            # A written answer waiting for a human has no automatic score, as in nbgrader.
            grade.auto_score = None if score.manual else score.score
            grade.needs_manual_grade = score.manual
            # A re-grade starts from nothing: an earlier manual score must not outlive it.
            grade.manual_score = None
        _write_diagnostics(gb, lesson, lesson, student, cells, [(s.grade_id, s) for s in scores])
        gb.db.commit()


def _cells(course: Path, lesson: str, notebook: str | None) -> list[GradedCell]:
    """The graded cells of the lesson's source notebook (its release when the source is gone)."""
    name = notebook or lesson
    for path in (source_path(course, lesson).with_name(f"{name}.ipynb"),
                 release_notebook(course, lesson).with_name(f"{name}.ipynb")):
        if path.is_file():
            return graded_cells(nbformat.read(path, as_version=4))
    raise CourseError(f"no notebook {name}.ipynb in {source_path(course, lesson).parent} or "
                      f"{release_notebook(course, lesson).parent}: the lesson's notebook tells "
                      "which cells are graded.")


def _diagnostic(cell: GradedCell, verdict: Any) -> Diagnostic:
    """Read a verdict-like record: `passed` if it has one, else score == max_score."""
    if hasattr(verdict, "passed"):
        passed = bool(verdict.passed)
    else:
        passed = float(verdict.score) >= float(verdict.max_score) > 0
    mistake = getattr(verdict, "mistake", None)
    return Diagnostic(grade_id=cell.grade_id, exercise=cell.target, passed=passed,
                      mistake=str(mistake) if mistake else None, message=str(verdict.message))


def _write_diagnostics(gb: Any, lesson: str, notebook: str, student: str,
                       cells: list[GradedCell], verdicts: list[tuple[str, Any]]) -> None:
    """Rewrite every answer cell's auto_comment of one submitted notebook (no commit)."""
    from nbgrader.api import MissingEntry

    tests = {c.grade_id: c for c in cells if c.is_test}
    written = {c.grade_id for c in cells if not c.is_test}
    by_answer: dict[str, list[Diagnostic]] = {}
    for grade_id, verdict in verdicts:
        cell = tests.get(grade_id)
        if cell is None and grade_id in written:
            continue  # a written answer is a human's to comment on
        if cell is None:
            raise ValueError(f"{lesson}/{notebook}.ipynb has no test cell {grade_id!r}: its "
                             f"test cells are {', '.join(tests) or 'none'}.")
        if cell.answer_id is not None:
            by_answer.setdefault(cell.answer_id, []).append(_diagnostic(cell, verdict))
    try:
        submitted = gb.find_submission_notebook(notebook, lesson, student)
    except MissingEntry:
        raise CourseError(
            f"no submission of {lesson}/{notebook}.ipynb by {student!r} in the gradebook: "
            "add it (Gradebook.add_submission) before saving its verdicts."
        ) from None
    for comment in submitted.comments:
        diagnostics = by_answer.get(comment.name)
        comment.auto_comment = comment_text(diagnostics) if diagnostics else None


def save_verdicts(
    course: Path,
    lesson: str,
    student: str,
    verdicts: Mapping[str, Any] | Iterable[Any],
    *,
    notebook: str | None = None,
) -> None:
    """Store one submission's diagnoses in the gradebook (its scores are left as they are).

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

    Raises:
        CourseError: If the gradebook or the submission does not exist.
        ValueError: If a grade_id is not a test cell (or written answer, which is skipped)
            of the lesson's notebook.
    """
    name = notebook or lesson
    pairs = (list(verdicts.items()) if isinstance(verdicts, Mapping)
             else [(v.grade_id, v) for v in verdicts])
    cells = _cells(Path(course), lesson, notebook)
    with open_gradebook(course) as gb:
        _write_diagnostics(gb, lesson, name, student, cells, pairs)
        gb.db.commit()


def load_verdicts(gb: Any, lesson: str) -> dict[str, dict[str, Diagnostic]]:
    """Read every submission's diagnoses of one assignment back from an open gradebook.

    Returns:
        Student id -> test-cell grade_id -> `Diagnostic`; students without saved
        diagnoses are absent.
    """
    found: dict[str, dict[str, Diagnostic]] = {}
    for submission in gb.assignment_submissions(lesson):
        for submitted in submission.notebooks:
            for comment in submitted.comments:
                parsed = parse_comment(comment.auto_comment)
                if parsed:
                    found.setdefault(submission.student.id, {}).update(parsed)
    return found


# ---------------------------------------------------------------------------------
# Reading a lesson's grades (for the report)
# ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredGrade:
    """One graded cell of one student's submitted notebook, as the gradebook holds it.

    Attributes:
        student: The student id.
        notebook: The notebook's name (the lesson's, in this course).
        grade_id: The graded cell.
        score: nbgrader's score (the manual score if a human gave one, else the automatic).
        max_score: Its points.
        pending: Neither an automatic nor a manual score yet: a written answer waiting for
            a human.
        diagnostic: The stored diagnosis of a test cell, or None.
    """

    student: str
    notebook: str
    grade_id: str
    score: float
    max_score: float
    pending: bool
    diagnostic: Diagnostic | None


def read_grades(course: Path, lesson: str) -> list[StoredGrade]:
    """Every stored grade of one assignment, students sorted by id, read-only.

    Raises:
        CourseError: If the gradebook or the assignment is missing, or nobody has a
            graded submission.
    """
    from nbgrader.api import MissingEntry

    with open_gradebook(course) as gb:
        try:
            gb.find_assignment(lesson)
        except MissingEntry:
            known = sorted(a.name for a in gb.assignments)
            raise CourseError(
                f"no assignment {lesson!r} in the gradebook. Known: "
                f"{', '.join(known) or 'none'}. Release and autograde it first.") from None
        submissions = sorted(gb.assignment_submissions(lesson), key=lambda s: s.student.id)
        if not submissions:
            raise CourseError(
                f"the gradebook has no submission of {lesson}: collect the class's notebooks "
                f"into submitted/<student>/{lesson}/ and autograde them first.")
        diagnostics = load_verdicts(gb, lesson)
        found = []
        for submission in submissions:
            student = submission.student.id
            for submitted in sorted(submission.notebooks, key=lambda n: n.name):
                for grade in submitted.grades:
                    if grade.cell.type != "GradeCell":
                        continue
                    found.append(StoredGrade(
                        student=student, notebook=submitted.name, grade_id=grade.name,
                        score=float(grade.score or 0.0), max_score=float(grade.max_score or 0),
                        pending=grade.manual_score is None and grade.auto_score is None,
                        diagnostic=diagnostics.get(student, {}).get(grade.name)))
        return found
