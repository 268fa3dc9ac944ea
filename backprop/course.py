"""The instructor's side of the course: find the course folder, release lessons, clean notebooks.

`release` regenerates `lessons/` from `solutions/` through nbgrader's own
`generate_assignment`, run in a temporary copy of the course, so that no gradebook,
exchange or other debris lands in the repository. Its output is normalised (no
outputs, no execution counts, fixed metadata), so releasing twice changes nothing.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable
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
    "lesson_ids",
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


def _nbgrader_api(root: Path):
    """Make an NbGraderAPI for the temporary course at `root`, configured by its own file."""
    from nbgrader.apps import NbGraderAPI  # heavy: only when a command needs it
    from traitlets.config.loader import PyFileConfigLoader

    _put_python_on_path()
    config = PyFileConfigLoader(CONFIG_FILE, path=str(root)).load_config()
    config.CourseDirectory.root = str(root)
    config.CourseDirectory.db_url = f"sqlite:///{root / 'gradebook.db'}"
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
