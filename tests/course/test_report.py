"""The class report, from a real nbgrader gradebook built with nbgrader's API in a tmp folder.

The lesson is 01_chain_rule, as its source notebook defines it. Three students:
- ann: everything right;
- bob: mul_backward with dx and dy swapped, tanh_backward without the square, q1 wrong;
- cat: mul_backward swapped too, tanh_backward right, no diagnostics for the other cells.
"""

from __future__ import annotations

import copy
import csv
import html
import shutil
from html.parser import HTMLParser

import nbformat
import pytest
from nbgrader.api import Gradebook

from backprop.course.folders import CourseError
from backprop.course.gradebook import load_verdicts, save_verdicts
from backprop.course.notebooks import grade_id
from backprop.course.report import write_report
from backprop.course.validate import CheckResult, verdict
from tests.conftest import ROOT

LESSON = "01_chain_rule"
COURSE_ID = "backprop-workbook"


def mul_right(dout, cache):
    x, y = cache
    return dout * y, dout * x


def mul_swapped(dout, cache):
    x, y = cache
    return dout * x, dout * y


def tanh_right(dout, cache):
    return dout * (1 - cache * cache)


def tanh_no_square(dout, cache):
    return dout * (1 - cache)


def _source():
    return nbformat.read(ROOT / "solutions" / LESSON / f"{LESSON}.ipynb", as_version=4)


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A course folder with the lesson's source and a gradebook holding three graded students."""
    tmp_path = tmp_path_factory.mktemp("course")
    shutil.copy2(ROOT / "nbgrader_config.py", tmp_path / "nbgrader_config.py")
    shutil.copytree(ROOT / "solutions" / LESSON, tmp_path / "solutions" / LESSON)
    nb = _source()
    with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}", course_id=COURSE_ID) as gb:
        gb.add_assignment(LESSON)
        gb.add_notebook(LESSON, LESSON)
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("grade"):
                gb.add_grade_cell(meta["grade_id"], LESSON, LESSON,
                                  max_score=meta["points"], cell_type="code")
            if meta.get("solution"):
                gb.add_solution_cell(meta["grade_id"], LESSON, LESSON)
        scores = {  # grade_id -> points per student (max: ex1-ex4 2, ex5-ex6 3, q 1)
            "ann": {"ex1-test": 2, "ex2-test": 2, "ex3-test": 2, "ex4-test": 2, "ex5-test": 3,
                    "ex6-test": 3, "q1-test": 1, "q2-test": 1, "q3-test": 1, "q4-test": 1,
                    "q5-test": 1},
            "bob": {"ex1-test": 2, "ex2-test": 0, "ex3-test": 0, "ex4-test": 0, "ex5-test": 3,
                    "ex6-test": 0, "q1-test": 0, "q2-test": 1, "q3-test": 1, "q4-test": 0,
                    "q5-test": 1},
            "cat": {"ex1-test": 0, "ex2-test": 2, "ex3-test": 0, "ex4-test": 2, "ex5-test": 0,
                    "ex6-test": 3, "q1-test": 1, "q2-test": 1, "q3-test": 0, "q4-test": 1,
                    "q5-test": 0},
        }
        for student, points in scores.items():
            gb.add_student(student)
            gb.add_submission(LESSON, student)
            for grade_id, score in points.items():
                gb.find_grade(grade_id, LESSON, LESSON, student).auto_score = score
        gb.db.commit()
    return tmp_path


@pytest.fixture()
def course(template, tmp_path):
    """A fresh copy of the template course for each test (building it takes seconds)."""
    shutil.copytree(template, tmp_path / "course")
    return tmp_path / "course"


def _verdicts():
    wrong_q1 = CheckResult("q1-test", "q1", False, 'q1: "a" is not the best answer.')
    return {
        "ann": {"ex3-test": verdict("mul_backward", mul_right, hidden=True),
                "ex4-test": verdict("tanh_backward", tanh_right, hidden=True)},
        "bob": {"ex3-test": verdict("mul_backward", mul_swapped, hidden=True),
                "ex4-test": verdict("tanh_backward", tanh_no_square, hidden=True),
                "q1-test": wrong_q1},
        "cat": {"ex3-test": verdict("mul_backward", mul_swapped, hidden=True),
                "ex4-test": verdict("tanh_backward", tanh_right, hidden=True)},
    }


def _save_all(course):
    for student, verdicts in _verdicts().items():
        save_verdicts(course, LESSON, student, verdicts)


