"""The instructor's command line: each command fails clearly when something is missing."""

from __future__ import annotations

import shutil

import pytest

from backprop.course.cli import main
from tests.conftest import ROOT


@pytest.fixture
def course_copy(tmp_path):
    """A course folder with lesson 01 only and no submissions yet."""
    shutil.copy2(ROOT / "nbgrader_config.py", tmp_path / "nbgrader_config.py")
    for folder in ("solutions", "lessons"):
        shutil.copytree(ROOT / folder / "01_chain_rule", tmp_path / folder / "01_chain_rule")
    return tmp_path


@pytest.mark.parametrize("command", [
    ["autograde"], ["feedback"], ["report", "01_chain_rule"], ["similarity", "01_chain_rule"],
])
def test_outside_a_course_folder_every_command_says_so(command, tmp_path, capsys):
    assert main([*command, "--course", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert f"backprop-course {command[0]}:" in err and "nbgrader_config.py" in err


def test_autograde_without_submissions_says_where_they_go(course_copy, capsys):
    assert main(["autograde", "01_chain_rule", "--course", str(course_copy), "--unsafe"]) == 2
    err = capsys.readouterr().err
    assert "submitted/<student>/<lesson>/<lesson>.ipynb" in err


def test_autograde_of_an_unknown_lesson_lists_the_lessons(course_copy, capsys):
    (course_copy / "submitted" / "ann" / "01_chain_rule").mkdir(parents=True)
    assert main(["autograde", "09_nope", "--course", str(course_copy), "--unsafe"]) == 2
    err = capsys.readouterr().err
    assert "no such lesson '09_nope'" in err and "01_chain_rule" in err


def test_feedback_before_autograde_says_what_to_run(course_copy, capsys):
    assert main(["feedback", "01_chain_rule", "--course", str(course_copy)]) == 2
    assert "run `backprop-course autograde` first" in capsys.readouterr().err


def test_report_without_a_gradebook_fails_clearly(course_copy, capsys):
    assert main(["report", "01_chain_rule", "--course", str(course_copy)]) == 2
    assert "gradebook" in capsys.readouterr().err


def test_validate_of_a_missing_notebook_fails_clearly(course_copy, capsys):
    missing = course_copy / "lessons" / "01_chain_rule" / "nope.ipynb"
    assert main(["validate", str(missing), "--course", str(course_copy)]) == 2
    assert "nope.ipynb" in capsys.readouterr().err


def test_every_command_has_help(capsys):
    for command in ("release", "strip", "autograde", "feedback", "report", "similarity",
                    "validate"):
        with pytest.raises(SystemExit) as info:
            main([command, "--help"])
        assert info.value.code == 0
        assert "usage: backprop-course " + command in capsys.readouterr().out
