"""The one door to the gradebook: db_url and the course id come from nbgrader_config.py."""

from __future__ import annotations

import shutil

import nbformat
import nbgrader.api
import pytest

from backprop.course import gradebook
from backprop.course.folders import CourseError
from backprop.course.gradebook import CellScore
from backprop.course.notebooks import graded_cells
from tests.conftest import ROOT

LESSON = "01_chain_rule"


def _course(tmp_path, extra: str = ""):
    """A course folder with lesson 1's source, and these lines added to its configuration."""
    shutil.copytree(ROOT / "solutions" / LESSON, tmp_path / "solutions" / LESSON)
    config = (ROOT / "nbgrader_config.py").read_text(encoding="utf-8")
    (tmp_path / "nbgrader_config.py").write_text(config + extra, encoding="utf-8")
    return tmp_path


def _register(course):
    """Record lesson 1's graded cells in the course's gradebook, with nbgrader's API."""
    nb = nbformat.read(course / "solutions" / LESSON / f"{LESSON}.ipynb", as_version=4)
    with gradebook.open_gradebook(course, create=True) as gb:
        gb.add_assignment(LESSON)
        gb.add_notebook(LESSON, LESSON)
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("grade"):
                gb.add_grade_cell(meta["grade_id"], LESSON, LESSON,
                                  max_score=meta["points"], cell_type="code")
            if meta.get("solution"):
                gb.add_solution_cell(meta["grade_id"], LESSON, LESSON)
        gb.db.commit()
    return graded_cells(nb)


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """Lesson 1 registered once in a gradebook: a new gradebook costs nbgrader a subprocess."""
    course = _course(tmp_path_factory.mktemp("template"))
    return course, _register(course)


def _registered(template, tmp_path):
    """A course of its own, with a copy of the template's gradebook file."""
    course, cells = template
    shutil.copy2(course / "gradebook.db", _course(tmp_path) / "gradebook.db")
    return tmp_path, cells


def test_the_shipped_configuration_names_a_course_local_gradebook():
    assert gradebook.db_url(ROOT) == f"sqlite:///{ROOT / 'gradebook.db'}"
    assert gradebook.course_id(ROOT) == "backprop-workbook"


def test_db_url_and_course_id_are_read_from_the_configuration(tmp_path):
    course = _course(tmp_path, '\nc.CourseDirectory.db_url = "sqlite:///" + '
                               'os.path.join(root, "grades", "class.db")\n'
                               'c.CourseDirectory.course_id = "bp-2027"\n')
    (course / "grades").mkdir()
    assert gradebook.db_url(course) == f"sqlite:///{course / 'grades' / 'class.db'}"
    assert gradebook.course_id(course) == "bp-2027"
    _register(course)
    assert (course / "grades" / "class.db").is_file()
    assert not (course / "gradebook.db").exists()
    with gradebook.open_gradebook(course) as gb:
        assert gb.course_id == "bp-2027" and [a.name for a in gb.assignments] == [LESSON]


def test_without_a_configuration_nbgraders_defaults_apply(tmp_path):
    assert gradebook.db_url(tmp_path) == f"sqlite:///{tmp_path.resolve() / 'gradebook.db'}"
    assert gradebook.course_id(tmp_path) == "default_course"


def test_reading_never_creates_an_empty_gradebook(tmp_path):
    course = _course(tmp_path)
    with pytest.raises(CourseError, match="no gradebook at .*autograde the class first"):
        with gradebook.open_gradebook(course):
            pass
    assert not (course / "gradebook.db").exists()
    assert gradebook.lesson_cells(course, LESSON) is None


def test_a_submission_is_recorded_in_one_opening_of_the_gradebook(template, tmp_path, monkeypatch):
    course, cells = _registered(template, tmp_path)
    assert gradebook.lesson_cells(course, LESSON) == {(c.grade_id, c.points) for c in cells}
    opened = []
    real = nbgrader.api.Gradebook.__init__

    def counting(self, *args, **kwargs):
        opened.append(args[0] if args else kwargs.get("db_url"))
        real(self, *args, **kwargs)

    monkeypatch.setattr(nbgrader.api.Gradebook, "__init__", counting)
    scores = [CellScore(c.grade_id, c.points if c.target == "tanh_backward" else 0.0, c.points,
                        "✓ fine" if c.target == "tanh_backward" else "mul_backward: swapped",
                        None if c.target == "tanh_backward" else "swapped")
              for c in cells]
    gradebook.record_submission(course, LESSON, "ann", scores)
    assert opened == [gradebook.db_url(course)]
    stored = {g.grade_id: g for g in gradebook.read_grades(course, LESSON)}
    tanh = next(c for c in cells if c.target == "tanh_backward")
    mul = next(c for c in cells if c.target == "mul_backward")
    assert stored[tanh.grade_id].score == tanh.points and stored[mul.grade_id].score == 0
    assert stored[mul.grade_id].diagnostic.mistake == "swapped"
    assert stored[tanh.grade_id].diagnostic.passed


def test_a_regrade_replaces_every_score_and_diagnosis(template, tmp_path):
    course, cells = _registered(template, tmp_path)
    full = [CellScore(c.grade_id, c.points, c.points, "✓") for c in cells]
    gradebook.record_submission(course, LESSON, "ann", full)
    failed = [CellScore(c.grade_id, 0.0, c.points, "not graded: the kernel died") for c in cells]
    gradebook.record_submission(course, LESSON, "ann", failed)
    stored = gradebook.read_grades(course, LESSON)
    assert {g.score for g in stored} == {0.0}
    assert all(g.diagnostic is None or not g.diagnostic.passed for g in stored)


def test_a_score_for_a_cell_the_lesson_lacks_is_refused(template, tmp_path):
    course, _ = _registered(template, tmp_path)
    with pytest.raises(ValueError, match="has no test cell 'ex9-test'"):
        gradebook.record_submission(course, LESSON, "ann", [CellScore("ex9-test", 1, 1, "?")])
