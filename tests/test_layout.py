"""The package's layout holds: the import contracts can fail, modules and functions stay small."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGE = ROOT / "backprop"
MAX_MODULE_LINES = 900
MAX_FUNCTION_LINES = 80  # of code: a function's docstring (Args, shapes, Returns) is not counted

CONTRACTS = {
    "wings": "The wings: course tools above the check library and the widgets",
    "library": "The learner's library needs nothing but numpy, matplotlib and tqdm",
    "grading": "The check library imports only the learner's library and numpy",
    "lessons": "A lesson's exercises never import another lesson's",
    "nbgrader": "Only the course tools import nbgrader and nbclient",
    "gradebook": "Only course/gradebook.py opens the gradebook",
}


def _lint(folder: Path) -> subprocess.CompletedProcess:
    """Run import-linter with the project's contracts on the copy of the package in folder."""
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or "lint-imports"
    env = dict(os.environ, PYTHONPATH=str(folder))  # the copy, not the installed package
    return subprocess.run([exe, "--no-cache", "--no-logo"], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=120, check=False)


@pytest.fixture
def copy(tmp_path):
    shutil.copytree(PACKAGE, tmp_path / "backprop",
                    ignore=shutil.ignore_patterns("__pycache__", "_datasets"))
    shutil.copy2(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def _broken(output: str) -> set[str]:
    """The contracts import-linter's summary lists as BROKEN (it wraps long lines)."""
    text = " ".join(output.split())
    found = set()
    for key, name in CONTRACTS.items():
        rest = text.split(name, 1)[1] if name in text else ""
        kept, broke = rest.find(" KEPT"), rest.find(" BROKEN")
        if broke != -1 and (kept == -1 or broke < kept):
            found.add(key)
    return found


def test_the_package_keeps_every_contract(copy):
    result = _lint(copy)
    assert result.returncode == 0, result.stdout + result.stderr
    text = " ".join(result.stdout.split())
    assert f"Contracts: {len(CONTRACTS)} kept, 0 broken" in text
    assert all(name in text for name in CONTRACTS.values())


@pytest.mark.parametrize(("module", "line", "broken"), [
    # ... and, through grading's import of every lesson, lesson 3 would reach lesson 1.
    ("layers.py", "from backprop.grading import check", {"wings", "lessons"}),
    # ... and the library would reach ipywidgets through the widgets.
    ("plots.py", "from backprop.widgets import playground", {"wings", "library"}),
    ("widgets/render.py", "import backprop.grading", {"wings"}),
    ("grading/judge.py", "from backprop.course import folders", {"wings"}),
    ("grading/compare.py", "import matplotlib.pyplot", {"grading"}),
    ("grading/exercises/lesson03_mlp.py",
     "from backprop.grading.exercises import lesson01_chain_rule", {"lessons"}),
    # ... and the check library, which loads the digits through data, with it.
    ("data.py", "import nbformat", {"library", "grading"}),
    ("grading/messages.py", "import nbclient", {"grading", "nbgrader"}),
    ("widgets/render.py", "import nbgrader", {"nbgrader", "gradebook"}),
    ("course/report.py", "from nbgrader.api import Gradebook", {"gradebook"}),
    ("new_helper.py", "import numpy", {"wings"}),  # a new module must be given a wing
], ids=lambda v: v if isinstance(v, str) and v.endswith(".py") else None)
def test_a_forbidden_import_breaks_its_contract(copy, module, line, broken):
    path = copy / "backprop" / module
    text = path.read_text(encoding="utf-8") if path.is_file() else '"""New."""\n'
    path.write_text(text + f"\n{line}  # noqa\n", encoding="utf-8")
    result = _lint(copy)
    assert result.returncode != 0, result.stdout
    assert _broken(result.stdout) == broken, result.stdout


def _code_lines(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    lines = node.end_lineno - node.lineno + 1
    first = node.body[0]
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
            and isinstance(first.value.value, str):
        lines -= first.end_lineno - first.lineno + 1
    return lines


def test_no_module_is_too_long_and_no_function_either():
    too_long, functions = [], []
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if len(text.splitlines()) > MAX_MODULE_LINES:
            too_long.append(f"{path.relative_to(ROOT)}: {len(text.splitlines())} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) \
                    and _code_lines(node) > MAX_FUNCTION_LINES:
                functions.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}: "
                                 f"{_code_lines(node)} lines of code")
    assert too_long == [], f"modules over {MAX_MODULE_LINES} lines: {too_long}"
    assert functions == [], f"functions over {MAX_FUNCTION_LINES} lines of code: {functions}"


def test_every_package_says_where_its_concerns_live():
    import importlib

    for name in ("backprop", "backprop.widgets", "backprop.grading",
                 "backprop.grading.exercises", "backprop.course", "backprop.course.sandbox"):
        package = importlib.import_module(name)
        folder = Path(package.__file__).parent
        doc = package.__doc__ or ""
        for child in sorted(folder.iterdir()):
            stem = child.stem if child.suffix == ".py" else child.name
            if child.name.startswith("__") or (child.is_dir() and not (
                    child / "__init__.py").is_file()) or child.suffix not in (".py", ""):
                continue
            assert stem in doc, f"{name}'s docstring does not say what {child.name} holds"
