"""Autograde a small class with nbgrader's real commands, in a temporary course folder.

Every lesson of the course is released, collected and graded in one nbgrader run (its
commands take a glob of assignments), so the class is graded once and every test reads it.
`backprop-course autograde` grades the solution and the untouched release of every lesson in
the sandbox (test_autograde_lessons.py); this class shows that nbgrader's own `autograde` and
`generate_feedback` agree with it, grading each notebook once (and the solution nowhere:
the sandboxed run grades it). Students, per lesson:
- mistake: the solution with one exercise written as a known mistake -> loses that exercise
           and only that one (so every other graded cell of the solution gets full marks
           from nbgrader too), and sees the mistake's message in the feedback;
- shortfall and blank, in a lesson with no known mistake (lesson 7's open-ended capstone):
           an answer that falls short of the capstone's criterion loses it, sees why, and
           gets every other point; the untouched release gets 0 everywhere, with no crash;
and, in lesson 1 only (nbgrader interrupts a loop the same way in every lesson):
- looper:  one exercise loops forever              -> stopped by the timeout, the rest graded
Nobody's feedback shows a hidden test. Written answers (lesson 7) are manually graded
answer cells: nbgrader must flag the solution's (kept by the shortfall student) for a human
and give them no automatic score.
"""

from __future__ import annotations

import html
import re
import shutil

import nbformat
import pytest
from nbgrader.api import Gradebook

from backprop.course.folders import lesson_ids
from backprop.grading import REGISTRY, cases_for
from tests.conftest import ROOT, hidden_test_lines, run_tool

pytestmark = pytest.mark.slow

LESSONS = lesson_ids(ROOT)
# Seconds per cell while autograding: lesson 7's capstone test trains a deep network twice
# (visible and hidden splits); every other solution cell is far quicker. The looper is
# graded on its own, with a shorter timeout, since each of its cells that calls the
# looping function waits the whole timeout.
TIMEOUT = 40
LOOPER_TIMEOUT = 4
LOOP_LESSON = LESSONS[0]


def _has_mistakes(lesson: str) -> bool:
    return any(ex.mistakes for ex in REGISTRY.values() if ex.lesson == lesson)


def _has_written_answers(lesson: str) -> bool:
    nb = nbformat.read(ROOT / "solutions" / lesson / f"{lesson}.ipynb", as_version=4)
    return bool(_manual_ids(nb))


# Who hands in what (the module docstring): a "mistake" where the lesson has a known
# mistake, else the solution and the release.
WITH_MISTAKE = [lesson for lesson in LESSONS if _has_mistakes(lesson)]
WITHOUT_MISTAKE = [lesson for lesson in LESSONS if not _has_mistakes(lesson)]


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


def _students(root, lesson: str) -> dict[str, dict]:
    """Write the lesson's submissions; return what each test needs to know about them."""
    source = nbformat.read(root / "solutions" / lesson / f"{lesson}.ipynb", as_version=4)
    release = nbformat.read(root / "lessons" / lesson / f"{lesson}.ipynb", as_version=4)
    exercises = _graded_exercises(lesson)
    functions = [e for e in exercises if REGISTRY[e].harness is None]  # not a class to write
    first, second = exercises[0], functions[-1]
    mistake = REGISTRY[first].mistakes[0] if REGISTRY[first].mistakes else None
    students = {}
    if mistake is None:
        # An open-ended exercise (the capstone): a submission that falls short of its
        # criterion, predicting one class for every image, costs no training; beside it,
        # the untouched release.
        shortfall = nbformat.from_dict(source)
        _replace_definition(shortfall, first, SHORTFALL[first])
        students = {"shortfall": shortfall, "blank": release}
    else:
        with_mistake = nbformat.from_dict(source)
        _replace_definition(with_mistake, first, (
            "from backprop.grading import REGISTRY\n\n"
            f"_mistake = next(m for m in REGISTRY[{first!r}].mistakes\n"
            f"                if m.name == {mistake.name!r})\n\n"
            f"def {first}(*args):\n    return _mistake.compute(*args)\n"
        ))
        students["mistake"] = with_mistake
    if lesson == LOOP_LESSON:
        looping = nbformat.from_dict(source)
        _replace_definition(looping, second,
                            f"def {second}(*args):\n    while True:\n        pass\n")
        students["looper"] = looping
    for student, nb in students.items():
        folder = root / "submitted" / student / lesson
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{lesson}.ipynb")
    return {"lesson": lesson, "source": source, "students": list(students),
            "manual_ids": _manual_ids(source), "first": first, "second": second,
            "mistake": mistake, "shortfall": _shortfall_message(first) if not mistake else None}