class _Page(HTMLParser):
    """Every element, attribute and text run of a page, as a browser's parser sees them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.attrs, self.cells, self._in_td = [], [], [], False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend((tag, name, value) for name, value in attrs)
        self._in_td = tag == "td"

    def handle_endtag(self, tag):
        self._in_td = False

    def handle_data(self, data):
        if self._in_td:
            self.cells.append(data)


def _read_csv(path):
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def test_real_verdicts_name_the_mistakes():
    assert verdict("mul_backward", mul_swapped).mistake == "swapped"
    assert verdict("tanh_backward", tanh_no_square).mistake == "no_square"
    right = verdict("mul_backward", mul_right)
    assert right.passed and right.mistake is None


def test_verdicts_live_in_the_answer_cells_auto_comment(course):
    _save_all(course)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id=COURSE_ID) as gb:
        comment = gb.find_comment("ex3-mul-backward", LESSON, LESSON, "bob")
        assert "known mistake: `swapped`" in comment.auto_comment
        assert comment.manual_comment is None
        # Scores are not touched.
        assert gb.find_grade("ex3-test", LESSON, LESSON, "bob").auto_score == 0
        loaded = load_verdicts(gb, LESSON)
    assert sorted(loaded) == ["ann", "bob", "cat"]
    bob = loaded["bob"]
    assert sorted(bob) == ["ex3-test", "ex4-test", "q1-test"]
    assert (bob["ex3-test"].exercise, bob["ex3-test"].passed, bob["ex3-test"].mistake) == (
        "mul_backward", False, "swapped")
    assert bob["ex3-test"].message == _verdicts()["bob"]["ex3-test"].message
    assert bob["ex4-test"].mistake == "no_square"
    assert bob["q1-test"].message == 'q1: "a" is not the best answer.'
    assert loaded["ann"]["ex3-test"].passed and loaded["ann"]["ex3-test"].mistake is None


def test_a_regrade_replaces_old_diagnostics(course):
    _save_all(course)
    save_verdicts(course, LESSON, "bob", {})  # a re-grade that crashed: nothing to say
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id=COURSE_ID) as gb:
        assert "bob" not in load_verdicts(gb, LESSON)
        assert gb.find_comment("ex3-mul-backward", LESSON, LESSON, "bob").auto_comment is None


def test_save_verdicts_accepts_records_with_scores(course):
    class Score:  # the autograder's per-cell record: grade_id, score, max_score, message, mistake
        def __init__(self, grade_id, score, max_score, message, mistake=None):
            self.grade_id, self.score, self.max_score = grade_id, score, max_score
            self.message, self.mistake = message, mistake

    save_verdicts(course, LESSON, "cat", [Score("ex3-test", 0, 2, "mul_backward: no.", "swapped"),
                                          Score("q1-test", 1, 1, "✓ q1: right.")])
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id=COURSE_ID) as gb:
        cat = load_verdicts(gb, LESSON)["cat"]
    assert (cat["ex3-test"].passed, cat["ex3-test"].mistake) == (False, "swapped")
    assert (cat["q1-test"].passed, cat["q1-test"].mistake) == (True, None)


def test_save_verdicts_refuses_an_unknown_cell_and_student(course):
    with pytest.raises(ValueError, match="no test cell 'ex9-test'"):
        save_verdicts(course, LESSON, "ann", {"ex9-test": CheckResult("", "x", True, "")})
    with pytest.raises(CourseError, match="no submission of 01_chain_rule.*'zed'"):
        save_verdicts(course, LESSON, "zed", {})


def test_report_csv_has_one_row_per_student_and_cell(course):
    _save_all(course)
    files = write_report(course, LESSON, log=lambda msg: None)
    assert files["report.csv"] == course / "reports" / LESSON / "report.csv"
    rows = _read_csv(files["report.csv"])
    assert rows[0] == ["student", "lesson", "exercise", "grade_id", "score", "max_score",
                       "mistake", "message", "similarity", "similar_to"]
    # No submitted/ folder here: nothing to compare, the similarity columns stay empty.
    assert {tuple(r[8:]) for r in rows[1:]} == {("", "")}
    assert [r[:7] for r in rows[1:]] == [
        ["ann", LESSON, "numerical_derivative", "ex1-test", "2", "2", ""],
        ["ann", LESSON, "dsin_square", "ex2-test", "2", "2", ""],
        ["ann", LESSON, "mul_backward", "ex3-test", "2", "2", ""],
        ["ann", LESSON, "tanh_backward", "ex4-test", "2", "2", ""],
        ["ann", LESSON, "neuron_backward", "ex5-test", "3", "3", ""],
        ["ann", LESSON, "Scalar", "ex6-test", "3", "3", ""],
        ["ann", LESSON, "q1", "q1-test", "1", "1", ""],
        ["ann", LESSON, "q2", "q2-test", "1", "1", ""],
        ["ann", LESSON, "q3", "q3-test", "1", "1", ""],
        ["ann", LESSON, "q4", "q4-test", "1", "1", ""],
        ["ann", LESSON, "q5", "q5-test", "1", "1", ""],
        ["bob", LESSON, "numerical_derivative", "ex1-test", "2", "2", ""],
        ["bob", LESSON, "dsin_square", "ex2-test", "0", "2", ""],
        ["bob", LESSON, "mul_backward", "ex3-test", "0", "2", "swapped"],
        ["bob", LESSON, "tanh_backward", "ex4-test", "0", "2", "no_square"],
        ["bob", LESSON, "neuron_backward", "ex5-test", "3", "3", ""],
        ["bob", LESSON, "Scalar", "ex6-test", "0", "3", ""],
        ["bob", LESSON, "q1", "q1-test", "0", "1", ""],
        ["bob", LESSON, "q2", "q2-test", "1", "1", ""],
        ["bob", LESSON, "q3", "q3-test", "1", "1", ""],
        ["bob", LESSON, "q4", "q4-test", "0", "1", ""],
        ["bob", LESSON, "q5", "q5-test", "1", "1", ""],
        ["cat", LESSON, "numerical_derivative", "ex1-test", "0", "2", ""],
        ["cat", LESSON, "dsin_square", "ex2-test", "2", "2", ""],
        ["cat", LESSON, "mul_backward", "ex3-test", "0", "2", "swapped"],
        ["cat", LESSON, "tanh_backward", "ex4-test", "2", "2", ""],
        ["cat", LESSON, "neuron_backward", "ex5-test", "0", "3", ""],
        ["cat", LESSON, "Scalar", "ex6-test", "3", "3", ""],
        ["cat", LESSON, "q1", "q1-test", "1", "1", ""],
        ["cat", LESSON, "q2", "q2-test", "1", "1", ""],
        ["cat", LESSON, "q3", "q3-test", "0", "1", ""],
        ["cat", LESSON, "q4", "q4-test", "1", "1", ""],
        ["cat", LESSON, "q5", "q5-test", "0", "1", ""],
    ]
    messages = {(r[0], r[3]): r[7] for r in rows[1:]}
    assert messages[("bob", "ex3-test")] == _verdicts()["bob"]["ex3-test"].message
    assert messages[("ann", "ex3-test")] == "✓ mul_backward: all 11 hidden checks pass."
    assert messages[("ann", "ex1-test")] == ""


def test_report_names_each_answers_closest_match(course):
    """With submissions to compare, report.csv gets each answer's highest similarity score."""
    _save_all(course)
    shutil.copytree(ROOT / "lessons" / LESSON, course / "lessons" / LESSON)
    answers = {grade_id(c): c.source for c in _source().cells
               if (grade_id(c) or "").startswith("ex") and not grade_id(c).endswith("-test")}
    release = nbformat.read(ROOT / "lessons" / LESSON / f"{LESSON}.ipynb", as_version=4)
    # "=cmd|x" is a folder in submitted/ (not in the gradebook) whose Scalar ann copied.
    for student, mine in (("ann", answers), ("=cmd|x", {"ex6-scalar": answers["ex6-scalar"]}),
                          ("cat", {})):
        nb = copy.deepcopy(release)
        for cell in nb.cells:
            cell.source = mine.get(grade_id(cell), cell.source)
        (course / "submitted" / student / LESSON).mkdir(parents=True)
        nbformat.write(nb, course / "submitted" / student / LESSON / f"{LESSON}.ipynb")
    files = write_report(course, LESSON, log=lambda msg: None)
    rows = {(r[0], r[3]): r for r in _read_csv(files["report.csv"])[1:]}
    assert rows[("ann", "ex6-test")][8:] == ["1", "'=cmd|x"]  # spreadsheet-safe, as all text
    assert rows[("ann", "ex5-test")][8:] == ["1", "instructor's solution"]
    assert rows[("ann", "ex3-test")][8:] == ["", ""]  # mul_backward: too short to compare
    assert rows[("ann", "q1-test")][8:] == ["", ""]  # quiz answers are not compared
    assert rows[("cat", "ex6-test")][8:] == ["", ""]  # nothing answered
    assert rows[("bob", "ex6-test")][8:] == ["", ""]  # nothing submitted
    # The scores are the gradebook's, whatever the similarity.
    assert [rows[("ann", g)][4] for g in ("ex5-test", "ex6-test")] == ["3", "3"]
    assert not (course / "reports" / LESSON / f"similarity-{LESSON}.html").exists()


