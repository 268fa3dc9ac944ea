"""Multiple-choice answers: check_choice (as notebooks import it) and choice_verdict."""

import pytest

from backprop.grading import CheckFailed, Verdict
from backprop.grading import quiz as grading_quiz
from backprop.grading.quiz import choice_verdict
from backprop.quiz import check_choice


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


# -- choice_verdict: the judgement alone, which check_choice prints or raises -------------


def test_check_choice_is_importable_from_the_grading_package_too():
    from backprop.grading import check_choice as from_grading
    from backprop.grading import choice_verdict as verdict_from_grading

    assert from_grading is grading_quiz.check_choice
    assert verdict_from_grading is choice_verdict


@pytest.mark.parametrize(("value", "answer", "passed", "message"), [
    ("B", None, True, '✓ q1: "b" is a valid answer (whether it is right is checked later).'),
    (" (c) ", "c", True, "✓ q1: right."),
    (None, None, False, 'q1 has no answer yet: set it to one of "a", "b", "c", "d", e.g. '
                        'q1 = "a".'),
    (2, "c", False, 'q1 should be a letter in quotes, one of "a", "b", "c", "d"; got 2 (int).'),
    ("e", "c", False, "q1 = 'e' is not one of the options \"a\", \"b\", \"c\", \"d\"."),
    ("a", "c", False, 'q1: "a" is not the best answer. Reread: section 3.'),
])
def test_choice_verdict_returns_a_verdict_and_prints_nothing(value, answer, passed, message,
                                                             capsys):
    verdict = choice_verdict("q1", value, answer=answer, reread="section 3")
    assert verdict == Verdict(passed, message)
    assert capsys.readouterr() == ("", "")


@pytest.mark.parametrize(("value", "answer"), [
    ("b", None), ("B", "b"), (None, None), (2, None), ("bc", None), ("a", "c"), ("t", None),
])
def test_check_choice_prints_or_raises_exactly_the_verdicts_message(value, answer, capsys):
    verdict = choice_verdict("q2", value, answer=answer)
    if verdict.passed:
        check_choice("q2", value, answer=answer)
        assert capsys.readouterr().out == verdict.message + "\n"
    else:
        with pytest.raises(CheckFailed) as info:
            check_choice("q2", value, answer=answer)
        assert str(info.value) == verdict.message


def test_choice_verdict_never_raises_for_a_learners_value():
    class Unprintable:
        def __repr__(self):
            raise RuntimeError("no")

    class Stripless(str):
        def strip(self, *args):
            raise RuntimeError("no")

    verdict = choice_verdict("q1", Unprintable())
    assert not verdict.passed and "should be a letter in quotes" in verdict.message
    assert choice_verdict("q1", Stripless(" b ")) == choice_verdict("q1", " b ")
