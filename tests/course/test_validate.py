"""`validate`: a learner's own check of a real lesson notebook before handing it in."""

from __future__ import annotations

import json

import nbformat
import pytest

from backprop.course.folders import CourseError
from backprop.course.validate import validate
from tests.conftest import ROOT

LESSON = "01_chain_rule"
SWAPPED = '''def mul_backward(dout, cache):
    x, y = cache
    return dout * x, dout * y
'''


def _solved() -> nbformat.NotebookNode:
    """The release notebook with every answer cell filled in from the solution."""
    release = nbformat.read(ROOT / "lessons" / LESSON / f"{LESSON}.ipynb", as_version=4)
    source = nbformat.read(ROOT / "solutions" / LESSON / f"{LESSON}.ipynb", as_version=4)
    answers = {c.metadata["nbgrader"]["grade_id"]: c.source for c in source.cells
               if c.metadata.get("nbgrader", {}).get("solution")}
    for cell in release.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            cell.source = answers[meta["grade_id"]]
    return release


def _cell(nb: nbformat.NotebookNode, grade_id: str) -> nbformat.NotebookNode:
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def _write(tmp_path, nb, name=f"{LESSON}.ipynb"):
    path = tmp_path / LESSON / name
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


@pytest.mark.slow
def test_a_solved_notebook_passes(tmp_path):
    report = validate(_write(tmp_path, _solved()), ROOT, timeout=60)
    assert report.lesson == LESSON
    assert [c.grade_id for c in report.checks] == [
        "ex1-test", "ex2-test", "ex3-test", "ex4-test", "ex5-test", "ex6-test",
        "q1-test", "q2-test", "q3-test", "q4-test", "q5-test"]
    assert all(c.passed for c in report.checks), report.text()
    assert report.problems == [] and report.errors == []
    assert report.exit_code == 0
    assert "11 of 11 checks pass, 0 problem(s): ready to hand in." in report.text()
    assert "hidden check" not in report.text()  # visible cases only


@pytest.mark.slow
def test_a_known_mistake_is_named(tmp_path):
    nb = _solved()
    _cell(nb, "ex3-mul-backward").source = SWAPPED
    report = validate(_write(tmp_path, nb), ROOT)
    assert report.exit_code == 1
    failed = [c for c in report.checks if not c.passed]
    # The solution of neuron_backward calls the learner's mul_backward: the mistake spreads.
    assert [(c.grade_id, c.name, c.mistake) for c in failed] == [
        ("ex3-test", "mul_backward", "swapped"),
        ("ex5-test", "neuron_backward", "swapped_inputs")]
    assert failed[0].message.startswith("mul_backward: dx and dy are swapped.")
    assert "✗ ex3-test [mul_backward]: mul_backward: dx and dy are swapped." in report.text()
    assert "9 of 11 checks pass" in report.text()


@pytest.mark.slow
def test_nbgrader_problems_are_reported(tmp_path):
    nb = _solved()
    copy = nbformat.from_dict(json.loads(json.dumps(_cell(nb, "ex3-test"))))
    copy.id = "my-copy"
    nb.cells.insert(nb.cells.index(_cell(nb, "ex3-test")) + 1, copy)
    _cell(nb, "q2-test").source = 'q2 = "d"'
    nb.cells.remove(_cell(nb, "q4-test"))
    nb.metadata.kernelspec = {"name": "julia-1.9", "display_name": "Julia", "language": "julia"}
    report = validate(_write(tmp_path, nb, name="copy of lesson.ipynb"), ROOT)
    assert report.lesson == LESSON  # told by its folder
    problems = "\n".join(report.problems)
    assert "nbgrader looks for 01_chain_rule.ipynb" in problems
    assert "the cell 'ex3-test' appears 2 times" in problems
    assert "the read-only cell 'q2-test' was edited" in problems
    assert "the cell 'q4-test' is missing" in problems
    assert "the kernel 'julia-1.9', not 'python3'" in problems
    assert len(report.problems) == 5
    assert report.exit_code == 1
    assert "5 problem(s): not ready yet." in report.text()


def test_a_broken_file_is_a_problem_not_a_crash(tmp_path):
    path = tmp_path / LESSON / f"{LESSON}.ipynb"
    path.parent.mkdir()
    path.write_text('{"cells": [', encoding="utf-8")
    report = validate(path, ROOT)
    assert report.lesson == LESSON and report.checks == []
    assert report.problems[0].startswith("this is not a notebook nbgrader can read")
    assert report.exit_code == 1


def test_clear_errors(tmp_path):
    with pytest.raises(CourseError, match="no notebook at"):
        validate(tmp_path / "nothing.ipynb", ROOT)
    stray = _write(tmp_path, nbformat.v4.new_notebook(), name="notes.ipynb")
    (tmp_path / LESSON).rename(tmp_path / "misc")
    with pytest.raises(CourseError, match="can't tell which lesson notes.ipynb is"):
        validate(tmp_path / "misc" / stray.name, ROOT)
    with pytest.raises(CourseError, match="no course folder"):
        validate(_write(tmp_path, _solved()), tmp_path)


@pytest.mark.slow
def test_a_learners_copy_outside_any_checkout_is_checked_with_the_package_alone(
        tmp_path, monkeypatch, capfd):
    """On a hub there is no solutions/ nor lessons/: the visible checks still run."""
    nb = _solved()
    _cell(nb, "ex3-mul-backward").source = SWAPPED
    nb.cells.insert(3, nbformat.v4.new_code_cell("1 / 0"))  # the 4th cell, counted from 1
    path = tmp_path / f"{LESSON}.ipynb"
    nbformat.write(nb, path)
    monkeypatch.chdir(tmp_path)
    report = validate(path, timeout=60)
    assert report.lesson == LESSON
    assert len(report.checks) == 11
    failed = [c.grade_id for c in report.checks if not c.passed]
    assert failed == ["ex3-test", "ex5-test"]  # neuron_backward is built on mul_backward
    assert report.errors == ["cell 4: ZeroDivisionError"]
    assert report.notes and "not compared with the lesson as released" in report.notes[0]
    assert "Note: no course folder here" in report.text()
    assert "Kernel is running over TCP" not in capfd.readouterr().err
