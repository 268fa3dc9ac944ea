"""The practice question of every lesson: `self_check`, a widget that says why (lessons 1-7).

Introduced in lesson 1 and used in every lesson after it: a question, its options as radio
buttons, a Check button and, once pressed, whether the pick was right and why. It is not
graded (graded multiple-choice answers are plain assignments checked by `check_choice`), and
it builds without a browser, so nbval runs it.

Example:
    >>> box = self_check("2 + 2?", ["3", "4"], answer=1, explanation="Count.")
    >>> box.children[1].value = "4"  # pick an option
    >>> box.children[2].click()  # press Check
    >>> box.children[3].value
    '<b>✓ Right.</b> Count.'
"""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as widgets

__all__ = ["self_check"]


def self_check(question: str, options: Sequence[str], answer: int,
               explanation: str) -> widgets.VBox:
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
