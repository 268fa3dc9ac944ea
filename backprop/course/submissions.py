"""Finding and reading a class's submissions, before any of their code runs.

`find_submissions` lists `submitted/STUDENT/LESSON/` folders. `preflight` reads one
submitted notebook with a size cap, upgrades an old nbformat, and puts the release's
version back into every locked cell (tests, setup), dropping the student's edits there:
what runs in the sandbox is the learner's answers inside the lesson as it was released.

Only a regular file, inside plain folders of `submitted/`, is read: the student and lesson
folders are opened with O_NOFOLLOW one after the other, and so is the notebook. A symbolic
link (file or folder), a hard link or a special file is never followed or read; the
submission gets 0 with the reason, like an unreadable one.
"""

from __future__ import annotations

import copy
import json
import os
import stat
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
    for student_dir in sorted(base.iterdir()):
        if student is not None and student_dir.name != student:
            continue
        if student_dir.is_symlink():
            # Never listed through: the folder is refused as a whole, for each lesson graded.
            found += [Submission(student_dir.name, name, student_dir / name)
                      for name in lessons if lesson in (None, name)]
            continue
        if not student_dir.is_dir():
            continue
        for lesson_dir in sorted(student_dir.iterdir()):
            if not (lesson_dir.is_symlink() or lesson_dir.is_dir()):
                continue  # a stray file next to the lessons
            if lesson_dir.name in lessons and lesson in (None, lesson_dir.name):
                found.append(Submission(student_dir.name, lesson_dir.name, lesson_dir))
    if not found:
        who = f" from {student}" if student else ""
        what = f" of {lesson}" if lesson else ""
        raise CourseError(f"no submissions{what}{who} in {base}.")
    return found


_HAND_IN = "hand in the notebook file itself, in a plain folder"


def _open_folder(name: str, dir_fd: int, shown: str) -> int:
    """Open one folder below dir_fd without following a link; SubmissionError if it is one."""
    info = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    if stat.S_ISLNK(info.st_mode):
        raise SubmissionError(f"{shown} is a symbolic link, not a folder of the course; "
                              f"nothing was read through it: {_HAND_IN}.")
    if not stat.S_ISDIR(info.st_mode):
        raise SubmissionError(f"{shown} is not a folder: {_HAND_IN}.")
    return os.open(name, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=dir_fd)


def _check_plain(info: os.stat_result, name: str) -> None:
    if stat.S_ISLNK(info.st_mode):
        raise SubmissionError(f"{name} is a symbolic link; nothing was read through it: "
                              f"{_HAND_IN}.")
    if not stat.S_ISREG(info.st_mode):
        raise SubmissionError(f"{name} is not a regular file: {_HAND_IN}.")
    if info.st_nlink > 1:
        raise SubmissionError(f"{name} is a hard link (the same file under "
                              f"{info.st_nlink} names); it was not read: {_HAND_IN}.")
    if info.st_size > MAX_NOTEBOOK_BYTES:
        raise SubmissionError(f"{name} is {info.st_size / 2**20:.0f} MB, over the "
                              f"{MAX_NOTEBOOK_BYTES // 2**20} MB limit: clear the outputs "
                              "(Edit → Clear Outputs of All Cells) and submit again.")


def _read_plain_file(folder: Path, name: str) -> bytes:
    """Read `submitted/STUDENT/LESSON/name`, refusing links and special files on the way.

    Each step (the student's folder, the lesson's, the file) is opened relative to the one
    before with O_NOFOLLOW, so no symbolic link is followed even if one appears meanwhile.

    Raises:
        SubmissionError: When a step is a link, the file is missing, special, a hard link
            or over the size cap.
    """
    student_dir, submitted = folder.parent, folder.parent.parent
    fds: list[int] = []
    try:
        fds.append(os.open(submitted, os.O_RDONLY | os.O_DIRECTORY))
        for part in (student_dir, folder):
            fds.append(_open_folder(part.name, fds[-1], f"{SUBMITTED}/{student_dir.name}"
                                    + ("" if part == student_dir else f"/{folder.name}")))
        try:
            info = os.stat(name, dir_fd=fds[-1], follow_symlinks=False)
        except FileNotFoundError:
            others = sorted(p.name for p in folder.glob("*.ipynb"))
            found = f" Found: {', '.join(others)}." if others else ""
            raise SubmissionError(f"the submission has no {name}.{found} Submit the "
                                  "lesson's notebook under its own name.") from None
        _check_plain(info, name)
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=fds[-1])
        with os.fdopen(fd, "rb") as handle:
            _check_plain(os.fstat(handle.fileno()), name)  # the file opened is the one checked
            return handle.read(MAX_NOTEBOOK_BYTES + 1)
    except OSError as err:
        raise SubmissionError(f"{name} could not be read ({err.strerror}).") from None
    finally:
        for fd in fds:
            os.close(fd)


def preflight(plan: LessonPlan, folder: Path) -> tuple[NotebookNode, list[str]]:
    """Read a submitted notebook safely and restore the lesson's locked cells.

    Returns:
        The notebook to run, and notes for the learner (e.g. "an extra notebook was ignored").

    Raises:
        SubmissionError: When the notebook is missing, too large, unreadable, or a link
            or special file (or in a linked folder).
    """
    notes = []
    expected = folder / f"{plan.lesson}.ipynb"
    data = _read_plain_file(folder, expected.name)
    others = sorted(p.name for p in folder.glob("*.ipynb") if p != expected)
    if others:
        notes.append(f"Only {expected.name} is graded; ignored: {', '.join(others)}.")
    try:
        with warnings.catch_warnings():  # missing cell ids: nbformat warns, preflight fixes
            warnings.simplefilter("ignore")
            nb = nbformat.reads(data.decode("utf-8"), as_version=4)
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
