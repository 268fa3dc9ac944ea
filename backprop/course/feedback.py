"""Feedback: each learner's page, made by nbgrader's generate_feedback from autograded/.

`backprop-course autograde` writes `autograded/STUDENT/LESSON/LESSON.ipynb`: the learner's
run with every test cell's output replaced by the grader's message. nbgrader then renders
it to `feedback/STUDENT/LESSON/LESSON.html`, through the preprocessors the course's
nbgrader_config.py lists, which remove hidden tests from the cell sources
(nbgrader's ClearHiddenTests) and from any output text (`backprop.course.scrub`).

Two guards hold whatever the course's configuration says (a third, for markdown cells,
is `scrub.EscapeUnsafeMarkdown` in nbgrader_config.py's GenerateFeedback preprocessors):

- Before nbgrader runs, each autograded notebook gets its nbgrader metadata back from the
  lesson's source (`scrub.restore_grading_metadata`): a cell a learner re-labelled as graded
  would otherwise stop the feedback of the whole lesson in nbgrader's GetGrades.
- nbconvert's HTMLExporter sanitises the page (`sanitize_html`): HTML a learner's code
  displayed is cleaned of scripts and event attributes, JavaScript outputs are left out,
  and printed or raised text is escaped. Images and the check messages stay.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import nbformat

from backprop.course import gradebook
from backprop.course.folders import AUTOGRADED, FEEDBACK, CourseError, source_notebook
from backprop.course.scrub import restore_grading_metadata

__all__ = ["feedback"]


def feedback(
    course: Path,
    lessons: Iterable[str] | None = None,
    student: str | None = None,
    log: Callable[[str], None] = lambda msg: print(msg, flush=True),
) -> list[Path]:
    """Make the feedback HTML of autograded submissions with nbgrader's generate_feedback.

    Args:
        course: The course folder.
        lessons: Which lessons (default: every lesson with autograded submissions).
        student: Only this student.
        log: Progress messages go here.

    Returns:
        The feedback files written, `feedback/<student>/<lesson>/<lesson>.html`.

    Raises:
        CourseError: If nothing was autograded yet, or nbgrader fails.
    """
    graded = course / AUTOGRADED
    found = sorted({p.name for p in graded.glob("*/*") if p.is_dir()}) if graded.is_dir() else []
    chosen = list(lessons) if lessons else found
    if not found or not set(chosen) & set(found):
        raise CourseError(f"nothing autograded yet in {graded}: run `backprop-course autograde` "
                          "first.")
    api = gradebook.nbgrader_api(course)
    _sanitize_pages(api)
    written: list[Path] = []
    for i, lesson in enumerate(chosen, 1):
        log(f"[{i}/{len(chosen)}] nbgrader generate_feedback {lesson}"
            f"{f' --student {student}' if student else ''}")
        _restore_metadata(course, lesson, student)
        result = api.generate_feedback(lesson, student_id=student, force=True)
        if not result["success"]:
            raise CourseError(f"nbgrader could not make the feedback of {lesson}:\n"
                              f"{result.get('log', '')}\n{result.get('error', '')}")
        pattern = f"{student or '*'}/{lesson}/*.html"
        written += sorted((course / FEEDBACK).glob(pattern))
    return written


def _sanitize_pages(api: Any) -> None:
    """Make nbgrader's HTMLExporter clean learner HTML, whatever nbgrader_config.py says."""
    from traitlets.config import Config

    api.update_config(Config({"HTMLExporter": {"sanitize_html": True}}))


def _restore_metadata(course: Path, lesson: str, student: str | None) -> None:
    """Put the source's nbgrader metadata back into the lesson's autograded notebooks."""
    path = source_notebook(course, lesson)
    if not path.is_file():
        raise CourseError(f"no notebook {path}: feedback needs the lesson's source notebook.")
    source = nbformat.read(path, as_version=4)
    for notebook in sorted((course / AUTOGRADED).glob(f"{student or '*'}/{lesson}/*.ipynb")):
        nb = nbformat.read(notebook, as_version=4)
        if restore_grading_metadata(nb, source):
            nbformat.write(nb, notebook)
