"""The release pipeline: lessons/ is generated from solutions/ by nbgrader, cleanly."""

from __future__ import annotations

import filecmp
import shutil
from pathlib import Path

import nbformat
import pytest

from backprop import course
from backprop.cli import main
from backprop.grading import REGISTRY

from .conftest import ROOT, run_tool

NOTEBOOKS = sorted((ROOT / "solutions").glob("*/*.ipynb")) + sorted(
    (ROOT / "lessons").glob("*/*.ipynb")
)


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
    assert course.lesson_ids(ROOT), "solutions/ holds no lesson"


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
    copy = tmp_path / "course"
    shutil.copytree(released, copy)
    (copy / "lessons" / "99_old").mkdir()
    (copy / "lessons" / "99_old" / "99_old.ipynb").write_text("{}")
    assert main(["release", "--course", str(copy), *course.lesson_ids(copy)[:1]]) == 0
    assert (copy / "lessons" / "99_old").exists()  # a partial release leaves others alone
    assert main(["release", "--course", str(copy)]) == 0
    assert not (copy / "lessons" / "99_old").exists()


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


# -- the committed notebooks ----------------------------------------------------------


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_committed_notebooks_are_clean(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    dirty = [i for i, c in enumerate(nb.cells)
             if c.cell_type == "code" and (c.outputs or c.execution_count is not None)]
    assert not dirty, f"cells {dirty} have outputs: run `backprop-course strip`"
    assert "widgets" not in nb.metadata


SOLUTIONS = sorted((ROOT / "solutions").glob("*/*.ipynb"))


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.parent.name)
def test_solution_notebooks_follow_the_conventions(path):
    assert path.stem == path.parent.name, "solutions/NN_topic/NN_topic.ipynb"
    nb = nbformat.read(path, as_version=4)
    sources = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "sys.path" not in sources and "import *" not in sources
    ids = [c.metadata["nbgrader"]["grade_id"] for c in nb.cells if "nbgrader" in c.metadata]
    assert len(ids) == len(set(ids)), "grade ids must be unique"
    tests = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")
             and c.cell_type == "code"]
    assert len(tests) >= 4
    for cell in tests:
        assert cell.source.startswith('"""Check that'), cell.source
        assert "### BEGIN HIDDEN TESTS" in cell.source, cell.metadata["nbgrader"]["grade_id"]
        assert "raises-exception" in cell.metadata.get("tags", []), cell.source
    lesson = path.parent.name
    for ex in REGISTRY.values():
        if ex.lesson == lesson:
            assert f'check("{ex.id}", {ex.id})' in sources, f"{ex.id} is never checked"
            assert f'check("{ex.id}", {ex.id}, hidden=True)' in sources


# -- feedback: hidden tests never leak through a traceback ------------------------------


def test_scrub_hidden_tests_removes_them_from_tracebacks_and_streams():
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(
        '"""Check that q1 is one of the options."""\n'
        'check_choice("q1", q1)\n'
        "### BEGIN HIDDEN TESTS\n"
        'check_choice("q1", q1, answer="b")\n'
        "### END HIDDEN TESTS"
    )
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stdout",
                               text='echo: check_choice("q1", q1, answer="b")\nfine\n'),
        nbformat.v4.new_output(
            "error", ename="NameError", evalue="name 'q1' is not defined",
            traceback=[
                "\x1b[0;31mNameError\x1b[0m  Traceback (most recent call last)",
                "Cell In[3], line 2\n      1 \"\"\"Check that q1 ...\"\"\"\n"
                "----> 2 check_choice(\x1b[33m\"q1\"\x1b[39m, q1)\n"
                "      3 ### BEGIN HIDDEN TESTS\n"
                "      4 check_choice(\x1b[33m\"q1\"\x1b[39m, q1, answer=\x1b[33m\"b\"\x1b[39m)",
            ],
        ),
    ]
    nb.cells.append(cell)
    nb, _ = course.ScrubHiddenTests().preprocess(nb, {})
    stream, error = nb.cells[0].outputs
    text = stream["text"] + "\n".join(error["traceback"])
    assert 'answer="b"' not in course._ANSI.sub("", text)
    assert "HIDDEN TESTS" not in text
    assert "(hidden test)" in text and "fine" in text
    assert 'check_choice(\x1b[33m"q1"\x1b[39m, q1)' in text  # the visible line stays


# --- what a test cell checks (used by autograde, report and validate) ---------------------

from backprop.course import TestCall, parse_test_cell  # noqa: E402


def test_parse_test_cell_reads_both_shapes_of_this_course():
    exercise = ('"""Check that mul_backward returns (dx, dy)."""\n'
                'check("mul_backward", mul_backward)\n'
                '### BEGIN HIDDEN TESTS\ncheck("mul_backward", mul_backward, hidden=True)\n'
                '### END HIDDEN TESTS')
    assert parse_test_cell(exercise) == TestCall("exercise", "mul_backward", "mul_backward")
    quiz = ('check_choice("q2", q2)\ncheck_choice("q2", q2, answer="d", reread="section 3")')
    assert parse_test_cell(quiz) == TestCall("quiz", "q2", "q2", answer="d", reread="section 3")
    assert parse_test_cell('check_choice("q1", q1, "abc")').choices == "abc"
    assert parse_test_cell('check_choice("q1", q1)').answer is None  # the release's cell


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
