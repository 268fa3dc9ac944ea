"""Grade a class's submissions in a sandbox, with the scores decided outside student code.

Bare nbgrader runs a student's notebook and its test cells in one kernel, as the
instructor, inside the course folder: student code can patch the checks, read the
solutions or rewrite the gradebook. Here, for each submission:

1. (trusted, this process) `preflight` reads the notebook with a size cap, upgrades an old
   nbformat, and puts the release's version back into every locked cell (tests, setup),
   dropping the student's edits there. The inputs of every exercise of the lesson, visible
   and hidden, are generated from the registry in `backprop.grading` and written as plain
   data with `backprop.wire`.
2. (untrusted, `backprop.sandbox`) the notebook runs inside bubblewrap: no network, no view
   of `solutions/`, the gradebook or other submissions, limits on time, memory, processes,
   files and output. In the same kernel, the student's functions are called on those
   inputs, and what they return is written back as plain data (JSON + npz, never pickle).
3. (trusted, this process) `grading.judge` compares those values with the reference on the
   grader's own inputs, and quiz answers are compared with the answers in the source
   notebook's hidden tests. Scores go to nbgrader's gradebook through its API; the
   messages go into an autograded notebook, from which nbgrader's `generate_feedback`
   builds the feedback.

Whatever student code does inside its kernel (patching numpy or `backprop`, IPython hooks,
exiting early) can only change the values it hands back, and a wrong value earns nothing.
A submission that can't be graded gets 0 on every cell and says why; the others go on.
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import os
import shutil
import stat
import tempfile
import threading
import time
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode

from backprop import course, grading, wire
from backprop.quiz import check_choice
from backprop.sandbox import JobResult, Limits, run_job

__all__ = [
    "CellScore",
    "GradedCell",
    "LessonPlan",
    "SubmissionError",
    "SubmissionResult",
    "autograde",
    "find_submissions",
    "plan_lesson",
]

MAX_NOTEBOOK_BYTES = 20 * 2**20  # a lesson with its outputs is < 2 MB; 20 MB is plenty
MAX_RESULTS_BYTES = 64 * 2**20
SUBMITTED, AUTOGRADED = "submitted", "autograded"


class SubmissionError(ValueError):
    """A submission can't be graded (unreadable, wrong file, ...); the message says why."""


# ---------------------------------------------------------------------------------
# What a lesson grades: parsed from its source notebook
# ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class GradedCell:
    """One graded test cell of the source notebook and how to score it outside the kernel.

    Attributes:
        grade_id: nbgrader's id of the test cell.
        points: Its maximum score.
        kind: "exercise" (a `check("id", fn)` cell), "quiz" (a `check_choice` cell), or
            "manual" (anything else: never scored automatically).
        target: The exercise id, or the quiz variable's name.
        function: The learner's function name (exercises).
        answer, choices, reread: The quiz's right letter, allowed letters and the section
            to reread.
    """

    grade_id: str
    points: float
    kind: str
    target: str = ""
    function: str = ""
    answer: str = ""
    choices: str = "abcd"
    reread: str = ""


@dataclass
class LessonPlan:
    """A lesson's graded cells, its release notebook and the ids of its locked cells."""

    lesson: str
    release: NotebookNode
    cells: list[GradedCell]
    locked: dict[str, NotebookNode] = field(default_factory=dict)

    @property
    def graded_ids(self) -> set[str]:
        """The grade_ids of the graded cells."""
        return {c.grade_id for c in self.cells}

    @property
    def exercises(self) -> list[GradedCell]:
        """The cells that check a learner's function."""
        return [c for c in self.cells if c.kind == "exercise"]

    @property
    def quizzes(self) -> list[GradedCell]:
        """The multiple-choice cells."""
        return [c for c in self.cells if c.kind == "quiz"]


