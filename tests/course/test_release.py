"""The release pipeline: lessons/ is generated from solutions/ by nbgrader, cleanly."""

from __future__ import annotations

import filecmp
import shutil
from pathlib import Path

import nbformat
import pytest

from backprop.course.cli import main
from backprop.course.folders import lesson_ids
from tests.conftest import ROOT, run_tool


def _tree(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


@pytest.fixture(scope="module")
def released(tmp_path_factory) -> Path:
    """A copy of the course without lessons/, released once with the real command."""
    tmp = tmp_path_factory.mktemp("course")
    shutil.copy2(ROOT / "nbgrader_config.py", tmp / "nbgrader_config.py")
    shutil.copytree(ROOT / "solutions", tmp / "solutions",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    result = run_tool(["backprop-course", "release"], cwd=tmp)
    assert result.returncode == 0, result.stdout + result.stderr
    return tmp


def test_there_are_lessons():
    assert lesson_ids(ROOT), "solutions/ holds no lesson"


@pytest.mark.slow
def test_lessons_do_not_drift_from_what_release_produces(released):
    committed, fresh = ROOT / "lessons", released / "lessons"
    assert _tree(committed) == _tree(fresh), "run `backprop-course release`: files differ"
    differing = [
        name for name in _tree(fresh)
        if not filecmp.cmp(committed / name, fresh / name, shallow=False)
    ]
    assert not differing, f"lessons/ is out of date, run `backprop-course release`: {differing}"


@pytest.mark.slow
def test_the_solutions_text_twins_are_never_released(released):
    assert sorted(p.name for p in (released / "solutions").rglob("*.py")), "no twins to test"
    assert list((released / "lessons").rglob("*.py")) == []


@pytest.mark.slow
def test_release_leaves_no_debris(released):
    # The start page is part of the release: it lists the released lessons.
    assert sorted(p.name for p in released.iterdir()) == [
        "START_HERE.ipynb", "lessons", "nbgrader_config.py", "solutions",
    ]


@pytest.mark.slow
def test_release_twice_changes_nothing(released):
    before = {n: (released / "lessons" / n).read_bytes() for n in _tree(released / "lessons")}
    result = run_tool(["backprop-course", "release"], cwd=released)
    assert result.returncode == 0, result.stderr
    assert "already up to date" in result.stdout
    after = {n: (released / "lessons" / n).read_bytes() for n in _tree(released / "lessons")}
    assert before == after


@pytest.mark.slow
def test_release_removes_a_lesson_whose_solution_is_gone(released, tmp_path):
    # A course of two lessons is enough (and a third of the time of all of them).
    copy, kept = tmp_path / "course", lesson_ids(released)[:2]
    copy.mkdir()
    shutil.copy2(released / "nbgrader_config.py", copy / "nbgrader_config.py")
    for lesson in kept:
        for top in ("solutions", "lessons"):
            shutil.copytree(released / top / lesson, copy / top / lesson)
    (copy / "lessons" / "99_old").mkdir()
    (copy / "lessons" / "99_old" / "99_old.ipynb").write_text("{}")
    assert main(["release", "--course", str(copy), kept[0]]) == 0
    assert (copy / "lessons" / "99_old").exists()  # a partial release leaves others alone
    assert main(["release", "--course", str(copy)]) == 0
    assert not (copy / "lessons" / "99_old").exists()
    assert sorted(p.name for p in (copy / "lessons").iterdir()) == kept


def test_release_outside_a_course_fails_clearly(tmp_path, capsys):
    assert main(["release", "--course", str(tmp_path)]) == 2
    assert "no course folder" in capsys.readouterr().err


def test_release_of_an_unknown_lesson_fails_clearly(capsys):
    assert main(["release", "--dest", "/nonexistent", "08_nope"]) == 2
    err = capsys.readouterr().err
    assert "no such lesson" in err and "01_chain_rule" in err


def test_strip_removes_outputs(tmp_path):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("1 + 1", execution_count=3)
    cell.outputs = [nbformat.v4.new_output("execute_result", {"text/plain": "2"},
                                           execution_count=3)]
    cell.metadata["ExecuteTime"] = {"start": "x"}
    nb.cells.append(cell)
    nb.metadata["widgets"] = {"state": {}}
    path = tmp_path / "a.ipynb"
    nbformat.write(nb, path)
    assert main(["strip", str(path)]) == 0
    clean = nbformat.read(path, as_version=4)
    assert clean.cells[0].outputs == [] and clean.cells[0].execution_count is None
    assert "ExecuteTime" not in clean.cells[0].metadata and "widgets" not in clean.metadata
