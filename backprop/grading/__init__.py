"""The exercise registry and `check(...)`: specific feedback for every graded exercise.

Each graded exercise is registered once, with
- a reference implementation,
- a seeded generator of test cases (hidden checks add edge cases),
- a tolerance,
- *known mistakes*: small functions that compute a typical wrong answer, each
  with the message that explains it,
- a *hint ladder*: one to three hints, from a nudge to the last, which may give the
  formula; a notebook shows them folded (`hints(id)`), and a failed check points to them.

`check(exercise_id, fn)` runs the learner's function on every case and answers in
this order:
1. it raised -> which input made it raise;
2. wrong type, shape or dtype -> what was expected, and the likely cause;
3. matches the reference -> pass, with a short ✓ line;
4. matches a known mistake -> that mistake's message;
5. otherwise -> the largest error, where it is, and a pointer to the gradient check.

A failure raises `CheckFailed`, an `AssertionError` whose notebook traceback is the
message alone: no source lines, so hidden tests never show in feedback.

`check` is two steps, which the autograder runs in two processes:
- `collect(id, fn)` calls the learner's function on each case, in the learner's process,
  and reports `Outcome`s: the returned values, or the error, and whether an input was
  changed in place or the package's reference was called;
- `judge(id, outcomes)` compares them with the reference on its own copy of the cases
  and returns a `Verdict`. It runs no learner code and treats the outcomes as untrusted
  data. `outcome_to_data` / `outcome_from_data` carry outcomes through the sandbox's wire.

Where each concern lives:
- `exercise`: `Case`, `Mistake`, `Exercise`, `Outcome`, `Verdict`; `register`, `REGISTRY`,
  `exercises()`, the lookup of an id (with its "did you mean"), `cases_for`.
- `judge`: `collect`, `judge` and `check`; calling the learner's function (and watching
  whether the reference runs inside it), and reading outcomes as untrusted data.
- `compare`: comparing an answer with the expected one (tolerances, dicts and lists,
  changed inputs, values in the wrong order, the known mistake that matches).
- `messages`: what a learner reads: `CheckFailed`, how values are described, what is
  wrong with an output's type or shape, the fallback message of an unknown mistake, and
  the learner's own traceback lines.
- `outcomes`: outcomes as plain data for the wire, `outcome_to_data` and
  `outcome_from_data`.
- `hints`: hint ladders, `hints(id)` (shown folded under a check) and the pointer a
  failed check ends with.
- `quiz`: quiz answers (a letter, a number or a shape), their verdicts and `check_choice`,
  `check_number`, `check_shape`.
- `exercises/lessonNN_topic.py`: each lesson's exercises (references, cases, known
  mistakes), e.g. `exercises/lesson01_chain_rule.py`; importing this package imports them
  all, which registers them.
"""

# Importing the lesson modules registers every exercise. It comes first: loading the
# subpackage `exercises` sets the attribute `exercises` of this package, which the function
# `exercises()`, imported below, then replaces.
from backprop.grading import exercises as _lesson_modules
from backprop.grading.exercise import (
    REGISTRY,
    Case,
    Exercise,
    Mistake,
    Outcome,
    Verdict,
    cases_for,
    exercises,
    register,
)
from backprop.grading.hints import HintLadder, hints
from backprop.grading.judge import check, collect, judge
from backprop.grading.messages import CheckFailed
from backprop.grading.outcomes import outcome_from_data, outcome_to_data
from backprop.grading.quiz import (
    check_choice,
    check_number,
    check_shape,
    choice_verdict,
    quiz_verdict,
)

__all__ = [
    "REGISTRY",
    "Case",
    "CheckFailed",
    "Exercise",
    "HintLadder",
    "Mistake",
    "Outcome",
    "Verdict",
    "cases_for",
    "check",
    "check_choice",
    "check_number",
    "check_shape",
    "choice_verdict",
    "collect",
    "exercises",
    "hints",
    "judge",
    "outcome_from_data",
    "outcome_to_data",
    "quiz_verdict",
    "register",
]

del _lesson_modules
