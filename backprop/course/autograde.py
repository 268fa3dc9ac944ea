"""Grade a class's submissions in a sandbox, with the scores decided outside student code.

Bare nbgrader runs a student's notebook and its test cells in one kernel, as the
instructor, inside the course folder: student code can patch the checks, read the
solutions or rewrite the gradebook. Here, for each submission:

1. (trusted, this process) `backprop.course.submissions.preflight` reads the notebook with
   a size cap, upgrades an old nbformat, and puts the release's version back into every
   locked cell (tests, setup), dropping the student's edits there. The inputs of every
   exercise of the lesson, visible and hidden, are generated from the registry in
   `backprop.grading` and written as plain data with `backprop.course.sandbox.wire`.
2. (untrusted, `backprop.course.sandbox`) the notebook runs inside bubblewrap: no network,
   no view of `solutions/`, the gradebook or other submissions, limits on time, memory,
   processes, files and output. In the same kernel, the student's functions are called on
   those inputs, and what they return is written back as plain data (JSON + npz, never
   pickle).
3. (trusted, this process) `backprop.course.scoring` judges those values with
   `grading.judge`, against the reference on the grader's own inputs, and compares quiz
   answers with the answers in the source notebook's hidden tests. Scores and diagnoses go
   to nbgrader's gradebook through `backprop.course.gradebook`; the messages go into an
   autograded notebook, from which nbgrader's `generate_feedback` builds the feedback.

Whatever student code does inside its kernel (patching numpy or `backprop`, IPython hooks,
exiting early) can only change the values it hands back, and a wrong value earns nothing.
A submission that can't be graded gets 0 on every cell and says why; the others go on.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import stat
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode

from backprop import grading
from backprop.course import gradebook, reach
from backprop.course.folders import (
    AUTOGRADED,
    CourseError,
    release_notebook,
    source_notebook,
)
from backprop.course.gradebook import CellScore
from backprop.course.notebooks import grade_id, graded_cells
from backprop.course.release import register_lesson
from backprop.course.sandbox import wire
from backprop.course.sandbox.bubblewrap import JobResult, Limits, check_available, run_job
from backprop.course.scoring import LessonPlan, failed_scores, judge_results
from backprop.course.scrub import restore_grading_metadata
from backprop.course.secret import course_secret, hidden_seed
from backprop.course.submissions import (
    MAX_NOTEBOOK_BYTES,
    Submission,
    SubmissionError,
    find_submissions,
    preflight,
)

__all__ = [
    "GraderFailure",
    "SubmissionResult",
    "autograde",
    "grade_one",
    "plan_lesson",
]

MAX_RESULTS_BYTES = 64 * 2**20


class GraderFailure(Exception):
    """The grader could not grade a submission for its own reasons, never the student's 0.

    The sandbox or the notebook's kernel could not start, the machine refused a process.
    """


def plan_lesson(root: Path, lesson: str, secret: str | None = None) -> LessonPlan:
    """Read a lesson's source and release notebooks and list what it grades.

    Args:
        root: The course folder.
        lesson: The lesson, e.g. "01_chain_rule".
        secret: The course secret the hidden cases are drawn from (None: the package's
            own seeds, as learners' checks use them).

    Raises:
        CourseError: If the lesson has no source or release notebook.
    """
    source_path, release_path = source_notebook(root, lesson), release_notebook(root, lesson)
    for path, fix in ((source_path, "check the lesson's name"),
                      (release_path, "run `backprop-course release` first")):
        if not path.is_file():
            raise CourseError(f"no notebook {path}: {fix}.")
    source = nbformat.read(source_path, as_version=4)
    release = nbformat.read(release_path, as_version=4)
    locked = {grade_id(c): c for c in release.cells
              if c.metadata.get("nbgrader", {}).get("locked") and grade_id(c)}
    plan = LessonPlan(lesson, release, graded_cells(source), locked)
    if secret is not None:
        plan.hidden_seeds = {c.target: hidden_seed(secret, c.target) for c in plan.exercises}
    return plan


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
    grader_error: str | None = None  # not graded, for the grader's reasons: nothing stored

    @property
    def score(self) -> float:
        """Points earned."""
        return sum(c.score for c in self.cells)

    @property
    def max_score(self) -> float:
        """Points available."""
        return sum(c.max_score for c in self.cells)


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
        seed = plan.hidden_seeds.get(cell.target)
        cases = {"visible": [c.args for c in grading.cases_for(cell.target, hidden=False)],
                 "hidden": [c.args for c in grading.cases_for(cell.target, hidden=True,
                                                                seed=seed)]}
        # Inputs that hold a function (numerical_derivative's f) can't travel as plain data:
        # the sandbox then builds the same seeded cases itself. Either way the judge compares
        # against the reference on the grader's own cases, so tampering gains nothing.
        inputs[cell.target] = None if _holds_callable(cases) else cases
    wire.dump(inputs, job_dir, "inputs")
    job = {
        "notebook": "submission.ipynb",
        # The hidden seed goes in only for the cases the sandbox must build itself: it is
        # derived from the secret for that exercise alone, and says nothing of the others.
        "exercises": [dict({"id": c.target, "function": c.variable},
                           **({"hidden_seed": plan.hidden_seeds[c.target]}
                              if inputs[c.target] is None and c.target in plan.hidden_seeds
                              else {}))
                      for c in plan.exercises],
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


def _read_phase(job_dir: Path) -> str | None:
    """How far the runner got (`wire.PHASE_FILE`): a small plain file, or None."""
    try:
        fd = os.open(job_dir / wire.PHASE_FILE, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
            return None
        return handle.read(2000).decode("utf-8", errors="replace")


def _grader_problem(job: JobResult, job_dir: Path) -> str | None:
    """Why a job without results failed for the grader's reasons, or None (the notebook's)."""
    phase = _read_phase(job_dir)
    tail = " ".join((job.stderr_tail or "").strip().splitlines()[-3:])[:300]
    if phase is None:
        return f"the sandbox could not start ({tail or 'no message'})"
    if phase.startswith("no kernel"):
        return f"the notebook's kernel could not start ({phase[:300]})"
    if phase == "started":
        return f"the grader's runner stopped before the notebook's kernel started ({tail})"
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
        return SubmissionResult(sub.student, sub.lesson, failed_scores(plan, str(err)), str(err),
                                seconds=time.perf_counter() - start), None
    # Read before anything runs: which exercises' functions reach the package's answers.
    refused = {ex: (finding.message(ex), finding.label) for ex, finding in reach.refusals(
        nb, [(c.target, c.variable) for c in plan.exercises]).items()}
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
        if results is None and not job.timed_out:
            failure = _grader_problem(job, job_dir)
            if failure is not None:
                raise GraderFailure(failure)
        problem = _job_problem(job, results is not None)
        if problem is not None:
            cells = failed_scores(plan, problem, nb)
            return SubmissionResult(sub.student, sub.lesson, cells, problem, notes,
                                    time.perf_counter() - start, job.seconds), executed
        notes += [f"Cell {c.get('index')} ran out of time and was interrupted."
                  for c in (results.get("cells") or []) if isinstance(c, dict) and c.get(
                      "timed_out")] if isinstance(results, dict) else []
        cells = judge_results(plan, results, nb, refused)
        return SubmissionResult(sub.student, sub.lesson, cells, None, notes,
                                time.perf_counter() - start, job.seconds), executed
    finally:
        shutil.rmtree(job_dir, ignore_errors=True)


# ---------------------------------------------------------------------------------
# The autograded notebook (what feedback is made from)
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
    message, and every cell's nbgrader metadata as the source has it. Hidden tests are
    removed later by the feedback preprocessors, from the sources and from any text.
    """
    base = copy.deepcopy(executed) if executed is not None else copy.deepcopy(plan.release)
    tests = {grade_id(c): c for c in source.cells if c.metadata.get("nbgrader", {}).get("grade")}
    by_id = {s.grade_id: s for s in result.cells}
    cells = []
    for cell in base.cells:
        gid = grade_id(cell)
        if gid in by_id and gid in tests and cell.cell_type == "code" \
                and not cell.metadata["nbgrader"].get("solution"):
            cell = copy.deepcopy(tests[gid])
            cell.outputs = [_message_output(by_id[gid])]
            cell.execution_count = None
        cells.append(cell)
    present = {grade_id(c) for c in cells}
    for gid, test in tests.items():  # deleted test cells come back, with their message
        if gid not in present and gid in by_id:
            cell = copy.deepcopy(test)
            cell.outputs = [_message_output(by_id[gid])] if cell.cell_type == "code" else []
            cells.append(cell)
    header = []
    if result.error:
        header.append(f"**This submission could not be graded automatically:** {result.error}")
    header += [f"- {n}" for n in result.notes]
    if header:
        cells.insert(0, nbformat.v4.new_markdown_cell("\n\n".join(header)))
    nb = nbformat.v4.new_notebook(cells=cells, metadata=copy.deepcopy(source.metadata))
    restore_grading_metadata(nb, source)  # a learner's own "graded" cells don't stop feedback
    return nb


