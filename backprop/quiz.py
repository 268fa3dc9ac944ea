"""The notebooks' door to their quizzes (every lesson): `from backprop.quiz import ...`.

A door, not a module of its own: it gives the names the lessons' setup cells import,
each defined where it belongs.

- `check_choice`, `check_number` and `check_shape`: a graded answer such as `q1 = "c"`,
  `q5 = 0.25` or `q6 = (64, 10)`, from the check library, `backprop.grading.quiz` (where
  the `*_verdict` functions return the verdict instead);
- `self_check`, a practice question that is never graded, from the widgets,
  `backprop.widgets.selfcheck`.

Nothing in the package imports this module (an import-linter contract keeps it at the top).
"""

from backprop.grading.quiz import check_choice, check_number, check_shape
from backprop.widgets.selfcheck import self_check

__all__ = ["check_choice", "check_number", "check_shape", "self_check"]
