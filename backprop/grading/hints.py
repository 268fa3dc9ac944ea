"""Hint ladders: an exercise's hints, shown folded, one level at a time (all lessons).

Every graded exercise registers up to three hints (`Exercise.hints`), from a nudge to
the last, which may give the formula. A notebook shows them in the cell under the
exercise's check, `hints("mul_backward")`: JupyterLab renders a folded "Hint 1", and
each level holds the next one folded inside it, so a learner sees only the levels they
chose to open, in order. A failed check never prints a hint; it points here
(`pointer`). The plain-text form of a ladder (what a terminal or a text-only front end
shows) names the levels without their text; `HintLadder.level(k)` gives one on demand.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from backprop.grading.exercise import lookup

__all__ = ["HintLadder", "hints", "pointer"]

# What each level is, by position in a ladder of 1, 2 or 3 hints.
_NAMES = {
    1: ("a hint",),
    2: ("a nudge", "the last hint"),
    3: ("a nudge", "a step further", "the last hint"),
}


@dataclass(frozen=True)
class HintLadder:
    """The hints of one exercise, displayed folded (see the module docstring).

    Attributes:
        exercise_id: The exercise, e.g. "mul_backward".
        levels: Its hints, from the nudge to the formula.
    """

    exercise_id: str
    levels: tuple[str, ...]

    def level(self, k: int) -> str:
        """Return hint number k (1 = the nudge), for a front end that shows no HTML.

        Raises:
            ValueError: If the ladder has no level k.
        """
        if not isinstance(k, int) or not 1 <= k <= len(self.levels):
            raise ValueError(f"{self.exercise_id} has hints 1 to {len(self.levels)}; got {k!r}.")
        return self.levels[k - 1]

    def _names(self) -> tuple[str, ...]:
        return _NAMES[len(self.levels)]

    def __repr__(self) -> str:
        names = ", ".join(f"{k} ({name})" for k, name in enumerate(self._names(), 1))
        return (f"{len(self.levels)} hint(s) for {self.exercise_id}: {names}. JupyterLab shows "
                f"them folded; here, print(hints({self.exercise_id!r}).level(1)) shows the first.")

    def _repr_html_(self) -> str:
        # Innermost level first: each <details> holds its text and the next level, folded.
        inner = ""
        names = self._names()
        for k in range(len(self.levels), 0, -1):
            inner = (
                f'<details class="bp-hint" data-level="{k}">'
                f"<summary>Hint {k} of {len(self.levels)}: {names[k - 1]}</summary>"
                f'<div style="margin: 0.3em 0 0.3em 1.2em">'
                f"{html.escape(self.levels[k - 1])}{inner}</div></details>"
            )
        return (f'<div class="bp-hints" data-exercise="{html.escape(self.exercise_id)}">'
                f"{inner}</div>")


def hints(exercise_id: str) -> HintLadder:
    """Return the hint ladder of an exercise, to show folded under its check.

    Introduced in lesson 1. Open one level at a time: try the exercise first, then take
    only as much help as you need.

    Args:
        exercise_id: The exercise's id, as in `check("mul_backward", ...)`.

    Returns:
        The ladder; as a cell's last line JupyterLab shows it folded.

    Raises:
        KeyError: If no exercise has that id (the message suggests close names).
    """
    return HintLadder(exercise_id, lookup(exercise_id).hints)


def pointer(exercise_id: str) -> str:
    """The last line of a failed check: where the hints are, never the hints themselves."""
    n = len(lookup(exercise_id).hints)
    return (f"Stuck? Open the hints under this check, one at a time ({n} level(s), from a "
            f'nudge to the last), or run hints("{exercise_id}").')
