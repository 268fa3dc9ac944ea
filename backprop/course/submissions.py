"""Finding and reading a class's submissions, before any of their code runs.

`find_submissions` lists `submitted/STUDENT/LESSON/` folders. `preflight` reads one
submitted notebook with a size cap, upgrades an old nbformat, and puts the release's
version back into every locked cell (tests, setup), dropping the student's edits there:
what runs in the sandbox is the learner's answers inside the lesson as it was released.
"""

from __future__ import annotations

import copy
import json
import warnings
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from backprop.course.folders import SUBMITTED, CourseError, lesson_ids
from backprop.course.scoring import LessonPlan

__all__ = ["MAX_NOTEBOOK_BYTES", "Submission", "SubmissionError", "find_submissions",
           "preflight"]

MAX_NOTEBOOK_BYTES = 20 * 2**20  # a lesson with its outputs is < 2 MB; 20 MB is plenty


class SubmissionError(ValueError):
    """A submission can't be graded (unreadable, wrong file, ...); the message says why."""


@dataclass(frozen=True)
class Submission:
    """One student's folder of one lesson, `submitted/STUDENT/LESSON/`."""

    student: str
    lesson: str
    folder: Path


def find_submissions(root: Path, lesson: str | None = None,
                     student: str | None = None) -> list[Submission]:
    """List `submitted/<student>/<lesson>/` folders, optionally for one lesson or student.

    Raises:
        CourseError: If there is no submitted/ folder, or nothing matches.
    """
    base = root / SUBMITTED
    if not base.is_dir():
        raise CourseError(
            f"no {base}: collect the submissions first (nbgrader collect, or copy them to "
            f"{SUBMITTED}/<student>/<lesson>/<lesson>.ipynb).")
    lessons = lesson_ids(root)
    if lesson is not None and lesson not in lessons:
        raise CourseError(f"no such lesson {lesson!r}; available: {', '.join(lessons)}.")
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
        raise CourseError(f"no submissions{what}{who} in {base}.")
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
