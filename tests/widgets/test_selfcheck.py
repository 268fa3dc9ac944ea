"""The practice-question widget of every lesson: `self_check`."""

import pytest

import backprop.widgets.selfcheck
from backprop.widgets import self_check

pytestmark = [pytest.mark.lesson1, pytest.mark.lesson2, pytest.mark.lesson3, pytest.mark.lesson4,
              pytest.mark.lesson5, pytest.mark.lesson6, pytest.mark.lesson7]


def test_self_check_is_the_one_of_the_selfcheck_module():
    assert self_check is backprop.widgets.selfcheck.self_check


def test_self_check_widget_builds_headless_and_answers():
    box = self_check("2 + 2?", ["3", "4"], answer=1, explanation="Count.")
    picker, button, verdict = box.children[1], box.children[2], box.children[3]
    button.click()
    assert "Pick an option" in verdict.value
    picker.value = "3"
    button.click()
    assert "Not quite" in verdict.value and "Count." in verdict.value
    picker.value = "4"
    button.click()
    assert "Right" in verdict.value


def test_self_check_refuses_a_bad_answer_index():
    with pytest.raises(ValueError, match="answer must index options"):
        self_check("?", ["a", "b"], answer=2, explanation="")
