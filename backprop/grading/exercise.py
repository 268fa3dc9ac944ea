"""What an exercise is, and the registry that holds them all.

`Case`, `Mistake` and `Exercise` describe a graded exercise; `register` adds one to
`REGISTRY` (each lesson module under `exercises/` registers its own when imported), and
`lookup` finds one by id, suggesting close names for a typo. `Outcome` (what the learner's
process reports for one case) and `Verdict` (the judgement) are the data that pass between
`collect` and `judge`. `cases_for` makes an exercise's seeded cases, and `run` /
`with_after` call a function the way the grader compares it (with the values of the
arguments it updates in place appended).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Case:
    """One input to an exercise: positional arguments and a description for messages."""

    args: tuple[Any, ...]
    note: str
    data: Any = None  # grader-only data (held-out labels): never passed to the learner


@dataclass(frozen=True)
class Mistake:
    """A typical wrong answer: `compute` has the reference's signature and returns it."""

    name: str
    compute: Callable[..., Any]
    message: str


@dataclass(frozen=True)
class Exercise:
    """A graded exercise, registered once.

    Attributes:
        id: The name used in `check(id, fn)`, usually the function's name.
        lesson: The lesson folder that introduces it, e.g. "01_chain_rule".
        reference: The correct implementation.
        cases: (rng, hidden) -> list of `Case`; hidden cases add edge cases.
        outputs: The names of the returned values, e.g. ("dx", "dy").
        mistakes: The known mistakes, most specific first.
        hints: The hint ladder, one to three hints from a nudge ("which gate is this?") to
            the last, which may give the formula. The notebook shows them folded, one
            level at a time (`backprop.grading.hints`); a failed check only points to them.
        rtol: Relative tolerance of the comparison.
        atol: Absolute tolerance of the comparison.
        seed: Seed for the case generator (hidden checks use seed + 1).
        free: Outputs that must be returned but are not compared, such as a forward
            pass's cache: what a learner keeps in it is their choice.
        mutable: Positions of the arguments the function may change in place, such as an
            optimiser's config, where it keeps its state (a velocity) between calls.
            Every other argument must be left as it was.
        after: Positions of the arguments that the function updates in place as part of
            its job (batch norm's running averages in bn_param). Their values after the
            call are appended to the outputs and compared like returned values; list
            their names last in `outputs`.
        accept: For an open-ended exercise with no single right answer (lesson 7's
            capstone): `accept(case, outputs) -> None` when the outputs are good enough,
            or a message saying what falls short. The reference is then not compared (it
            only shows one way to do it), and `case.data` holds what accept needs.
        harness: For an exercise whose answer is a class, not a function (lesson 1's
            `Scalar`): `harness(cls, *case.args)` builds and runs something with the class
            and returns plain results (numbers, lists, strings) in the order of `outputs`.
            The learner's class, the reference and every mistake are run through it, in
            the learner's process for theirs; nothing else changes.
        equivalents: The package's other functions and classes that would answer the
            exercise as well as its reference does (`batchnorm_backward_alt` for
            `batchnorm_backward`, `leaky_relu_backward` with a slope of 0 for
            `relu_backward`, `Value.backward`, the autograd, for a scalar derivative). An answer
            that reaches the reference or one of these earns nothing: the grader finds it by
            reading the submitted code (`backprop.course.reach`), the learner's `check` by
            watching what runs. Helpers the lesson asks the learner to use are not listed.
    """

    id: str
    lesson: str
    reference: Callable[..., Any]
    cases: Callable[[np.random.Generator, bool], list[Case]]
    outputs: tuple[str, ...]
    mistakes: tuple[Mistake, ...]
    hints: tuple[str, ...]
    rtol: float = 1e-6
    atol: float = 1e-9
    seed: int = 0
    free: tuple[str, ...] = ()
    mutable: tuple[int, ...] = ()
    after: tuple[int, ...] = ()
    accept: Callable[[Case, tuple[Any, ...]], str | None] | None = None
    harness: Callable[..., Any] | None = None
    equivalents: tuple[Any, ...] = ()

    @property
    def answers(self) -> tuple[Any, ...]:
        """The reference and its equivalents: what a learner's answer may not use."""
        return (self.reference, *self.equivalents)


REGISTRY: dict[str, Exercise] = {}
#: The most levels a hint ladder has: a nudge, an intermediate step, the formula.
MAX_HINTS = 3


