"""Submissions that aren't plain files, learners' own grading labels, and inert feedback.

One temporary course, one lesson (01_chain_rule), graded once through the real command
line (`backprop-course autograde`, then `backprop-course feedback`):

- links and special files in `submitted/` (a symlinked notebook, a hard link, a symlinked
  student or lesson folder, a FIFO) get 0 on every cell with the reason, and nothing is
  read through them: each points at a correct solution, which would score full marks;
- a learner who re-labelled an answer cell as graded, and added graded and answer cells of
  their own, still gets a feedback page (nbgrader's GetGrades used to stop the lesson);
- whatever a learner's code displays, prints or raises (HTML with <script> and onerror=,
  JavaScript) is inert text in the feedback page, while the plots and the check messages
  stay.
"""

from __future__ import annotations

import copy
import html
import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from backprop.course import cli
from backprop.course.gradebook import load_verdicts
from backprop.course.notebooks import grade_id
from backprop.course.scrub import EscapeUnsafeMarkdown, is_unsafe_html, restore_grading_metadata
from backprop.grading import REGISTRY
from tests.conftest import ROOT, needs_sandbox

LESSON = "01_chain_rule"
NOTEBOOK = f"{LESSON}.ipynb"
COURSE_ID = "backprop-workbook"
CLI_LIMITS = ["--cell-timeout", "5", "--memory-mb", "3072", "--output-mb", "1"]

pytestmark = [pytest.mark.slow, needs_sandbox]

FULL = {"ex1-test": 2.0, "ex2-test": 2.0, "ex3-test": 2.0, "ex4-test": 2.0, "ex5-test": 3.0,
        "ex6-test": 3.0, "q1-test": 1.0, "q2-test": 1.0, "q3-test": 1.0, "q4-test": 1.0,
        "q5-test": 1.0}
ZERO = dict.fromkeys(FULL, 0.0)
NO_MUL = dict(FULL, **{"ex3-test": 0.0, "ex5-test": 0.0})
SWAPPED = REGISTRY["mul_backward"].mistakes[0]
WRONG_MUL = '''def mul_backward(dout, cache):
    x, y = cache
    return dout * x, dout * y
'''

# Each marker would run (or call home) if the page rendered it as markup.
SHOWOFF = '''
from IPython.display import HTML, Javascript, display
display(HTML('<b>bold</b><script>window.XSS_DISPLAY_SCRIPT = 1</script>'
             '<img src=x onerror="XSS_DISPLAY_ONERROR()">'
             '<a href="javascript:XSS_HREF()" onclick="XSS_ONCLICK()">link</a>'))
display(Javascript("window.XSS_JAVASCRIPT = 1"))
print("<img src=x onerror=alert('XSS_PRINT')>")
print("<script>XSS_PRINT_SCRIPT()</script>")
'''
RAISER = 'raise ValueError("<script>XSS_RAISE()</script><img src=x onerror=XSS_RAISE()>")'
MARKDOWN = "Notes <script>XSS_MARKDOWN()</script> <img src=x onerror=XSS_MARKDOWN()>"

# Submissions that aren't a plain file in plain folders, and the reason each one gets.
LINK_REASONS = {
    "linked_file": f"{NOTEBOOK} is a symbolic link",
    "hard_linked": f"{NOTEBOOK} is a hard link",
    "linked_student": "submitted/linked_student is a symbolic link",
    "linked_lesson": f"submitted/linked_lesson/{LESSON} is a symbolic link",
    "fifo": f"{NOTEBOOK} is not a regular file",
}


def _index(nb, wanted: str) -> int:
    for i, cell in enumerate(nb.cells):
        if grade_id(cell) == wanted:
            return i
    raise AssertionError(f"no cell {wanted}")


def _write(folder: Path, nb) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / NOTEBOOK)
    return folder / NOTEBOOK