def _parse_graded_cell(grade_id: str, points: float, source: str) -> GradedCell:
    """Recognise the two test-cell shapes of this course; anything else is graded by hand."""
    call = course.parse_test_cell(source)
    if call is not None and call.kind == "exercise" and call.target in grading.REGISTRY:
        return GradedCell(grade_id, points, "exercise", call.target, call.variable)
    if call is not None and call.kind == "quiz" and call.answer is not None:
        return GradedCell(grade_id, points, "quiz", call.target, answer=call.answer,
                          choices=call.choices, reread=call.reread)
    return GradedCell(grade_id, points, "manual")


def plan_lesson(root: Path, lesson: str) -> LessonPlan:
    """Read a lesson's source and release notebooks and list what it grades.

    Raises:
        course.CourseError: If the lesson has no source or release notebook.
    """
    source_path = root / course.SOURCE / lesson / f"{lesson}.ipynb"
    release_path = root / course.RELEASE / lesson / f"{lesson}.ipynb"
    for path, fix in ((source_path, "check the lesson's name"),
                      (release_path, "run `backprop-course release` first")):
        if not path.is_file():
            raise course.CourseError(f"no notebook {path}: {fix}.")
    source = nbformat.read(source_path, as_version=4)
    release = nbformat.read(release_path, as_version=4)
    cells = []
    for cell in source.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade") and cell.cell_type == "code" and not meta.get("solution"):
            cells.append(_parse_graded_cell(meta["grade_id"], float(meta.get("points", 0)),
                                            cell.source))
        elif meta.get("grade"):  # a manually graded answer cell (markdown or code)
            cells.append(GradedCell(meta["grade_id"], float(meta.get("points", 0)), "manual"))
    locked = {c.metadata["nbgrader"]["grade_id"]: c for c in release.cells
              if c.metadata.get("nbgrader", {}).get("locked")
              and c.metadata["nbgrader"].get("grade_id")}
    return LessonPlan(lesson, release, cells, locked)


# ---------------------------------------------------------------------------------
# Finding and reading submissions
# ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Submission:
    student: str
    lesson: str
    folder: Path


def find_submissions(root: Path, lesson: str | None = None,
                     student: str | None = None) -> list[Submission]:
    """List `submitted/<student>/<lesson>/` folders, optionally for one lesson or student.

    Raises:
        course.CourseError: If there is no submitted/ folder, or nothing matches.
    """
    base = root / SUBMITTED
    if not base.is_dir():
        raise course.CourseError(
            f"no {base}: collect the submissions first (nbgrader collect, or copy them to "
            f"{SUBMITTED}/<student>/<lesson>/<lesson>.ipynb).")
    lessons = course.lesson_ids(root)
    if lesson is not None and lesson not in lessons:
        raise course.CourseError(f"no such lesson {lesson!r}; available: {', '.join(lessons)}.")
    found = []
    for student_dir in sorted(p for p in base.iterdir() if p.is_dir()):
        if student is not None and student_dir.name != student:
            continue
        for lesson_dir in sorted(p for p in student_dir.iterdir() if p.is_dir()):
            if lesson_dir.name in lessons and lesson in (None, lesson_dir.name):
                found.append(Submission(student_dir.name, lesson_dir.name, lesson_dir))
    if not found:
        who = f" from {student}" if student else ""
        what = f" of {lesson}" if lesson else ""
        raise course.CourseError(f"no submissions{what}{who} in {base}.")
    return found


