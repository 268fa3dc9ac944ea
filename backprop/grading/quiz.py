"""Quiz answers: autograded questions whose answer is a letter, a number or a shape (all lessons).

A graded question is a plain assignment in an answer cell, such as `q1 = "c"`,
`q5 = 0.25` or `q6 = (64, 10)`. Its visible test checks the format only; the hidden
test, which the learner never sees, checks the answer:

    check_choice("q1", q1)                              # visible: a letter from "abcd"?
    check_choice("q1", q1, answer="c", reread="...")    # hidden: the right letter?
    check_number("q5", q5)                              # visible: a finite number?
    check_number("q5", q5, answer=0.25, atol=1e-3)      # hidden: within the tolerance?
    check_shape("q6", q6)                               # visible: a tuple of sizes?
    check_shape("q6", q6, answer=(64, 10))              # hidden: exactly that shape?

A number's tolerance is stated in its question. The `*_verdict` functions are the
judgement alone, as a `Verdict` (they never print, and never raise for a learner's value);
`quiz_verdict` picks one by the question's form, which is how the grader calls them. The
`check_*` functions print the ✓ line or raise `CheckFailed` with the message. A wrong
answer's message never reveals the right one.
"""

from __future__ import annotations

import math

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


#: The forms of quiz answer, and the checker a test cell calls for each.
FORMS = {"choice": "check_choice", "number": "check_number", "shape": "check_shape"}


def _wrong(name: str, shown: str, reread: str) -> Verdict:
    where = f" Reread: {reread}." if reread else ""
    return Verdict(False, f"{name}: {shown} is not right.{where}")


def number_verdict(
    name: str,
    value: object,
    *,
    answer: float | None = None,
    rtol: float = 0.0,
    atol: float = 0.0,
    reread: str = "",
) -> Verdict:
    """Judge a numeric answer: a finite int or float always, within the tolerance when given.

    Args:
        name: The variable's name, for messages ("q5").
        value: What the learner assigned.
        answer: The right number (hidden tests only).
        rtol: Relative tolerance, as the question states it.
        atol: Absolute tolerance, as the question states it.
        reread: The section to reread when the answer is wrong.

    Returns:
        The verdict; its message is what `check_number` prints or raises.
    """
    if value is None:
        return Verdict(False, f"{name} has no answer yet: set it to a number, e.g. {name} = 0.5.")
    if isinstance(value, bool) or not isinstance(value, int | float):
        hint = " without the quotes" if isinstance(value, str) else ""
        return Verdict(False, f"{name} should be a number{hint} (an int or a float); got "
                              f"{_safe_repr(value)} of type {type(value).__name__}.")
    number = float(value) if isinstance(value, float) else float(int.__index__(value))
    if not math.isfinite(number):
        return Verdict(False, f"{name} = {number} is not a finite number.")
    if answer is None:
        return Verdict(True, f"✓ {name}: {number:g} is a number (whether it is right is "
                             "checked later).")
    if not math.isclose(number, answer, rel_tol=rtol, abs_tol=atol):
        return _wrong(name, f"{number:g}", reread)
    return Verdict(True, f"✓ {name}: right.")


def _shape(value: object) -> tuple[int, ...] | None:
    if not isinstance(value, tuple | list):
        return None
    if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in value):
        return None
    return tuple(int.__index__(n) for n in value)


def shape_verdict(
    name: str,
    value: object,
    *,
    answer: tuple[int, ...] | None = None,
    reread: str = "",
) -> Verdict:
    """Judge a shape answer: a tuple of sizes always, exactly the right one when given.

    A list of sizes is accepted as well; a single int is not (a 1-D shape is `(10,)`).

    Args:
        name: The variable's name, for messages ("q6").
        value: What the learner assigned.
        answer: The right shape (hidden tests only).
        reread: The section to reread when the answer is wrong.

    Returns:
        The verdict; its message is what `check_shape` prints or raises.
    """
    if value is None:
        return Verdict(False, f"{name} has no answer yet: set it to a shape, e.g. {name} = (3, 4).")
    shape = _shape(value)
    if shape is None:
        hint = (f" A 1-D shape is a tuple of one size: ({value},)."
                if isinstance(value, int) and not isinstance(value, bool) else "")
        return Verdict(False, f"{name} should be a shape, a tuple of sizes such as (3, 4); got "
                              f"{_safe_repr(value)}.{hint}")
    if answer is None:
        return Verdict(True, f"✓ {name}: {shape} is a shape (whether it is right is checked "
                             "later).")
    if shape != tuple(answer):
        return _wrong(name, str(shape), reread)
    return Verdict(True, f"✓ {name}: right.")


def quiz_verdict(
    form: str,
    name: str,
    value: object,
    *,
    answer: object = None,
    choices: str = "abcd",
    rtol: float = 0.0,
    atol: float = 0.0,
    reread: str = "",
) -> Verdict:
    """Judge a quiz answer of any form ("choice", "number" or "shape"); see the verdicts above.

    Raises:
        ValueError: If the form is not one of `FORMS` (a course bug, not a learner's).
    """
    if form == "choice":
        return choice_verdict(name, value, choices,
                              answer=answer if isinstance(answer, str) else None, reread=reread)
    if form == "number":
        ok = isinstance(answer, int | float) and not isinstance(answer, bool)
        return number_verdict(name, value, answer=float(answer) if ok else None,
                              rtol=rtol, atol=atol, reread=reread)
    if form == "shape":
        return shape_verdict(name, value, answer=_shape(answer), reread=reread)
    raise ValueError(f"form must be one of {sorted(FORMS)}, got {form!r}")


def _raise_or_print(verdict: Verdict) -> None:
    if not verdict.passed:
        raise CheckFailed(verdict.message)
    print(verdict.message)


def check_number(
    name: str,
    value: object,
    *,
    answer: float | None = None,
    rtol: float = 0.0,
    atol: float = 0.0,
    reread: str = "",
) -> None:
    """Check a numeric answer, such as `q5 = 0.25` (see `number_verdict`).

    Introduced in lesson 1. Prints the ✓ line, or raises the message.

    Raises:
        CheckFailed: If it is not a finite number, or the answer is given and it is not
            within the tolerance.
    """
    _raise_or_print(number_verdict(name, value, answer=answer, rtol=rtol, atol=atol,
                                   reread=reread))


def check_shape(
    name: str,
    value: object,
    *,
    answer: tuple[int, ...] | None = None,
    reread: str = "",
) -> None:
    """Check a shape answer, such as `q6 = (64, 10)` (see `shape_verdict`).

    Introduced in lesson 1. Prints the ✓ line, or raises the message.

    Raises:
        CheckFailed: If it is not a tuple of sizes, or the answer is given and differs.
    """
    _raise_or_print(shape_verdict(name, value, answer=answer, reread=reread))