def _relabelled(source):
    """The answer to ex3 wrong, labelled graded; a graded and an answer cell of its own."""
    nb = copy.deepcopy(source)
    answer = nb.cells[_index(nb, "ex3-mul-backward")]
    answer.source = WRONG_MUL
    answer.metadata["nbgrader"].update(grade=True, points=50)
    own = {"grade": True, "solution": False, "locked": False, "points": 100,
           "grade_id": "my-own-test", "schema_version": 3}
    nb.cells.append(nbformat.v4.new_code_cell("print('all good')", metadata={"nbgrader": own}))
    mine = dict(own, grade=False, solution=True, grade_id="my-own-answer")
    nb.cells.append(nbformat.v4.new_code_cell("x = 1", metadata={"nbgrader": mine}))
    task = dict(own, grade=True, solution=False, task=True, grade_id="my-own-task")
    nb.cells.append(nbformat.v4.new_markdown_cell("a task", metadata={"nbgrader": task}))
    return nb


def _showoff(source):
    nb = copy.deepcopy(source)
    at = _index(nb, "ex1-test") + 1
    nb.cells[at:at] = [nbformat.v4.new_code_cell(SHOWOFF), nbformat.v4.new_code_cell(RAISER),
                       nbformat.v4.new_markdown_cell(MARKDOWN)]
    return nb


def _links(root: Path, source) -> None:
    """Every kind of link, each to a correct solution outside submitted/."""
    sub, outside = root / "submitted", root / "elsewhere"
    target = _write(outside / "plain" / LESSON, source)
    (sub / "linked_file" / LESSON).mkdir(parents=True)
    (sub / "linked_file" / LESSON / NOTEBOOK).symlink_to(target)
    (sub / "hard_linked" / LESSON).mkdir(parents=True)
    os.link(_write(outside / "hard" / LESSON, source), sub / "hard_linked" / LESSON / NOTEBOOK)
    (sub / "linked_student").symlink_to(outside / "plain", target_is_directory=True)
    (sub / "linked_lesson").mkdir()
    (sub / "linked_lesson" / LESSON).symlink_to(outside / "plain" / LESSON,
                                                target_is_directory=True)
    (sub / "fifo" / LESSON).mkdir(parents=True)
    os.mkfifo(sub / "fifo" / LESSON / NOTEBOOK)


def _page(root: Path, student: str) -> str:
    return (root / "feedback" / student / LESSON / f"{LESSON}.html").read_text(encoding="utf-8")


