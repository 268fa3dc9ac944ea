"""Multiple-choice answers: autograded quiz questions (all lessons).

A graded question is a plain assignment in an answer cell, such as `q1 = "c"`.
Its visible test checks the format only; the hidden test, which the learner
never sees, checks the answer:

    check_choice("q1", q1)                              # visible: a letter from "abcd"?
    check_choice("q1", q1, answer="c", reread="...")    # hidden: the right letter?

`choice_verdict` is the judgement alone, as a `Verdict` (it never prints, and never raises
for a learner's value); `check_choice` prints its ✓ line or raises `CheckFailed` with its
message.
"""

from __future__ import annotations

from backprop.grading.exercise import Verdict
from backprop.grading.messages import CheckFailed


def _safe_repr(value: object) -> str:
    """Return repr(value), or a placeholder if the learner's object can't be printed."""
    try:
        return repr(value)
    except Exception:  # a learner's class whose __repr__ fails
        return f"<a {type(value).__name__} that could not be shown>"


def _letter(name: str, value: object, choices: str) -> tuple[str | None, str]:
    """Return the answer as one lower-case letter, or None and a message saying how to write it."""
    options = ", ".join(f'"{c}"' for c in choices)
    if value is None or value is NotImplemented:
        return None, (
            f'{name} has no answer yet: set it to one of {options}, e.g. {name} = "{choices[0]}".'
        )
    if not isinstance(value, str):
        return None, (
            f"{name} should be a letter in quotes, one of {options}; got {_safe_repr(value)} "
            f"({type(value).__name__})."
        )
    letter = str.lower(str.strip(str.strip(str.strip(value), ")"), "("))
    if len(letter) != 1 or letter not in choices:
        return None, f"{name} = {str.__repr__(value)} is not one of the options {options}."
    return letter, ""


def choice_verdict(
    name: str,
    value: object,
    choices: str = "abcd",
    *,
    answer: str | None = None,
    reread: str = "",
) -> Verdict:
    """Judge a multiple-choice answer: its format always, the answer itself when given.

    Upper case and stray spaces or brackets are forgiven. Never prints, and never raises for
    a learner's value: a badly written answer gets a failing verdict saying how to write it.

    Args:
        name: The variable's name, for messages ("q1").
        value: What the learner assigned.
        choices: The allowed letters.
        answer: The right letter (hidden tests only).
        reread: The section to reread when the answer is wrong.

    Returns:
        The verdict; its message is what `check_choice` prints (the ✓ line) or raises. A
        wrong answer's message never reveals the right one.
    """
    letter, problem = _letter(name, value, choices)
    if letter is None:
        return Verdict(False, problem)
    if answer is None:
        return Verdict(
            True, f'✓ {name}: "{letter}" is a valid answer (whether it is right is checked later).'
        )
    if letter != answer.lower():
        where = f" Reread: {reread}." if reread else ""
        return Verdict(False, f'{name}: "{letter}" is not the best answer.{where}')
    return Verdict(True, f"✓ {name}: right.")


def check_choice(
    name: str,
    value: object,
    choices: str = "abcd",
    *,
    answer: str | None = None,
    reread: str = "",
) -> None:
    """Check a multiple-choice answer: its format always, the answer itself when given.

    Introduced in lesson 1. Upper case and stray spaces or brackets are forgiven. Prints the
    ✓ line of `choice_verdict`, or raises its message.

    Args:
        name: The variable's name, for messages ("q1").
        value: What the learner assigned.
        choices: The allowed letters.
        answer: The right letter (hidden tests only).
        reread: The section to reread when the answer is wrong.

    Raises:
        CheckFailed: If the format is wrong, or the answer is given and differs.
    """
    verdict = choice_verdict(name, value, choices, answer=answer, reread=reread)
    if not verdict.passed:
        raise CheckFailed(verdict.message)
    print(verdict.message)
