"""The instructor's side of the course: find the course folder, release lessons, clean notebooks.

`release` regenerates `lessons/` from `solutions/` through nbgrader's own
`generate_assignment`, run in a temporary copy of the course, so that no gradebook,
exchange or other debris lands in the repository. Its output is normalised (no
outputs, no execution counts, fixed metadata), so releasing twice changes nothing.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbformat import NotebookNode
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Unicode

__all__ = [
    "CourseError",
    "ScrubHiddenTests",
    "clean_notebook",
    "find_course",
    "feedback",
    "TestCall",
    "lesson_ids",
    "open_gradebook",
    "parse_test_cell",
    "register_lesson",
    "release",
    "write_notebook",
]

CONFIG_FILE = "nbgrader_config.py"
SOURCE = "solutions"
RELEASE = "lessons"

# Cell metadata worth keeping: nbgrader's own, tags (nbval reads raises-exception), and
# JupyterLab's display flags an author chose. Everything else is editor state.
_CELL_METADATA = ("nbgrader", "tags", "editable", "deletable")
_KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


class CourseError(RuntimeError):
    """A course folder, lesson or nbgrader step is missing or broken; the message says which."""


@dataclass(frozen=True)
class TestCall:
    """What a graded test cell checks: `check("id", fn)` or `check_choice("q1", q1, ...)`.

    Attributes:
        kind: "exercise" (check) or "quiz" (check_choice).
        target: The exercise id or the quiz question's name.
        variable: The learner's function or answer variable the cell passes.
        answer: The right letter of a quiz (only the source's hidden test gives it).
        choices: The allowed letters of a quiz.
        reread: The section a quiz points to when the answer is wrong.
    """

    kind: str
    target: str
    variable: str
    answer: str | None = None
    choices: str = "abcd"
    reread: str = ""


def _literal(node: ast.expr) -> object:
    try:
        return ast.literal_eval(node)
    except ValueError:
        return None


def parse_test_cell(source: str) -> TestCall | None:
    """Read what a test cell of this course checks, or None if it is not one of its two shapes.

    Every test cell calls one checker, visibly and again in its hidden tests, with the
    same target and variable; anything else (two targets, other code) returns None and is
    left to a human.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
             and n.func.id in ("check", "check_choice")]
    if not calls:
        return None
    kinds = {c.func.id for c in calls}
    pairs = {(_literal(c.args[0]), c.args[1].id) for c in calls
             if len(c.args) >= 2 and isinstance(c.args[1], ast.Name)}
    if len(kinds) != 1 or len(pairs) != 1 or len(calls) != sum(
            1 for c in calls if len(c.args) >= 2 and isinstance(c.args[1], ast.Name)):
        return None
    (target, variable), kind = pairs.pop(), kinds.pop()
    if not isinstance(target, str):
        return None
    if kind == "check":
        return TestCall("exercise", target, variable)
    keywords = {k.arg: _literal(k.value) for c in calls for k in c.keywords}
    extra = [_literal(c.args[2]) for c in calls if len(c.args) > 2]
    answer = keywords.get("answer")
    reread = keywords.get("reread")
    return TestCall("quiz", target, variable,
                    answer=answer if isinstance(answer, str) else None,
                    choices=extra[0] if extra and isinstance(extra[0], str) else "abcd",
                    reread=reread if isinstance(reread, str) else "")


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


def clean_notebook(nb: NotebookNode) -> NotebookNode:
    """Strip outputs, execution counts, widget state and editor metadata, in place.

    Returns:
        The same notebook, for chaining.
    """
    for cell in nb.cells:
        cell.metadata = {k: cell.metadata[k] for k in _CELL_METADATA if k in cell.metadata}
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        if "attachments" in cell and not cell.attachments:
            del cell["attachments"]
    nb.metadata = {"kernelspec": dict(_KERNELSPEC), "language_info": {"name": "python"}}
    return nb


def write_notebook(nb: NotebookNode, path: Path) -> bool:
    """Write a notebook in the course's canonical form; return whether the file changed."""
    text = nbformat.writes(nb) + "\n"
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return True


def _put_python_on_path() -> None:
    """Let nbgrader find the `alembic` command of this Python's environment.

    nbgrader runs `alembic` through PATH when it opens a gradebook, which fails in a
    virtual environment that was used without being activated (`.venv/bin/python ...`).
    """
    bin_dir = str(Path(sys.executable).parent)
    path = os.environ.get("PATH", "")
    if bin_dir not in path.split(os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + path


def open_gradebook(db_url: str, course_id: str = "backprop-workbook"):
    """Open nbgrader's gradebook (its `Gradebook` API), with nbgrader's `alembic` reachable."""
    from nbgrader.api import Gradebook

    _put_python_on_path()
    return Gradebook(db_url, course_id=course_id)


def _nbgrader_api(root: Path, db: Path | None = None):
    """Make an NbGraderAPI for the course at `root`, configured by its own file.

    `db` is the gradebook to use (default: `root/gradebook.db`).
    """
    from nbgrader.apps import NbGraderAPI  # heavy: only when a command needs it
    from traitlets.config.loader import PyFileConfigLoader

    _put_python_on_path()
    config = PyFileConfigLoader(CONFIG_FILE, path=str(root)).load_config()
    config.CourseDirectory.root = str(root)
    config.CourseDirectory.db_url = f"sqlite:///{db or root / 'gradebook.db'}"
    config.Exchange.root = str(root / "exchange")
    return NbGraderAPI(config=config)


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
    missing = [lesson for lesson in chosen if lesson not in available]
    if missing:
        raise CourseError(
            f"no such lesson in {course / SOURCE}: {', '.join(missing)}. "
            f"Available: {', '.join(available) or 'none'}."
        )
    changed: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="backprop-release-") as tmp:
        root = Path(tmp)
        shutil.copy2(course / CONFIG_FILE, root / CONFIG_FILE)
        ignore = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__")
        for lesson in chosen:
            shutil.copytree(course / SOURCE / lesson, root / SOURCE / lesson, ignore=ignore)
        api = _nbgrader_api(root)
        for i, lesson in enumerate(chosen, 1):
            log(f"[{i}/{len(chosen)}] nbgrader generate_assignment {lesson}")
            result = api.generate_assignment(lesson, force=True, create=True)
            if not result["success"]:
                raise CourseError(
                    f"nbgrader could not release {lesson}:\n{result.get('log', '')}\n"
                    f"{result.get('error', '')}"
                )
            out_dir = root / RELEASE / lesson
            target_dir = dest / lesson
            produced = set()
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
    if lessons is None and dest.is_dir():
        for stale in sorted(p for p in dest.iterdir() if p.is_dir() and p.name not in available):
            shutil.rmtree(stale)
            changed.append(stale)
    return changed


