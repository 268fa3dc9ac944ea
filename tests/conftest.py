"""Shared fixtures: where the course is, and how to run nbgrader like an instructor would."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")  # no display in tests

ROOT = Path(__file__).resolve().parent.parent

# As in an activated virtualenv: nbgrader's Gradebook starts `alembic` through PATH, and the
# tests open gradebooks directly too (`.venv/bin/python -m pytest` works without activation).
os.environ["PATH"] = str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")


@pytest.fixture(scope="session")
def course_root() -> Path:
    return ROOT


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


def _sandbox_problem() -> str | None:
    from backprop import sandbox

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