def preflight(plan: LessonPlan, folder: Path) -> tuple[NotebookNode, list[str]]:
    """Read a submitted notebook safely and restore the lesson's locked cells.

    Returns:
        The notebook to run, and notes for the learner (e.g. "an extra notebook was ignored").

    Raises:
        SubmissionError: When the notebook is missing, too large or unreadable.
    """
    notes = []
    expected = folder / f"{plan.lesson}.ipynb"
    others = sorted(p.name for p in folder.glob("*.ipynb") if p != expected)
    if not expected.is_file():
        found = f" Found: {', '.join(others)}." if others else ""
        raise SubmissionError(f"the submission has no {expected.name}.{found} Submit the "
                              "lesson's notebook under its own name.")
    if others:
        notes.append(f"Only {expected.name} is graded; ignored: {', '.join(others)}.")
    size = expected.stat().st_size
    if size > MAX_NOTEBOOK_BYTES:
        raise SubmissionError(f"{expected.name} is {size / 2**20:.0f} MB, over the "
                              f"{MAX_NOTEBOOK_BYTES // 2**20} MB limit: clear the outputs "
                              "(Edit → Clear Outputs of All Cells) and submit again.")
    try:
        with warnings.catch_warnings():  # missing cell ids: nbformat warns, preflight fixes
            warnings.simplefilter("ignore")
            nb = nbformat.reads(expected.read_text(encoding="utf-8"), as_version=4)
    except (UnicodeDecodeError, json.JSONDecodeError, nbformat.reader.NotJSONError) as err:
        raise SubmissionError(f"{expected.name} is not a readable notebook ({err}).") from None
    except Exception as err:  # nbformat raises a variety of errors on broken files
        raise SubmissionError(f"{expected.name} could not be read as a notebook: "
                              f"{type(err).__name__}: {err}") from None
    if not isinstance(nb.get("cells"), list):
        raise SubmissionError(f"{expected.name} has no list of cells.")
    cells, seen = [], set()
    for cell in nb.cells:
        if not isinstance(cell, dict) or cell.get("cell_type") not in ("code", "markdown", "raw"):
            continue
        meta = cell.get("metadata", {}).get("nbgrader", {}) if isinstance(
            cell.get("metadata"), dict) else {}
        grade_id = meta.get("grade_id") if isinstance(meta, dict) else None
        if grade_id in plan.locked:
            # A locked cell (a test, the setup) runs as released, whatever was submitted.
            if grade_id in seen:
                notes.append(f"Cell {grade_id} appears twice; the copy was ignored.")
                continue
            locked = copy.deepcopy(plan.locked[grade_id])
            if grade_id in plan.graded_ids:
                # A test cell only repeats, for the learner, what the grader checks outside;
                # running it in the sandbox would cost a looping function its timeout twice.
                locked.source = "# checked by the grader, outside this notebook"
            cells.append(locked)
        else:
            source = cell.get("source", "")
            source = "".join(source) if isinstance(source, list) else str(source)
            if grade_id is not None and grade_id in seen:
                notes.append(f"Cell {grade_id} appears twice; both copies run, in order.")
            new = (nbformat.v4.new_code_cell(source) if cell["cell_type"] == "code"
                   else nbformat.v4.new_markdown_cell(source))
            if isinstance(meta, dict) and meta:
                new.metadata["nbgrader"] = dict(meta)
            cells.append(new)
        if grade_id is not None:
            seen.add(grade_id)
    missing = [g for g in plan.locked if g not in seen]
    if missing:
        notes.append(f"Cells deleted from the notebook were not restored: {', '.join(missing)}; "
                     "their exercises are still graded from your functions.")
    clean = nbformat.v4.new_notebook(cells=cells)
    clean.metadata["kernelspec"] = dict(plan.release.metadata.get("kernelspec", {})) or {
        "name": "python3", "display_name": "Python 3", "language": "python"}
    return clean, notes


# ---------------------------------------------------------------------------------
# Judging what came back
# ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CellScore:
    """The score of one graded cell and what the learner is told."""

    grade_id: str
    score: float
    max_score: float
    message: str
    mistake: str | None = None
    manual: bool = False


@dataclass
class SubmissionResult:
    """The outcome of grading one submission."""

    student: str
    lesson: str
    cells: list[CellScore]
    error: str | None = None
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0
    run_seconds: float = 0.0

    @property
    def score(self) -> float:
        """Points earned."""
        return sum(c.score for c in self.cells)

    @property
    def max_score(self) -> float:
        """Points available."""
        return sum(c.max_score for c in self.cells)


def _outcomes(raw: Any) -> list[grading.Outcome] | None:
    """Turn the plain data of one exercise's cases back into Outcomes (None if malformed)."""
    if not isinstance(raw, list | tuple):
        return None
    try:
        return [grading.outcome_from_data(item) for item in raw]
    except ValueError:
        return None


