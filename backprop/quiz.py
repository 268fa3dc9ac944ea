"""The notebooks' door to their quizzes (every lesson): `from backprop.quiz import ...`.

A door, not a module of its own: it gives the two names every lesson's setup cell imports,
each defined where it belongs.

- `check_choice`, a graded multiple-choice answer such as `q1 = "c"`, from the check
  library, `backprop.grading.quiz` (where `choice_verdict` returns the verdict instead);
- `self_check`, a practice question that is never graded, from the widgets,
  `backprop.widgets.selfcheck`.

Nothing in the package imports this module (an import-linter contract keeps it at the top).
"""

from backprop.grading.quiz import check_choice
from backprop.widgets.selfcheck import self_check

__all__ = ["check_choice", "self_check"]
