"""The learner's side runs without Linux-only modules; the grader says plainly it needs Linux.

A Python started with `resource` and `fcntl` hidden (as on Windows, where they don't
exist) imports the learner's library, the check library and `validate`, and passes a check;
`backprop-course autograde` there stops with a message that says what grading needs, not an
ImportError.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap

import pytest

from tests.conftest import ROOT

# Hidden before anything is imported: `import resource` then raises ImportError.
LESSON = "01_chain_rule"
HIDE = "import sys\nsys.modules['resource'] = None\nsys.modules['fcntl'] = None\n"


def _run(code: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", HIDE + textwrap.dedent(code)],
                          capture_output=True, text=True, timeout=timeout, cwd=ROOT,
                          check=False)


def test_the_learners_side_needs_no_linux_only_module():
    done = _run('''
        import backprop, backprop.grading, backprop.quiz, backprop.widgets, backprop.plots
        import backprop.course.validate
        from backprop.grading import check
        from backprop.layers import affine_forward
        def relu_backward(dout, x):
            return dout * (x > 0)
        check("relu_backward", relu_backward)
        import resource
    ''')
    assert "✓ relu_backward" in done.stdout, done.stderr[-2000:]
    assert "ModuleNotFoundError: import of resource halted" in done.stderr  # it was hidden


@pytest.mark.parametrize("extra", [[], ["--unsafe"]])
def test_the_grader_says_it_needs_linux(tmp_path, extra):
    shutil.copy2(ROOT / "nbgrader_config.py", tmp_path / "nbgrader_config.py")
    for top in ("solutions", "lessons"):
        shutil.copytree(ROOT / top / LESSON, tmp_path / top / LESSON)
    (tmp_path / "submitted" / "ann" / LESSON).mkdir(parents=True)
    shutil.copy2(ROOT / "lessons" / LESSON / f"{LESSON}.ipynb",
                 tmp_path / "submitted" / "ann" / LESSON / f"{LESSON}.ipynb")
    done = _run(f'''
        from backprop.course import cli
        sys.exit(cli.main(["autograde", {LESSON!r}, "--course", {str(tmp_path)!r},
                           *{extra!r}]))
    ''')
    assert done.returncode == 3, done.stdout + done.stderr[-2000:]
    assert "grade on Linux" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "gradebook.db").exists() or "ann" not in done.stdout