def test_summary_csv_gives_the_mean_and_the_most_frequent_mistake(course):
    _save_all(course)
    files = write_report(course, LESSON, log=lambda msg: None)
    assert _read_csv(files["summary.csv"]) == [
        ["lesson", "exercise", "grade_id", "max_score", "students", "mean_score",
         "mean_fraction", "top_mistake", "top_mistake_count", "pending_manual"],
        [LESSON, "numerical_derivative", "ex1-test", "2", "3", "1.333", "0.667", "", "0", "0"],
        [LESSON, "dsin_square", "ex2-test", "2", "3", "1.333", "0.667", "", "0", "0"],
        [LESSON, "mul_backward", "ex3-test", "2", "3", "0.667", "0.333", "swapped", "2", "0"],
        [LESSON, "tanh_backward", "ex4-test", "2", "3", "1.333", "0.667", "no_square", "1", "0"],
        [LESSON, "neuron_backward", "ex5-test", "3", "3", "2", "0.667", "", "0", "0"],
        [LESSON, "Scalar", "ex6-test", "3", "3", "2", "0.667", "", "0", "0"],
        [LESSON, "q1", "q1-test", "1", "3", "0.667", "0.667", "", "0", "0"],
        [LESSON, "q2", "q2-test", "1", "3", "1", "1", "", "0", "0"],
        [LESSON, "q3", "q3-test", "1", "3", "0.667", "0.667", "", "0", "0"],
        [LESSON, "q4", "q4-test", "1", "3", "0.667", "0.667", "", "0", "0"],
        [LESSON, "q5", "q5-test", "1", "3", "0.667", "0.667", "", "0", "0"],
    ]