def _text(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", page))


class _Markup(HTMLParser):
    """The scripts, event attributes and javascript: links of a page."""

    def __init__(self, page: str):
        super().__init__()
        self.scripts: list[str] = []
        self.events: list[tuple[str, str]] = []
        self.js_links: list[str] = []
        self._in_script = False
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        self._in_script = tag == "script"
        if self._in_script:
            self.scripts.append("")
        self.events += [(tag, name) for name, _ in attrs if name.startswith("on")]
        self.js_links += [v for name, v in attrs if name in ("href", "src") and v
                          and v.strip().lower().startswith("javascript:")]

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = tmp_path_factory.mktemp("integrity-course")
    shutil.copy2(ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
    for top in ("solutions", "lessons"):
        shutil.copytree(ROOT / top / LESSON, root / top / LESSON)
    source = nbformat.read(root / "solutions" / LESSON / NOTEBOOK, as_version=4)
    _write(root / "submitted" / "solver" / LESSON, source)
    _write(root / "submitted" / "relabelled" / LESSON, _relabelled(source))
    _write(root / "submitted" / "showoff" / LESSON, _showoff(source))
    _links(root, source)
    assert cli.main(["autograde", LESSON, "--course", str(root), *CLI_LIMITS,
                     "--jobs", "2"]) == 0
    feedback_code = cli.main(["feedback", LESSON, "--course", str(root)])
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", course_id=COURSE_ID) as gb:
        grades = {s.student.id: {g.name: g.score for g in s.notebooks[0].grades}
                  for s in gb.assignment_submissions(LESSON)}
        verdicts = load_verdicts(gb, LESSON)
    return {"root": root, "grades": grades, "verdicts": verdicts,
            "feedback_code": feedback_code}


@pytest.mark.parametrize("student", sorted(LINK_REASONS))
def test_links_get_zero_with_the_reason(course, student):
    reason = LINK_REASONS[student]
    assert course["grades"][student] == ZERO  # the correct solution behind it was not read
    verdicts = course["verdicts"][student]
    assert len(verdicts) == len(FULL)
    for verdict in verdicts.values():
        assert not verdict.passed
        assert verdict.message.startswith("not graded: ")
        assert reason in verdict.message
        assert "hand in the notebook file itself" in verdict.message
        assert "internal grader error" not in verdict.message
    page = _text(_page(course["root"], student))
    assert "could not be graded automatically" in page
    assert reason in page


def test_links_are_left_as_they_were(course):
    sub = course["root"] / "submitted"
    assert (sub / "linked_file" / LESSON / NOTEBOOK).is_symlink()
    assert (sub / "linked_student").is_symlink()
    assert (sub / "hard_linked" / LESSON / NOTEBOOK).stat().st_nlink == 2


def test_every_student_gets_feedback(course):
    assert course["feedback_code"] == 0
    students = set(course["grades"])
    assert students == {"solver", "relabelled", "showoff", *LINK_REASONS}
    for student in students:
        assert _page(course["root"], student)


def test_relabelled_cells_keep_the_lessons_grading(course):
    # Scored as the lesson grades it: the learner's labels add no cell and no points.
    assert course["grades"]["relabelled"] == NO_MUL
    assert course["grades"]["solver"] == FULL
    text = _text(_page(course["root"], "relabelled"))
    assert f"(Score: {sum(NO_MUL.values())} / {sum(FULL.values())})" in text
    assert SWAPPED.message in text


def test_feedback_shows_student_markup_as_inert_text(course):
    page = _page(course["root"], "showoff")
    markup, plain = _Markup(page), _Markup(_page(course["root"], "solver"))
    assert not any("XSS" in script for script in markup.scripts), markup.scripts
    assert len(markup.scripts) == len(plain.scripts)  # only the page template's own
    assert markup.events == []
    assert markup.js_links == []
    # What was printed and raised is there, as text a reader sees, not as tags.
    text = _text(page)
    assert "<img src=x onerror=alert('XSS_PRINT')>" in text
    assert "<script>XSS_PRINT_SCRIPT()</script>" in text
    assert "XSS_RAISE()" in text
    assert "bold" in text  # harmless HTML still shows


def test_feedback_keeps_plots_and_check_messages(course):
    root = course["root"]
    page, plain = _page(root, "showoff"), _page(root, "solver")
    plots = len(re.findall(r'<img[^>]+src="data:image/png;base64,', plain))
    assert plots > 0
    assert len(re.findall(r'<img[^>]+src="data:image/png;base64,', page)) == plots
    text = _text(page)
    for cell_id, verdict in course["verdicts"]["showoff"].items():
        assert verdict.passed, cell_id
        assert verdict.message.splitlines()[0] in text


def test_restore_grading_metadata_takes_the_sources_labels():
    source = nbformat.read(ROOT / "solutions" / LESSON / NOTEBOOK, as_version=4)
    nb = _relabelled(source)
    nb.cells.append(nbformat.v4.new_code_cell("y = 2"))  # no nbgrader metadata: untouched
    assert restore_grading_metadata(nb, source) == 4  # ex3's answer, and three own cells
    by_id = {grade_id(c): c.metadata["nbgrader"] for c in source.cells if grade_id(c)}
    for cell in nb.cells:
        if grade_id(cell):
            assert cell.metadata["nbgrader"] == by_id[grade_id(cell)]
    assert all("nbgrader" not in c.metadata for c in nb.cells[-4:])  # the learner's own
    assert restore_grading_metadata(nb, source) == 0  # nothing left to restore


def test_escape_unsafe_markdown_leaves_the_lessons_markdown_alone():
    from nbconvert.filters import markdown2html

    for path in sorted((ROOT / "solutions").glob("*/*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "markdown":
                assert not is_unsafe_html(markdown2html(cell.source)), (path.name, cell.source)
    for bad in (MARKDOWN, "[x](javascript:alert(1))", "<svg onload=alert(1)>",
                "<iframe src=//example.org></iframe>", "<style>*{display:none}</style>"):
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(bad)])
        nb, _ = EscapeUnsafeMarkdown()(nb, {})  # as nbconvert calls it
        shown = markdown2html(nb.cells[0].source)
        assert not is_unsafe_html(shown), shown
        assert html.escape(bad, quote=False) in shown  # the learner's text, as text