def _judge_exercise(cell: GradedCell, raw: Any) -> CellScore:
    if not isinstance(raw, dict) or "missing" in raw:
        why = raw.get("missing") if isinstance(raw, dict) else None
        message = (f"{cell.target}: {why}" if isinstance(why, str)
                   else f"{cell.target}: no result came back from your notebook.")
        return CellScore(cell.grade_id, 0.0, cell.points, message)
    for hidden in (False, True):
        outcomes = _outcomes(raw.get("hidden" if hidden else "visible"))
        if outcomes is None:
            return CellScore(cell.grade_id, 0.0, cell.points,
                             f"{cell.target}: the values your function returned could not be "
                             "read back.")
        verdict = grading.judge(cell.target, outcomes, hidden=hidden)
        if not verdict.passed:
            return CellScore(cell.grade_id, 0.0, cell.points, verdict.message, verdict.mistake)
    return CellScore(cell.grade_id, cell.points, cell.points, verdict.message)


def _judge_quiz(cell: GradedCell, answers: Any) -> CellScore:
    value = answers.get(cell.target) if isinstance(answers, dict) else None
    if value is not None and not isinstance(value, str):
        value = None  # only a letter can be right; anything else is judged as missing
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            check_choice(cell.target, value, cell.choices, answer=cell.answer,
                         reread=cell.reread)
    except grading.CheckFailed as failed:
        return CellScore(cell.grade_id, 0.0, cell.points, str(failed))
    return CellScore(cell.grade_id, cell.points, cell.points, out.getvalue().strip())


def _manual_score(plan: LessonPlan, cell: GradedCell, nb: NotebookNode | None) -> CellScore:
    """A written answer goes to a human, unless it is still exactly as it was released."""
    released = next((c.source for c in plan.release.cells
                     if c.metadata.get("nbgrader", {}).get("grade_id") == cell.grade_id), None)
    answer = None if nb is None else next(
        (c.source for c in nb.cells
         if c.metadata.get("nbgrader", {}).get("grade_id") == cell.grade_id), None)
    if answer is None or (released is not None and answer.strip() == released.strip()):
        # As nbgrader does: an untouched answer cell is 0, with nothing for a human to read.
        return CellScore(cell.grade_id, 0.0, cell.points,
                         "not answered: the cell is as it was handed out")
    return CellScore(cell.grade_id, 0.0, cell.points, "graded by hand by your instructor",
                     manual=True)


def judge_results(plan: LessonPlan, results: Any,
                  nb: NotebookNode | None = None) -> list[CellScore]:
    """Score every graded cell from the plain data the sandbox handed back.

    Args:
        plan: The lesson's graded cells.
        results: What the sandbox wrote (untrusted plain data).
        nb: The submitted notebook after preflight, whose written answers go to a human.
    """
    exercises = results.get("exercises") if isinstance(results, dict) else None
    quiz = results.get("quiz") if isinstance(results, dict) else None
    scores = []
    for cell in plan.cells:
        if cell.kind == "exercise":
            raw = exercises.get(cell.target) if isinstance(exercises, dict) else None
            scores.append(_judge_exercise(cell, raw))
        elif cell.kind == "quiz":
            scores.append(_judge_quiz(cell, quiz))
        else:
            scores.append(_manual_score(plan, cell, nb))
    return scores


def _failed(plan: LessonPlan, reason: str, nb: NotebookNode | None = None) -> list[CellScore]:
    # Written answers don't depend on the code running: they still go to a human.
    return [_manual_score(plan, c, nb) if c.kind == "manual" and nb is not None
            else CellScore(c.grade_id, 0.0, c.points, f"not graded: {reason}", manual=False)
            for c in plan.cells]


# ---------------------------------------------------------------------------------
# One submission, end to end
# ---------------------------------------------------------------------------------


def _holds_callable(obj: Any) -> bool:
    if callable(obj) and not isinstance(obj, type):
        return True
    if isinstance(obj, dict):
        return any(_holds_callable(v) for v in obj.values())
    if isinstance(obj, list | tuple):
        return any(_holds_callable(v) for v in obj)
    return False


