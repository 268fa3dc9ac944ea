"""What a graded cell grades: the one parser (backprop.course.notebooks) every command uses."""

from __future__ import annotations

import nbformat
import pytest

from backprop.course.notebooks import CheckCall, GradedCell, graded_cells, parse_test_cell
from tests.conftest import ROOT


def test_parse_test_cell_reads_both_shapes_of_this_course():
    exercise = ('"""Check that mul_backward returns (dx, dy)."""\n'
                'check("mul_backward", mul_backward)\n'
                '### BEGIN HIDDEN TESTS\ncheck("mul_backward", mul_backward, hidden=True)\n'
                '### END HIDDEN TESTS')
    assert parse_test_cell(exercise) == CheckCall("exercise", "mul_backward", "mul_backward")
    quiz = ('check_choice("q2", q2)\ncheck_choice("q2", q2, answer="d", reread="section 3")')
    assert parse_test_cell(quiz) == CheckCall("quiz", "q2", "q2", answer="d", reread="section 3")
    assert parse_test_cell('check_choice("q1", q1, "abc")').choices == "abc"
    assert parse_test_cell('check_choice("q1", q1)').answer is None  # the release's cell


def test_parse_test_cell_reads_numbers_and_shapes_with_their_tolerance():
    number = ('check_number("q5", q5)\n'
              'check_number("q5", q5, answer=0.25, atol=1e-3, reread="section 2")')
    assert parse_test_cell(number) == CheckCall("quiz", "q5", "q5", answer=0.25,
                                                reread="section 2", form="number", atol=1e-3)
    shape = 'check_shape("q6", q6)\ncheck_shape("q6", q6, answer=(784, 100))'
    assert parse_test_cell(shape) == CheckCall("quiz", "q6", "q6", answer=(784, 100),
                                               form="shape")
    assert parse_test_cell('check_number("q5", q5)').answer is None
    # Two forms for one answer is not a shape of this course: left to a human.
    assert parse_test_cell('check_number("q5", q5)\ncheck_shape("q5", q5)') is None


@pytest.mark.parametrize("source", [
    "pass",
    "check = lambda *a: None",
    'check("a", a)\ncheck("b", b)',
    'check("a", a)\ncheck_choice("q1", q1)',
    "check(name, fn)",
    "def broken(:",
])
def test_parse_test_cell_leaves_anything_else_to_a_human(source):
    assert parse_test_cell(source) is None


@pytest.mark.parametrize("path", sorted((ROOT / "solutions").glob("*/*.ipynb")),
                         ids=lambda p: p.parent.name)
def test_every_graded_cell_of_the_course_is_understood(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade") and not meta.get("solution"):
            call = parse_test_cell(cell.source)
            assert call is not None, meta["grade_id"]
            assert call.kind == "exercise" or call.answer is not None, meta["grade_id"]


def _source(lesson: str) -> nbformat.NotebookNode:
    return nbformat.read(ROOT / "solutions" / lesson / f"{lesson}.ipynb", as_version=4)


def test_graded_cells_map_tests_to_answers():
    cells = {c.grade_id: c for c in graded_cells(_source("01_chain_rule"))}
    assert list(cells) == ["ex1-test", "ex2-test", "ex3-test", "ex4-test", "ex5-test",
                           "ex6-test", "q1-test", "q2-test", "q3-test", "q4-test", "q5-test"]
    assert cells["ex3-test"].target == "mul_backward"
    assert cells["ex3-test"].answer_id == "ex3-mul-backward"
    assert cells["ex5-test"].points == 3
    assert cells["q2-test"].target == "q2" and cells["q2-test"].answer_id == "q2-answer"
    assert {c.kind for c in cells.values()} == {"exercise", "quiz"}
    assert cells["q2-test"].answer is not None and cells["ex3-test"].variable == "mul_backward"


def test_written_answers_are_graded_cells_of_their_own():
    cells = graded_cells(_source("07_review"))
    written = [c for c in cells if c.kind == "written"]
    assert written, "lesson 7 has written answers graded by hand"
    assert all(not c.is_test and c.target == c.grade_id and c.variable == "" for c in written)
    assert all(c.answer_id is not None for c in cells if c.kind == "exercise")


def test_a_test_cell_of_another_shape_is_left_to_a_human():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("def f(): pass", metadata={"nbgrader": {
            "grade_id": "f", "solution": True, "grade": False}}),
        nbformat.v4.new_code_cell("assert f() is None", metadata={"nbgrader": {
            "grade_id": "f-test", "grade": True, "solution": False, "points": 2}}),
    ])
    assert graded_cells(nb) == [GradedCell("f-test", 2.0, "manual", "f-test", answer_id="f")]
