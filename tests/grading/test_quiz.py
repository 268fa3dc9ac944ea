"""Quiz answers: check_choice, check_number, check_shape (as notebooks import them) and verdicts."""

import pytest

from backprop.grading import CheckFailed, Verdict
from backprop.grading import quiz as grading_quiz
from backprop.grading.quiz import choice_verdict, number_verdict, quiz_verdict, shape_verdict
from backprop.quiz import check_choice, check_number, check_shape


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


# -- numbers and shapes: check_number, check_shape and their verdicts -------------------


@pytest.mark.parametrize("value", [0.25, 1, -3, 2.5e-3])
def test_a_number_passes_the_format_check(value, capsys):
    check_number("q5", value)
    assert "is a number" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("value", "words"),
    [(None, "no answer yet"), ("0.25", "without the quotes"), (True, "should be a number"),
     (float("nan"), "not a finite"), (float("inf"), "not a finite"), ([1], "should be a number")],
)
def test_a_badly_written_number_is_explained(value, words):
    with pytest.raises(CheckFailed, match=words):
        check_number("q5", value)


def test_a_number_is_right_within_its_tolerance_and_never_revealed(capsys):
    check_number("q5", 0.2504, answer=0.25, atol=1e-3)
    assert "right" in capsys.readouterr().out
    with pytest.raises(CheckFailed, match=r"q5: 0.252 is not right. Reread: section 2") as info:
        check_number("q5", 0.252, answer=0.25, atol=1e-3, reread="section 2")
    assert "0.25 " not in str(info.value) and "0.25." not in str(info.value)
    check_number("q5", 1.009, answer=1.0, rtol=0.01)
    with pytest.raises(CheckFailed):
        check_number("q5", 1.0 + 1e-9, answer=1.0)  # no tolerance given: exact


@pytest.mark.parametrize("value", [(3, 4), [3, 4], (10,), ()])
def test_a_shape_passes_the_format_check(value, capsys):
    check_shape("q6", value)
    assert "is a shape" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("value", "words"),
    [(None, "no answer yet"), (10, r"\(10,\)"), ("(3, 4)", "tuple of sizes"),
     ((3, -1), "tuple of sizes"), ((3.0, 4), "tuple of sizes"), ((True, 4), "tuple of sizes")],
)
def test_a_badly_written_shape_is_explained(value, words):
    with pytest.raises(CheckFailed, match=words):
        check_shape("q6", value)


def test_a_shape_must_be_exactly_right():
    check_shape("q6", [784, 100], answer=(784, 100))
    with pytest.raises(CheckFailed, match=r"q6: \(100, 784\) is not right") as info:
        check_shape("q6", (100, 784), answer=(784, 100))
    assert "(784, 100)" not in str(info.value)


def test_quiz_verdict_picks_the_judgement_by_form():
    assert quiz_verdict("choice", "q1", "b", answer="b").passed
    assert not quiz_verdict("choice", "q1", "a", answer="b").passed
    assert quiz_verdict("number", "q5", 0.25, answer=0.25).passed
    assert not quiz_verdict("number", "q5", "0.25", answer=0.25).passed
    assert quiz_verdict("shape", "q6", (2, 3), answer=[2, 3]).passed
    assert quiz_verdict("shape", "q6", (2, 3)).message.startswith("✓")  # the format alone
    assert number_verdict("q5", 3).passed and shape_verdict("q6", (1,)).passed
    with pytest.raises(ValueError, match="form must be one of"):
        quiz_verdict("essay", "q9", "text")


def test_a_learners_int_subclass_is_read_as_a_plain_int():
    class Sneaky(int):
        def __eq__(self, other):
            return True

        __hash__ = int.__hash__

    assert not number_verdict("q5", Sneaky(7), answer=0.25).passed