def register_lesson(course: Path, lesson: str) -> None:
    """Record a lesson's graded cells in the course's gradebook, as nbgrader's autograde needs.

    Runs nbgrader's generate_assignment in a temporary copy of the course, pointed at the
    course's own `gradebook.db`, so that `lessons/` is left as `release` made it.

    Raises:
        CourseError: If the lesson does not exist or nbgrader fails on it.
    """
    if lesson not in lesson_ids(course):
        raise CourseError(f"no such lesson in {course / SOURCE}: {lesson}. "
                          f"Available: {', '.join(lesson_ids(course)) or 'none'}.")
    with tempfile.TemporaryDirectory(prefix="backprop-register-") as tmp:
        root = Path(tmp)
        shutil.copy2(course / CONFIG_FILE, root / CONFIG_FILE)
        shutil.copytree(course / SOURCE / lesson, root / SOURCE / lesson,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
        api = _nbgrader_api(root, db=course / "gradebook.db")
        result = api.generate_assignment(lesson, force=True, create=True)
        if not result["success"]:
            raise CourseError(f"nbgrader could not register {lesson} in the gradebook:\n"
                              f"{result.get('log', '')}\n{result.get('error', '')}")


def feedback(
    course: Path,
    lessons: Iterable[str] | None = None,
    student: str | None = None,
    log: Callable[[str], None] = lambda msg: print(msg, flush=True),
) -> list[Path]:
    """Make the feedback HTML of autograded submissions with nbgrader's generate_feedback.

    The course's nbgrader_config.py removes hidden tests from cell sources and from any
    text (`ScrubHiddenTests`, then nbgrader's `ClearHiddenTests`).

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
    graded = course / "autograded"
    found = sorted({p.name for p in graded.glob("*/*") if p.is_dir()}) if graded.is_dir() else []
    chosen = list(lessons) if lessons else found
    if not found or not set(chosen) & set(found):
        raise CourseError(f"nothing autograded yet in {graded}: run `backprop-course autograde` "
                          "first.")
    api = _nbgrader_api(course)
    written: list[Path] = []
    for i, lesson in enumerate(chosen, 1):
        log(f"[{i}/{len(chosen)}] nbgrader generate_feedback {lesson}"
            f"{f' --student {student}' if student else ''}")
        result = api.generate_feedback(lesson, student_id=student, force=True)
        if not result["success"]:
            raise CourseError(f"nbgrader could not make the feedback of {lesson}:\n"
                              f"{result.get('log', '')}\n{result.get('error', '')}")
        pattern = f"{student or '*'}/{lesson}/*.html"
        written += sorted((course / "feedback").glob(pattern))
    return written


# ---------------------------------------------------------------------------------
# Feedback: hidden tests must not leak through traceback text
# ---------------------------------------------------------------------------------

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _hidden_lines(nb: NotebookNode, begin: str, end: str) -> set[str]:
    hidden: set[str] = set()
    for cell in nb.cells:
        inside = False
        for line in cell.source.splitlines():
            if begin in line:
                inside = True
            elif end in line:
                inside = False
            elif inside and line.strip():
                hidden.add(line.strip())
    return hidden


def _scrub(text: str, hidden: set[str], markers: tuple[str, str]) -> str:
    kept = []
    for line in text.split("\n"):
        plain = _ANSI.sub("", line)
        if any(h in plain for h in hidden) or any(m in plain for m in markers):
            kept.append("    (hidden test)")
        else:
            kept.append(line)
    return "\n".join(kept)


class ScrubHiddenTests(NbGraderPreprocessor):
    """Remove hidden-test lines from error tracebacks before feedback is rendered.

    nbgrader's ClearHiddenTests removes hidden tests from cell sources, but an error's
    traceback can still quote them (IPython prints the lines around the failing one).
    Configured before ClearHiddenTests in GenerateFeedback (see nbgrader_config.py).
    """

    begin_test_delimeter = Unicode("BEGIN HIDDEN TESTS").tag(config=True)
    end_test_delimeter = Unicode("END HIDDEN TESTS").tag(config=True)

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        """Scrub every error and stream output of the notebook."""
        markers = (self.begin_test_delimeter, self.end_test_delimeter)
        hidden = _hidden_lines(nb, *markers)
        for cell in nb.cells:
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    output["traceback"] = [
                        _scrub(t, hidden, markers) for t in output.get("traceback", [])
                    ]
                    output["evalue"] = _scrub(output.get("evalue", ""), hidden, markers)
                elif output.get("output_type") == "stream":
                    output["text"] = _scrub(output.get("text", ""), hidden, markers)
        return nb, resources
