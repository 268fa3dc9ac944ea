"""Each solution notebook has a jupytext twin (LESSON.py) that says the same, cell by cell."""

from __future__ import annotations

import os
import shutil

import nbformat
import pytest

from backprop.course.cli import main
from backprop.course.folders import lesson_ids
from backprop.course.twins import differences, sync, twin_of
from tests.conftest import ROOT

LESSONS = lesson_ids(ROOT)


@pytest.mark.parametrize("lesson", LESSONS)
def test_every_solution_agrees_with_its_twin(lesson):
    notebook = ROOT / "solutions" / lesson / f"{lesson}.ipynb"
    assert twin_of(notebook).is_file(), f"{lesson}.py is missing: run `backprop-course strip`"
    assert differences(notebook) == [], (
        f"{lesson}.ipynb and {lesson}.py disagree: after editing the .py run "
        "`backprop-course sync`; after editing the notebook, `backprop-course strip`")


@pytest.fixture
def pair(tmp_path):
    """A copy of the course with lesson 1's pair, to edit."""
    shutil.copy2(ROOT / "nbgrader_config.py", tmp_path / "nbgrader_config.py")
    shutil.copytree(ROOT / "solutions" / LESSONS[0], tmp_path / "solutions" / LESSONS[0])
    return tmp_path / "solutions" / LESSONS[0] / f"{LESSONS[0]}.ipynb"


def _later(path):
    """Make a file look edited after its pair (mtimes decide which side wins a sync)."""
    stat = path.stat()
    os.utime(path, (stat.st_atime + 10, stat.st_mtime + 10))


def test_an_edited_twin_disagrees_until_synced_and_the_notebook_keeps_its_ids(pair, capsys):
    twin = twin_of(pair)
    before = nbformat.read(pair, as_version=4)
    text = twin.read_text(encoding="utf-8")
    assert "# ## 1. The derivative is a slope\n" in text
    twin.write_text(text.replace("# ## 1. The derivative is a slope\n",
                                 "# ## 1. The derivative is the slope of the tangent\n"),
                    encoding="utf-8")
    _later(twin)
    found = differences(pair)
    assert len(found) == 1 and found[0].endswith("the source differs"), found
    assert main(["sync", "--course", str(pair.parents[2])]) == 0
    assert "updated from 01_chain_rule.py" in capsys.readouterr().out
    after = nbformat.read(pair, as_version=4)
    assert differences(pair) == []
    assert [c.id for c in after.cells] == [c.id for c in before.cells]
    changed = [i for i, (a, b) in enumerate(zip(before.cells, after.cells, strict=True))
               if a.source != b.source]
    assert len(changed) == 1
    assert after.cells[changed[0]].source.startswith("## 1. The derivative is the slope")


def test_changed_points_or_a_lost_cell_are_disagreements(pair):
    twin = twin_of(pair)
    text = twin.read_text(encoding="utf-8")
    assert '"points": 2' in text
    twin.write_text(text.replace('"points": 2', '"points": 5', 1), encoding="utf-8")
    assert any(d.endswith("the metadata differs") for d in differences(pair))
    nb = nbformat.read(pair, as_version=4)
    del nb.cells[3]
    nbformat.write(nb, pair)
    assert any("cells" in d for d in differences(pair))
    twin.unlink()
    assert differences(pair) == ["01_chain_rule.py is missing: run `backprop-course strip` to "
                                 "write it"]


def test_an_edited_notebook_rewrites_its_twin(pair):
    nb = nbformat.read(pair, as_version=4)
    nb.cells[0].source += "\n\nOne more line."
    nbformat.write(nb, pair)
    _later(pair)
    assert differences(pair)
    assert sync(pair) == "01_chain_rule.py updated from 01_chain_rule.ipynb"
    assert differences(pair) == [] and "# One more line." in twin_of(pair).read_text()
    assert sync(pair) == "already in step"


def test_strip_writes_the_twin_of_a_solution_notebook(pair):
    twin_of(pair).unlink()
    assert main(["strip", str(pair)]) == 0
    assert differences(pair) == []


def test_sync_of_an_unknown_lesson_fails_clearly(pair, capsys):
    assert main(["sync", "09_nope", "--course", str(pair.parents[2])]) == 2
    assert "no such lesson: 09_nope" in capsys.readouterr().err