def _write_job(plan: LessonPlan, nb: NotebookNode, job_dir: Path, limits: Limits) -> None:
    nbformat.write(nb, job_dir / "submission.ipynb")
    inputs: dict[str, Any] = {}
    for cell in plan.exercises:
        cases = {"visible": [c.args for c in grading.cases_for(cell.target, hidden=False)],
                 "hidden": [c.args for c in grading.cases_for(cell.target, hidden=True)]}
        # Inputs that hold a function (numerical_derivative's f) can't travel as plain data:
        # the sandbox then builds the same seeded cases itself. Either way the judge compares
        # against the reference on the grader's own cases, so tampering gains nothing.
        inputs[cell.target] = None if _holds_callable(cases) else cases
    wire.dump(inputs, job_dir, "inputs")
    job = {
        "notebook": "submission.ipynb",
        "exercises": [{"id": c.target, "function": c.function} for c in plan.exercises],
        "quiz": [c.target for c in plan.quizzes],
        "cell_timeout": limits.cell_timeout,
        "output_bytes": limits.output_bytes,
    }
    (job_dir / "job.json").write_text(json.dumps(job, indent=1), encoding="utf-8")


def _read_executed(path: Path) -> NotebookNode | None:
    """Read the executed notebook the sandbox wrote, if it is a plain, small, valid file.

    The file was written by untrusted code: a symlink (to another student's files) or a
    FIFO is refused without being followed, and so is anything over the size cap.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_size > 2 * MAX_NOTEBOOK_BYTES:
            return None
        data = handle.read(2 * MAX_NOTEBOOK_BYTES + 1)
    try:
        return nbformat.reads(data.decode("utf-8"), as_version=4)
    except Exception:  # whatever it holds, it is only shown back to its author
        return None


def _job_problem(job: JobResult, results_found: bool) -> str | None:
    if job.timed_out:
        return "the notebook ran past the time limit for a whole submission and was stopped."
    if not results_found:
        tail = (job.stderr_tail or "").strip().splitlines()[-3:]
        detail = f" ({' '.join(tail)[:300]})" if tail else ""
        return f"the notebook stopped before its functions could be checked{detail}."
    return None


def grade_one(root: Path, plan: LessonPlan, sub: Submission, *, limits: Limits, slot: int,
              unsafe: bool, scratch: Path) -> tuple[SubmissionResult, NotebookNode | None]:
    """Grade one submission; never raises for anything the submission does.

    Returns:
        The result, and the executed notebook (None when the submission couldn't run).
    """
    start = time.perf_counter()
    try:
        nb, notes = preflight(plan, sub.folder)
    except SubmissionError as err:
        return SubmissionResult(sub.student, sub.lesson, _failed(plan, str(err)), str(err),
                                seconds=time.perf_counter() - start), None
    job_dir = Path(tempfile.mkdtemp(prefix=f"{sub.student}-{sub.lesson}-", dir=scratch))
    try:
        _write_job(plan, nb, job_dir, limits)
        job = run_job(job_dir, course=root, limits=limits, slot=slot, unsafe=unsafe)
        results, executed = None, None
        try:
            results = wire.load(job_dir, "results", max_bytes=MAX_RESULTS_BYTES)
        except (OSError, ValueError, TypeError):
            results = None
        executed = _read_executed(job_dir / "executed.ipynb")
        problem = _job_problem(job, results is not None)
        if problem is not None:
            cells = _failed(plan, problem, nb)
            return SubmissionResult(sub.student, sub.lesson, cells, problem, notes,
                                    time.perf_counter() - start, job.seconds), executed
        notes += [f"Cell {c.get('index')} ran out of time and was interrupted."
                  for c in (results.get("cells") or []) if isinstance(c, dict) and c.get(
                      "timed_out")] if isinstance(results, dict) else []
        cells = judge_results(plan, results, nb)
        return SubmissionResult(sub.student, sub.lesson, cells, None, notes,
                                time.perf_counter() - start, job.seconds), executed
    finally:
        shutil.rmtree(job_dir, ignore_errors=True)


# ---------------------------------------------------------------------------------
# Writing grades (nbgrader's gradebook) and the autograded notebook (for feedback)
# ---------------------------------------------------------------------------------


def _message_output(score: CellScore) -> NotebookNode:
    if score.score == score.max_score and not score.manual:
        return nbformat.v4.new_output("stream", name="stdout", text=score.message + "\n")
    first, *rest = score.message.splitlines() or [""]
    return nbformat.v4.new_output("error", ename="CheckFailed", evalue=score.message,
                                  traceback=[f"✗ {first}", *rest])


def autograded_notebook(plan: LessonPlan, result: SubmissionResult,
                        executed: NotebookNode | None, source: NotebookNode) -> NotebookNode:
    """Build the notebook nbgrader's feedback is made from.

    It is the learner's run, with every test cell's output replaced by the grader's
    message. Hidden tests are removed later by the feedback preprocessors, from the
    sources and from any text.
    """
    base = copy.deepcopy(executed) if executed is not None else copy.deepcopy(plan.release)
    tests = {c.metadata["nbgrader"]["grade_id"]: c for c in source.cells
             if c.metadata.get("nbgrader", {}).get("grade")}
    by_id = {s.grade_id: s for s in result.cells}
    cells = []
    for cell in base.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in by_id and grade_id in tests and cell.cell_type == "code" \
                and not cell.metadata["nbgrader"].get("solution"):
            cell = copy.deepcopy(tests[grade_id])
            cell.outputs = [_message_output(by_id[grade_id])]
            cell.execution_count = None
        cells.append(cell)
    present = {c.metadata.get("nbgrader", {}).get("grade_id") for c in cells}
    for grade_id, test in tests.items():  # deleted test cells come back, with their message
        if grade_id not in present and grade_id in by_id:
            cell = copy.deepcopy(test)
            cell.outputs = [_message_output(by_id[grade_id])] if cell.cell_type == "code" else []
            cells.append(cell)
    header = []
    if result.error:
        header.append(f"**This submission could not be graded automatically:** {result.error}")
    header += [f"- {n}" for n in result.notes]
    if header:
        cells.insert(0, nbformat.v4.new_markdown_cell("\n\n".join(header)))
    nb = nbformat.v4.new_notebook(cells=cells, metadata=copy.deepcopy(source.metadata))
    return nb


def _write_grades(root: Path, plan: LessonPlan, result: SubmissionResult) -> None:
    """Store the scores with nbgrader's gradebook API, replacing any earlier ones."""
    from backprop.report import save_verdicts

    db_url = f"sqlite:///{root / 'gradebook.db'}"
    # nbgrader's own add_submission triggers SQLAlchemy's "not in session" warnings; they
    # are harmless and would bury the progress lines.
    with warnings.catch_warnings(), course.open_gradebook(db_url) as gb:
        warnings.filterwarnings("ignore", message=".*not in session.*")
        gb.update_or_create_student(result.student)
        gb.update_or_create_submission(plan.lesson, result.student)
        for score in result.cells:
            grade = gb.find_grade(score.grade_id, plan.lesson, plan.lesson, result.student)
            # A written answer waiting for a human has no automatic score, as in nbgrader.
            grade.auto_score = None if score.manual else score.score
            grade.needs_manual_grade = score.manual
            # A re-grade starts from nothing: an earlier manual score must not outlive it.
            grade.manual_score = None
        gb.db.commit()
    save_verdicts(root, plan.lesson, result.student, result.cells)


def _register_lesson(root: Path, plan: LessonPlan) -> None:
    """Make sure the gradebook knows the lesson's cells (nbgrader's generate_assignment).

    Skipped when the gradebook already holds exactly these graded cells and points: the
    registration takes seconds, and a re-grade of one student shouldn't pay for it.
    """
    from nbgrader.api import MissingEntry

    db = root / "gradebook.db"
    if db.is_file():
        wanted = {(c.grade_id, c.points) for c in plan.cells}
        with warnings.catch_warnings(), course.open_gradebook(f"sqlite:///{db}") as gb:
            warnings.filterwarnings("ignore", message=".*not in session.*")
            try:
                notebook = gb.find_notebook(plan.lesson, plan.lesson)
                have = {(g.name, float(g.max_score)) for g in notebook.grade_cells}
            except MissingEntry:
                have = None
        if have == wanted:
            return
    course.register_lesson(root, plan.lesson)


# ---------------------------------------------------------------------------------
# The batch
# ---------------------------------------------------------------------------------


def autograde(
    root: Path,
    lesson: str | None = None,
    *,
    student: str | None = None,
    jobs: int | None = None,
    unsafe: bool = False,
    limits: Limits | None = None,
    log: Callable[[str], None] = lambda msg: print(msg, flush=True),
) -> list[SubmissionResult]:
    """Grade every matching submission, `jobs` at a time, and record the scores.

    Args:
        root: The course folder.
        lesson: Only this lesson (all by default).
        student: Only this student (all by default).
        jobs: Submissions graded at once (default: one per core).
        unsafe: Run without the sandbox when bubblewrap is missing (a warning is printed).
        limits: Time, memory, process, file and output limits per submission.
        log: Progress lines go here.

    Returns:
        One result per submission, in the order they were found.

    Raises:
        course.CourseError: If the course folder, the lesson or the submissions are missing.
        backprop.sandbox.SandboxUnavailable: If bubblewrap is missing and unsafe is False.
    """
    from backprop.sandbox import check_available

    limits = limits or Limits()
    subs = find_submissions(root, lesson, student)  # a missing course or lesson first
    check_available(unsafe=unsafe)
    plans = {}
    for name in sorted({s.lesson for s in subs}):
        plans[name] = plan_lesson(root, name)
        _register_lesson(root, plans[name])
    sources = {name: nbformat.read(root / course.SOURCE / name / f"{name}.ipynb", as_version=4)
               for name in plans}
    jobs = max(1, jobs or os.cpu_count() or 1)
    log(f"grading {len(subs)} submission(s) with {jobs} job(s)"
        f"{' WITHOUT a sandbox (--unsafe)' if unsafe else ' in a bubblewrap sandbox'}")
    results: dict[int, SubmissionResult] = {}
    write_lock = threading.Lock()
    slots = list(range(jobs))
    slot_lock = threading.Lock()

    def work(index: int, sub: Submission) -> SubmissionResult:
        with slot_lock:
            slot = slots.pop()
        try:
            with tempfile.TemporaryDirectory(prefix="backprop-grade-") as scratch:
                try:
                    result, executed = grade_one(root, plans[sub.lesson], sub, limits=limits,
                                                 slot=slot, unsafe=unsafe, scratch=Path(scratch))
                except Exception as err:  # a grader bug must not stop the batch either
                    reason = f"internal grader error: {type(err).__name__}: {err}"
                    result = SubmissionResult(sub.student, sub.lesson,
                                              _failed(plans[sub.lesson], reason), reason)
                    executed = None
        finally:
            with slot_lock:
                slots.append(slot)
        with write_lock:  # SQLite and the autograded/ folder: one writer at a time
            _write_grades(root, plans[sub.lesson], result)
            nb = autograded_notebook(plans[sub.lesson], result, executed, sources[sub.lesson])
            target = root / AUTOGRADED / sub.student / sub.lesson / f"{sub.lesson}.ipynb"
            if target.parent.exists():
                shutil.rmtree(target.parent)  # a re-grade leaves nothing of the last one
            target.parent.mkdir(parents=True)
            nbformat.write(nb, target)
        return result

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(work, i, sub): i for i, sub in enumerate(subs)}
        for done, future in enumerate(as_completed(futures), start=1):
            result = future.result()
            results[futures[future]] = result
            status = f"ERROR: {result.error}" if result.error else (
                f"{result.score:g}/{result.max_score:g}")
            by_hand = sum(c.max_score for c in result.cells if c.manual)
            if by_hand:
                status += f", {by_hand:g} more to grade by hand"
            log(f"[{done}/{len(subs)}] {result.student} {result.lesson}: {status} "
                f"({result.seconds:.1f} s)")
    return [results[i] for i in range(len(subs))]
