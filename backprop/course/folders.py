"""The course folder and every folder name in it, written once.

A course folder is the one holding `nbgrader_config.py` and `solutions/` (this checkout is
one). Everything the instructor's commands read or write is named here:

    nbgrader_config.py     nbgrader's configuration; also names the gradebook (db_url)
    solutions/LESSON/      nbgrader's source: the instructor's notebooks (and their .py twins)
    lessons/LESSON/        nbgrader's release: what learners open (generated)
    submitted/STUDENT/LESSON/LESSON.ipynb    the class's notebooks, as collected
    autograded/STUDENT/LESSON/               what autograde ran, with the grader's messages
    feedback/STUDENT/LESSON/LESSON.html      what learners get back
    reports/LESSON/                          the class report
    exchange/                                nbgrader's exchange, course-local

The generated folders are git-ignored.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "AUTOGRADED",
    "CONFIG_FILE",
    "EXCHANGE",
    "FEEDBACK",
    "RELEASE",
    "REPORTS",
    "SOURCE",
    "SUBMITTED",
    "CourseError",
    "find_course",
    "lesson_ids",
    "release_notebook",
    "source_notebook",
]

CONFIG_FILE = "nbgrader_config.py"
SOURCE = "solutions"
RELEASE = "lessons"
SUBMITTED = "submitted"
AUTOGRADED = "autograded"
FEEDBACK = "feedback"
REPORTS = "reports"
EXCHANGE = "exchange"


class CourseError(RuntimeError):
    """A course folder, lesson or nbgrader step is missing or broken; the message says which."""


def find_course(start: str | Path | None = None) -> Path:
    """Return the course folder: `start` or its nearest parent holding nbgrader_config.py.

    Raises:
        CourseError: If no such folder exists, or it has no solutions/ folder.
    """
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_FILE).is_file():
            if not (folder / SOURCE).is_dir():
                raise CourseError(f"{folder} has {CONFIG_FILE} but no {SOURCE}/ folder.")
            return folder
    raise CourseError(
        f"no course folder at {here} or above it: expected {CONFIG_FILE} and {SOURCE}/. "
        "Run this inside the Backprop Workbook checkout, or pass --course PATH."
    )


def lesson_ids(course: Path) -> list[str]:
    """Return the lessons of the course: folders of solutions/ holding a notebook, in order."""
    return sorted(
        p.name for p in (course / SOURCE).iterdir()
        if p.is_dir() and not p.name.startswith(".") and any(p.glob("*.ipynb"))
    )


def source_notebook(course: Path, lesson: str) -> Path:
    """The lesson's source notebook, `solutions/LESSON/LESSON.ipynb` (it may not exist)."""
    return course / SOURCE / lesson / f"{lesson}.ipynb"


def release_notebook(course: Path, lesson: str) -> Path:
    """The lesson's release notebook, `lessons/LESSON/LESSON.ipynb` (it may not exist)."""
    return course / RELEASE / lesson / f"{lesson}.ipynb"