def register(exercise: Exercise) -> Exercise:
    """Add an exercise to the registry; each id may be registered only once."""
    if exercise.id in REGISTRY:
        raise ValueError(f"exercise {exercise.id!r} is already registered")
    names = [m.name for m in exercise.mistakes]
    if len(set(names)) != len(names):
        raise ValueError(f"exercise {exercise.id!r} has two known mistakes with the same name")
    if not (isinstance(exercise.hints, tuple) and 1 <= len(exercise.hints) <= MAX_HINTS
            and all(isinstance(h, str) and h.strip() for h in exercise.hints)):
        raise ValueError(f"exercise {exercise.id!r} needs a hint ladder: a tuple of 1 to "
                         f"{MAX_HINTS} non-empty hints, from a nudge to the formula")
    if not set(exercise.free) <= set(exercise.outputs):
        raise ValueError(f"exercise {exercise.id!r}: free outputs must be among its outputs")
    REGISTRY[exercise.id] = exercise
    return exercise


def exercises(lesson: str | None = None) -> list[Exercise]:
    """Return the registered exercises, optionally only those of one lesson."""
    return [e for e in REGISTRY.values() if lesson is None or e.lesson == lesson]


def lookup(exercise_id: str) -> Exercise:
    """Return the registered exercise with this id.

    Raises:
        KeyError: If no exercise has that id; the message suggests close names.
    """
    if exercise_id not in REGISTRY:
        close = difflib.get_close_matches(str(exercise_id), REGISTRY, n=3)
        also = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
        raise KeyError(f"no exercise called {exercise_id!r}.{also}")
    return REGISTRY[exercise_id]


@dataclass(frozen=True)
class Outcome:
    """What the learner's process reports for one case; `judge` reads it as untrusted data.

    Attributes:
        result: The returned value (a generator already listed); None if it raised.
        error: "TypeName: first line of the message" and, after a newline, the learner's own
            traceback lines, if it raised.
        not_implemented: It raised NotImplementedError (the unwritten stub).
        mutated: The positions of the arguments it changed in place, not counting the
            exercise's `mutable` ones.
        used_reference: It called backprop's own reference (or is backprop's own function).
    """

    result: Any = None
    error: str | None = None
    not_implemented: bool = False
    mutated: tuple[int, ...] = ()
    used_reference: bool = False


@dataclass(frozen=True)
class Verdict:
    """The judgement of one exercise.

    Attributes:
        passed: Every case matches the reference.
        message: Exactly what `check` prints (the ✓ line) or raises (the CheckFailed text).
        mistake: The name of the known mistake the answer matched, e.g. "swapped", or None.
            A known mistake that explains only some outputs counts too (the first one).
    """

    passed: bool
    message: str
    mistake: str | None = None


def run(ex: Exercise, fn: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    """Call fn (the reference or a mistake) and append the `after` arguments' new values."""
    return with_after(ex, call(ex, fn, args), args)


def call(ex: Exercise, fn: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    """fn(*args), or for a class exercise `harness(fn, *args)`: how every answer is run."""
    return ex.harness(fn, *args) if ex.harness is not None else fn(*args)


def with_after(ex: Exercise, result: Any, args: tuple[Any, ...]) -> Any:
    """Append the new values of the `after` arguments to a function's returned values."""
    if not ex.after:
        return result
    returned = len(ex.outputs) - len(ex.after)
    if returned == 1:
        result = (result,)
    elif not isinstance(result, tuple) or len(result) != returned:
        return result  # a wrong count: judged, and explained, as returned
    return (*result, *(args[i] for i in ex.after))


def cases_for(exercise_id: str, *, hidden: bool, seed: int | None = None) -> list[Case]:
    """Return the exercise's seeded cases: the same inputs every time, as `check` uses them.

    Args:
        exercise_id: The registered exercise.
        hidden: The hidden cases (more of them, with edge cases).
        seed: Draw them from this seed instead of the exercise's own (its `seed`, or
            `seed + 1` for the hidden ones): the grader's hidden cases come from the
            course's secret (`backprop.course.secret`), which learners don't have.

    Raises:
        KeyError: If no exercise has that id.
    """
    ex = lookup(exercise_id)
    if seed is None:
        seed = ex.seed + (1 if hidden else 0)
    return ex.cases(np.random.default_rng(seed), hidden)
