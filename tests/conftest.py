"""Shared fixtures: where the course is, how to run nbgrader like an instructor would, and
the lesson markers.

`python -m pytest -m lesson3` runs everything of lesson 3: its exercises' tests
(tests/grading/test_lesson03.py), nbval on solutions/03_mlp and lessons/03_mlp, every test
parametrized by that lesson (an autograde, a browser run), and the tests of every library
module lesson 3's notebook imports (tests/library/test_layers.py and so on).
"""

from __future__ import annotations

import ast
import functools
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

# One BLAS thread per process, set before numpy loads here and inherited by every kernel
# the tests start: the tests run in parallel on every core (pytest-xdist), and BLAS threads
# of their own on top would oversubscribe the cores and slow everything down several times.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import matplotlib  # noqa: E402
import pytest  # noqa: E402

matplotlib.use("Agg")  # no display in tests

ROOT = Path(__file__).resolve().parent.parent

# As in an activated virtualenv: nbgrader's Gradebook starts `alembic` through PATH, and the
# tests open gradebooks directly too (`.venv/bin/python -m pytest` works without activation).
os.environ["PATH"] = str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")


@pytest.fixture(scope="session")
def course_root() -> Path:
    return ROOT


# ---------------------------------------------------------------------------------
# Lesson markers
# ---------------------------------------------------------------------------------

_LESSON_IN_ID = re.compile(r"(?<![0-9])0([1-7])_[a-z]")
_IMPORT = re.compile(r"^\s*(?:from|import)\s+backprop\.(\w+)", re.MULTILINE)
_FROM_PACKAGE = re.compile(r"^\s*from\s+backprop\s+import\s+([\w, ]+)", re.MULTILINE)


@functools.cache
def _library_lessons() -> dict[str, set[str]]:
    """Library module name -> its lessons ("3", ...).

    A module belongs to the lessons its docstring's first line names ("(lesson 3)",
    "(lessons 2 and 3)", "(every lesson)") and to every lesson whose solution notebook
    imports it.
    """
    found: dict[str, set[str]] = {}
    for module in sorted((ROOT / "backprop").glob("*.py")):
        doc = (ast.get_docstring(ast.parse(module.read_text(encoding="utf-8"))) or "")
        first = doc.split("\n", 1)[0]
        named = set("1234567") if "every lesson" in first else {
            d for run in re.findall(r"lessons?\s+([0-9][0-9, and]*)", first)
            for d in re.findall(r"[1-7]", run)}
        found[module.stem] = named
    for path in sorted((ROOT / "solutions").glob("0[1-7]_*/*.ipynb")):
        code = "\n".join("".join(c["source"]) for c in json.loads(path.read_text())["cells"]
                         if c["cell_type"] == "code")
        names = set(_IMPORT.findall(code))
        names |= {n.strip() for group in _FROM_PACKAGE.findall(code) for n in group.split(",")}
        for name in names:
            found.setdefault(name, set()).add(path.name[1])
    return found


# ---------------------------------------------------------------------------------
# Running in parallel (pytest-xdist, `--dist loadfile`): the longest files first
# ---------------------------------------------------------------------------------

# Seconds each file takes on one core, roughly (measured with --durations=0): xdist hands
# out whole files (a notebook's cells share a kernel, a file's tests its module fixtures),
# in the order collected, so the longest go first and no worker is left alone with one at
# the end. Other files count as 1 s.
_WEIGHTS = {
    "tests/lessons/test_browser.py": 200,
    "tests/course/test_autograde.py": 160,
    "tests/course/test_hostile.py": 150,
    "tests/course/test_autograde_lessons.py": 90,
    "solutions/07_review/07_review.ipynb": 45,
    "tests/course/test_sandbox.py": 45,
    "tests/course/test_release.py": 35,
    "tests/course/test_integrity.py": 30,
    "tests/course/test_validate.py": 30,
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test with its lessons and nbval's runs as slow; put long groups first."""
    for item in items:
        lessons = set(_LESSON_IN_ID.findall(item.nodeid))
        path = Path(str(item.path))
        if path.parent.name == "library" and path.stem.startswith("test_"):
            lessons |= _library_lessons().get(path.stem.removeprefix("test_"), set())
        for n in sorted(lessons):
            item.add_marker(getattr(pytest.mark, f"lesson{n}"))
        if path.suffix == ".ipynb":  # nbval: a whole notebook, cell by cell, in one kernel
            item.add_marker(pytest.mark.slow)
    # A stable sort keeps each group's own order (a notebook's cells run top to bottom).
    items.sort(key=lambda item: -_WEIGHTS.get(item.nodeid.split("::", 1)[0], 1))

def tool_env() -> dict[str, str]:
    """The environment for nbgrader's commands: this Python's bin folder first on PATH.

    nbgrader starts `alembic` and kernels through PATH, as in an activated virtualenv.
    """
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env.pop("JUPYTER_CONFIG_DIR", None)
    return env


def run_tool(args: list[str], cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run a command of this environment (nbgrader, backprop-course) and capture its output."""
    exe = shutil.which(args[0], path=str(Path(sys.executable).parent)) or args[0]
    return subprocess.run(
        [exe, *args[1:]], cwd=cwd, env=tool_env(), capture_output=True, text=True,
        timeout=timeout, check=False,
    )


def hidden_test_lines(nb) -> list[str]:
    """The non-empty lines between BEGIN and END HIDDEN TESTS in a source notebook."""
    lines, inside = [], False
    for cell in nb.cells:
        for line in cell.source.splitlines():
            if "BEGIN HIDDEN TESTS" in line:
                inside = True
            elif "END HIDDEN TESTS" in line:
                inside = False
            elif inside and line.strip():
                lines.append(line.strip())
    return lines


def stray_sandbox_processes() -> list[str]:
    """Processes of the sandbox uids that no grader holds: what a finished job left behind.

    Each grader on the machine (a test file in another worker, say) holds the lock of the
    uid its job runs as; a uid whose lock is free runs no job, so a process of it outlived
    its job. The free locks are held while looking, so that no job starts on them meanwhile.
    """
    import fcntl

    from backprop.course.sandbox import bubblewrap

    held, free = [], set()
    try:
        for uid in range(bubblewrap.BASE_UID, bubblewrap.BASE_UID + bubblewrap.MAX_SLOTS):
            path = bubblewrap.UID_LOCKS / f"{uid}.lock"
            if not path.is_file():
                free.add(uid)
                continue
            handle = open(path, "a")  # noqa: SIM115 (held until the end)
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                continue
            held.append(handle)
            free.add(uid)
        out = subprocess.run(["ps", "-eo", "uid=,pid=,args="], capture_output=True, text=True,
                             check=True).stdout
        return [line.strip() for line in out.splitlines()
                if line.split() and int(line.split()[0]) in free]
    finally:
        for handle in held:
            handle.close()


def _sandbox_problem() -> str | None:
    from backprop.course.sandbox import bubblewrap as sandbox

    try:
        sandbox.check_available()
    except sandbox.SandboxUnavailable as exc:
        return str(exc)
    return None


# For the tests that grade in the bubblewrap sandbox. Without a usable bwrap: skip with the
# reason on a workstation; in CI (which installs it) they run, and fail.
_SANDBOX_PROBLEM = _sandbox_problem()
needs_sandbox = pytest.mark.skipif(
    _SANDBOX_PROBLEM is not None and not os.environ.get("CI"),
    reason=f"the grading sandbox is unusable here: {_SANDBOX_PROBLEM}")
