"""Release: regenerate `lessons/` from `solutions/` with nbgrader's own generate_assignment.

`release` runs nbgrader in a temporary copy of the course, with a temporary gradebook, so
that no gradebook, exchange or other debris lands in the repository. Its output is
normalised (`backprop.course.notebooks.clean_notebook`: no outputs, no execution counts,
fixed metadata), so releasing twice changes nothing. Only notebooks and the lesson's data
files are released: a solution's jupytext twin (`solutions/LESSON/LESSON.py`, which holds
the solutions) never reaches `lessons/`.

`register_lesson` runs the same step against the course's real gradebook, which is what
nbgrader's autograde needs to know a lesson's graded cells.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import nbformat

from backprop.course import gradebook
from backprop.course.folders import CONFIG_FILE, RELEASE, SOURCE, CourseError, lesson_ids
from backprop.course.notebooks import clean_notebook, write_notebook

__all__ = ["register_lesson", "release"]

# Never copied into nbgrader's working copy: editor debris, and the solutions' jupytext
# twins (they hold the solutions; nbgrader would copy them into the release as data files).
_IGNORE = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "*.py")


def _work_copy(course: Path, lessons: Iterable[str], root: Path) -> None:
    """Copy the course's configuration and the lessons' sources to a temporary course."""
    shutil.copy2(course / CONFIG_FILE, root / CONFIG_FILE)
    for lesson in lessons:
        shutil.copytree(course / SOURCE / lesson, root / SOURCE / lesson, ignore=_IGNORE)


def _check_lessons(course: Path, chosen: list[str]) -> None:
    available = lesson_ids(course)
    missing = [lesson for lesson in chosen if lesson not in available]
    if missing:
        raise CourseError(
            f"no such lesson in {course / SOURCE}: {', '.join(missing)}. "
            f"Available: {', '.join(available) or 'none'}."
        )


def release(
    course: Path,
    dest: Path | None = None,
    lessons: Iterable[str] | None = None,
    log: Callable[[str], None] = lambda msg: print(msg, flush=True),
) -> list[Path]:
    """Regenerate the learner's notebooks from the solutions with nbgrader.

    Args:
        course: The course folder (see `find_course`).
        dest: Where the released lessons go; `course/lessons` by default.
        lessons: Which lessons; all of them by default. With all of them, folders in
            `dest` that no longer have a solution are removed.
        log: Progress messages go here.

    Returns:
        The files that changed.

    Raises:
        CourseError: If a lesson does not exist or nbgrader fails on it.
    """
    dest = Path(dest) if dest is not None else course / RELEASE
    available = lesson_ids(course)
    chosen = list(lessons) if lessons is not None else available
    _check_lessons(course, chosen)
    changed: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="backprop-release-") as tmp:
        root = Path(tmp)
        _work_copy(course, chosen, root)
        # A gradebook of the temporary copy: a release never writes the course's own.
        api = gradebook.nbgrader_api(course, root=root,
                                     db=f"sqlite:///{root / gradebook.DEFAULT_FILE}")
        for i, lesson in enumerate(chosen, 1):
            log(f"[{i}/{len(chosen)}] nbgrader generate_assignment {lesson}")
            _generate(api, lesson, "release")
            changed += _copy_release(root / RELEASE / lesson, dest / lesson)
    if lessons is None and dest.is_dir():
        for stale in sorted(p for p in dest.iterdir() if p.is_dir() and p.name not in available):
            shutil.rmtree(stale)
            changed.append(stale)
    return changed


def _generate(api: Any, lesson: str, what: str) -> None:
    result = api.generate_assignment(lesson, force=True, create=True)
    if not result["success"]:
        raise CourseError(f"nbgrader could not {what} {lesson}:\n{result.get('log', '')}\n"
                          f"{result.get('error', '')}")


def _copy_release(out_dir: Path, target_dir: Path) -> list[Path]:
    """Copy what nbgrader released into the release folder, notebooks in canonical form."""
    changed, produced = [], set()
    for src in sorted(out_dir.rglob("*")):
        if src.is_dir():
            continue
        rel = src.relative_to(out_dir)
        produced.add(rel)
        target = target_dir / rel
        if src.suffix == ".ipynb":
            nb = clean_notebook(nbformat.read(src, as_version=4))
            if write_notebook(nb, target):
                changed.append(target)
        elif not target.is_file() or target.read_bytes() != src.read_bytes():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, target)
            changed.append(target)
    for old in sorted(target_dir.rglob("*")) if target_dir.is_dir() else []:
        if old.is_file() and old.relative_to(target_dir) not in produced:
            old.unlink()
            changed.append(old)
    return changed


def register_lesson(course: Path, lesson: str) -> None:
    """Record a lesson's graded cells in the course's gradebook, as nbgrader's autograde needs.

    Runs nbgrader's generate_assignment in a temporary copy of the course, pointed at the
    course's own gradebook (its db_url), so that `lessons/` is left as `release` made it.

    Raises:
        CourseError: If the lesson does not exist or nbgrader fails on it.
    """
    _check_lessons(course, [lesson])
    with tempfile.TemporaryDirectory(prefix="backprop-register-") as tmp:
        root = Path(tmp)
        _work_copy(course, [lesson], root)
        _generate(gradebook.nbgrader_api(course, root=root), lesson,
                  "register in the gradebook")
