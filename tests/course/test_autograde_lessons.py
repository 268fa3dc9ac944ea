"""`backprop-course autograde` on every lesson: the solution and the untouched release.

One temporary course with every lesson; two students hand in every lesson, one the solution
notebook and one the release as it was given out. Graded through the real command line, in
the sandbox. The solution must get every autograded point, and every manually graded
answer cell (lesson 7's written answers) must come out as "needs manual grading" with no
automatic score: never an error, never points the grader can't justify. The untouched
release gets 0 everywhere, and its untouched written answers need no manual grading either.
"""

from __future__ import annotations

import csv
import shutil

import nbformat
import pytest
from nbgrader.api import Gradebook

from backprop.course import cli, report
from backprop.course.folders import lesson_ids
from tests.conftest import ROOT, needs_sandbox

LESSONS = lesson_ids(ROOT)
COURSE_ID = "backprop-workbook"


pytestmark = [pytest.mark.slow, needs_sandbox]


def _manual_ids(nb: nbformat.NotebookNode) -> set[str]:
    """Graded cells that are also answer cells: nbgrader's manually graded answers."""
    return {c.metadata["nbgrader"]["grade_id"] for c in nb.cells
            if c.metadata.get("nbgrader", {}).get("grade")
            and c.metadata["nbgrader"].get("solution")}


# The class's gradebook is not the shipped gradebook.db: every command must find it through
# db_url in nbgrader_config.py, as nbgrader's own commands do.
DB_URL = '\nc.CourseDirectory.db_url = "sqlite:///" + os.path.join(root, "grades", "class.db")\n'


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("every-lesson")
    config = (ROOT / "nbgrader_config.py").read_text(encoding="utf-8")
    (root / "nbgrader_config.py").write_text(config + DB_URL, encoding="utf-8")
    (root / "grades").mkdir()
    for lesson in LESSONS:
        for top in ("solutions", "lessons"):
            shutil.copytree(ROOT / top / lesson, root / top / lesson)
        for student, top in (("solver", "solutions"), ("blank", "lessons")):
            folder = root / "submitted" / student / lesson
            folder.mkdir(parents=True)
            shutil.copy2(ROOT / top / lesson / f"{lesson}.ipynb", folder)
    # Every lesson in one run: one batch, two submissions at a time.
    assert cli.main(["autograde", "--course", str(root), "--jobs", "2",
                     "--cell-timeout", "60"]) == 0
    assert not (root / "gradebook.db").exists()
    grades = {}
    with Gradebook(f"sqlite:///{root / 'grades' / 'class.db'}", course_id=COURSE_ID) as gb:
        for lesson in LESSONS:
            for student in ("solver", "blank"):
                nb = gb.find_submission_notebook(lesson, lesson, student)
                grades[lesson, student] = {
                    g.name: (g.auto_score, g.max_score, g.needs_manual_grade) for g in nb.grades}
    grades["root"] = root
    return grades


@pytest.mark.parametrize("lesson", LESSONS)
def test_the_solution_gets_every_autograded_point(graded, lesson):
    source = nbformat.read(ROOT / "solutions" / lesson / f"{lesson}.ipynb", as_version=4)
    manual = _manual_ids(source)
    grades = graded[lesson, "solver"]
    assert grades
    lost = {name: g for name, g in grades.items() if name not in manual and g[0] != g[1]}
    assert not lost, f"points lost by the solution: {lost}"
    flagged = {name for name, g in grades.items() if g[2]}
    assert flagged == manual, "exactly the written answers need a human"
    for name in manual:
        assert grades[name][0] is None, f"{name} got an automatic score: {grades[name]}"


@pytest.mark.parametrize("lesson", LESSONS)
def test_the_untouched_release_gets_zero_and_no_manual_work(graded, lesson):
    grades = graded[lesson, "blank"]
    assert set(grades) == set(graded[lesson, "solver"])
    scored = {name: g for name, g in grades.items() if g[0] not in (0, 0.0)}
    assert not scored, f"the untouched release got points: {scored}"


def test_the_report_shows_written_answers_as_waiting_for_a_human(graded):
    written = {lesson: _manual_ids(nbformat.read(
        ROOT / "solutions" / lesson / f"{lesson}.ipynb", as_version=4)) for lesson in LESSONS}
    lesson = next((name for name, ids in written.items() if ids), None)
    if lesson is None:
        pytest.skip("no lesson has written answers")
    files = report.write_report(graded["root"], lesson, log=lambda msg: None)
    with files["report.csv"].open(newline="", encoding="utf-8") as f:
        rows = {(r["student"], r["grade_id"]): r for r in csv.DictReader(f)}
    for grade_id in written[lesson]:
        waiting = rows["solver", grade_id]
        assert (waiting["score"], waiting["message"]) == ("", "needs manual grading")
        assert rows["blank", grade_id]["score"] == "0"
    with files["summary.csv"].open(newline="", encoding="utf-8") as f:
        summary = {r["grade_id"]: r for r in csv.DictReader(f)}
    for grade_id in written[lesson]:
        assert (summary[grade_id]["students"], summary[grade_id]["pending_manual"]) == ("1", "1")


def test_feedback_reads_the_gradebook_that_db_url_names(graded):
    root, lesson = graded["root"], LESSONS[0]
    assert cli.main(["feedback", lesson, "--course", str(root), "--student", "solver"]) == 0
    page = (root / "feedback" / "solver" / lesson / f"{lesson}.html").read_text(encoding="utf-8")
    total = sum(g[1] for g in graded[lesson, "solver"].values())
    assert f"{total:g} / {total:g}" in page.replace("\n", " ") or f"{total} / {total}" in page