# An answer to each open-ended exercise that runs at once and falls short of its criterion.
# (The capstone's: deep enough, 12 weight matrices from 64 inputs to 10 classes, and every
# prediction the digit 0.)
SHORTFALL = {"train_capstone": (
    "import numpy as np\n\n"
    "def train_capstone(X_train, y_train, X_test):\n"
    "    sizes = [64] + [16] * 11 + [10]\n"
    "    params = {f\"W{i + 1}\": np.zeros((sizes[i], sizes[i + 1])) for i in range(12)}\n"
    "    return np.zeros(len(X_test), dtype=int), params\n")}


def _shortfall_message(exercise_id: str) -> str:
    """What the open-ended exercise's criterion says of the SHORTFALL answer (visible case)."""
    case = cases_for(exercise_id, hidden=False)[0]
    namespace: dict = {}
    exec(SHORTFALL[exercise_id], namespace)  # our own answer above, not a student's
    message = REGISTRY[exercise_id].accept(case, tuple(namespace[exercise_id](*case.args)))
    assert message, "the shortfall answer should fall short"
    return message


def _nbgrader(root, *args: str) -> None:
    result = run_tool(["nbgrader", *args], cwd=root)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    """Release every lesson, collect the submissions, autograde them and make feedback."""
    root = tmp_path_factory.mktemp("class")
    shutil.copy2(ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
    shutil.copytree(ROOT / "solutions", root / "solutions",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints", "jupytext.toml"))
    _nbgrader(root, "generate_assignment", "*", "--force")
    for lesson in LESSONS:
        # nbgrader's own release leaves the solution's text twin out (CourseDirectory.ignore).
        assert (root / "solutions" / lesson / f"{lesson}.py").is_file()
        assert list((root / "lessons" / lesson).glob("*.py")) == []
    plans = {lesson: _students(root, lesson) for lesson in LESSONS}
    _nbgrader(root, "autograde", "*", "--force", f"--Execute.timeout={TIMEOUT}",
              "--CourseDirectory.student_id_exclude=looper")
    _nbgrader(root, "autograde", LOOP_LESSON, "--force", "--student=looper",
              f"--Execute.timeout={LOOPER_TIMEOUT}")
    # Feedback for everyone: each of them fails something.
    _nbgrader(root, "generate_feedback", "*", "--force")
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", course_id="backprop-workbook") as gb:
        for lesson, plan in plans.items():
            manual_ids, grades, manual = plan["manual_ids"], {}, {}
            for student in plan["students"]:
                sub = gb.find_submission_notebook(lesson, lesson, student)
                grades[student] = {g.name: (g.score, g.max_score) for g in sub.grades
                                   if g.name not in manual_ids}
                manual[student] = {g.name: (g.auto_score, g.needs_manual_grade)
                                   for g in sub.grades if g.name in manual_ids}
            plan["grades"], plan["manual"] = grades, manual
            plan["feedback"] = {
                student: (root / "feedback" / student / lesson / f"{lesson}.html").read_text()
                for student in grades}
    return plans


@pytest.fixture
def graded(request, graded_class):
    """One lesson of the graded class (parametrised indirectly, by lesson)."""
    return graded_class[request.param]


def test_every_lesson_is_graded(graded_class):
    assert sorted(graded_class) == LESSONS
    for lesson, plan in graded_class.items():
        assert plan["grades"], f"{lesson}: nobody was graded"
        for student, grades in plan["grades"].items():
            assert grades and sum(g[1] for g in grades.values()) > 0, (lesson, student)


def by_lesson(lessons: list[str]):
    return pytest.mark.parametrize("graded", lessons, indirect=True)


# Exercises whose check runs the learner's own earlier functions: a wrong one costs them too.
BUILT_ON = {
    "neuron_backward": {"mul_backward", "tanh_backward"},
    "network_loss": {"batchnorm_forward", "batchnorm_backward", "dropout_forward",
                     "dropout_backward"},
}


def assert_only_that_exercise_is_lost(graded, student: str, exercise_id: str) -> None:
    """The student's check of exercise_id got 0 (and of those built on it), every other full."""
    grades = graded["grades"][student]
    lost = {exercise_id} | {e for e, on in BUILT_ON.items() if exercise_id in on}
    cells = {_test_cell_id(graded["source"], e) for e in lost
             if REGISTRY[e].lesson == REGISTRY[exercise_id].lesson}
    assert all(grades[cell][0] == 0 for cell in cells), {c: grades[c] for c in cells}
    others = {name: g for name, g in grades.items() if name not in cells and g[0] != g[1]}
    assert not others, f"other cells lost points: {others}"


@by_lesson(WITHOUT_MISTAKE)
def test_an_answer_short_of_the_criterion_loses_that_exercise_and_says_why(graded):
    assert_only_that_exercise_is_lost(graded, "shortfall", graded["first"])
    assert graded["shortfall"] in _text(graded["feedback"]["shortfall"])


@by_lesson(WITHOUT_MISTAKE)
def test_the_untouched_release_gets_zero_everywhere(graded):
    grades = graded["grades"]["blank"]
    assert set(grades) == set(graded["grades"]["shortfall"])
    assert {name: score for name, (score, _) in grades.items() if score != 0} == {}


@by_lesson([lesson for lesson in WITHOUT_MISTAKE if _has_written_answers(lesson)])
def test_written_answers_need_a_human_and_get_no_automatic_score(graded):
    manual = graded["manual"]
    assert set(manual["shortfall"]) == graded["manual_ids"]  # the solution's written answers
    for name, (auto_score, needs_manual) in manual["shortfall"].items():
        assert needs_manual and auto_score is None, (name, auto_score, needs_manual)
    # nbgrader scores an answer cell left as it was handed out 0, with nothing to read.
    for name, (auto_score, needs_manual) in manual["blank"].items():
        assert not needs_manual and auto_score == 0, (name, auto_score, needs_manual)


@by_lesson(WITH_MISTAKE)
def test_a_known_mistake_loses_that_exercise_and_says_why(graded):
    assert_only_that_exercise_is_lost(graded, "mistake", graded["first"])
    assert graded["mistake"].message in _text(graded["feedback"]["mistake"])


def test_an_infinite_loop_is_stopped_and_the_rest_is_graded(graded_class):
    graded = graded_class[LOOP_LESSON]
    # Only the looping exercise is lost: every cell after it was still graded.
    assert_only_that_exercise_is_lost(graded, "looper", graded["second"])


@by_lesson(LESSONS)
def test_feedback_never_shows_hidden_tests(graded):
    hidden = hidden_test_lines(graded["source"])
    assert hidden, "the lesson has no hidden tests"
    for student, page in graded["feedback"].items():
        text = _text(page)
        leaked = [line for line in hidden if line in text]
        assert not leaked, f"{student}'s feedback shows hidden tests: {leaked[:3]}"
    # The search itself works: the visible part of a test cell is in the feedback.
    first = graded["first"]
    student = "mistake" if "mistake" in graded["feedback"] else "shortfall"
    assert f'check("{first}", {first})' in _text(graded["feedback"][student])
