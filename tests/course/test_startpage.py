"""The start page, START_HERE.ipynb: generated from the lessons' headers, never stale."""

from __future__ import annotations

import shutil

import nbformat
import pytest

from backprop.course import startpage
from backprop.course.folders import lesson_ids
from tests.conftest import ROOT

HEADER = """# Lesson 9 · Something new

An introduction.

**By the end you will be able to**
- do the first thing;
- do the second thing, which takes
  two lines;
- do the third.

**Time needed:** about 45 minutes (in a workshop, plan 50).

**Prerequisites:** lesson 8.
"""


def test_start_page_is_up_to_date():
    assert startpage.is_up_to_date(ROOT), (
        f"{startpage.FILENAME} is out of date: run `backprop-course release` "
        "(after releasing the lessons)"
    )


def test_start_page_links_every_lesson_in_course_order():
    nb = nbformat.read(ROOT / startpage.FILENAME, as_version=4)
    headers = startpage.read_headers(ROOT)
    assert [h.lesson for h in headers] == lesson_ids(ROOT)
    assert [h.number for h in headers] == list(range(1, len(headers) + 1))
    intro = nb.cells[0].source
    positions = [intro.index(f"]({h.link})") for h in headers]
    assert positions == sorted(positions)
    for h in headers:
        assert (ROOT / h.link).is_file()
        assert f"about {h.minutes} min" in intro
    # One section per lesson, with its goals, and nothing to run.
    assert [c.id for c in nb.cells[1:-1]] == [f"lesson-{h.lesson}" for h in headers]
    for cell, h in zip(nb.cells[1:-1], headers, strict=True):
        assert all(goal in cell.source for goal in h.goals)
    assert all(c.cell_type == "markdown" for c in nb.cells)


def test_readme_opens_jupyterlab_on_the_start_page():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"jupyter lab {startpage.FILENAME}" in readme


def test_parse_header_reads_title_goals_and_time():
    h = startpage.parse_header(HEADER, "09_new")
    assert (h.number, h.title, h.minutes) == (9, "Something new", 45)
    assert h.goals == ["do the first thing;", "do the second thing, which takes two lines;",
                       "do the third."]
    assert h.link == "lessons/09_new/09_new.ipynb"


@pytest.mark.parametrize(("broken", "message"), [
    (HEADER.replace("# Lesson 9 · ", "# "), "title"),
    (HEADER.replace("**By the end you will be able to**", "**Goals**"), "goals"),
    (HEADER.replace("**Time needed:** about 45 minutes", "**Time:** 45 min"), "Time needed"),
])
def test_an_incomplete_header_is_named(broken, message):
    with pytest.raises(startpage.StartPageError, match=message) as err:
        startpage.parse_header(broken, "09_new")
    assert "09_new" in str(err.value)


def test_a_new_lesson_makes_the_page_stale_until_regenerated(tmp_path, capsys):
    shutil.copytree(ROOT / "lessons", tmp_path / "lessons",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    shutil.copy2(ROOT / startpage.FILENAME, tmp_path / startpage.FILENAME)
    assert startpage.main(["--course", str(tmp_path), "--check"]) == 0
    new = tmp_path / "lessons" / "99_new"
    new.mkdir()
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(
        HEADER.replace("Lesson 9", "Lesson 99"))]), new / "99_new.ipynb")
    assert startpage.main(["--course", str(tmp_path), "--check"]) == 1
    assert "out of date" in capsys.readouterr().err
    assert startpage.main(["--course", str(tmp_path)]) == 0
    assert startpage.main(["--course", str(tmp_path), "--check"]) == 0
    text = (tmp_path / startpage.FILENAME).read_text(encoding="utf-8")
    assert "lessons/99_new/99_new.ipynb" in text and "Something new" in text
    assert startpage.write(tmp_path) is False  # deterministic: a second run changes nothing


def test_a_broken_header_fails_the_command_with_the_reason(tmp_path, capsys):
    bad = tmp_path / "lessons" / "01_bad"
    bad.mkdir(parents=True)
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Oops")]),
                   bad / "01_bad.ipynb")
    assert startpage.main(["--course", str(tmp_path)]) == 2
    assert "01_bad" in capsys.readouterr().err
    assert not (tmp_path / startpage.FILENAME).exists()
