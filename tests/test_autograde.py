"""Autograde a small class with nbgrader's real commands, in a temporary course folder.

Students, per lesson:
- solver:  submits the solution notebook          -> full marks
- blank:   submits the untouched release           -> 0 on every graded cell, no crash
- mistake: one exercise written as a known mistake -> loses that exercise, sees its message
- looper:  one exercise loops forever              -> stopped by the timeout, the rest graded
Nobody's feedback shows a hidden test. Written answers (lesson 7) are manually graded
answer cells: nbgrader must flag the solver's for a human and give them no automatic score.
"""

from __future__ import annotations

import html
import re
import shutil

import nbformat
import pytest
from nbgrader.api import Gradebook

from backprop import course
from backprop.grading import REGISTRY

from .conftest import ROOT, hidden_test_lines, run_tool

pytestmark = pytest.mark.slow

LESSONS = course.lesson_ids(ROOT)
TIMEOUT = 8  # seconds per cell while autograding; every solution cell is far quicker
# ... but lesson 7's capstone test trains a deep network twice (visible and hidden splits).
TIMEOUTS = {"07_review": 40}


def _graded_exercises(lesson: str) -> list[str]:
    """The lesson's exercises, those with known mistakes first."""
    own = [ex for ex in REGISTRY.values() if ex.lesson == lesson]
    return [ex.id for ex in sorted(own, key=lambda ex: not ex.mistakes)]


def _manual_ids(nb: nbformat.NotebookNode) -> set[str]:
    return {c.metadata["nbgrader"]["grade_id"] for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("grade")
            and c.metadata["nbgrader"].get("solution")}


def _replace_definition(nb: nbformat.NotebookNode, name: str, source: str) -> None:
    """Replace the solution cell that defines `name` with new source, as a student would."""
    cells = [c for c in nb.cells if c.cell_type == "code" and f"def {name}(" in c.source
             and c.metadata.get("nbgrader", {}).get("solution")]
    assert len(cells) == 1, f"expected one solution cell defining {name}"
    cells[0].source = source


def _test_cell_id(nb: nbformat.NotebookNode, name: str) -> str:
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("grade") and f'check("{name}", {name})' in cell.source:
            return meta["grade_id"]
    raise AssertionError(f"no test cell checks {name}")


