"""Feedback: each learner's page, made by nbgrader's generate_feedback from autograded/.

`backprop-course autograde` writes `autograded/STUDENT/LESSON/LESSON.ipynb`: the learner's
run with every test cell's output replaced by the grader's message. nbgrader then renders
it to `feedback/STUDENT/LESSON/LESSON.html`, through the preprocessors the course's
nbgrader_config.py lists, which remove hidden tests from the cell sources
(nbgrader's ClearHiddenTests) and from any output text (`backprop.course.scrub`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from backprop.course import gradebook
from backprop.course.folders import AUTOGRADED, FEEDBACK, CourseError

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
    written: list[Path] = []
    for i, lesson in enumerate(chosen, 1):
        log(f"[{i}/{len(chosen)}] nbgrader generate_feedback {lesson}"
            f"{f' --student {student}' if student else ''}")
        result = api.generate_feedback(lesson, student_id=student, force=True)
        if not result["success"]:
            raise CourseError(f"nbgrader could not make the feedback of {lesson}:\n"
                              f"{result.get('log', '')}\n{result.get('error', '')}")
        pattern = f"{student or '*'}/{lesson}/*.html"
        written += sorted((course / FEEDBACK).glob(pattern))
    return written
