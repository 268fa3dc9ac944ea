import pytest

from backprop.grading import CheckFailed
from backprop.quiz import check_choice, self_check


@pytest.mark.parametrize("value", ["b", "B", " b ", "(b)", "b)"])
def test_format_check_accepts_a_letter_written_loosely(value, capsys):
    check_choice("q1", value)
    assert "valid answer" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("value", "words"),
    [(None, "no answer yet"), (2, "letter in quotes"), ("e", "not one of"), ("bc", "not one of")],
)
def test_format_check_explains_a_bad_answer(value, words):
    with pytest.raises(CheckFailed, match=words):
        check_choice("q1", value)


def test_hidden_check_accepts_the_right_answer_and_rejects_others(capsys):
    check_choice("q2", "C", answer="c")
    assert "right" in capsys.readouterr().out
    with pytest.raises(CheckFailed, match="not the best answer. Reread: section 3") as info:
        check_choice("q2", "a", answer="c", reread="section 3")
    assert '"c"' not in str(info.value)  # never reveal the answer


def test_choices_can_be_restricted():
    check_choice("q3", "t", choices="tf")
    with pytest.raises(CheckFailed):
        check_choice("q3", "a", choices="tf")


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