def _register_lesson(root: Path, plan: LessonPlan) -> None:
    """Make sure the gradebook knows the lesson's cells (nbgrader's generate_assignment).

    Skipped when the gradebook already holds exactly these graded cells and points: the
    registration takes seconds, and a re-grade of one student shouldn't pay for it.
    """
    if gradebook.lesson_cells(root, plan.lesson) != {(c.grade_id, c.points) for c in plan.cells}:
        register_lesson(root, plan.lesson)


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
        CourseError: If the course folder, the lesson or the submissions are missing.
        backprop.course.sandbox.bubblewrap.SandboxUnavailable: If bubblewrap is missing
            and unsafe is False.
    """
    limits = limits or Limits()
    subs = find_submissions(root, lesson, student)  # a missing course or lesson first
    check_available(unsafe=unsafe)
    secret = course_secret(root, create=True)
    plans = {}
    for name in sorted({s.lesson for s in subs}):
        plans[name] = plan_lesson(root, name, secret)
        _register_lesson(root, plans[name])
    sources = {name: nbformat.read(source_notebook(root, name), as_version=4) for name in plans}
    jobs = max(1, jobs or os.cpu_count() or 1)
    log(f"grading {len(subs)} submission(s) with {jobs} job(s)"
        f"{' WITHOUT a sandbox (--unsafe)' if unsafe else ' in a bubblewrap sandbox'}")
    write_lock, slot_lock = threading.Lock(), threading.Lock()
    slots = list(range(jobs))

    def work(sub: Submission) -> SubmissionResult:
        with slot_lock:
            slot = slots.pop()
        try:
            result, executed = _grade_safely(root, plans[sub.lesson], sub, limits=limits,
                                             slot=slot, unsafe=unsafe)
        finally:
            with slot_lock:
                slots.append(slot)
        if result.grader_error is None:  # the grader's own failure is nobody's score
            with write_lock:  # SQLite and the autograded/ folder: one writer at a time
                _store(root, plans[sub.lesson], result, executed, sources[sub.lesson])
        return result

    results: dict[int, SubmissionResult] = {}
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(work, sub): i for i, sub in enumerate(subs)}
        for done, future in enumerate(as_completed(futures), start=1):
            result = future.result()
            results[futures[future]] = result
            log(f"[{done}/{len(subs)}] {result.student} {result.lesson}: {_status(result)} "
                f"({result.seconds:.1f} s)")
    return [results[i] for i in range(len(subs))]


def _grade_safely(root: Path, plan: LessonPlan, sub: Submission, *, limits: Limits, slot: int,
                  unsafe: bool) -> tuple[SubmissionResult, NotebookNode | None]:
    """Grade one submission in a scratch folder; a grader failure must not stop the batch.

    A failure of the grader itself (the sandbox or the kernel could not start, the machine
    refused a process, a bug) is reported as such and nothing is stored for it: it is not
    the student's 0.
    """
    with tempfile.TemporaryDirectory(prefix="backprop-grade-") as scratch:
        try:
            return grade_one(root, plan, sub, limits=limits, slot=slot, unsafe=unsafe,
                             scratch=Path(scratch))
        except GraderFailure as err:
            reason = str(err)
        except Exception as err:
            reason = f"internal grader error: {type(err).__name__}: {err}"
        return SubmissionResult(sub.student, sub.lesson, [], grader_error=reason), None


def _store(root: Path, plan: LessonPlan, result: SubmissionResult,
           executed: NotebookNode | None, source: NotebookNode) -> None:
    """Write the scores to the gradebook and the autograded notebook feedback is made from."""
    gradebook.record_submission(root, plan.lesson, result.student, result.cells)
    nb = autograded_notebook(plan, result, executed, source)
    target = root / AUTOGRADED / result.student / plan.lesson / f"{plan.lesson}.ipynb"
    if target.parent.exists():
        shutil.rmtree(target.parent)  # a re-grade leaves nothing of the last one
    target.parent.mkdir(parents=True)
    nbformat.write(nb, target)


def _status(result: SubmissionResult) -> str:
    if result.grader_error:
        return f"NOT GRADED, a problem of the grader, not of the submission: {result.grader_error}"
    status = f"ERROR: {result.error}" if result.error else (
        f"{result.score:g}/{result.max_score:g}")
    by_hand = sum(c.max_score for c in result.cells if c.manual)
    return status + (f", {by_hand:g} more to grade by hand" if by_hand else "")
