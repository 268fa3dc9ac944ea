"""Quiz helpers: autograded multiple-choice answers, and self-check widgets (all lessons).

A graded question is a plain assignment in an answer cell, such as `q1 = "c"`.
Its visible test checks the format only; the hidden test, which the learner
never sees, checks the answer:

    check_choice("q1", q1)                              # visible: a letter from "abcd"?
    check_choice("q1", q1, answer="c", reread="...")    # hidden: the right letter?
"""

from __future__ import annotations

from collections.abc import Sequence

from backprop.grading import CheckFailed

__all__ = ["check_choice", "self_check"]


def _normalise(name: str, value: object, choices: str) -> str:
    """Return the answer as one lower-case letter, or raise CheckFailed saying how to write it."""
    options = ", ".join(f'"{c}"' for c in choices)
    if value is None or value is NotImplemented:
        raise CheckFailed(
            f'{name} has no answer yet: set it to one of {options}, e.g. {name} = "{choices[0]}".'
        )
    if not isinstance(value, str):
        raise CheckFailed(
            f"{name} should be a letter in quotes, one of {options}; got {value!r} "
            f"({type(value).__name__})."
        )
    letter = value.strip().strip(")").strip("(").lower()
    if len(letter) != 1 or letter not in choices:
        raise CheckFailed(f"{name} = {value!r} is not one of the options {options}.")
    return letter


def check_choice(
    name: str,
    value: object,
    choices: str = "abcd",
    *,
    answer: str | None = None,
    reread: str = "",
) -> None:
    """Check a multiple-choice answer: its format always, the answer itself when given.

    Introduced in lesson 1. Upper case and stray spaces or brackets are forgiven.

    Args:
        name: The variable's name, for messages ("q1").
        value: What the learner assigned.
        choices: The allowed letters.
        answer: The right letter (hidden tests only).
        reread: The section to reread when the answer is wrong.

    Raises:
        CheckFailed: If the format is wrong, or the answer is given and differs.
    """
    letter = _normalise(name, value, choices)
    if answer is None:
        print(f'✓ {name}: "{letter}" is a valid answer (whether it is right is checked later).')
        return
    if letter != answer.lower():
        where = f" Reread: {reread}." if reread else ""
        raise CheckFailed(f'{name}: "{letter}" is not the best answer.{where}')
    print(f"✓ {name}: right.")


def self_check(question: str, options: Sequence[str], answer: int, explanation: str):
    """Build a practice question widget: pick an option, press Check, read why.

    Introduced in lesson 1. Not graded; it builds without a browser, so nbval runs it.

    Args:
        question: The question, as plain text or simple HTML.
        options: The choices, in display order.
        answer: Index into `options` of the right choice.
        explanation: Shown after checking, right or wrong.

    Returns:
        An `ipywidgets.VBox`; put it last in a cell to display it.

    Raises:
        ValueError: If `answer` is not a valid index into `options`.
    """
    import ipywidgets as widgets  # imported here: grading never needs a widget library

    if not 0 <= answer < len(options):
        raise ValueError(
            f"answer must index options (0 to {len(options) - 1}), got {answer}."
        )
    picker = widgets.RadioButtons(options=list(options), value=None,
                                  layout=widgets.Layout(width="auto"))
    button = widgets.Button(description="Check", button_style="primary")
    verdict = widgets.HTML()

    def on_click(_: object) -> None:
        if picker.value is None:
            verdict.value = "<i>Pick an option first.</i>"
            return
        right = picker.index == answer
        mark = "✓ Right." if right else "✗ Not quite."
        verdict.value = f"<b>{mark}</b> {explanation}"

    button.on_click(on_click)
    return widgets.VBox([widgets.HTML(f"<b>{question}</b>"), picker, button, verdict])