def _text(page: str) -> str:
    """The visible text of an HTML page: tags removed, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", page))


@pytest.fixture(scope="module", params=LESSONS)
def graded(request, tmp_path_factory):
    """Release one lesson, collect four submissions, autograde them and make feedback."""
    lesson = request.param
    root = tmp_path_factory.mktemp(f"class-{lesson}")
    shutil.copy2(ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
    shutil.copytree(ROOT / "solutions" / lesson, root / "solutions" / lesson)

    result = run_tool(["nbgrader", "generate_assignment", lesson, "--force"], cwd=root)
    assert result.returncode == 0, result.stderr

    source = nbformat.read(root / "solutions" / lesson / f"{lesson}.ipynb", as_version=4)
    release = nbformat.read(root / "lessons" / lesson / f"{lesson}.ipynb", as_version=4)
    exercises = _graded_exercises(lesson)
    first, second = exercises[0], exercises[-1] if len(exercises) > 1 else exercises[0]
    mistake = REGISTRY[first].mistakes[0] if REGISTRY[first].mistakes else None

    with_mistake = nbformat.from_dict(source)
    if mistake is not None:
        _replace_definition(with_mistake, first, (
            "from backprop.grading import REGISTRY\n\n"
            f"_mistake = next(m for m in REGISTRY[{first!r}].mistakes\n"
            f"                if m.name == {mistake.name!r})\n\n"
            f"def {first}(*args):\n    return _mistake.compute(*args)\n"
        ))
    looping = nbformat.from_dict(source)
    _replace_definition(looping, second, f"def {second}(*args):\n    while True:\n        pass\n")

    for student, nb in [("solver", source), ("blank", release),
                        ("mistake", with_mistake), ("looper", looping)]:
        folder = root / "submitted" / student / lesson
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{lesson}.ipynb")

    result = run_tool(
        ["nbgrader", "autograde", lesson, "--force",
         f"--Execute.timeout={TIMEOUTS.get(lesson, TIMEOUT)}"], cwd=root,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    result = run_tool(["nbgrader", "generate_feedback", lesson, "--force"], cwd=root)
    assert result.returncode == 0, result.stdout + result.stderr

    grades, manual = {}, {}
    manual_ids = _manual_ids(source)
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", course_id="backprop-workbook") as gb:
        for student in ("solver", "blank", "mistake", "looper"):
            sub = gb.find_submission_notebook(lesson, lesson, student)
            grades[student] = {g.name: (g.score, g.max_score) for g in sub.grades
                               if g.name not in manual_ids}
            manual[student] = {g.name: (g.auto_score, g.needs_manual_grade) for g in sub.grades
                               if g.name in manual_ids}
    feedback = {
        student: (root / "feedback" / student / lesson / f"{lesson}.html").read_text()
        for student in grades
    }
    return {
        "lesson": lesson, "source": source, "grades": grades, "feedback": feedback,
        "manual": manual, "manual_ids": manual_ids,
        "first": first, "second": second, "mistake": mistake,
    }


def test_the_solution_gets_full_marks(graded):
    grades = graded["grades"]["solver"]
    assert grades, "no graded cells"
    lost = {name: g for name, g in grades.items() if g[0] != g[1]}
    assert not lost, f"points lost by the solution: {lost}"
    assert sum(g[1] for g in grades.values()) > 0


def test_the_untouched_release_gets_zero_everywhere(graded):
    grades = graded["grades"]["blank"]
    assert set(grades) == set(graded["grades"]["solver"])
    assert {name: score for name, (score, _) in grades.items() if score != 0} == {}


def test_written_answers_need_a_human_and_get_no_automatic_score(graded):
    manual = graded["manual"]
    assert set(manual["solver"]) == graded["manual_ids"]
    for name, (auto_score, needs_manual) in manual["solver"].items():
        assert needs_manual and auto_score is None, (name, auto_score, needs_manual)
    # nbgrader scores an answer cell left as it was handed out 0, with nothing to read.
    for name, (auto_score, needs_manual) in manual["blank"].items():
        assert not needs_manual and auto_score == 0, (name, auto_score, needs_manual)


def test_a_known_mistake_loses_that_exercise_and_says_why(graded):
    if graded["mistake"] is None:
        pytest.skip(f"{graded['first']} is open-ended: it has no known mistakes")
    nb, grades = graded["source"], graded["grades"]["mistake"]
    cell = _test_cell_id(nb, graded["first"])
    assert grades[cell][0] == 0
    others = {name: g for name, g in grades.items() if name != cell and g[0] != g[1]}
    assert not others, f"other cells lost points: {others}"
    assert graded["mistake"].message in _text(graded["feedback"]["mistake"])


def test_an_infinite_loop_is_stopped_and_the_rest_is_graded(graded):
    nb, grades = graded["source"], graded["grades"]["looper"]
    cell = _test_cell_id(nb, graded["second"])
    assert grades[cell][0] == 0
    others = {name: g for name, g in grades.items() if name != cell and g[0] != g[1]}
    assert not others, f"cells after the loop were not graded: {others}"


def test_feedback_never_shows_hidden_tests(graded):
    hidden = hidden_test_lines(graded["source"])
    assert hidden, "the lesson has no hidden tests"
    for student, page in graded["feedback"].items():
        text = _text(page)
        leaked = [line for line in hidden if line in text]
        assert not leaked, f"{student}'s feedback shows hidden tests: {leaked[:3]}"
    # The search itself works: the visible part of a test cell is in the feedback.
    first = graded["first"]
    assert f'check("{first}", {first})' in _text(graded["feedback"]["blank"])