def test_png_and_html_summary(course, tmp_path_factory):
    _save_all(course)
    dest = tmp_path_factory.mktemp("out")
    files = write_report(course, LESSON, dest, log=lambda msg: None)
    assert files["summary.png"] == dest / "summary.png"
    assert files["summary.png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page = files["summary.html"].read_text(encoding="utf-8")
    assert "data:image/png;base64," in page
    # The table lists the hardest exercise first, with its most frequent mistake.
    rows = page.split("<tbody>")[1]
    assert rows.index("mul_backward") < rows.index("numerical_derivative")
    assert "<td>swapped</td><td>2</td>" in page
    hidden = [line.strip() for cell in _source().cells for line in cell.source.splitlines()
              if "hidden=True" in line or "answer=" in line]
    assert hidden and not any(h in page for h in hidden)


def test_clear_errors(course, tmp_path):
    with pytest.raises(CourseError, match="no course folder"):
        write_report(tmp_path / "nowhere", LESSON)
    with pytest.raises(CourseError, match="no assignment '02_single_neuron'.*Known: 01_chain_rule"):
        write_report(course, "02_single_neuron")
    empty = tmp_path / "empty"
    empty.mkdir()
    shutil.copy2(ROOT / "nbgrader_config.py", empty / "nbgrader_config.py")
    with pytest.raises(CourseError, match="no gradebook at"):
        write_report(empty, LESSON)
    with Gradebook(f"sqlite:///{empty / 'gradebook.db'}", course_id=COURSE_ID) as gb:
        gb.add_assignment(LESSON)
    with pytest.raises(CourseError, match="no submission of 01_chain_rule"):
        write_report(empty, LESSON)


def test_a_message_cannot_break_out_of_the_comment(course):
    tricky = CheckResult("", "mul_backward", False, "a --> b <i>x</i> ~~~\n```\nend", "swapped")
    save_verdicts(course, LESSON, "ann", {"ex3-test": tricky})
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id=COURSE_ID) as gb:
        text = gb.find_comment("ex3-mul-backward", LESSON, LESSON, "ann").auto_comment
        got = load_verdicts(gb, LESSON)["ann"]["ex3-test"]
    assert (got.message, got.mistake) == (tricky.message, "swapped")
    data = text[text.index("<!--"):]
    assert data.count("-->") == 1 and data.endswith("-->") and ">" not in data[:-3]


SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
FORMULA = '=HYPERLINK("http://x")'
MATH = r"$\frac{$ unbalanced"  # mathtext that matplotlib cannot parse
FORGED = "no.\rmallory,01_chain_rule,Scalar,ex6-test,3,3,,"  # a CR, then a row of its own
HOSTILE = {  # student -> grade_id -> (message, mistake), as a tampered record could store them
    "bob": {"ex3-test": (FORMULA, SCRIPT), "ex4-test": ("+1+cmd|' /C calc'!A0", IMG),
            "ex5-test": ("-2+3", None), "q1-test": ("@SUM(1+1)", None)},
    "cat": {"ex3-test": ("\t=1+1", SCRIPT), "ex4-test": ("\r=1+1", None),
            "ex5-test": ("x = 1 " + IMG, MATH), "ex6-test": (FORGED, None),
            "q1-test": (SCRIPT, FORMULA)},
}


def _save_hostile(course):
    """Store the hostile verdicts with nbgrader's API, and two negative scores (penalties)."""
    for student, cells in HOSTILE.items():
        save_verdicts(course, LESSON, student, {
            grade_id: CheckResult(grade_id, "x", False, message, mistake)
            for grade_id, (message, mistake) in cells.items()})
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id=COURSE_ID) as gb:
        for student in HOSTILE:
            gb.find_grade("q5-test", LESSON, LESSON, student).auto_score = -1
        gb.db.commit()


def test_student_text_is_neutralised_in_the_csvs(course):
    _save_hostile(course)
    files = write_report(course, LESSON, log=lambda msg: None)
    rows = {(r[0], r[3]): r for r in _read_csv(files["report.csv"])[1:]}
    # A field a spreadsheet would run as a formula gets a leading quote ...
    assert rows[("bob", "ex3-test")][6:8] == [SCRIPT, "'" + FORMULA]
    assert rows[("bob", "ex4-test")][6:8] == [IMG, "'+1+cmd|' /C calc'!A0"]
    assert rows[("bob", "ex5-test")][6:8] == ["", "'-2+3"]
    assert rows[("bob", "q1-test")][6:8] == ["", "'@SUM(1+1)"]
    assert rows[("cat", "ex3-test")][6:8] == [SCRIPT, "'\t=1+1"]
    assert rows[("cat", "ex4-test")][6:8] == ["", "'\r=1+1"]
    assert rows[("cat", "q1-test")][6:8] == ["'" + FORMULA, SCRIPT]
    # ... anything else is kept as it was, and a negative score stays a number.
    assert rows[("cat", "ex5-test")][6:8] == [MATH, "x = 1 " + IMG]
    assert [rows[(s, "q5-test")][4:6] for s in ("ann", "bob", "cat")] == [
        ["1", "1"], ["-1", "1"], ["-1", "1"]]
    # A carriage return inside a message cannot end its row and forge one.
    assert rows[("cat", "ex6-test")][7] == FORGED
    assert len(rows) == 33 and {r[0] for r in rows.values()} == {"ann", "bob", "cat"}
    summary = {r[2]: r for r in _read_csv(files["summary.csv"])[1:]}
    assert summary["ex3-test"][7:9] == [SCRIPT, "2"]
    assert summary["q1-test"][7:9] == ["'" + FORMULA, "1"]
    assert summary["q5-test"][3:7] == ["1", "3", "-0.333", "-0.333"]
    raw = files["summary.csv"].read_text(encoding="utf-8")  # rows still end in a bare LF
    assert raw.count("\n") == 12 and "\r" not in raw


def test_student_text_is_inert_in_the_summary_page(course):
    _save_hostile(course)
    files = write_report(course, LESSON, log=lambda msg: None)
    assert files["summary.png"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"  # "$" drawn as text
    text = files["summary.html"].read_text(encoding="utf-8")
    page = _Page()
    page.feed(text)
    page.close()
    # The only elements are the page's own: no script, no second image, no handler.
    assert set(page.tags) == {"html", "head", "meta", "title", "style", "body", "h1", "img",
                              "table", "thead", "tr", "th", "tbody", "td"}
    assert page.tags.count("img") == 1
    assert not [a for a in page.attrs if a[1].startswith("on")]
    (src,) = [value for tag, name, value in page.attrs if (tag, name) == ("img", "src")]
    assert src.startswith("data:image/png;base64,")
    # The hostile names are shown, as text, in the table.
    assert {SCRIPT, IMG, MATH, FORMULA} <= set(page.cells)
    assert "<script" not in text.lower()
    assert html.escape(IMG) in text and "onerror" not in text.replace(html.escape(IMG), "")
