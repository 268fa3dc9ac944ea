"""The exercise registry and `check(...)`: specific feedback for every graded exercise.

Each graded exercise is registered here once, with
- a reference implementation,
- a seeded generator of test cases (hidden checks add edge cases),
- a tolerance,
- *known mistakes*: small functions that compute a typical wrong answer, each
  with the message that explains it.

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
  data. `outcome_to_data` / `outcome_from_data` carry outcomes through `backprop.wire`.
"""

from __future__ import annotations

import copy
import difflib
import inspect
import math
import re
import sys
import traceback
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from numbers import Real
from typing import Any

import numpy as np

from backprop import optim
from backprop.activations import (
    leaky_relu_backward,
    relu_backward,
    sigmoid_backward,
    sigmoid_forward,
    tanh_backward,
)
from backprop.data import load_digits, standardize, train_test_split
from backprop.gradcheck import diagnose, numerical_derivative
from backprop.layers import affine_backward, affine_forward
from backprop.losses import binary_cross_entropy_with_logits, mse_loss, softmax_cross_entropy
from backprop.models import MLP, init_weights
from backprop.normalization import batchnorm_backward, batchnorm_forward, layernorm_backward
from backprop.regularization import dropout_backward, dropout_forward, l2_penalty
from backprop.train import Trainer

__all__ = [
    "REGISTRY",
    "Case",
    "CheckFailed",
    "Exercise",
    "Mistake",
    "Outcome",
    "Verdict",
    "cases_for",
    "check",
    "collect",
    "exercises",
    "judge",
    "outcome_from_data",
    "outcome_to_data",
    "register",
]


# ---------------------------------------------------------------------------------
# The machinery
# ---------------------------------------------------------------------------------


class CheckFailed(AssertionError):
    """A learner's answer is not right yet; the message says why and what to try."""

    def _render_traceback_(self) -> list[str]:
        # IPython calls this instead of printing a traceback: the learner sees the message
        # only, and no line of the test cell (where hidden tests live) is ever quoted.
        first, *rest = str(self).splitlines() or [""]
        return [f"\x1b[1;31m✗ {first}\x1b[0m", *rest]


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
        hint: Where to look when the answer matches no known mistake.
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
    """

    id: str
    lesson: str
    reference: Callable[..., Any]
    cases: Callable[[np.random.Generator, bool], list[Case]]
    outputs: tuple[str, ...]
    mistakes: tuple[Mistake, ...]
    hint: str
    rtol: float = 1e-6
    atol: float = 1e-9
    seed: int = 0
    free: tuple[str, ...] = ()
    mutable: tuple[int, ...] = ()
    after: tuple[int, ...] = ()
    accept: Callable[[Case, tuple[Any, ...]], str | None] | None = None


REGISTRY: dict[str, Exercise] = {}


def register(exercise: Exercise) -> Exercise:
    """Add an exercise to the registry; each id may be registered only once."""
    if exercise.id in REGISTRY:
        raise ValueError(f"exercise {exercise.id!r} is already registered")
    names = [m.name for m in exercise.mistakes]
    if len(set(names)) != len(names):
        raise ValueError(f"exercise {exercise.id!r} has two known mistakes with the same name")
    if not set(exercise.free) <= set(exercise.outputs):
        raise ValueError(f"exercise {exercise.id!r}: free outputs must be among its outputs")
    REGISTRY[exercise.id] = exercise
    return exercise


def exercises(lesson: str | None = None) -> list[Exercise]:
    """Return the registered exercises, optionally only those of one lesson."""
    return [e for e in REGISTRY.values() if lesson is None or e.lesson == lesson]


def _lookup(exercise_id: str) -> Exercise:
    if exercise_id not in REGISTRY:
        close = difflib.get_close_matches(str(exercise_id), REGISTRY, n=3)
        also = f" Did you mean {', '.join(map(repr, close))}?" if close else ""
        raise KeyError(f"no exercise called {exercise_id!r}.{also}")
    return REGISTRY[exercise_id]


def _package_origin(fn: Callable[..., Any]) -> str | None:
    """Return 'module.name' if fn is one of backprop's own functions, else None."""
    target = inspect.unwrap(getattr(fn, "func", fn))
    module = getattr(target, "__module__", None) or ""
    if module == "backprop" or module.startswith("backprop."):
        return f"{module}.{getattr(target, '__qualname__', repr(target))}"
    return None


def _call(fn: Callable[..., Any], args: tuple[Any, ...], reference_code: Any) -> tuple[Any, bool]:
    """Call fn(*args); also report whether the exercise's reference ran inside it."""
    used_reference = False

    def watch(frame: Any, event: str, _arg: Any) -> None:
        nonlocal used_reference
        if event == "call" and frame.f_code is reference_code:
            used_reference = True

    previous = sys.getprofile()
    sys.setprofile(watch)
    try:
        with warnings.catch_warnings():
            # Warnings would go to stderr, which nbgrader counts as a failed test; a wrong
            # answer is caught by the comparison anyway.
            warnings.simplefilter("ignore")
            result = fn(*args)
            if isinstance(result, Iterator):  # a generator: list what it yields
                result = list(result)
    finally:
        sys.setprofile(previous)
    return result, used_reference


def _describe(value: Any) -> str:
    if isinstance(value, _Opaque):
        return value.description
    if value is None:
        return "None"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    if isinstance(value, tuple | list):
        return f"a {type(value).__name__} of {len(value)} values"
    return f"a {type(value).__name__}"


def _fmt(value: Any) -> str:
    if isinstance(value, np.ndarray):
        return np.array2string(value, precision=4, suppress_small=True, threshold=12)
    if isinstance(value, float | np.floating):
        return f"{float(value):.6g}"
    return repr(value)


def _as_tuple(result: Any, n: int) -> tuple[Any, ...] | None:
    if n == 1:
        return (result,)
    if isinstance(result, tuple | list) and len(result) == n:
        return tuple(result)
    return None


def _structure_problem(name: str, got: Any, want: Any) -> str | None:
    """Say what is wrong with the type, shape or dtype of one output, or None."""
    if got is None:
        return f"{name} is None: did you forget to `return` it?"
    if isinstance(want, Mapping):  # a config: its entries are compared, extra ones ignored
        if not isinstance(got, Mapping):
            return f"{name} should be a dict (like the config you were given), but it is " \
                   f"{_describe(got)}."
        for key, w in want.items():
            if key in got:
                problem = _structure_problem(f"{name}[{key!r}]", got[key], w)
                if problem is not None:
                    return problem
        return None  # a missing entry is a wrong value, explained by the comparison
    if isinstance(want, list):  # a list of arrays, e.g. one per mini-batch
        if isinstance(got, np.ndarray) or not isinstance(got, list | tuple):
            return f"{name} should be a list (one entry per item), but it is {_describe(got)}."
        for k, (g, w) in enumerate(zip(got, want, strict=False)):
            problem = _structure_problem(f"{name}[{k}]", g, w)
            if problem is not None:
                return problem
        return None  # a different length is a wrong value, explained by the comparison
    if isinstance(want, str):  # a setting kept in a dict, such as bn_param["mode"]
        return None if isinstance(got, str) else (
            f"{name} should be the string {want!r}, but it is {_describe(got)}.")
    if isinstance(want, np.ndarray) and want.ndim > 0:
        if isinstance(got, list | tuple):
            return f"{name} is a {type(got).__name__}; return a NumPy array (np.array(...))."
        if not isinstance(got, np.ndarray):
            return f"{name} should be an array of shape {want.shape}, but it is {_describe(got)}."
        if got.shape != want.shape:
            cause = ""
            if got.shape == want.shape[::-1]:
                cause = " It looks transposed: check the order of the matrix product."
            elif got.ndim > want.ndim:
                cause = " Did you forget to sum over an axis (the batch, for a bias)?"
            elif got.ndim < want.ndim:
                cause = " Did you sum over an axis that should be kept?"
            return f"{name} has shape {got.shape}, expected {want.shape}.{cause}"
        if want.dtype.kind in "iu":
            if got.dtype.kind not in "iu":
                return (f"{name} has dtype {got.dtype}, expected integers (indices): build it "
                        "with integer operations, or use .astype(int).")
            return None
        if got.dtype.kind != "f":
            return (
                f"{name} has dtype {got.dtype}, expected a float array: integer arrays round "
                "gradients away. Build it from the float inputs, or use .astype(float)."
            )
        return None
    # A single number is expected.
    if isinstance(got, bool) or (isinstance(got, np.ndarray) and got.dtype == bool):
        return f"{name} is a boolean; return a number."
    if isinstance(got, np.ndarray):
        if got.ndim == 0 and got.dtype.kind in "fiu":
            return None
        batch = (" Did you forget to sum over the batch?" if got.ndim == 1 and got.size > 1
                 else "")
        return (
            f"{name} should be a single number, but it is an array of shape {got.shape}; "
            f"return a number, e.g. float(...).{batch}"
        )
    if isinstance(got, Real):
        return None
    if (hasattr(got, "data") and hasattr(got, "grad")) or (
            isinstance(got, _Opaque) and got.value_like):
        return f"{name} is a Value; return its number, {name}.data (or .grad)."
    return f"{name} should be a number, but it is {_describe(got)}."


def _compared(ex: Exercise) -> list[int]:
    """The positions of the outputs that are compared (all but the free ones)."""
    return [i for i, name in enumerate(ex.outputs) if name not in ex.free]


def _close(ex: Exercise, got: Any, want: Any) -> bool:
    if isinstance(want, Mapping):  # every entry of the expected dict; extra entries are free
        return isinstance(got, Mapping) and all(
            k in got and _close(ex, got[k], w) for k, w in want.items())
    if isinstance(want, str):  # a setting kept in a dict, such as bn_param["mode"]
        return isinstance(got, str) and got == want
    if isinstance(want, list):  # a list of arrays that may differ in shape
        return (isinstance(got, list | tuple) and len(got) == len(want)
                and all(_close(ex, g, w) for g, w in zip(got, want, strict=True)))
    try:
        got = np.asarray(got, dtype=np.float64)
        want = np.asarray(want, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):  # None, a string, a ragged list, 10**400
        return False
    return got.shape == want.shape and bool(
        np.allclose(got, want, rtol=ex.rtol, atol=ex.atol, equal_nan=False)
    )


def _mutated(original: Any, after: Any) -> bool:
    """Return whether any array inside `original` (tuples, lists and dicts too) was changed."""
    if isinstance(original, np.ndarray):
        return not (isinstance(after, np.ndarray) and original.shape == after.shape
                    and np.array_equal(original, after, equal_nan=True))
    if isinstance(original, tuple | list):
        return not isinstance(after, tuple | list) or len(original) != len(after) or any(
            _mutated(o, a) for o, a in zip(original, after, strict=True))
    if isinstance(original, dict):
        return not isinstance(after, dict) or any(
            _mutated(v, after.get(k)) for k, v in original.items())
    return False


def _argument_name(ex: Exercise, position: int) -> str:
    """The name of the reference's argument at `position`, e.g. "w" ("argument 1" if unknown)."""
    try:
        names = list(inspect.signature(ex.reference).parameters)
    except (TypeError, ValueError):
        names = []
    return names[position] if position < len(names) else f"argument {position + 1}"


def _learner_traceback(exc: BaseException) -> str:
    """Format the learner's own frames of an exception: everything below our call of fn."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
        tb = tb.tb_next
    lines = traceback.format_exception(type(exc), exc, tb)
    return "".join(lines[-6:]).rstrip()


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


def _run(ex: Exercise, fn: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    """Call fn (the reference or a mistake) and append the `after` arguments' new values."""
    return _with_after(ex, fn(*args), args)


def _with_after(ex: Exercise, result: Any, args: tuple[Any, ...]) -> Any:
    if not ex.after:
        return result
    returned = len(ex.outputs) - len(ex.after)
    if returned == 1:
        result = (result,)
    elif not isinstance(result, tuple) or len(result) != returned:
        return result  # a wrong count: judged, and explained, as returned
    return (*result, *(args[i] for i in ex.after))


def cases_for(exercise_id: str, *, hidden: bool) -> list[Case]:
    """Return the exercise's seeded cases: the same inputs every time, as `check` uses them.

    Raises:
        KeyError: If no exercise has that id.
    """
    ex = _lookup(exercise_id)
    return ex.cases(np.random.default_rng(ex.seed + (1 if hidden else 0)), hidden)


def _safe_str(exc: BaseException) -> str:
    try:
        return str(exc)
    except Exception:  # a learner's exception class whose __str__ fails
        return "<the message could not be shown>"


def _decisive(outcome: Outcome) -> bool:
    """Whether this case alone settles the verdict, whatever the later cases return."""
    return bool(outcome.error is not None or outcome.not_implemented or outcome.used_reference
                or outcome.mutated)


def collect(
    exercise_id: str,
    fn: Callable[..., Any],
    *,
    hidden: bool,
    args: Sequence[tuple[Any, ...]] | None = None,
) -> list[Outcome]:
    """Call the learner's function on each case, in this process, and report what happened.

    Nothing is compared here: `judge` does that, possibly in another process. Like `check`,
    it stops after the first case that settles the verdict on its own (the function
    raised, called the reference, or changed an input in place), so a crash on the first
    case doesn't run the others.

    Args:
        exercise_id: The registered exercise, e.g. "mul_backward".
        fn: The learner's function.
        hidden: Use the hidden cases (ignored when `args` is given).
        args: The positional arguments of each case, e.g. read with `backprop.wire` from
            the grader's `cases_for(...)`; by default this process's own `cases_for`.

    Returns:
        One Outcome per case, in order (fewer if a case settled the verdict).

    Raises:
        KeyError: If no exercise has that id.
        TypeError: If `args` is not a list of tuples. A learner's error never raises.
    """
    ex = _lookup(exercise_id)
    if args is None:
        args = [case.args for case in cases_for(exercise_id, hidden=hidden)]
    if not isinstance(args, Sequence) or not all(isinstance(a, tuple) for a in args):
        raise TypeError(f"collect: args must be a list of tuples (one per case), but it is "
                        f"{_describe(args)}.")
    if callable(fn) and _package_origin(fn) is not None:
        # backprop's own function under the exercise's name: it may not even run the
        # reference's code (a thin wrapper), so say so without calling it.
        return [Outcome(used_reference=True)]

    reference_code = getattr(inspect.unwrap(ex.reference), "__code__", None)
    outcomes = []
    for original in args:
        given = copy.deepcopy(original)
        try:
            result, used_reference = _call(fn, given, reference_code)
            result = _with_after(ex, result, given)
        except NotImplementedError as exc:
            outcome = Outcome(error=f"NotImplementedError: {_safe_str(exc)}",
                              not_implemented=True)
        except Exception as exc:  # the learner's bug, reported with their own frames
            first = (_safe_str(exc).splitlines() or [""])[0]
            try:
                frames = _learner_traceback(exc)
            except Exception:  # a traceback that can't be formatted
                frames = f"{type(exc).__name__}: {first}"
            outcome = Outcome(error=f"{type(exc).__name__}: {first}\n{frames}")
        else:
            changed = tuple(
                i for i, (before, after) in enumerate(zip(original, given, strict=True))
                if i not in ex.mutable + ex.after and _mutated(before, after))
            outcome = Outcome(result=result, mutated=changed, used_reference=used_reference)
        outcomes.append(outcome)
        if _decisive(outcome):
            break
    return outcomes


# The most numbers judge compares in one answer: far more than any exercise returns, and
# few enough that converting them can't exhaust the grader's memory.
_MAX_VALUES = 10_000_000
_MAX_ERROR_CHARS = 20_000
_TYPE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.]{0,99}")


def _split_error(error: str) -> tuple[str, str]:
    """Split an Outcome.error into the exception's type name and the traceback to show."""
    error = error[:_MAX_ERROR_CHARS]
    first, newline, rest = error.partition("\n")
    name = first.split(":", 1)[0].strip()
    if not _TYPE_NAME.fullmatch(name):
        name = "an exception"
    return name, rest if newline else error


def _size(value: Any, depth: int = 0) -> int:
    """Count the numbers in an answer: array sizes, list lengths, nested (cheap)."""
    if isinstance(value, np.ndarray):
        return int(value.size)
    if depth > 60:
        return 0
    if isinstance(value, list | tuple):
        return len(value) + sum(_size(v, depth + 1) for v in value[:1000])
    if isinstance(value, dict):
        return len(value) + sum(_size(v, depth + 1) for v in list(value.values())[:1000])
    return 1


def _outcomes_problem(ex: Exercise, outcomes: Any, n_cases: int) -> str | None:
    """Say what makes a list of outcomes unusable, or None: it may come from anywhere."""
    unreadable = (f"{ex.id}: the results of your function could not be read ({{}}). This is "
                  "not about your answer's values: run the whole notebook from the top, check "
                  "that it runs without errors, and submit it again.")
    if not isinstance(outcomes, list | tuple):
        return unreadable.format(f"expected a list of outcomes, got {_describe(outcomes)}")
    for k, o in enumerate(outcomes):
        if not isinstance(o, Outcome):
            return unreadable.format(f"case {k + 1} is {_describe(o)}, not an Outcome")
        if not (
            (o.error is None or isinstance(o.error, str))
            and isinstance(o.not_implemented, bool) and isinstance(o.used_reference, bool)
            and isinstance(o.mutated, tuple | list)
            and all(type(i) is int and 0 <= i < 1000 for i in o.mutated)
        ):
            return unreadable.format(f"case {k + 1} has fields of the wrong type")
    complete = len(outcomes) == n_cases or (
        0 < len(outcomes) < n_cases and _decisive(outcomes[-1]))
    if not complete:
        return unreadable.format(f"expected {n_cases} case results, got {len(outcomes)}")
    return None


def judge(exercise_id: str, outcomes: Sequence[Outcome], *, hidden: bool) -> Verdict:
    """Judge reported outcomes against the reference, run on this process's own cases.

    Pure: no learner code runs (for outcomes read with `backprop.wire`), and the same
    outcomes always get the same verdict. The outcomes are untrusted data: a wrong number
    of them, wrong types, object arrays, strings, huge arrays or NaN give a failing
    verdict with a message, never an exception.

    Args:
        exercise_id: The registered exercise.
        outcomes: What `collect` returned, for the same `hidden`.
        hidden: Judge against the hidden cases.

    Returns:
        The verdict; its message is the one `check` prints or raises.

    Raises:
        KeyError: If no exercise has that id (the grader's mistake, not the learner's).
    """
    ex = _lookup(exercise_id)
    cases = cases_for(exercise_id, hidden=hidden)
    problem = _outcomes_problem(ex, outcomes, len(cases))
    if problem is not None:
        return Verdict(False, problem)
    # The reference runs on the grader's own inputs; an error here is a bug of the course,
    # and is raised as one.
    expected = ([None] * len(outcomes) if ex.accept is not None else
                [_run(ex, ex.reference, copy.deepcopy(case.args))
                 for case in cases[:len(outcomes)]])
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            # Warnings would go to stderr, which nbgrader counts as a failed test.
            warnings.simplefilter("ignore")
            return _judge(ex, cases, list(outcomes), expected, hidden)
    except Exception as exc:  # an answer that breaks a comparison: still the learner's
        return Verdict(False, (
            f"{ex.id}: your answer could not be compared with the expected one "
            f"({type(exc).__name__}: {_safe_str(exc)[:300]}). Return "
            f"{', '.join(ex.outputs)} as numbers or NumPy arrays."))


def _judge(ex: Exercise, cases: list[Case], outcomes: list[Outcome], expected: list[Any],
           hidden: bool) -> Verdict:
    which = "hidden check" if hidden else "check"
    n = len(ex.outputs)
    results: list[tuple[Any, ...]] = []
    wanted: list[tuple[Any, ...]] = []

    def fail(message: str, mistake: Mistake | None = None) -> Verdict:
        return Verdict(False, message, mistake.name if mistake else None)

    for case, outcome, want in zip(cases, outcomes, expected, strict=False):
        if outcome.not_implemented:
            return fail(
                f"{ex.id}: not written yet. Replace `raise NotImplementedError()` in the "
                "exercise cell with your code, run that cell, then run this one again.")
        if outcome.error is not None:
            name, frames = _split_error(outcome.error)
            return fail(f"{ex.id} raised {name} on the {which} with {case.note}.\n{frames}")
        if outcome.used_reference:
            return fail(
                f"{ex.id}: your function calls backprop's own {ex.id}. Compute the answer "
                "yourself: the point of the exercise is the derivation.")
        changed = [i for i in outcome.mutated if i not in ex.mutable]
        if changed:
            name = _argument_name(ex, changed[0])
            return fail(
                f"{ex.id} changed its input {name} in place ({case.note}). Work on a copy or "
                f"build a new array (`{name} = {name} + ...` rather than `{name} += ...`): the "
                "caller still needs the original.")
        result = outcome.result
        if _size(result) > _MAX_VALUES:
            return fail(f"{ex.id} returned {_describe(result)} holding more than "
                        f"{_MAX_VALUES} numbers, far more than expected ({case.note}). Return "
                        f"{', '.join(ex.outputs)}.")
        got_t = _as_tuple(result, n)
        if got_t is None:
            names = ", ".join(ex.outputs[:n - len(ex.after)])
            return fail(
                f"{ex.id} should return {n - len(ex.after)} values ({names}), but it returned "
                f"{_describe(result)}. End it with `return {names}`.")
        if ex.accept is not None:  # open-ended: judged by its criterion, not a reference
            shortfall = ex.accept(case, got_t)
            if shortfall is not None:
                return fail(f"{ex.id}: {shortfall} ({case.note})")
            continue
        want_t = _as_tuple(want, n)
        swapped = _wrong_order(ex, got_t, want_t)
        # A known mistake that is a reordering (mul_backward's swapped dx, dy) explains more.
        if swapped is not None and _mistake_matching(ex, [case], [got_t], lambda i: True) is None:
            return fail(
                f"{ex.id}: your values are right, but in the wrong order: you returned "
                f"{swapped}. Return {', '.join(ex.outputs)}, in that order ({case.note}).")
        for name, got, w in zip(ex.outputs, got_t, want_t, strict=True):
            if name in ex.free:
                continue
            problem = _structure_problem(name, got, w)
            if problem is not None:
                culprit = _mistake_matching(ex, [case], [got_t], lambda i: True)
                cause = f"\nLikely cause: {culprit.message}" if culprit else ""
                return fail(f"{ex.id}: {problem} ({case.note}){cause}", culprit)
        results.append(got_t)
        wanted.append(want_t)

    if ex.accept is not None or all(
            _close(ex, got_t[i], want_t[i])
            for got_t, want_t in zip(results, wanted, strict=True) for i in _compared(ex)):
        return Verdict(True, f"✓ {ex.id}: all {len(cases)} {which}s pass.")

    mistake = _mistake_matching(ex, cases, results, lambda i: True)
    if mistake is not None:
        return fail(f"{ex.id}: {mistake.message}", mistake)
    # The report counts a known mistake that explains one wrong output too.
    wrong = [i for i in _compared(ex)
             if not all(_close(ex, g[i], w[i]) for g, w in zip(results, wanted, strict=True))]
    partial = next((m for i in wrong
                    if (m := _mistake_matching(ex, cases, results, lambda j, i=i: j == i))),
                   None)
    return fail(_fallback_message(ex, cases, results, wanted, which), partial)


def check(exercise_id: str, fn: Callable[..., Any], *, hidden: bool = False) -> None:
    """Check a learner's function against the registered exercise; explain any difference.

    Used in every lesson's test cells. Prints a ✓ line when every case matches the
    reference; otherwise raises `CheckFailed` with the most specific message it can
    find (see the module docstring for the order). It is `judge(collect(...))`, both in
    this process.

    Args:
        exercise_id: The registered exercise, e.g. "mul_backward".
        fn: The learner's function.
        hidden: Use the hidden cases (more of them, with edge cases), as the autograder does.

    Raises:
        CheckFailed: If the function raises, returns the wrong structure, or the wrong values.
        KeyError: If no exercise has that id.
    """
    ex = _lookup(exercise_id)
    if not callable(fn):
        raise CheckFailed(
            f"{ex.id}: check expects your function itself, but got {_describe(fn)}. "
            f"Pass the name without calling it: check({ex.id!r}, {ex.id})."
        )
    origin = _package_origin(fn)
    if origin is not None:
        raise CheckFailed(
            f"{ex.id}: this is backprop's own version ({origin}), not yours. The package holds "
            f"reference code for later lessons; write {ex.id} yourself in the exercise cell, "
            "and don't import it under the same name."
        )
    verdict = judge(exercise_id, collect(exercise_id, fn, hidden=hidden), hidden=hidden)
    if not verdict.passed:
        raise CheckFailed(verdict.message)
    print(verdict.message)


# -- Outcomes as plain data, for `backprop.wire` ---------------------------------------

# Answers larger than this are sent as their description only: judge refuses them anyway.
_MAX_SENT_VALUES = 2_000_000
_MAX_SENT_ITEMS = 100_000
_MAX_SENT_DEPTH = 32
_OPAQUE = "__backprop_opaque__"


class _Opaque:
    """Stands in for a returned value that can't cross the wire (a Value, an object array).

    judge sees it as what it was described as: never a number, never a match.
    """

    def __init__(self, description: str, value_like: bool) -> None:
        self.description = description
        self.value_like = value_like

    def __repr__(self) -> str:
        return f"<{self.description}>"


def _plain(value: Any, depth: int = 0) -> Any:
    """Turn a learner's answer into data `backprop.wire` writes, describing what it can't."""
    if value is None or type(value) in (bool, str):
        return value
    if type(value) is int or type(value) is float:
        return value if type(value) is float or value.bit_length() < 10_000 else float("inf")
    if isinstance(value, np.generic) and value.dtype.kind in "biufc":
        return value
    if isinstance(value, np.ndarray) and value.dtype.kind in "biufc" \
            and value.dtype.names is None and value.size <= _MAX_SENT_VALUES:
        return np.array(value, copy=True, subok=False)
    if isinstance(value, np.random.Generator):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool | np.generic):
        return _plain(float(value) if isinstance(value, float) else int(value), depth)
    if depth < _MAX_SENT_DEPTH:
        if isinstance(value, list | tuple) and len(value) <= _MAX_SENT_ITEMS:
            items = [_plain(v, depth + 1) for v in value]
            return items if isinstance(value, list) else tuple(items)
        if isinstance(value, Mapping) and len(value) <= _MAX_SENT_ITEMS:
            # Only str keys: the expected dicts (configs) have no others to compare.
            return {str(k): _plain(v, depth + 1) for k, v in value.items()
                    if isinstance(k, str)}
    return {_OPAQUE: _describe(value)[:200],
            "value_like": hasattr(value, "data") and hasattr(value, "grad")}


def outcome_to_data(outcome: Outcome) -> dict[str, Any]:
    """Turn an Outcome into plain data that `backprop.wire.dump` writes; never raises.

    A returned value wire can't hold (a Value, an object array, a custom class, an answer
    far too large) is replaced by its description, which judge reports as a wrong type.
    """
    try:
        result = _plain(outcome.result)
    except Exception:  # a learner's object that breaks while being read
        result = {_OPAQUE: "an object that could not be read", "value_like": False}
    return {"result": result, "error": outcome.error, "not_implemented": outcome.not_implemented,
            "mutated": list(outcome.mutated), "used_reference": outcome.used_reference}


def _unplain(value: Any, depth: int = 0) -> Any:
    if depth > 64:
        return value
    if isinstance(value, dict):
        if set(value) == {_OPAQUE, "value_like"} and isinstance(value[_OPAQUE], str):
            return _Opaque(value[_OPAQUE][:200], value["value_like"] is True)
        return {k: _unplain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_unplain(v, depth + 1) for v in value]
    if isinstance(value, tuple):
        return tuple(_unplain(v, depth + 1) for v in value)
    return value


def outcome_from_data(data: Any) -> Outcome:
    """Rebuild an Outcome from what `outcome_to_data` made (after `backprop.wire.load`).

    Raises:
        ValueError: If `data` is not such a dict; the message says what is wrong.
    """
    fields = {"result", "error", "not_implemented", "mutated", "used_reference"}
    if not isinstance(data, dict) or set(data) != fields:
        raise ValueError(f"an outcome must be a dict with the keys {sorted(fields)}, but it is "
                         f"{_describe(data)}"
                         + (f" with keys {sorted(map(str, data))}" if isinstance(data, dict)
                            else "") + ".")
    error, mutated = data["error"], data["mutated"]
    if not (error is None or isinstance(error, str)):
        raise ValueError(f"an outcome's error must be a str or None, not {_describe(error)}.")
    if not isinstance(data["not_implemented"], bool) \
            or not isinstance(data["used_reference"], bool):
        raise ValueError("an outcome's not_implemented and used_reference must be booleans.")
    if not isinstance(mutated, list | tuple) or not all(
            type(i) is int and 0 <= i < 1000 for i in mutated):
        raise ValueError("an outcome's mutated must be a list of argument positions (ints).")
    return Outcome(result=_unplain(data["result"]), error=error,
                   not_implemented=data["not_implemented"], mutated=tuple(mutated),
                   used_reference=data["used_reference"])


def _wrong_order(ex: Exercise, got: tuple[Any, ...], want: tuple[Any, ...]) -> str | None:
    """Name the outputs in the order returned, if they are the right values reordered."""
    compared = _compared(ex)
    if len(compared) < 2 or all(_close(ex, got[i], want[i]) for i in compared):
        return None
    returned, used = [], set()
    for i in compared:
        j = next((j for j in compared if j not in used and _close(ex, got[i], want[j])), None)
        if j is None:
            return None
        used.add(j)
        returned.append(ex.outputs[j])
    return ", ".join(returned)


def _mistake_matching(
    ex: Exercise,
    cases: Sequence[Case],
    results: Sequence[tuple[Any, ...]],
    outputs: Callable[[int], bool],
) -> Mistake | None:
    """Return the first known mistake that reproduces the learner's answer on every case."""
    n = len(ex.outputs)
    for mistake in ex.mistakes:
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                wrong = [_as_tuple(_run(ex, mistake.compute, copy.deepcopy(c.args)), n)
                         for c in cases]
        except Exception:  # a mistake that can't run on this case can't be the learner's
            continue
        if all(
            w is not None
            and all(
                _close(ex, g, m)
                for i, (g, m) in enumerate(zip(got, w, strict=True))
                if outputs(i) and i in _compared(ex)
            )
            for got, w in zip(results, wrong, strict=True)
        ):
            return mistake
    return None


def _fallback_message(
    ex: Exercise,
    cases: Sequence[Case],
    results: Sequence[tuple[Any, ...]],
    expected: Sequence[tuple[Any, ...]],
    which: str,
) -> str:
    """Explain a wrong answer that matches no whole known mistake, output by output."""
    lines = []
    wrong = [
        i for i in _compared(ex)
        if not all(_close(ex, got[i], want[i]) for got, want in zip(results, expected, strict=True))
    ]
    right = [ex.outputs[i] for i in _compared(ex) if i not in wrong]
    names = ", ".join(ex.outputs[i] for i in wrong)
    lines.append(f"{ex.id}: {names} {'is' if len(wrong) == 1 else 'are'} not right yet"
                 + (f" ({', '.join(right)} {'is' if len(right) == 1 else 'are'} right)."
                    if right else "."))
    for i in wrong:
        name = ex.outputs[i]
        # A known mistake that explains this output alone (another output may have its own).
        mistake = _mistake_matching(ex, cases, results, lambda j, i=i: j == i)
        if mistake is not None:
            lines.append(f"- {name}: {mistake.message}")
            continue
        if isinstance(expected[0][i], Mapping | list):  # a config or a list: its first difference
            k = next(k for k, (got, want) in enumerate(zip(results, expected, strict=True))
                     if not _close(ex, got[i], want[i]))
            diff = _first_difference(ex, name, results[k][i], expected[k][i])
            lines.append(f"- {diff} ({cases[k].note}).")
            continue
        worst_err, worst_case, worst_at = -1.0, 0, ()
        for k, (got, want) in enumerate(zip(results, expected, strict=True)):
            g = np.asarray(got[i], dtype=np.float64)
            w = np.asarray(want[i], dtype=np.float64)
            with np.errstate(all="ignore"):
                err = np.abs(g - w)
            err = np.where(np.isnan(err), np.inf, err)
            at = np.unravel_index(int(np.argmax(err)), err.shape) if err.ndim else ()
            if float(err[at]) > worst_err:
                worst_err, worst_case, worst_at = float(err[at]), k, at
        g = np.asarray(results[worst_case][i], dtype=np.float64)
        w = np.asarray(expected[worst_case][i], dtype=np.float64)
        where = f"{name}[{', '.join(map(str, worst_at))}]" if worst_at else name
        if not np.all(np.isfinite(g)):
            lines.append(f"- {name} contains NaN or inf ({cases[worst_case].note}): look for a "
                         "division by zero, or an exp or log of a large or negative number.")
            continue
        lines.append(
            f"- largest error in {where}: got {_fmt(g[worst_at])}, expected "
            f"{_fmt(w[worst_at])} ({cases[worst_case].note})."
        )
        # Patterns (sign, zeros, a constant factor) show best over all cases together;
        # a transpose only within one 2-D case.
        pattern = diagnose(g, w) if g.ndim == 2 else None
        if pattern is None:
            pattern = diagnose(
                np.concatenate([np.ravel(np.asarray(r[i], dtype=np.float64)) for r in results]),
                np.concatenate([np.ravel(np.asarray(e[i], dtype=np.float64)) for e in expected]),
            )
        if pattern:
            lines.append(f"  {name}: {pattern}")
    lines.append(f"Hint: {ex.hint}")
    return "\n".join(lines)


def _first_difference(ex: Exercise, name: str, got: Any, want: Any) -> str:
    """Describe where a dict or list answer first differs from the expected one."""
    if isinstance(want, Mapping):
        for key, w in want.items():
            if key not in got:
                return f"{name} has no entry {key!r}: store it there, {name}[{key!r}] = ..."
            if not _close(ex, got[key], w):
                return _first_difference(ex, f"{name}[{key!r}]", got[key], w)
    if isinstance(want, list):
        if len(got) != len(want):
            return (f"{name} has {len(got)} entries, expected {len(want)} (sizes "
                    f"{[np.size(w) for w in want]})")
        for k, (g, w) in enumerate(zip(got, want, strict=True)):
            if not _close(ex, g, w):
                return _first_difference(ex, f"{name}[{k}]", g, w)
    if isinstance(want, str):
        return f"{name} is {got!r}, expected {want!r}"
    try:
        g, w = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    except (TypeError, ValueError):
        return f"{name} is {_describe(got)}, expected {_describe(want)}"
    if g.shape != w.shape:
        return f"{name} has shape {g.shape}, expected {w.shape}"
    with np.errstate(all="ignore"):
        err = np.where(np.isnan(g - w), np.inf, np.abs(g - w))
    at = np.unravel_index(int(np.argmax(err)), err.shape) if err.ndim else ()
    where = f"{name}[{', '.join(map(str, at))}]" if at else name
    return f"largest error in {where}: got {_fmt(g[at])}, expected {_fmt(w[at])}"


# ---------------------------------------------------------------------------------
# Lesson 01_chain_rule
# ---------------------------------------------------------------------------------

_L1 = "01_chain_rule"
_L1_GRADCHECK = (
    "compare with numerical_derivative, as in section 'Gradient checking' of lesson 1, "
    "and write the chain of local derivatives on paper first."
)


def _cases_numerical_derivative(rng: np.random.Generator, hidden: bool) -> list[Case]:
    functions: list[tuple[str, Callable[[float], float]]] = [
        ("sin(x)", math.sin),
        ("x**3", lambda x: x**3),
        ("exp(x)", math.exp),
        ("tanh(2x)", lambda x: math.tanh(2 * x)),
    ]
    if hidden:
        functions += [("1 / (1 + x**2)", lambda x: 1 / (1 + x * x)),
                      ("5x + 1", lambda x: 5 * x + 1)]
    cases = []
    for label, f in functions:
        x = float(np.round(rng.uniform(-1.5, 1.5), 3))
        # A largish step makes one-sided differences measurably different from central ones.
        for h in (1e-3,) if not hidden else (1e-3, 1e-2):
            cases.append(Case((f, x, h), f"f(x) = {label} at x = {x}, h = {h:g}"))
    if hidden:
        cases.append(Case((math.cos, 0.0, 1e-3), "f(x) = cos(x) at x = 0 (a flat point)"))
    return cases


register(Exercise(
    id="numerical_derivative",
    lesson=_L1,
    reference=numerical_derivative,
    cases=_cases_numerical_derivative,
    outputs=("slope",),
    rtol=1e-7,
    atol=1e-10,
    seed=101,
    mistakes=(
        Mistake(
            "forward_difference",
            lambda f, x, h: (f(x + h) - f(x)) / h,
            "this is the one-sided (forward) difference (f(x+h) - f(x)) / h. It works, but its "
            "error shrinks only like h. Use both neighbours, (f(x+h) - f(x-h)) / (2h): its error "
            "shrinks like h², so it is far more accurate for the same h.",
        ),
        Mistake(
            "precedence",
            lambda f, x, h: (f(x + h) - f(x - h)) / 2 * h,
            "Python reads `a / 2 * h` as `(a / 2) * h`, so you multiplied by h instead of "
            "dividing by it. Write `/ (2 * h)`.",
        ),
        Mistake(
            "divide_by_h",
            lambda f, x, h: (f(x + h) - f(x - h)) / h,
            "your slope is twice too large: x+h and x-h are 2h apart, so divide the rise by 2h.",
        ),
        Mistake(
            "no_division",
            lambda f, x, h: f(x + h) - f(x - h),
            "you returned the rise only. A slope is rise over run: divide by the distance "
            "between the two points, 2h.",
        ),
        Mistake(
            "swapped",
            lambda f, x, h: (f(x - h) - f(x + h)) / (2 * h),
            "your slope has the wrong sign: subtract f(x - h) from f(x + h), not the other way.",
        ),
    ),
    hint="take the change in f between x - h and x + h, and divide by the change in x.",
))


def _ref_dsin_square(x: float) -> float:
    """d/dx sin(x**2) = cos(x**2) * 2x: the outer derivative at the inner value, times the inner one."""  # noqa: E501
    return math.cos(x * x) * 2 * x


def _scalar_cases(
    rng: np.random.Generator,
    hidden: bool,
    names: Sequence[str],
    edges: Sequence[tuple[float, ...]],
    low: float = -2.0,
    high: float = 2.0,
    n: int = 5,
) -> list[Case]:
    """Random rounded scalars for each argument, plus edge cases in hidden checks."""
    rows = [tuple(float(v) for v in np.round(rng.uniform(low, high, len(names)), 3))
            for _ in range(n + (3 if hidden else 0))]
    if hidden:
        rows += list(edges)
    return [Case(row, ", ".join(f"{k} = {v:g}" for k, v in zip(names, row, strict=True)))
            for row in rows]


register(Exercise(
    id="dsin_square",
    lesson=_L1,
    reference=_ref_dsin_square,
    cases=lambda rng, hidden: _scalar_cases(rng, hidden, ["x"], [(0.0,), (-3.0,), (1.0,)]),
    outputs=("dfdx",),
    seed=102,
    mistakes=(
        Mistake(
            "no_inner_derivative",
            lambda x: math.cos(x * x),
            "you differentiated the outer function only. The chain rule multiplies by the "
            "derivative of the inner function too: here d(x²)/dx = 2x.",
        ),
        Mistake(
            "outer_at_x",
            lambda x: math.cos(x) * 2 * x,
            "evaluate the outer derivative at the inner value: cos(x²), not cos(x). The outer "
            "function sees u = x², never x itself.",
        ),
        Mistake(
            "sign",
            lambda x: -math.cos(x * x) * 2 * x,
            "your gradient has the wrong sign: d/du sin(u) = +cos(u). The minus sign belongs to "
            "the derivative of cos.",
        ),
        Mistake(
            "added",
            lambda x: math.cos(x * x) + 2 * x,
            "the chain rule multiplies the derivatives of the links, it does not add them: "
            "cos(x²) · 2x.",
        ),
    ),
    hint=_L1_GRADCHECK,
))


def _ref_mul_backward(dout: float, cache: tuple[float, float]) -> tuple[float, float]:
    """Backward pass of out = x * y: each input gets the other input, times dout."""
    x, y = cache
    return dout * y, dout * x


def _cases_mul(rng: np.random.Generator, hidden: bool) -> list[Case]:
    rows = _scalar_cases(rng, hidden, ["dout", "x", "y"],
                         [(1.0, 0.0, 3.0), (0.0, 2.0, -1.5), (-2.0, -1.0, -1.0)], low=-3, high=3)
    return [Case((c.args[0], (c.args[1], c.args[2])), c.note) for c in rows]


register(Exercise(
    id="mul_backward",
    lesson=_L1,
    reference=_ref_mul_backward,
    cases=_cases_mul,
    outputs=("dx", "dy"),
    seed=103,
    mistakes=(
        Mistake(
            "swapped",
            lambda dout, cache: (dout * cache[0], dout * cache[1]),
            "dx and dy are swapped. For out = x·y, ∂out/∂x = y: each input's gradient is the "
            "*other* input times dout (and return them in the order dx, dy).",
        ),
        Mistake(
            "no_upstream",
            lambda dout, cache: (cache[1], cache[0]),
            "you returned the local derivatives only. Multiply them by the upstream gradient "
            "dout: chain rule, upstream × local.",
        ),
        Mistake(
            "add_rule",
            lambda dout, cache: (dout, dout),
            "that is the rule of the add gate, which passes dout through unchanged. A mul gate "
            "scales dout by the other input: dx = dout · y, dy = dout · x.",
        ),
        Mistake(
            "sign",
            lambda dout, cache: (-dout * cache[1], -dout * cache[0]),
            "your gradients have the wrong sign: d(x·y)/dx = +y.",
        ),
    ),
    hint=_L1_GRADCHECK,
))


def _cases_tanh(rng: np.random.Generator, hidden: bool) -> list[Case]:
    rows = _scalar_cases(rng, hidden, ["dout", "x"],
                         [(1.0, 0.0), (0.5, 4.0), (-1.0, -2.5), (0.0, 1.0)], low=-2.5, high=2.5)
    return [
        Case((dout, math.tanh(x)), f"dout = {dout:g}, cache = tanh({x:g}) = {math.tanh(x):.4g}")
        for dout, x in (c.args for c in rows)
    ]


register(Exercise(
    id="tanh_backward",
    lesson=_L1,
    reference=tanh_backward,
    cases=_cases_tanh,
    outputs=("dx",),
    seed=104,
    mistakes=(
        Mistake(
            "tanh_of_cache",
            lambda dout, out: dout * (1 - math.tanh(out) ** 2),
            "the cache already holds out = tanh(x). Applying tanh to it again computes "
            "1 - tanh(tanh(x))². Use the cached output directly: 1 - out².",
        ),
        Mistake(
            "no_square",
            lambda dout, out: dout * (1 - out),
            "the local derivative of tanh is 1 - tanh(x)², squared: 1 - out * out.",
        ),
        Mistake(
            "no_upstream",
            lambda dout, out: 1 - out**2,
            "you returned the local derivative only. Multiply it by dout: the chain rule is "
            "upstream × local.",
        ),
        Mistake(
            "sign",
            lambda dout, out: dout * (out**2 - 1),
            "your gradient has the wrong sign: tanh is increasing, so its derivative "
            "1 - out² is positive.",
        ),
    ),
    hint=_L1_GRADCHECK,
))


def _ref_neuron_backward(
    x1: float, x2: float, w1: float, w2: float, b: float
) -> tuple[float, float, float, float]:
    """Forward and backward pass of o = tanh(x1*w1 + x2*w2 + b); returns (o, dw1, dw2, db)."""
    n = x1 * w1 + x2 * w2 + b
    o = math.tanh(n)
    dn = 1 - o * o  # tanh node
    return o, dn * x1, dn * x2, dn  # mul nodes give the other input; the + node passes dn on


def _neuron_mistake(local: Callable[[float, float], float], swap: bool = False):
    """Build a wrong neuron_backward from a wrong tanh derivative (of n, o) or swapped inputs."""
    def compute(x1: float, x2: float, w1: float, w2: float, b: float):
        n = x1 * w1 + x2 * w2 + b
        o = math.tanh(n)
        dn = local(n, o)
        return (o, dn * w1, dn * w2, dn) if swap else (o, dn * x1, dn * x2, dn)
    return compute


register(Exercise(
    id="neuron_backward",
    lesson=_L1,
    reference=_ref_neuron_backward,
    cases=lambda rng, hidden: _scalar_cases(
        rng, hidden, ["x1", "x2", "w1", "w2", "b"],
        [(0.0, 0.0, 1.0, -1.0, 0.5), (2.0, -1.0, 0.0, 0.0, 0.0), (1.0, 1.0, 1.0, 1.0, 3.0)],
        low=-1.5, high=1.5,
    ),
    outputs=("o", "dw1", "dw2", "db"),
    seed=105,
    mistakes=(
        Mistake(
            "skipped_tanh",
            _neuron_mistake(lambda n, o: 1.0),
            "you skipped the tanh node on the way back. Every gradient below it is multiplied "
            "by its local derivative, 1 - o².",
        ),
        Mistake(
            "swapped_inputs",
            _neuron_mistake(lambda n, o: 1 - o * o, swap=True),
            "dw1 should use x1, not w1: the mul node x1·w1 hands each input the *other* one, "
            "so dw1 = dn · x1.",
        ),
        Mistake(
            "derivative_of_n",
            _neuron_mistake(lambda n, o: 1 - n * n),
            "the tanh derivative is 1 - tanh(n)² = 1 - o², computed from the output o, not "
            "1 - n² from the input n.",
        ),
        Mistake(
            "sign",
            _neuron_mistake(lambda n, o: o * o - 1),
            "your gradients have the wrong sign: tanh is increasing, so 1 - o² is positive.",
        ),
    ),
    hint="draw the graph (mul, mul, add, add, tanh), then walk it from o back to w1, w2 and b, "
         "multiplying local derivatives; compare with Value's backward() as in the lesson.",
))


# ---------------------------------------------------------------------------------
# Lesson 02_single_neuron
# ---------------------------------------------------------------------------------

_L2 = "02_single_neuron"
_L2_GRADCHECK = (
    "write the chain z → ŷ → L on paper first, then compare your dw and db with grad_check, "
    "as in section 'Check the gradients numerically' of lesson 2."
)

# (N, D) of the visible cases. N is never 1 or 2, so that a missing or extra 1/N (or a
# factor 2) changes the answer, and each factor shows as a different known mistake.
_L2_SHAPES = ((4, 2), (5, 3), (6, 2), (4, 3))
_L2_HIDDEN_SHAPES = ((5, 2), (3, 3), (6, 3), (4, 2), (5, 1), (3, 2))


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return sigmoid_forward(z)[0]


def _l2_neuron_inputs(
    rng: np.random.Generator, n: int, d: int
) -> tuple[np.ndarray, np.ndarray, float]:
    """Random (x, w, b) for one neuron: x (n, d), w (d,), b a float away from 0."""
    x = np.round(rng.normal(0.0, 1.0, (n, d)), 3)
    w = np.round(rng.normal(0.0, 1.0, d), 3)
    b = float(np.round(rng.choice([-1.0, 1.0]) * rng.uniform(0.2, 1.2), 3))
    return x, w, b


def _l2_labels(rng: np.random.Generator, n: int) -> np.ndarray:
    """0/1 targets as float64, with both classes present whenever n >= 2."""
    y = rng.integers(0, 2, n).astype(np.float64)
    if n >= 2:
        y[:2] = (0.0, 1.0)
        rng.shuffle(y)
    return y


def _l2_note(x: np.ndarray, b: float, extra: str = "") -> str:
    n, d = x.shape
    return f"x of shape ({n}, {d}), b = {b:g}{extra}"


# Edge cases of one neuron, N = 1 (or a few rows with z = 0): exactly z = 0, and a
# saturated sigmoid (|z| = 30), where sigmoid'(z) is about 1e-13 and a sign slip inside
# exp() is as far from right as it can be.
_L2_EDGES: tuple[tuple[np.ndarray, np.ndarray, float, str], ...] = (
    (np.array([[0.5, -1.0], [2.0, 0.25], [-1.5, 1.0]]), np.zeros(2), 0.0,
     "w = 0 and b = 0, so z = 0"),
    (np.array([[3.0, -1.0]]), np.array([10.0, 0.0]), 0.0, "one sample with z = 30 (saturated)"),
    (np.array([[1.0, 2.0]]), np.array([-10.0, -10.0]), 0.0, "one sample with z = -30 (saturated)"),
)


# -- neuron_forward ------------------------------------------------------------------


def _ref_neuron_forward(x: np.ndarray, w: np.ndarray, b: float) -> np.ndarray:
    """One sigmoid neuron on a batch: y_hat = sigmoid(x @ w + b), shape (N,)."""
    return _sigmoid(x @ w + b)


def _cases_neuron_forward(rng: np.random.Generator, hidden: bool) -> list[Case]:
    cases = []
    for n, d in _L2_SHAPES + (_L2_HIDDEN_SHAPES if hidden else ()):
        x, w, b = _l2_neuron_inputs(rng, n, d)
        cases.append(Case((x, w, b), _l2_note(x, b)))
    if hidden:
        cases += [Case((x, w, b), note) for x, w, b, note in _L2_EDGES]
    return cases


register(Exercise(
    id="neuron_forward",
    lesson=_L2,
    reference=_ref_neuron_forward,
    cases=_cases_neuron_forward,
    outputs=("y_hat",),
    seed=201,
    mistakes=(
        Mistake(
            "no_sigmoid",
            lambda x, w, b: x @ w + b,
            "you returned z = x @ w + b, the weighted sum before the activation. Pass it "
            "through the sigmoid: y_hat = 1 / (1 + np.exp(-z)), a number between 0 and 1.",
        ),
        Mistake(
            "sign_in_exp",
            lambda x, w, b: 1.0 / (1.0 + np.exp(x @ w + b)),
            "the sign inside the exponential is flipped: 1 / (1 + exp(z)) is sigmoid(-z), which "
            "falls as z grows. Write 1 / (1 + np.exp(-z)).",
        ),
        Mistake(
            "minus_binds_to_xw",
            lambda x, w, b: 1.0 / (1.0 + np.exp(-x @ w + b)),
            "the minus sign applies to x @ w only, so this is sigmoid(x @ w - b): "
            "np.exp(-x @ w + b) negates the weighted sum but not the bias. Negate all of z: "
            "np.exp(-(x @ w + b)).",
        ),
        Mistake(
            "no_bias",
            lambda x, w, b: _sigmoid(x @ w),
            "you left out the bias. The neuron computes z = x @ w + b, then the sigmoid; "
            "without b its boundary always passes through the origin.",
        ),
        Mistake(
            "bias_after_sigmoid",
            lambda x, w, b: _sigmoid(x @ w) + b,
            "the bias goes inside the sigmoid: sigmoid(x @ w + b), not sigmoid(x @ w) + b "
            "(which can leave the range 0 to 1).",
        ),
        Mistake(
            "tanh",
            lambda x, w, b: np.tanh(x @ w + b),
            "that is tanh, the activation of lesson 1. This neuron uses the sigmoid "
            "1 / (1 + np.exp(-z)), whose output between 0 and 1 reads as a probability.",
        ),
    ),
    hint="compute z = x @ w + b first (shape (N,)), then 1 / (1 + np.exp(-z)); check one row "
         "by hand against the worked example.",
))


# -- sigmoid_backward ----------------------------------------------------------------


def _cases_sigmoid_backward(rng: np.random.Generator, hidden: bool) -> list[Case]:
    cases = []
    for n, _ in _L2_SHAPES + (_L2_HIDDEN_SHAPES if hidden else ()):
        z = np.round(rng.normal(0.0, 2.0, n), 3)
        dout = np.round(rng.normal(0.0, 1.0, n), 3)
        cases.append(Case((dout, _sigmoid(z)), f"dout and cache of shape ({n},)"))
    if hidden:
        z = rng.normal(0.0, 2.0, (3, 2))
        cases += [
            Case((rng.normal(0.0, 1.0, (3, 2)), _sigmoid(z)), "dout and cache of shape (3, 2)"),
            Case((np.ones(3), np.full(3, 0.5)), "dout = 1, cache = sigmoid(0) = 0.5"),
            Case((np.ones(3), _sigmoid(np.array([30.0, -30.0, 0.0]))),
                 "dout = 1, cache = sigmoid of [30, -30, 0] (saturated)"),
            Case((np.zeros(4), _sigmoid(rng.normal(0.0, 2.0, 4))), "dout = 0"),
        ]
    return cases


register(Exercise(
    id="sigmoid_backward",
    lesson=_L2,
    reference=sigmoid_backward,
    cases=_cases_sigmoid_backward,
    outputs=("dx",),
    seed=202,
    mistakes=(
        Mistake(
            "sigmoid_of_cache",
            lambda dout, out: dout * _sigmoid(out) * (1 - _sigmoid(out)),
            "the cache already holds out = sigmoid(z). Applying the sigmoid to it again "
            "computes the slope at the wrong place. Use the cached output directly: "
            "dout * out * (1 - out).",
        ),
        Mistake(
            "tanh_rule",
            lambda dout, out: dout * (1 - out * out),
            "that is the local derivative of tanh, 1 - out². The sigmoid's is "
            "out * (1 - out).",
        ),
        Mistake(
            "no_upstream",
            lambda dout, out: out * (1 - out),
            "you returned the local derivative only. Multiply it by dout: the chain rule is "
            "upstream × local.",
        ),
        Mistake(
            "no_one_minus",
            lambda dout, out: dout * out,
            "the factor (1 - out) is missing: the sigmoid's local derivative is "
            "out * (1 - out).",
        ),
        Mistake(
            "sign",
            lambda dout, out: dout * out * (out - 1),
            "your gradient has the wrong sign: the sigmoid is increasing, so its local "
            "derivative out * (1 - out) is positive.",
        ),
    ),
    hint="the local derivative is out * (1 - out), written with the cached output; multiply "
         "it by dout element by element.",
))


# -- mse_gradients -------------------------------------------------------------------


def _ref_mse_gradients(
    x: np.ndarray, w: np.ndarray, b: float, y: np.ndarray
) -> tuple[float, np.ndarray, float]:
    """Loss and gradients of L = mean((sigmoid(x @ w + b) - y)**2); returns (loss, dw, db)."""
    y_hat, cache = sigmoid_forward(x @ w + b)
    loss, dy_hat = mse_loss(y_hat, y)
    dz = sigmoid_backward(dy_hat, cache)
    return loss, x.T @ dz, float(np.sum(dz))


def _l2_loss_cases(rng: np.random.Generator, hidden: bool) -> list[Case]:
    """(x, w, b, y) cases shared by the two loss exercises."""
    cases = []
    for n, d in _L2_SHAPES + (_L2_HIDDEN_SHAPES if hidden else ()):
        x, w, b = _l2_neuron_inputs(rng, n, d)
        y = _l2_labels(rng, n)
        cases.append(Case((x, w, b, y), _l2_note(x, b, f", y = {y.astype(int).tolist()}")))
    if hidden:
        # Saturated neurons that are right (y agrees with the sign of z): the loss is tiny
        # but positive. Confidently wrong ones are in the random cases' range only, so that
        # a learner's log(1 - y_hat) stays exact.
        x0, w0, b0, note0 = _L2_EDGES[0]
        cases.append(Case((x0, w0, b0, np.array([1.0, 0.0, 1.0])), note0 + ", y = [1, 0, 1]"))
        for (x, w, b, note), label in zip(_L2_EDGES[1:], (1.0, 0.0), strict=True):
            cases.append(Case((x, w, b, np.array([label])), f"{note}, y = [{label:g}]"))
        x = np.array([[2.0, -1.0]])
        cases.append(Case((x, np.array([3.0, -2.0]), 0.0, np.array([0.0])),
                          "one sample with z = 8, y = [0] (confidently wrong)"))
    return cases


def _mse_mistake(
    dz_rule: Callable[[np.ndarray, np.ndarray, int], np.ndarray],
    *,
    mean: bool = False,
    db_summed: bool = True,
) -> Callable[..., tuple[float, np.ndarray, Any]]:
    """A wrong mse_gradients: the right loss, dz = dz_rule(y_hat, y, N).

    With mean=True, dw and db are means over the batch instead of sums; with
    db_summed=False, db is dz itself, one entry per sample.
    """
    def compute(x: np.ndarray, w: np.ndarray, b: float, y: np.ndarray):
        y_hat = _sigmoid(x @ w + b)
        dz = dz_rule(y_hat, y, len(y))
        scale = 1.0 / len(y) if mean else 1.0
        db = scale * float(np.sum(dz)) if db_summed else dz
        return float(np.mean((y_hat - y) ** 2)), scale * (x.T @ dz), db
    return compute


register(Exercise(
    id="mse_gradients",
    lesson=_L2,
    reference=_ref_mse_gradients,
    cases=_l2_loss_cases,
    outputs=("loss", "dw", "db"),
    seed=203,
    mistakes=(
        Mistake(
            "no_sigmoid_derivative",
            _mse_mistake(lambda p, y, n: 2 * (p - y) / n),
            "you skipped the sigmoid on the way back. Between y_hat and z, multiply by its "
            "local derivative: dz = dy_hat * y_hat * (1 - y_hat), with "
            "dy_hat = 2 * (y_hat - y) / N.",
        ),
        Mistake(
            "tanh_derivative",
            _mse_mistake(lambda p, y, n: 2 * (p - y) / n * (1 - p * p)),
            "you used tanh's local derivative, 1 - y_hat². The sigmoid's is "
            "y_hat * (1 - y_hat): dz = dy_hat * y_hat * (1 - y_hat).",
        ),
        Mistake(
            "sign",
            _mse_mistake(lambda p, y, n: 2 * (y - p) / n * p * (1 - p)),
            "your gradients have the wrong sign: dL/dy_hat = 2 * (y_hat - y) / N, prediction "
            "minus target. (y - y_hat) is the error of the other convention, which goes with "
            "w + lr * ...; see section 'Two ways to write the same step'.",
        ),
        Mistake(
            "no_mean",
            _mse_mistake(lambda p, y, n: 2 * (p - y) * p * (1 - p)),
            "your gradients are N times too large: the loss is the mean over the N samples, "
            "so each sample's share of the gradient carries a 1/N. Divide dy_hat by N = len(y).",
        ),
        Mistake(
            "no_factor_2",
            _mse_mistake(lambda p, y, n: (p - y) / n * p * (1 - p)),
            "your gradients are half the right size: the derivative of (y_hat - y)² is "
            "2 * (y_hat - y). The loss here is mean((y_hat - y)**2), without a ½ in front.",
        ),
        Mistake(
            "db_not_summed",
            _mse_mistake(lambda p, y, n: 2 * (p - y) / n * p * (1 - p), db_summed=False),
            "db is not summed over the batch: dz has one entry per sample, but b is a single "
            "number that was added to every z. Each sample's gradient flows into it: "
            "db = dz.sum().",
        ),
        Mistake(
            "averaged_twice",
            _mse_mistake(lambda p, y, n: 2 * (p - y) / n * p * (1 - p), mean=True),
            "the 1/N of the mean is applied twice: dz already carries it, so dw = x.T @ dz and "
            "db = dz.sum() are sums over the batch, not means.",
        ),
    ),
    hint=_L2_GRADCHECK,
))



# -- gd_step -------------------------------------------------------------------------


def _ref_gd_step(
    w: np.ndarray, b: float, dw: np.ndarray, db: float, learning_rate: float
) -> tuple[np.ndarray, float]:
    """One step of gradient descent, against the gradient; w itself is left unchanged."""
    return w - learning_rate * dw, b - learning_rate * db


def _cases_gd_step(rng: np.random.Generator, hidden: bool) -> list[Case]:
    rates = (0.1, 0.5, 0.05, 2.0) + ((0.3, 0.01, 1.5, 0.2, 0.8, 0.02) if hidden else ())
    cases = []
    for (_, d), lr in zip(_L2_SHAPES + (_L2_HIDDEN_SHAPES if hidden else ()), rates, strict=True):
        w = np.round(rng.normal(0.0, 1.0, d), 3)
        dw = np.round(rng.normal(0.0, 1.0, d), 3)
        b = float(np.round(rng.choice([-1.0, 1.0]) * rng.uniform(0.2, 1.2), 3))
        db = float(np.round(rng.choice([-1.0, 1.0]) * rng.uniform(0.2, 1.2), 3))
        cases.append(Case((w, b, dw, db, lr), f"w of shape ({d},), b = {b:g}, db = {db:g}, "
                                              f"learning_rate = {lr:g}"))
    if hidden:
        w = np.array([0.5, -1.0])
        cases += [
            Case((w, 0.25, np.array([0.2, 0.4]), -0.1, 1.0), "learning_rate = 1"),
            Case((w, 0.25, np.zeros(2), 0.0, 0.1), "dw = 0 and db = 0: nothing should move"),
        ]
    return cases


register(Exercise(
    id="gd_step",
    lesson=_L2,
    reference=_ref_gd_step,
    cases=_cases_gd_step,
    outputs=("w_new", "b_new"),
    seed=204,
    mistakes=(
        Mistake(
            "ascent",
            lambda w, b, dw, db, lr: (w + lr * dw, b + lr * db),
            "this is gradient *ascent*: the gradient points uphill, where the loss grows. "
            "Step against it: w - learning_rate * dw, and the same for b.",
        ),
        Mistake(
            "no_learning_rate",
            lambda w, b, dw, db, lr: (w - dw, b - db),
            "the learning rate is missing: each step is the learning rate times the gradient "
            "(learning_rate * dw for w, learning_rate * db for b), not the whole gradient.",
        ),
        Mistake(
            "bias_not_updated",
            lambda w, b, dw, db, lr: (w - lr * dw, b),
            "w moves but b does not: the bias is a parameter too. Return "
            "b - learning_rate * db as b_new.",
        ),
        Mistake(
            "step_only",
            lambda w, b, dw, db, lr: (-lr * dw, -lr * db),
            "you returned only the step, -learning_rate * dw. Add it to the current values: "
            "w_new = w - learning_rate * dw, b_new = b - learning_rate * db.",
        ),
    ),
    hint="w_new = w - learning_rate * dw and b_new = b - learning_rate * db; build a new "
         "array rather than changing w.",
))


# -- bce_gradients -------------------------------------------------------------------


def _ref_bce_gradients(
    x: np.ndarray, w: np.ndarray, b: float, y: np.ndarray
) -> tuple[float, np.ndarray, float]:
    """Loss and gradients of the mean binary cross-entropy of sigmoid(x @ w + b)."""
    loss, dz = binary_cross_entropy_with_logits(x @ w + b, y)  # dz = (y_hat - y) / N
    return loss, x.T @ dz, float(np.sum(dz))


def _bce_mistake(
    dz_rule: Callable[[np.ndarray, np.ndarray, int], np.ndarray] | None = None,
    loss_rule: Callable[[np.ndarray, np.ndarray], float] | None = None,
    *,
    mean: bool = False,
) -> Callable[..., tuple[float, np.ndarray, float]]:
    """A wrong bce_gradients: the right answer, except the given loss or dz rule.

    With mean=True, dw and db are means over the batch instead of sums.
    """
    def compute(x: np.ndarray, w: np.ndarray, b: float, y: np.ndarray):
        z = x @ w + b
        loss, dz = binary_cross_entropy_with_logits(z, y)
        y_hat = _sigmoid(z)
        if loss_rule is not None:
            loss = loss_rule(y_hat, y)
        if dz_rule is not None:
            dz = dz_rule(y_hat, y, len(y))
        scale = 1.0 / len(y) if mean else 1.0
        return loss, scale * (x.T @ dz), scale * float(np.sum(dz))
    return compute


register(Exercise(
    id="bce_gradients",
    lesson=_L2,
    reference=_ref_bce_gradients,
    cases=_l2_loss_cases,
    outputs=("loss", "dw", "db"),
    seed=205,
    # A learner who clips y_hat to [1e-7, 1 - 1e-7] before the log (a common guard) is
    # off by up to ~1e-7 in the loss of a saturated neuron: that is not a mistake.
    atol=1e-6,
    mistakes=(
        Mistake(
            "mse_gradients",
            _bce_mistake(lambda p, y, n: 2 * (p - y) / n * p * (1 - p)),
            "your loss is the cross-entropy, but your gradients are still those of the MSE, "
            "2 * (y_hat - y) / N * y_hat * (1 - y_hat). For the cross-entropy they are "
            "simpler: dz = (y_hat - y) / N.",
        ),
        Mistake(
            "extra_sigmoid_derivative",
            _bce_mistake(lambda p, y, n: (p - y) / n * p * (1 - p)),
            "the sigmoid's derivative is already used up: dL/dy_hat = (y_hat - y) / "
            "(y_hat * (1 - y_hat)) / N, and multiplying by y_hat * (1 - y_hat) cancels its "
            "denominator. dz = (y_hat - y) / N; don't multiply by y_hat * (1 - y_hat) again.",
        ),
        Mistake(
            "sign",
            _bce_mistake(lambda p, y, n: (y - p) / n),
            "your gradients have the wrong sign: dz = (y_hat - y) / N, prediction minus target. "
            "With (y - y_hat) a descent step would climb the loss.",
        ),
        Mistake(
            "no_mean",
            _bce_mistake(lambda p, y, n: p - y),
            "your gradients are N times too large: the loss is a mean over the N samples, so "
            "dz = (y_hat - y) / N.",
        ),
        Mistake(
            "averaged_twice",
            _bce_mistake(mean=True),
            "the 1/N of the mean is applied twice: dz = (y_hat - y) / N already carries it, so "
            "dw = x.T @ dz and db = dz.sum() are sums over the batch, not means.",
        ),
        Mistake(
            "loss_sign",
            _bce_mistake(loss_rule=lambda p, y: float(np.mean(y * np.log(p)
                                                               + (1 - y) * np.log(1 - p)))),
            "your loss is negative: the log of a probability is at most 0, so the "
            "cross-entropy has a minus sign in front, L = -mean(y log(y_hat) + "
            "(1 - y) log(1 - y_hat)).",
        ),
        Mistake(
            "loss_one_term",
            _bce_mistake(loss_rule=lambda p, y: float(-np.mean(y * np.log(p)))),
            "your loss only counts the samples with y = 1. Add the term for y = 0: "
            "L = -mean(y log(y_hat) + (1 - y) log(1 - y_hat)).",
        ),
    ),
    hint=_L2_GRADCHECK,
))


# ---------------------------------------------------------------------------------
# Lesson 03_mlp
# ---------------------------------------------------------------------------------

_L3 = "03_mlp"
_L3_GRADCHECK = (
    "Write the shape of every array next to each line, then compare your gradients with "
    "grad_check, as in section 'A gradient check of the whole network' of lesson 3."
)


def _shapes(**arrays: np.ndarray) -> str:
    """Describe a case by the shapes of its arrays, e.g. 'x (4, 3), W (3, 5), b (5,)'."""
    return ", ".join(f"{name} {np.shape(a)}" for name, a in arrays.items())


# --- affine_forward ----------------------------------------------------------------


def _cases_affine_forward(rng: np.random.Generator, hidden: bool) -> list[Case]:
    # N, D and H differ, so that a transposed W or a misplaced bias fails on its shape.
    sizes = [(4, 3, 5), (2, 6, 3), (5, 2, 4)]
    if hidden:
        sizes += [(1, 3, 2), (7, 4, 6), (3, 5, 1)]
    cases = []
    for n, d, h in sizes:
        x, W, b = rng.normal(size=(n, d)), rng.normal(size=(d, h)), rng.normal(size=h)
        cases.append(Case((x, W, b), _shapes(x=x, W=W, b=b)))
    if hidden:
        x, W, b = np.zeros((3, 4)), rng.normal(size=(4, 2)), rng.normal(size=2)
        cases.append(Case((x, W, b), _shapes(x=x, W=W, b=b) + ", x all zeros (so out = b)"))
        x, W, b = rng.normal(size=(3, 2)), rng.normal(size=(2, 4)), np.zeros(4)
        cases.append(Case((x, W, b), _shapes(x=x, W=W, b=b) + ", b all zeros"))
    return cases


register(Exercise(
    id="affine_forward",
    lesson=_L3,
    reference=affine_forward,
    cases=_cases_affine_forward,
    outputs=("out", "cache"),
    free=("cache",),
    seed=301,
    mistakes=(
        Mistake(
            "no_bias",
            lambda x, W, b: (x @ W, (x, W, b)),
            "the bias is missing: out = x @ W + b. b has shape (H,), and NumPy adds it to every "
            "row of x @ W (broadcasting), one bias per output unit.",
        ),
        Mistake(
            "bias_subtracted",
            lambda x, W, b: (x @ W - b, (x, W, b)),
            "the bias is subtracted: out = x @ W + b, with a plus. (Training would learn a bias of "
            "the opposite sign, but every later layer and check expects + b.)",
        ),
        Mistake(
            "relu_inside",
            lambda x, W, b: (np.maximum(x @ W + b, 0.0), (x, W, b)),
            "you applied a ReLU inside the affine layer. The affine layer is linear, out = "
            "x @ W + b; the ReLU is its own layer, with its own forward and backward pass.",
        ),
    ),
    hint="out = x @ W + b: a matrix product, then the bias added to every row.",
))


# --- affine_backward ---------------------------------------------------------------


def _cases_affine_backward(rng: np.random.Generator, hidden: bool) -> list[Case]:
    # N, D and H all differ: a transposed dW, or a db that isn't summed over the batch,
    # then has the wrong shape, and the check says so.
    sizes = [(4, 3, 5), (6, 2, 3), (3, 5, 2)]
    if hidden:
        sizes += [(1, 4, 3), (8, 6, 7), (5, 3, 4)]
    cases = []
    for n, d, h in sizes:
        x, W, b = rng.normal(size=(n, d)), rng.normal(size=(d, h)), rng.normal(size=h)
        dout = rng.normal(size=(n, h))
        cases.append(Case((dout, (x, W, b)), _shapes(dout=dout, x=x, W=W, b=b)))
    if hidden:
        x, W, b = rng.normal(size=(5, 3)), rng.normal(size=(3, 2)), rng.normal(size=2)
        dout = rng.normal(size=(5, 2))
        dout[[1, 3]] = 0.0
        cases.append(Case((dout, (x, W, b)),
                          _shapes(dout=dout, x=x, W=W, b=b) + ", two rows of dout zero"))
    return cases


def _affine_backward_scaled(dW_scale: Callable[[int], float], db_scale: Callable[[int], float],
                            sign: float = 1.0):
    """A wrong affine_backward: dW and db multiplied by a factor that depends on N."""
    def compute(dout, cache):
        x, W, _b = cache
        n = x.shape[0]
        return (sign * (dout @ W.T), sign * dW_scale(n) * (x.T @ dout),
                sign * db_scale(n) * dout.sum(axis=0))
    return compute


register(Exercise(
    id="affine_backward",
    lesson=_L3,
    reference=affine_backward,
    cases=_cases_affine_backward,
    outputs=("dx", "dW", "db"),
    seed=302,
    mistakes=(
        Mistake(
            "dW_transposed",
            lambda dout, cache: (dout @ cache[1].T, dout.T @ cache[0], dout.sum(axis=0)),
            "dW has the transpose on the wrong side: dout.T @ x has shape (H, D), the shape of "
            "W.T. A gradient has the shape of its variable, W (D, H), so the product must be "
            "x.T @ dout: (D, N) @ (N, H).",
        ),
        Mistake(
            "db_wrong_axis",
            lambda dout, cache: (dout @ cache[1].T, cache[0].T @ dout, dout.sum(axis=1)),
            "db is summed over the wrong axis: dout.sum(axis=1) adds up the H units of each "
            "sample, giving shape (N,). The bias gets every sample's gradient, so sum over the "
            "batch, axis 0: db = dout.sum(axis=0), shape (H,).",
        ),
        Mistake(
            "db_not_summed",
            lambda dout, cache: (dout @ cache[1].T, cache[0].T @ dout, dout.copy()),
            "db is not summed over the batch: dout has one row per sample, shape (N, H), but b "
            "has shape (H,). b is added to every row, so each row's gradient flows into it: "
            "db = dout.sum(axis=0).",
        ),
        Mistake(
            "averaged",
            _affine_backward_scaled(lambda n: 1 / n, lambda n: 1 / n),
            "dW and db are N times too small: you averaged over the batch. The 1/N of the mean "
            "loss is already inside dout (the loss's backward pass put it there), so here the "
            "samples' contributions are summed: dW = x.T @ dout, db = dout.sum(axis=0).",
        ),
        Mistake(
            "db_mean",
            _affine_backward_scaled(lambda n: 1.0, lambda n: 1 / n),
            "db is N times too small: sum dout over the batch (axis 0), don't average it. b is "
            "added to every row, so it receives the gradient of every row, and those add up; "
            "any 1/N is already inside dout.",
        ),
        Mistake(
            "dW_over_N",
            _affine_backward_scaled(lambda n: 1 / n, lambda n: 1.0),
            "dW is N times too small. x.T @ dout already adds up the contributions of the N "
            "samples, and that sum is the gradient; dividing by N averages a second time (the "
            "1/N of a mean loss is already inside dout).",
        ),
        Mistake(
            "sign",
            _affine_backward_scaled(lambda n: 1.0, lambda n: 1.0, sign=-1.0),
            "your gradients have the wrong sign. The backward pass returns dL/dx, dL/dW and "
            "dL/db as they are; the minus sign of gradient descent belongs to the update step, "
            "W ← W − lr · dW.",
        ),
    ),
    hint="each gradient has the shape of its variable: dx (N, D) = dout @ W.T, dW (D, H) = "
         "x.T @ dout, db (H,) = dout summed over the batch. " + _L3_GRADCHECK,
))


# --- relu_backward -----------------------------------------------------------------


def _kinked(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Normal values with every third entry exactly 0: ReLU's kink."""
    x = rng.normal(size=shape)
    x.flat[::3] = 0.0
    return x


def _cases_relu_backward(rng: np.random.Generator, hidden: bool) -> list[Case]:
    shapes: list[tuple[int, ...]] = [(4, 5), (3, 3), (2, 6)]
    if hidden:
        shapes += [(1, 7), (5, 4), (6,)]
    cases = []
    for shape in shapes:
        x, dout = _kinked(rng, shape), rng.normal(size=shape)
        zeros = int(np.sum(x == 0))
        cases.append(Case((dout, x), f"{_shapes(dout=dout, x=x)}, {zeros} entries of x exactly 0"))
    if hidden:
        x, dout = -np.abs(rng.normal(size=(3, 4))), rng.normal(size=(3, 4))
        cases.append(Case((dout, x), f"{_shapes(dout=dout, x=x)}, every x negative"))
        x, dout = np.abs(rng.normal(size=(3, 4))) + 1e-3, rng.normal(size=(3, 4))
        cases.append(Case((dout, x), f"{_shapes(dout=dout, x=x)}, every x positive"))
        x, dout = rng.choice([-1e-12, 1e-12], size=(2, 5)), rng.normal(size=(2, 5))
        cases.append(Case((dout, x), f"{_shapes(dout=dout, x=x)}, x = ±1e-12, next to the kink"))
    return cases


register(Exercise(
    id="relu_backward",
    lesson=_L3,
    reference=relu_backward,
    cases=_cases_relu_backward,
    outputs=("dx",),
    seed=303,
    mistakes=(
        Mistake(
            "kink_ge",
            lambda dout, x: dout * (x >= 0),
            "at x = 0 exactly you let the gradient through. ReLU has a kink there, and the "
            "convention (PyTorch's too) is the slope 0: use x > 0, not x >= 0.",
        ),
        Mistake(
            "mask_from_dout",
            lambda dout, x: dout * (dout > 0),
            "the mask must come from the forward input x (the cache), not from dout: ReLU lets "
            "the gradient through wherever x > 0, whatever the gradient's sign.",
        ),
        Mistake(
            "mask_only",
            lambda dout, x: (x > 0) * 1.0,
            "you returned the local derivative, the 0/1 mask, alone. Multiply it by the upstream "
            "gradient: dx = dout * (x > 0).",
        ),
        Mistake(
            "times_forward",
            lambda dout, x: dout * np.maximum(x, 0.0),
            "you multiplied dout by relu(x), the forward output. The local derivative is ReLU's "
            "slope: 1 where x > 0 and 0 elsewhere, so dx = dout * (x > 0).",
        ),
        Mistake(
            "forward",
            lambda dout, x: np.maximum(x, 0.0),
            "that is the forward pass, relu(x) = max(0, x). The backward pass returns dout where "
            "x > 0, and 0 elsewhere.",
        ),
        Mistake(
            "inverted",
            lambda dout, x: dout * (x < 0),
            "the mask is the wrong way round: the gradient passes where x > 0 (the unit was "
            "active) and is blocked where x < 0.",
        ),
    ),
    hint="dx is dout where the forward input x was positive, and 0 elsewhere (also at x = 0).",
))


# --- softmax_cross_entropy ---------------------------------------------------------


def _probs_onehot(scores: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Stable softmax of each row, and the one-hot matrix of y (for the mistakes)."""
    e = np.exp(scores - scores.max(axis=1, keepdims=True))
    probs = e / e.sum(axis=1, keepdims=True)
    onehot = np.zeros_like(probs)
    onehot[np.arange(len(y)), y] = 1.0
    return probs, onehot


def _softmax_ce_variant(loss_kind: str = "mean", grad_kind: str = "right"):
    """A wrong softmax_cross_entropy, from a loss variant and a gradient variant."""
    def compute(scores, y):
        probs, onehot = _probs_onehot(scores, y)
        n = scores.shape[0]
        logp = np.log(probs[np.arange(n), y])
        loss = {
            "mean": -logp.mean(),
            "sum": -logp.sum(),
            "no_minus": logp.mean(),
            "all_entries": -np.mean(onehot * np.log(probs)),
        }[loss_kind]
        dscores = {
            "right": (probs - onehot) / n,
            "no_n": probs - onehot,
            "no_onehot": probs / n,
            "sign": (onehot - probs) / n,
        }[grad_kind]
        return float(loss), dscores
    return compute


def _softmax_ce_columns(scores: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """A wrong softmax_cross_entropy that indexes probs[:, y]: whole columns, not one per row."""
    probs, _ = _probs_onehot(scores, y)
    n = scores.shape[0]
    loss = -np.mean(np.log(probs[:, y]))
    dscores = probs.copy()
    dscores[:, y] -= 1.0
    return float(loss), dscores / n


def _cases_softmax(rng: np.random.Generator, hidden: bool) -> list[Case]:
    sizes = [(4, 3), (5, 4), (3, 5)]
    if hidden:
        sizes += [(1, 3), (8, 10), (6, 2)]
    cases = []
    for n, c in sizes:
        scores, y = rng.normal(0.0, 2.0, size=(n, c)), rng.integers(0, c, size=n)
        cases.append(Case((scores, y), f"{_shapes(scores=scores, y=y)}, labels {y.tolist()}"))
    # Large scores in the visible check too: an unshifted exp must fail before grading.
    scores, y = 1000.0 + rng.normal(size=(3, 4)), rng.integers(0, 4, size=3)
    cases.append(Case((scores, y), f"{_shapes(scores=scores, y=y)}, scores near 1000 (exp "
                                   "overflows unless the row's max is subtracted first)"))
    if hidden:
        for offset in (1000.0, -1000.0):
            scores, y = offset + rng.normal(size=(4, 3)), rng.integers(0, 3, size=4)
            cases.append(Case((scores, y), f"{_shapes(scores=scores, y=y)}, scores near "
                                           f"{offset:g} (exp overflows unless the max is "
                                           "subtracted first)"))
        scores, y = np.zeros((3, 4)), np.array([0, 3, 1])
        cases.append(Case((scores, y), f"{_shapes(scores=scores, y=y)}, all scores equal"))
    return cases


register(Exercise(
    id="softmax_cross_entropy",
    lesson=_L3,
    reference=softmax_cross_entropy,
    cases=_cases_softmax,
    outputs=("loss", "dscores"),
    seed=304,
    mistakes=(
        Mistake(
            "no_1_over_N",
            _softmax_ce_variant("mean", "no_n"),
            "dscores is N times too large. The loss is the mean over the batch, so each "
            "sample's gradient carries a factor 1/N: dscores = (softmax(scores) - onehot(y)) / N.",
        ),
        Mistake(
            "loss_summed_only",
            _softmax_ce_variant("sum", "right"),
            "dscores is right, but the loss is summed over the batch: average it, "
            "-log_probs[np.arange(N), y].mean(), so that it doesn't grow with the batch size.",
        ),
        Mistake(
            "columns",
            _softmax_ce_columns,
            "probs[:, y] picks whole columns, an (N, N) array with one column per label, not "
            "one entry per row. Use probs[np.arange(N), y] to pick each sample's probability of "
            "its own label (and the same index to subtract the one-hot in dscores).",
        ),
        Mistake(
            "summed",
            _softmax_ce_variant("sum", "no_n"),
            "you summed the loss over the batch (and left the 1/N out of dscores to match). The "
            "convention here is the mean: divide the loss and dscores by N, so that the size of "
            "a step doesn't depend on the batch size.",
        ),
        Mistake(
            "no_onehot",
            _softmax_ce_variant("mean", "no_onehot"),
            "dscores is softmax(scores) / N without the one-hot subtracted. At each sample's "
            "true class the gradient is (p - 1) / N: subtract 1 there.",
        ),
        Mistake(
            "sign",
            _softmax_ce_variant("mean", "sign"),
            "dscores has the wrong sign: it is (softmax(scores) - onehot(y)) / N, positive for "
            "the wrong classes, so that gradient descent lowers their scores.",
        ),
        Mistake(
            "loss_no_minus",
            _softmax_ce_variant("no_minus", "right"),
            "your loss is negative: the cross-entropy is minus the log-probability of the true "
            "class, L = -mean(log p_y). A probability is at most 1, so its log is at most 0.",
        ),
        Mistake(
            "loss_all_entries",
            _softmax_ce_variant("all_entries", "right"),
            "your loss is C times too small: you averaged onehot * log(p) over all N·C entries. "
            "Only one entry per row is nonzero; average over the N samples only.",
        ),
    ),
    hint="p = softmax of each row (subtract the row's max before exp), loss = -mean(log p[i, "
         "y[i]]), dscores = (p - onehot(y)) / N.",
))


# --- two_layer_loss ----------------------------------------------------------------


def _ref_two_layer_loss(X, y, W1, b1, W2, b2):
    """Affine, ReLU, affine, softmax cross-entropy; returns (loss, dW1, db1, dW2, db2)."""
    a1, fc1 = affine_forward(X, W1, b1)
    h = np.maximum(a1, 0.0)
    scores, fc2 = affine_forward(h, W2, b2)
    loss, dscores = softmax_cross_entropy(scores, y)
    dh, dW2, db2 = affine_backward(dscores, fc2)
    da1 = relu_backward(dh, a1)
    _dX, dW1, db1 = affine_backward(da1, fc1)
    return loss, dW1, db1, dW2, db2


def _two_layer_variant(
    *,
    gate: str = "mask",
    per_n: bool = True,
    dW1_transposed: bool = False,
    W2_transposed: bool = True,
    db_axis: int = 0,
):
    """A wrong two_layer_loss: one slip in the backward pass (the square cases allow them all)."""
    def compute(X, y, W1, b1, W2, b2):
        a1 = X @ W1 + b1
        h = np.maximum(a1, 0.0)
        scores = h @ W2 + b2
        probs, onehot = _probs_onehot(scores, y)
        n = X.shape[0]
        loss = float(-np.log(probs[np.arange(n), y]).mean())
        dscores = (probs - onehot) / (n if per_n else 1)
        dW2, db2 = h.T @ dscores, dscores.sum(axis=db_axis)
        dh = dscores @ (W2.T if W2_transposed else W2)
        da1 = {"mask": dh * (a1 > 0), "none": dh, "times_h": dh * h,
               "from_dh": dh * (dh > 0)}[gate]
        dW1 = da1.T @ X if dW1_transposed else X.T @ da1
        return loss, dW1, da1.sum(axis=db_axis), dW2, db2
    return compute


def _cases_two_layer(rng: np.random.Generator, hidden: bool) -> list[Case]:
    # Square on purpose (N = D = H = C): a misplaced transpose or a bias gradient summed
    # over the wrong axis then has the right shape, so it can be named by its values.
    sizes = [4, 3, 4]
    if hidden:
        sizes += [5, 3, 4]
    cases = []

    def make(n: int) -> tuple[np.ndarray, ...]:
        X = rng.normal(size=(n, n))
        y = rng.integers(0, n, size=n)
        W1, b1 = rng.normal(size=(n, n)) / np.sqrt(n), rng.normal(0.0, 0.5, size=n)
        W2, b2 = rng.normal(size=(n, n)), rng.normal(0.0, 0.5, size=n)
        return X, y, W1, b1, W2, b2

    def note(args: tuple[np.ndarray, ...], extra: str = "") -> str:
        X, y, W1, b1, W2, b2 = args
        return _shapes(X=X, y=y, W1=W1, b1=b1, W2=W2, b2=b2) + extra

    for n in sizes:
        args = make(n)
        cases.append(Case(args, note(args)))
    if hidden:
        X, y, W1, b1, W2, b2 = make(4)
        b1[1] = -50.0  # hidden unit 1 is off for every sample
        cases.append(Case((X, y, W1, b1, W2, b2), note((X, y, W1, b1, W2, b2),
                                                       ", hidden unit 1 dead (b1[1] = -50)")))
        X, y, W1, b1, W2, b2 = make(4)
        b2 = b2 + 900.0
        cases.append(Case((X, y, W1, b1, W2, b2), note((X, y, W1, b1, W2, b2),
                                                       ", scores near 900")))
    return cases


register(Exercise(
    id="two_layer_loss",
    lesson=_L3,
    reference=_ref_two_layer_loss,
    cases=_cases_two_layer,
    outputs=("loss", "dW1", "db1", "dW2", "db2"),
    seed=305,
    mistakes=(
        Mistake(
            "no_relu_derivative",
            _two_layer_variant(gate="none"),
            "dW1 and db1 skip the ReLU's derivative: on the way back, the gradient dh must pass "
            "through the ReLU gate before the first layer, da1 = dh * (a1 > 0). (dW2 and db2 "
            "are right.)",
        ),
        Mistake(
            "times_activation",
            _two_layer_variant(gate="times_h"),
            "you multiplied dh by the ReLU's output h = relu(a1). The gate's local derivative "
            "is its slope, 1 where a1 > 0 and 0 elsewhere: da1 = dh * (a1 > 0).",
        ),
        Mistake(
            "mask_from_gradient",
            _two_layer_variant(gate="from_dh"),
            "the ReLU mask must come from the forward pass, a1 > 0 (was the unit on?), not from "
            "the sign of the gradient dh.",
        ),
        Mistake(
            "no_1_over_N",
            _two_layer_variant(per_n=False),
            "every gradient is N times too large: the softmax gradient lacks its 1/N. The loss "
            "is the mean over the batch, so dscores = (softmax(scores) - onehot(y)) / N, and "
            "everything below inherits that factor.",
        ),
        Mistake(
            "dW1_transposed",
            _two_layer_variant(dW1_transposed=True),
            "dW1 has the transpose on the wrong side: it is X.T @ da1, of shape (D, H) like W1, "
            "not da1.T @ X. (The check uses square matrices, so the shape alone didn't give it "
            "away.)",
        ),
        Mistake(
            "W2_not_transposed",
            _two_layer_variant(W2_transposed=False),
            "going back from the scores to the hidden layer needs W2's transpose: dh = dscores "
            "@ W2.T, of shape (N, H). (dW2 and db2 are right; the check uses square matrices, "
            "so the shape alone didn't give it away.)",
        ),
        Mistake(
            "db_wrong_axis",
            _two_layer_variant(db_axis=1),
            "db1 and db2 are summed over the wrong axis. A bias is added to every sample, so "
            "its gradient sums over the batch, axis 0: db2 = dscores.sum(axis=0), one entry per "
            "unit.",
        ),
    ),
    hint="go through the table of section 'The whole network': every gradient has the shape of "
         "its variable, and the ReLU gate sits between dh and da1. " + _L3_GRADCHECK,
))

# ---------------------------------------------------------------------------------
# Lesson 04_relu_vs_sigmoid
# ---------------------------------------------------------------------------------

_L4 = "04_relu_vs_sigmoid"


# --- leaky_relu_backward -------------------------------------------------------------


def _cases_leaky(rng: np.random.Generator, hidden: bool) -> list[Case]:
    # alpha is never 0.01, so that a slope typed in by hand instead of read from the cache
    # shows; every third x is exactly 0, the kink, where the slope is alpha.
    specs: list[tuple[tuple[int, ...], float]] = [((4, 5), 0.1), ((3, 3), 0.2), ((2, 6), 0.05)]
    if hidden:
        specs += [((1, 7), 0.3), ((5, 4), 0.02), ((6,), 0.1)]
    cases = []
    for shape, alpha in specs:
        x = rng.normal(size=shape)
        x.flat[::3] = 0.0
        dout = rng.normal(size=shape)
        zeros = int(np.sum(x == 0))
        cases.append(Case((dout, (x, alpha)), f"{_shapes(dout=dout, x=x)}, alpha = {alpha}, "
                                              f"{zeros} entries of x exactly 0"))
    if hidden:
        x, dout = -np.abs(rng.normal(size=(3, 4))) - 1e-3, rng.normal(size=(3, 4))
        cases.append(Case((dout, (x, 0.1)), f"{_shapes(dout=dout, x=x)}, alpha = 0.1, every x "
                                            "negative"))
        x, dout = np.abs(rng.normal(size=(3, 4))) + 1e-3, rng.normal(size=(3, 4))
        cases.append(Case((dout, (x, 0.25)), f"{_shapes(dout=dout, x=x)}, alpha = 0.25, every x "
                                             "positive"))
    return cases


def _leaky_slope(x: np.ndarray, alpha: float, *, at_zero: float | None = None,
                 pos: float = 1.0, neg: float | None = None) -> np.ndarray:
    neg = alpha if neg is None else neg
    slope = np.where(x > 0, pos, neg)
    if at_zero is not None:
        slope = np.where(x == 0, at_zero, slope)
    return slope


register(Exercise(
    id="leaky_relu_backward",
    lesson=_L4,
    reference=leaky_relu_backward,
    cases=_cases_leaky,
    outputs=("dx",),
    seed=401,
    mistakes=(
        Mistake(
            "no_alpha",
            lambda dout, cache: dout * (cache[0] > 0),
            "this is the plain ReLU's backward pass: where x < 0 you block the gradient "
            "completely. Leaky ReLU's slope there is alpha, so dx = alpha * dout where x <= 0.",
        ),
        Mistake(
            "alpha_hardcoded",
            lambda dout, cache: dout * _leaky_slope(cache[0], 0.01),
            "you used alpha = 0.01 instead of the alpha in the cache. The cache is (x, alpha): "
            "unpack both, x, alpha = cache, and use that alpha.",
        ),
        Mistake(
            "sides_swapped",
            lambda dout, cache: dout * _leaky_slope(cache[0], cache[1], pos=cache[1], neg=1.0),
            "the two slopes are on the wrong sides: the slope is 1 where x > 0 (the unit "
            "passes its input on) and alpha where x <= 0.",
        ),
        Mistake(
            "kink_one",
            lambda dout, cache: dout * np.where(cache[0] >= 0, 1.0, cache[1]),
            "almost: only x = 0 exactly is wrong. You used the slope 1 at the kink; this course "
            "uses alpha there (x > 0 strictly gets slope 1), as it uses 0 for the plain ReLU.",
        ),
        Mistake(
            "kink_zero",
            lambda dout, cache: dout * np.where(cache[0] > 0, 1.0,
                                                np.where(cache[0] < 0, cache[1], 0.0)),
            "almost: only x = 0 exactly is wrong. There you used the slope 0, the plain "
            "ReLU's choice; the leaky ReLU uses alpha at the kink: every x that is not > 0 "
            "gets alpha, so test x > 0 and let everything else take alpha.",
        ),
        Mistake(
            "no_dout",
            lambda dout, cache: _leaky_slope(cache[0], cache[1]),
            "you returned the local derivative (1 or alpha) alone. Multiply it by the upstream "
            "gradient: dx = dout * slope.",
        ),
        Mistake(
            "times_forward",
            lambda dout, cache: dout * np.where(cache[0] > 0, cache[0], cache[1] * cache[0]),
            "you multiplied dout by the forward output leaky_relu(x). The local derivative is "
            "the slope, 1 where x > 0 and alpha elsewhere, not the value.",
        ),
        Mistake(
            "sign",
            lambda dout, cache: -dout * _leaky_slope(cache[0], cache[1]),
            "your gradient has the wrong sign: both slopes, 1 and alpha, are positive, so dx "
            "has the sign of dout.",
        ),
    ),
    hint="unpack x, alpha = cache; dx = dout where x > 0 and alpha * dout elsewhere (also at "
         "x = 0). np.where(x > 0, 1.0, alpha) builds the slope.",
))


# --- collapse_linear -----------------------------------------------------------------


def _ref_collapse_linear(W1: np.ndarray, b1: np.ndarray, W2: np.ndarray,
                         b2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(x W1 + b1) W2 + b2 = x (W1 W2) + (b1 W2 + b2)."""
    return W1 @ W2, b1 @ W2 + b2


def _cases_collapse(rng: np.random.Generator, hidden: bool) -> list[Case]:
    # Square on purpose (D = H = C): W2 @ W1 or b1 + b2 then have the right shape and are
    # named by their values.
    sizes = [3, 4, 2]
    if hidden:
        sizes += [5, 1, 3]
    cases = []
    for n in sizes:
        W1, b1 = rng.normal(size=(n, n)), rng.normal(size=n)
        W2, b2 = rng.normal(size=(n, n)), rng.normal(size=n)
        cases.append(Case((W1, b1, W2, b2), _shapes(W1=W1, b1=b1, W2=W2, b2=b2)))
    return cases


register(Exercise(
    id="collapse_linear",
    lesson=_L4,
    reference=_ref_collapse_linear,
    cases=_cases_collapse,
    outputs=("W", "b"),
    seed=402,
    mistakes=(
        Mistake(
            "b_sum",
            lambda W1, b1, W2, b2: (W1 @ W2, b1 + b2),
            "W is right, but b1 does not reach the output unchanged: it is added before the "
            "second layer, so it is multiplied by W2 on the way. b = b1 @ W2 + b2.",
        ),
        Mistake(
            "b_no_b1",
            lambda W1, b1, W2, b2: (W1 @ W2, b2),
            "W is right, but b leaves out the first layer's bias. Expand (x W1 + b1) W2 + b2: "
            "b1 @ W2 is part of the combined bias, b = b1 @ W2 + b2.",
        ),
        Mistake(
            "b_no_b2",
            lambda W1, b1, W2, b2: (W1 @ W2, b1 @ W2),
            "W is right, but b leaves out the second layer's own bias b2: b = b1 @ W2 + b2.",
        ),
        Mistake(
            "order",
            lambda W1, b1, W2, b2: (W2 @ W1, b1 @ W2 + b2),
            "W has its factors in the wrong order. x passes through W1 first: (x W1) W2 = "
            "x (W1 @ W2), not W2 @ W1. (The check uses square matrices, so the shape alone "
            "didn't give it away.)",
        ),
        Mistake(
            "b_column",
            lambda W1, b1, W2, b2: (W1 @ W2, W2 @ b1 + b2),
            "W is right, but b uses W2 @ b1, the column-vector convention. Here a sample is a "
            "row, x @ W1 + b1, and b1 is added to that row, so it meets W2 from the left like "
            "x does: b = b1 @ W2 + b2.",
        ),
        Mistake(
            "column_vectors",
            lambda W1, b1, W2, b2: (W2 @ W1, W2 @ b1 + b2),
            "you composed the layers as W2 (W1 x + b1) + b2, the column-vector convention of "
            "many textbooks. In this course samples are rows and a layer is x @ W + b, so "
            "the product runs the other way: W = W1 @ W2 and b = b1 @ W2 + b2.",
        ),
        Mistake(
            "elementwise",
            lambda W1, b1, W2, b2: (W1 * W2, b1 * W2 + b2),
            "you multiplied entry by entry (*). Two layers in a row compose as a matrix "
            "product: W = W1 @ W2 and b = b1 @ W2 + b2.",
        ),
    ),
    hint="expand (x @ W1 + b1) @ W2 + b2 and collect the terms: the one with x gives W, the "
         "rest gives b. Test it as in section 2: both sides must agree on a random x.",
))


# --- he_init -------------------------------------------------------------------------


def _ref_he_init(fan_in: int, fan_out: int, rng: np.random.Generator) -> np.ndarray:
    """He initialisation: one draw of normal(0, sqrt(2 / fan_in)), shape (fan_in, fan_out)."""
    return init_weights(fan_in, fan_out, "he", rng)


def _cases_he(rng: np.random.Generator, hidden: bool) -> list[Case]:
    # Never square: a transposed shape must fail, and fan_in vs fan_out must differ.
    sizes = [(64, 32), (10, 40), (3, 5)]
    if hidden:
        sizes += [(1, 4), (200, 7), (9, 2)]
    cases = []
    for fan_in, fan_out in sizes:
        seed = int(rng.integers(1000))
        cases.append(Case((fan_in, fan_out, np.random.default_rng(seed)),
                          f"fan_in = {fan_in}, fan_out = {fan_out}, "
                          f"rng = np.random.default_rng({seed})"))
    return cases


def _normal(scale_of) -> object:
    def compute(fan_in, fan_out, rng):
        return rng.normal(0.0, scale_of(fan_in, fan_out), size=(fan_in, fan_out))
    return compute


register(Exercise(
    id="he_init",
    lesson=_L4,
    reference=_ref_he_init,
    cases=_cases_he,
    outputs=("W",),
    seed=403,
    mistakes=(
        Mistake(
            "variance_as_std",
            _normal(lambda i, o: 2.0 / i),
            "you passed the variance, 2 / fan_in, where rng.normal expects the standard "
            "deviation. Take its square root: np.sqrt(2 / fan_in).",
        ),
        Mistake(
            "fan_out",
            _normal(lambda i, o: np.sqrt(2.0 / o)),
            "you divided by fan_out. He's variance counts the inputs that add up into one "
            "unit, fan_in (the first size): std = np.sqrt(2 / fan_in).",
        ),
        Mistake(
            "lecun",
            _normal(lambda i, o: np.sqrt(1.0 / i)),
            "the factor 2 is missing: std = np.sqrt(1 / fan_in) is LeCun's initialisation. A "
            "ReLU zeroes about half of its inputs, which halves the variance, and the 2 "
            "makes up for it: std = np.sqrt(2 / fan_in).",
        ),
        Mistake(
            "xavier",
            _normal(lambda i, o: np.sqrt(2.0 / (i + o))),
            "that is Xavier (Glorot) initialisation, sqrt(2 / (fan_in + fan_out)), made for "
            "tanh and sigmoid. He's, for ReLU, is std = np.sqrt(2 / fan_in).",
        ),
        Mistake(
            "unscaled",
            _normal(lambda i, o: 1.0),
            "your weights have standard deviation 1: scale the standard normal draws by "
            "np.sqrt(2 / fan_in).",
        ),
        Mistake(
            "uniform",
            lambda i, o, rng: rng.uniform(-np.sqrt(6.0 / i), np.sqrt(6.0 / i), size=(i, o)),
            "you drew from a uniform distribution. Its variance is right, but the exercise asks "
            "for normal draws, which the check compares number by number: "
            "rng.normal(0.0, np.sqrt(2 / fan_in), size=(fan_in, fan_out)).",
        ),
        Mistake(
            "drawn_transposed",
            lambda i, o, rng: rng.normal(0.0, np.sqrt(2.0 / i), size=(o, i)).T,
            "your W has the right shape and scale, but you drew a (fan_out, fan_in) matrix "
            "and transposed it, so the same numbers land in other places. Draw it in its own "
            "shape: rng.normal(0.0, std, size=(fan_in, fan_out)).",
        ),
        Mistake(
            "transposed",
            lambda i, o, rng: rng.normal(0.0, np.sqrt(2.0 / i), size=(o, i)),
            "W has its shape transposed: a layer's W is (fan_in, fan_out), so that x @ W works "
            "for x of shape (N, fan_in).",
        ),
    ),
    hint="draw all weights in one call, rng.normal(0.0, std, size=(fan_in, fan_out)), with "
         "std = np.sqrt(2 / fan_in), and use the rng you are given (not np.random), so that "
         "the check can repeat your draws.",
    rtol=1e-9,
    atol=1e-12,
))


# --- weight_gradient_norms -----------------------------------------------------------


def _ref_weight_gradient_norms(grads: dict[str, np.ndarray]) -> np.ndarray:
    """‖dW_i‖ for i = 1 … L, layer 1 first, from a dict with keys W1, b1, …, WL, bL."""
    num_layers = sum(1 for k in grads if k.startswith("W"))
    return np.array([np.sqrt(np.sum(grads[f"W{i}"] ** 2)) for i in range(1, num_layers + 1)])


def _norms_variant(kind: str):
    def compute(grads):
        L = sum(1 for k in grads if k.startswith("W"))
        keys = [f"W{i}" for i in range(1, L + 1)]
        if kind == "insertion":
            keys = [k for k in grads if k.startswith("W")]
        elif kind == "reversed_insertion":
            keys = [k for k in grads if k.startswith("W")][::-1]
        elif kind == "last_first":
            keys = keys[::-1]
        elif kind == "lexicographic":
            keys = sorted(keys)
        if kind == "squared":
            return np.array([np.sum(grads[k] ** 2) for k in keys])
        if kind == "mean_abs":
            return np.array([np.mean(np.abs(grads[k])) for k in keys])
        if kind == "with_bias":
            return np.array([np.sqrt(np.sum(grads[k] ** 2) + np.sum(grads["b" + k[1:]] ** 2))
                             for k in keys])
        if kind == "max_abs":
            return np.array([np.max(np.abs(grads[k])) for k in keys])
        return np.array([np.sqrt(np.sum(grads[k] ** 2)) for k in keys])
    return compute


def _cases_norms(rng: np.random.Generator, hidden: bool) -> list[Case]:
    # Most dicts come as MLP.loss returns them, last layer first. The first case has its keys
    # shuffled, so that an answer that follows (or reverses) the dict's order fails, and 11
    # layers, so that sorting the keys as strings ("W10" before "W2") fails too; being first,
    # it also keeps a correct answer returned as a list from being blamed on a known mistake.
    specs = [(11, "shuffled"), (3, "backward"), (4, "backward")]
    if hidden:
        specs += [(2, "backward"), (12, "forward"), (1, "backward"), (6, "shuffled")]
    cases = []
    for depth, order in specs:
        widths = rng.integers(2, 6, size=depth + 1)
        layers: list[int] = list(range(depth, 0, -1))
        if order == "forward":
            layers = layers[::-1]
        elif order == "shuffled":
            layers = [int(i) for i in rng.permutation(layers)]
        grads = {}
        for i in layers:
            scale = 10.0 ** rng.uniform(-3, 1)
            grads[f"W{i}"] = scale * rng.normal(size=(widths[i - 1], widths[i]))
            grads[f"b{i}"] = scale * rng.normal(size=widths[i])
        keys = ", ".join(grads)
        cases.append(Case((grads,), f"a {depth}-layer network, grads with keys {keys}"))
    return cases


register(Exercise(
    id="weight_gradient_norms",
    lesson=_L4,
    reference=_ref_weight_gradient_norms,
    cases=_cases_norms,
    outputs=("norms",),
    seed=404,
    mistakes=(
        Mistake(
            "insertion_order",
            _norms_variant("insertion"),
            "your norms follow the order of the dict's keys, which is not the order of the "
            "layers (MLP.loss fills grads from the last layer back, and a dict can come in any "
            "order). Loop over the layer numbers instead, grads[f'W{i}'] for i = 1, 2, …, L, "
            "so that norms[0] is layer 1 (next to the input).",
        ),
        Mistake(
            "reversed_insertion",
            _norms_variant("reversed_insertion"),
            "you reversed the dict's order of keys. That happens to work for MLP.loss, which "
            "fills grads from the last layer back, but not for a dict in another order, such "
            "as the one in this check. Build each key from its layer number: grads[f'W{i}'] "
            "for i in range(1, L + 1).",
        ),
        Mistake(
            "last_layer_first",
            _norms_variant("last_first"),
            "your norms are right but in reverse order, layer L first. Put layer 1 (next to "
            "the input) first: norms[i - 1] is the norm of grads[f'W{i}'], i = 1, …, L.",
        ),
        Mistake(
            "lexicographic",
            _norms_variant("lexicographic"),
            "sorted() orders the keys as strings, so 'W10' comes before 'W2'. Build the keys "
            "from the layer numbers instead: grads[f'W{i}'] for i in range(1, L + 1).",
        ),
        Mistake(
            "squared",
            _norms_variant("squared"),
            "you returned the squared norm, the sum of squares. Take its square root: "
            "np.sqrt(np.sum(dW ** 2)), or np.linalg.norm(dW).",
        ),
        Mistake(
            "mean_abs",
            _norms_variant("mean_abs"),
            "you returned the mean absolute value of each dW. The norm is the square root of "
            "the sum of the squares of all its entries: np.linalg.norm(dW).",
        ),
        Mistake(
            "max_abs",
            _norms_variant("max_abs"),
            "you returned the largest entry of each dW. The norm is the square root of the sum "
            "of the squares of all its entries: np.linalg.norm(dW).",
        ),
        Mistake(
            "with_bias",
            _norms_variant("with_bias"),
            "you included the bias gradients. Measure the weight matrices only: one norm per "
            "dW_i, and leave the b_i keys out.",
        ),
    ),
    hint="count the layers, L = the number of keys that start with 'W'; then for i = 1 … L "
         "return np.linalg.norm(grads[f'W{i}']), in that order, as one array of shape (L,).",
    rtol=1e-9,
    atol=0.0,
))


# --- dead_relu_fraction --------------------------------------------------------------


def _ref_dead_relu_fraction(H: np.ndarray) -> float:
    """The fraction of units (columns) whose ReLU output is 0 for every sample (row)."""
    return float(np.mean(np.all(H == 0, axis=0)))


def _cases_dead(rng: np.random.Generator, hidden: bool) -> list[Case]:
    specs = [(20, 8, 3), (15, 10, 2), (30, 6, 4)]
    if hidden:
        specs += [(40, 12, 0), (10, 5, 5), (25, 16, 7)]
    cases = []
    for n, h, n_dead in specs:
        # Biases spread from off-ish to on: many zeros in live units too, as in a real layer.
        H = np.maximum(rng.normal(size=(n, h)) + rng.uniform(-1.0, 1.0, size=h), 0.0)
        H[:, 0] = np.maximum(H[:, 0], 0.1)  # one unit never off
        H[rng.integers(n), :] = 0.0  # one sample switches every unit off
        dead = rng.choice(np.arange(2, h), size=min(n_dead, h - 2), replace=False)
        H[:, dead] = 0.0
        # Unit 1 is barely alive: positive, by a little, for a single sample only. Small is
        # not dead: it still passes gradient for that sample.
        H[:, 1] = 0.0
        H[rng.integers(n), 1] = 1e-3
        cases.append(Case((H,), f"H {H.shape}, {len(dead)} dead units, one unit positive "
                                "(0.001) for a single sample only, one sample with every unit "
                                "at 0"))
    if hidden:
        H = np.maximum(rng.normal(size=(1, 6)), 0.0)
        cases.append(Case((H,), f"H {H.shape}, a batch of one sample"))
    return cases


register(Exercise(
    id="dead_relu_fraction",
    lesson=_L4,
    reference=_ref_dead_relu_fraction,
    cases=_cases_dead,
    outputs=("fraction",),
    seed=405,
    mistakes=(
        Mistake(
            "zero_entries",
            lambda H: float(np.mean(H == 0)),
            "you counted zero entries, not dead units. A live ReLU unit outputs 0 for many "
            "samples; it is dead only if its whole column is 0: np.all(H == 0, axis=0).",
        ),
        Mistake(
            "any_zero",
            lambda H: float(np.mean(np.any(H == 0, axis=0))),
            "you counted units that are 0 for *some* sample. A unit is dead when it is 0 for "
            "*every* sample in the batch: np.all, not np.any.",
        ),
        Mistake(
            "per_sample",
            lambda H: float(np.mean(np.all(H == 0, axis=1))),
            "you reduced over the wrong axis: that is the fraction of samples for which every "
            "unit is 0. Units are the columns of H, shape (N, units); reduce over the samples, "
            "axis=0.",
        ),
        Mistake(
            "count",
            lambda H: int(np.sum(np.all(H == 0, axis=0))),
            "you returned the number of dead units; return the fraction, divided by the number "
            "of units H.shape[1] (np.mean of the boolean array does both).",
        ),
        Mistake(
            "per_sample_count",
            lambda H: float(np.sum(np.all(H == 0, axis=0)) / H.shape[0]),
            "you divided the number of dead units by the number of samples, H.shape[0]. The "
            "fraction is of units: divide by the number of columns, H.shape[1] (or take "
            "np.mean of the per-unit True/False array).",
        ),
        Mistake(
            "alive",
            lambda H: float(np.mean(np.any(H > 0, axis=0))),
            "you returned the fraction of units that are alive (positive for some sample). The "
            "question is the other one: the fraction that is 0 for every sample.",
        ),
    ),
    hint="per unit (column), ask whether it is exactly 0 for every sample: np.all(H == 0, "
         "axis=0) has one True/False per unit; the fraction is its mean, as a float. A unit "
         "that is positive for one sample, however little, is alive.",
))

# ---------------------------------------------------------------------------------
# Lesson 05_momentum
# ---------------------------------------------------------------------------------

_L5 = "05_momentum"



# --- sgd_momentum and nesterov: cases ---------------------------------------------------


def _cases_momentum(rng: np.random.Generator, hidden: bool) -> list[Case]:
    """Configs with and without a velocity: a velocity that isn't read or kept shows."""
    specs: list[tuple[tuple[int, ...], float, float, bool]] = [
        ((3,), 0.1, 0.9, False),     # the first step: no velocity yet
        ((2, 3), 0.05, 0.9, True),   # a later step: the config carries a velocity
        ((4,), 0.2, 0.5, True),
    ]
    if hidden:
        specs += [((3, 2), 0.01, 0.99, True), ((5,), 0.3, 0.0, True), ((1,), 0.1, 0.8, False),
                  ((2, 2), 0.07, 0.6, True)]
    cases = []
    for shape, lr, beta, with_velocity in specs:
        w, dw = rng.normal(size=shape), rng.normal(size=shape)
        config: dict[str, Any] = {"learning_rate": lr, "momentum": beta}
        state = "no velocity yet (the first step)"
        if with_velocity:
            config["velocity"] = rng.normal(0.0, 0.3, size=shape)
            state = "config['velocity'] from earlier steps"
        cases.append(Case((w, dw, config), f"{_shapes(w=w, dw=dw)}, learning_rate={lr}, "
                                           f"momentum={beta}, {state}"))
    if hidden:
        w, dw = rng.normal(size=3), np.zeros(3)
        config = {"learning_rate": 0.1, "momentum": 0.9, "velocity": rng.normal(size=3)}
        cases.append(Case((w, dw, config), "dw = 0 with a velocity: w keeps coasting"))
    return cases


def _parts(w: np.ndarray, config: dict[str, Any]) -> tuple[float, float, np.ndarray]:
    v = config.get("velocity")
    return (config["learning_rate"], config["momentum"],
            np.zeros_like(w) if v is None else np.asarray(v))


def _momentum_variant(kind: str):
    """A wrong sgd_momentum: `kind` names the slip."""
    def compute(w, dw, config):
        lr, beta, v_old = _parts(w, config)
        v = beta * v_old - lr * dw
        store = True
        if kind == "not_stored":
            step, store = v, False
        elif kind == "ignored":
            v = -lr * dw
            step = v
        elif kind == "step_sign":
            step = -v
        elif kind == "beta_on_gradient":
            v = v_old - beta * lr * dw
            step = v
        elif kind == "swapped":
            v = lr * v_old - beta * dw
            step = v
        elif kind == "lr_twice":
            step = lr * v
        elif kind == "old_velocity":
            step = v_old
        elif kind == "ema":
            v = beta * v_old + (1 - beta) * dw
            step = -lr * v
        elif kind == "opposite":
            v = beta * v_old + lr * dw
            step = -v
        elif kind == "gradient_sign":
            v = beta * v_old + lr * dw
            step = v
        elif kind == "pytorch":
            v = beta * v_old + dw
            step = -lr * v
        else:  # pragma: no cover
            raise ValueError(kind)
        if store:
            config["velocity"] = v
        return w + step, config
    return compute


def _nesterov_variant(kind: str):
    """A wrong nesterov: `kind` names the slip."""
    def compute(w, dw, config):
        lr, beta, v_prev = _parts(w, config)
        if kind == "ignored":
            v_prev = np.zeros_like(w)
        v = beta * v_prev - lr * dw
        step = {
            "plain": v,
            "no_one_plus_beta": -beta * v_prev + v,
            "one_minus_beta": -beta * v_prev + (1 - beta) * v,
            "correction_sign": beta * v_prev + (1 + beta) * v,
            "step_sign": beta * v_prev - (1 + beta) * v,
            "not_stored": -beta * v_prev + (1 + beta) * v,
            "ignored": (1 + beta) * v,
        }[kind]
        if kind != "not_stored":
            config["velocity"] = v
        return w + step, config
    return compute


_NOT_STORED = (
    "next_w is right, but config['velocity'] still holds the old velocity (or none): the new "
    "one was never stored. The next call starts from the config, so keep it there: "
    "config['velocity'] = v, then return w + ..., config."
)
_IGNORED = (
    "you start from a zero velocity at every step, so this is plain gradient descent. Read the "
    "velocity the previous step stored, v = config.get('velocity', np.zeros_like(w)), and "
    "build the new one from it."
)

register(Exercise(
    id="sgd_momentum",
    lesson=_L5,
    reference=optim.sgd_momentum,
    cases=_cases_momentum,
    outputs=("next_w", "config"),
    mutable=(2,),
    seed=501,
    mistakes=(
        Mistake("velocity_not_stored", _momentum_variant("not_stored"), _NOT_STORED),
        Mistake("velocity_ignored", _momentum_variant("ignored"), _IGNORED),
        Mistake(
            "step_sign",
            _momentum_variant("step_sign"),
            "the step has the wrong sign: with v = β·v − lr·dw the velocity already points "
            "downhill (its −lr·dw), so the update adds it, w + v. Subtracting it climbs.",
        ),
        Mistake(
            "gradient_sign",
            _momentum_variant("gradient_sign"),
            "the gradient enters the velocity with the wrong sign: v = β·v + lr·dw, then w + v, "
            "climbs uphill. The velocity must point downhill, v = β·v − lr·dw (minus lr·dw), "
            "and the step adds it: w + v.",
        ),
        Mistake(
            "opposite_convention",
            _momentum_variant("opposite"),
            "you store the velocity with the opposite sign (v = β·v + lr·dw, then w − v). On its "
            "own that is the same algorithm, but config['velocity'] has a meaning other code "
            "reads: in this course it is the step itself, v = β·v − lr·dw and w + v. Flip both "
            "signs.",
        ),
        Mistake(
            "old_velocity",
            _momentum_variant("old_velocity"),
            "you moved w with the old velocity and updated v afterwards, so every step is one "
            "gradient late. Compute the new velocity first, v = β·v − lr·dw, then step with it.",
        ),
        Mistake(
            "lr_twice",
            _momentum_variant("lr_twice"),
            "the learning rate is applied twice: it is already inside v = β·v − lr·dw, so the "
            "step is w + v, not w + lr·v.",
        ),
        Mistake(
            "beta_on_gradient",
            _momentum_variant("beta_on_gradient"),
            "β multiplies the gradient instead of the old velocity. The old velocity is what "
            "fades: v = β·v − lr·dw (β·v, then minus lr·dw).",
        ),
        Mistake(
            "swapped_hyperparameters",
            _momentum_variant("swapped"),
            "learning_rate and momentum are swapped: v = β·v − lr·dw, with β = "
            "config['momentum'] on the velocity and lr = config['learning_rate'] on the gradient.",
        ),
        Mistake(
            "ema_form",
            _momentum_variant("ema"),
            "this is the 'moving average' form, v = β·v + (1 − β)·dw and w − lr·v. It is a real "
            "variant, but its steps are (1 − β) times smaller, and its v is an average gradient, "
            "not a step. This course's (and the package's) form is v = β·v − lr·dw, w + v.",
        ),
        Mistake(
            "pytorch_form",
            _momentum_variant("pytorch"),
            "this is PyTorch's form, v = β·v + dw and w − lr·v, which keeps the learning rate out "
            "of the velocity. Here the velocity is the step itself: v = β·v − lr·dw, then w + v.",
        ),
    ),
    hint="v = config['momentum'] · v_old − config['learning_rate'] · dw (v_old: "
         "config.get('velocity', zeros)), store config['velocity'] = v, return w + v, config. "
         "See section 2, 'Momentum: a velocity'.",
))

register(Exercise(
    id="nesterov",
    lesson=_L5,
    reference=optim.nesterov,
    cases=_cases_momentum,
    outputs=("next_w", "config"),
    mutable=(2,),
    seed=502,
    mistakes=(
        Mistake(
            "plain_momentum",
            _nesterov_variant("plain"),
            "this is plain momentum's step, w + v_new. Either the look-ahead correction is "
            "missing, or you overwrote the old velocity before using it: keep v_prev = "
            "config.get('velocity', ...) and return w − β·v_prev + (1 + β)·v_new.",
        ),
        Mistake(
            "no_one_plus_beta",
            _nesterov_variant("no_one_plus_beta"),
            "the new velocity needs the factor (1 + β): one v_new for this step and β·v_new for "
            "the next look-ahead. w − β·v_prev + (1 + β)·v_new.",
        ),
        Mistake(
            "one_minus_beta",
            _nesterov_variant("one_minus_beta"),
            "the factor on the new velocity is (1 + β), not (1 − β): one v_new for this step "
            "plus β·v_new for the next look-ahead. w − β·v_prev + (1 + β)·v_new.",
        ),
        Mistake(
            "correction_sign",
            _nesterov_variant("correction_sign"),
            "the correction term has the wrong sign: the last look-ahead, β·v_prev, is taken "
            "back, so it is subtracted: w − β·v_prev + (1 + β)·v_new.",
        ),
        Mistake(
            "step_sign",
            _nesterov_variant("step_sign"),
            "the whole step has the wrong sign: v_new = β·v_prev − lr·dw already points "
            "downhill, so it is added: w − β·v_prev + (1 + β)·v_new.",
        ),
        Mistake("velocity_not_stored", _nesterov_variant("not_stored"), _NOT_STORED),
        Mistake("velocity_ignored", _nesterov_variant("ignored"), _IGNORED),
    ),
    hint="v_prev = config.get('velocity', zeros); v_new = β·v_prev − lr·dw; store v_new in "
         "config['velocity']; return w − β·v_prev + (1 + β)·v_new, config. See section 3, "
         "'Nesterov momentum'.",
))


# --- lr_per_step ----------------------------------------------------------------------


def _ref_lr_per_step(lr0, drop, every, epochs, steps_per_epoch):
    """Step decay, one learning rate per training step: lr0 · drop^⌊epoch / every⌋."""
    epoch = np.arange(epochs * steps_per_epoch) // steps_per_epoch
    return lr0 * drop ** (epoch // every).astype(np.float64)


def _lr_variant(kind: str):
    def compute(lr0, drop, every, epochs, steps_per_epoch):
        step = np.arange(epochs * steps_per_epoch)
        epoch = step // steps_per_epoch
        if kind == "per_step":
            return lr0 * drop ** (step // every).astype(np.float64)
        if kind == "from_one":
            return lr0 * drop ** ((epoch + 1) // every).astype(np.float64)
        if kind == "no_floor":
            return lr0 * drop ** (epoch / every)
        if kind == "times_k":
            return lr0 * drop * (epoch // every).astype(np.float64)
        if kind == "per_epoch":
            return lr0 * drop ** (np.arange(epochs) // every).astype(np.float64)
        if kind == "every_epoch":
            return lr0 * drop ** epoch.astype(np.float64)
        if kind == "tile":
            per_epoch = lr0 * drop ** (np.arange(epochs) // every).astype(np.float64)
            return np.tile(per_epoch, steps_per_epoch)
        if kind == "table":
            per_epoch = lr0 * drop ** (np.arange(epochs) // every).astype(np.float64)
            return np.repeat(per_epoch[:, None], steps_per_epoch, axis=1)
        if kind == "inside_loop":
            rates, lr = [], float(lr0)
            for e in range(epochs):
                for _ in range(steps_per_epoch):
                    if e > 0 and e % every == 0:
                        lr *= drop  # at every step of a drop epoch, not once
                    rates.append(lr)
            return np.array(rates)
        raise ValueError(kind)  # pragma: no cover
    return compute


def _cases_lr(rng: np.random.Generator, hidden: bool) -> list[Case]:
    specs = [(0.1, 0.5, 2, 6, 3), (1.0, 0.1, 3, 7, 2), (0.05, 0.8, 2, 5, 4)]
    if hidden:
        specs += [(0.3, 0.5, 1, 4, 3), (2.0, 0.25, 5, 5, 4), (0.2, 0.5, 3, 9, 1),
                  (0.01, 0.9, 4, 10, 2)]
    return [Case(s, f"lr0={s[0]}, drop={s[1]}, every={s[2]}, epochs={s[3]}, "
                    f"steps_per_epoch={s[4]}") for s in specs]


register(Exercise(
    id="lr_per_step",
    lesson=_L5,
    reference=_ref_lr_per_step,
    cases=_cases_lr,
    outputs=("rates",),
    seed=503,
    mistakes=(
        Mistake(
            "per_step",
            _lr_variant("per_step"),
            "the rate drops every `every` steps, not every `every` epochs. Work out each "
            "step's epoch first, epoch = step // steps_per_epoch, and decay by that.",
        ),
        Mistake(
            "epochs_from_one",
            _lr_variant("from_one"),
            "every drop comes one epoch early: epochs are counted from 0 here, so epochs 0 … "
            "every−1 all train at lr0. Use epoch // every with epoch = 0, 1, 2, …",
        ),
        Mistake(
            "no_floor",
            _lr_variant("no_floor"),
            "drop^(epoch / every) decays a little every epoch (that is exponential decay). Step "
            "decay holds the rate for `every` epochs: use the whole number of drops, "
            "epoch // every.",
        ),
        Mistake(
            "times_k",
            _lr_variant("times_k"),
            "lr0 · drop · k multiplies by the number of drops k, so the first epochs get a rate "
            "of 0. Each drop multiplies the rate by `drop` again: lr0 · drop ** k.",
        ),
        Mistake(
            "drop_at_every_step",
            _lr_variant("inside_loop"),
            "in an epoch where the rate drops, you multiply by `drop` at every step of that "
            "epoch, not once. Compute each epoch's rate from the epoch number, "
            "lr0 · drop ** (epoch // every), rather than shrinking a running value.",
        ),
        Mistake(
            "one_per_epoch",
            _lr_variant("per_epoch"),
            "you returned one rate per epoch; the function returns one per step. Repeat each "
            "epoch's rate steps_per_epoch times (np.repeat does it).",
        ),
        Mistake(
            "every_ignored",
            _lr_variant("every_epoch"),
            "the rate drops at every epoch, lr0 · drop ** epoch: `every` is missing. Step decay "
            "holds each rate for `every` epochs: lr0 · drop ** (epoch // every).",
        ),
        Mistake(
            "tile_not_repeat",
            _lr_variant("tile"),
            "the rates are in the wrong order: np.tile(rates, k) repeats the whole list of epoch "
            "rates k times ([a, b, a, b]), while each epoch's rate should repeat in place for its "
            "steps ([a, a, b, b]): np.repeat(rates, steps_per_epoch).",
        ),
        Mistake(
            "table_not_flat",
            _lr_variant("table"),
            "you returned a table, one row per epoch and one column per step. The function "
            "returns one flat array in step order: flatten it with .ravel(), or build it with "
            "np.repeat(per_epoch_rates, steps_per_epoch).",
        ),
    ),
    hint="rates has epochs · steps_per_epoch entries; step s belongs to epoch "
         "s // steps_per_epoch and trains at lr0 · drop ** (epoch // every). See section 4, "
         "'Learning-rate schedules'.",
))


# --- minibatches ----------------------------------------------------------------------


def _ref_minibatches(n, batch_size, rng):
    """Shuffle 0 … n−1 once (rng.permutation) and cut it into batches; the last may be short."""
    order = rng.permutation(n)
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]


def _mb_variant(kind: str):
    def compute(n, batch_size, rng):
        if kind == "no_shuffle":
            order = np.arange(n)
        elif kind == "replacement":
            order = rng.integers(0, n, size=n)
        elif kind == "choice":
            order = rng.choice(n, size=n, replace=False)
        else:
            order = rng.permutation(n)
        if kind == "batch_order":
            batches = [np.arange(i, min(i + batch_size, n)) for i in range(0, n, batch_size)]
            return [batches[k] for k in rng.permutation(len(batches))]
        if kind == "within_batch":
            return [rng.permutation(np.arange(i, min(i + batch_size, n)))
                    for i in range(0, n, batch_size)]
        if kind == "array_split":
            return np.array_split(order, max(n // batch_size, 1))
        batches = [order[i:i + batch_size] for i in range(0, n, batch_size)]
        if kind == "drop_last" and len(batches[-1]) < batch_size:
            batches = batches[:-1]
        if kind == "pad_last" and len(batches[-1]) < batch_size:
            batches[-1] = np.concatenate([batches[-1], order[:batch_size - len(batches[-1])]])
        return batches
    return compute


def _cases_minibatches(rng: np.random.Generator, hidden: bool) -> list[Case]:
    specs = [(10, 4), (23, 5), (17, 8)]
    if hidden:
        specs += [(12, 4), (3, 5), (7, 1), (50, 16)]
    cases = []
    for n, batch_size in specs:
        # Each case brings its own seeded generator: the check replays its draws.
        seed = int(rng.integers(0, 2**31))
        cases.append(Case((n, batch_size, np.random.default_rng(seed)),
                          f"n={n}, batch_size={batch_size}"))
    return cases


register(Exercise(
    id="minibatches",
    lesson=_L5,
    reference=_ref_minibatches,
    cases=_cases_minibatches,
    outputs=("batches",),
    seed=504,
    mistakes=(
        Mistake(
            "drop_last",
            _mb_variant("drop_last"),
            "the last, shorter batch is missing, so a few examples are never trained on in "
            "this epoch. Keep it: range(0, n, batch_size) with order[i:i + batch_size] gives it "
            "automatically.",
        ),
        Mistake(
            "pad_last",
            _mb_variant("pad_last"),
            "you filled the last batch up to batch_size with examples from the start, so some "
            "examples count twice in this epoch. Leave the last batch short.",
        ),
        Mistake(
            "no_shuffle",
            _mb_variant("no_shuffle"),
            "the batches are in the data's own order: shuffle first, order = "
            "rng.permutation(n). Unshuffled, every epoch sees the same batches, and sorted data "
            "would give batches of one class.",
        ),
        Mistake(
            "with_replacement",
            _mb_variant("replacement"),
            "you drew indices with replacement (rng.integers or rng.choice(n, n)): some examples "
            "appear twice in an epoch and others not at all. An epoch uses each example once: "
            "order = rng.permutation(n).",
        ),
        Mistake(
            "shuffled_within_batches",
            _mb_variant("within_batch"),
            "you shuffled inside each batch, so each batch still holds neighbouring examples. "
            "Shuffle all n indices first, then cut: order = rng.permutation(n).",
        ),
        Mistake(
            "shuffled_batch_order",
            _mb_variant("batch_order"),
            "you shuffled the order of the batches, but each batch still holds the same run of "
            "neighbouring examples every epoch. Shuffle the n indices themselves, order = "
            "rng.permutation(n), then cut.",
        ),
        Mistake(
            "array_split",
            _mb_variant("array_split"),
            "np.array_split(order, k) cuts into k nearly equal parts, not into batches of "
            "batch_size. Slice instead: [order[i:i + batch_size] for i in range(0, n, "
            "batch_size)].",
        ),
        Mistake(
            "choice_not_permutation",
            _mb_variant("choice"),
            "rng.choice(n, n, replace=False) is a fine shuffle, but it draws different numbers "
            "from the generator, and the check replays the exercise's draws: use "
            "rng.permutation(n), called once.",
        ),
    ),
    hint="order = rng.permutation(n), with the rng you were given (not np.random.permutation "
         "or a new generator: the check replays its draws), called once; then "
         "[order[i:i + batch_size] for i in range(0, n, batch_size)]: every index exactly once, "
         "the last batch possibly shorter. "
         "See section 1, 'Full batch, mini-batches and SGD'.",
))


# ---------------------------------------------------------------------------------
# Lesson 6: normalisation and regularisation
# ---------------------------------------------------------------------------------


_L6 = "06_normalization"


# --- batchnorm_forward -----------------------------------------------------------------


def _bn_cases(rng: np.random.Generator, hidden: bool) -> list[Case]:
    """Train steps with and without running averages yet, and test steps.

    Every case has features of different means and spreads, and an eps large enough that
    its place (inside or outside the square root) shows.
    """
    specs: list[tuple[str, int, int, float, float | None, bool]] = [
        # mode, N, D, eps, momentum (None: the default 0.9), running averages given
        ("train", 5, 3, 1e-2, None, True),
        ("train", 4, 2, 1e-3, 0.8, False),
        ("test", 3, 3, 1e-2, None, True),
    ]
    if hidden:
        specs += [("train", 2, 4, 1e-2, 0.5, True), ("train", 8, 1, 0.1, None, True),
                  ("test", 1, 4, 1e-2, 0.7, True), ("train", 6, 5, 1e-5, 0.95, True)]
    cases = []
    for mode, n, d, eps, momentum, running in specs:
        x = rng.normal(rng.normal(0.0, 3.0, size=d), rng.uniform(0.5, 3.0, size=d), size=(n, d))
        gamma, beta = rng.uniform(0.5, 2.0, size=d), rng.normal(size=d)
        bn_param: dict[str, Any] = {"mode": mode, "eps": eps}
        if momentum is not None:
            bn_param["momentum"] = momentum
        state = "no running averages yet"
        if running:
            bn_param["running_mean"] = rng.normal(0.0, 2.0, size=d)
            bn_param["running_var"] = rng.uniform(0.5, 4.0, size=d)
            state = "running averages from earlier steps"
        note = (f"{_shapes(x=x)}, mode {mode!r}, eps={eps:g}, momentum="
                f"{momentum if momentum is not None else '0.9 (default)'}, {state}")
        cases.append(Case((x, gamma, beta, bn_param), note))
    if hidden:
        x = rng.normal(size=(4, 3))
        x[:, 1] = 2.5  # a constant feature: variance 0, so x_hat is 0 there
        bn_param = {"mode": "train", "eps": 1e-2, "running_mean": np.zeros(3),
                    "running_var": np.ones(3)}
        cases.append(Case((x, np.ones(3), np.zeros(3), bn_param),
                          "x (4, 3) whose second feature is constant, mode 'train'"))
    return cases


def _bn_variant(kind: str):
    """A wrong batchnorm_forward: `kind` names the slip."""
    def compute(x, gamma, beta, bn_param):
        mode = bn_param["mode"]
        eps = 1e-5 if kind == "eps_ignored" else bn_param.get("eps", 1e-5)
        m = bn_param.get("momentum", 0.9)
        d = x.shape[1]
        rm = bn_param.setdefault("running_mean", np.zeros(d))
        rv = bn_param.setdefault("running_var", np.ones(d))
        mu = x.mean(axis=0)
        var = x.var(axis=0, ddof=1 if kind == "unbiased" else 0)
        if mode == "train" or kind == "test_batch_stats":
            use_mu, use_var = mu, var
        else:
            use_mu, use_var = rm, rv
        if kind == "eps_outside":
            x_hat = (x - use_mu) / (np.sqrt(use_var) + eps)
        else:
            x_hat = (x - use_mu) / np.sqrt(use_var + eps)
        out = beta * x_hat + gamma if kind == "gamma_beta_swapped" else gamma * x_hat + beta
        update = mode == "train" or kind == "test_updates_running"
        if update and kind != "running_not_stored":
            run_var = {"running_unbiased": x.var(axis=0, ddof=1) if len(x) > 1 else var,
                       "running_std": np.sqrt(var)}.get(kind, var)
            keep = 1 - m if kind == "momentum_swapped" else m
            bn_param["running_mean"] = keep * rm + (1 - keep) * mu
            bn_param["running_var"] = keep * rv + (1 - keep) * run_var
        return out, ((x, x_hat, mu, var, eps, gamma) if mode == "train" else None)
    return compute


register(Exercise(
    id="batchnorm_forward",
    lesson=_L6,
    reference=batchnorm_forward,
    cases=_bn_cases,
    outputs=("out", "cache", "bn_param"),
    free=("cache",),
    after=(3,),
    seed=601,
    mistakes=(
        Mistake(
            "unbiased_variance",
            _bn_variant("unbiased"),
            "you used the unbiased variance (divided by N − 1, e.g. ddof=1). Batch norm "
            "divides by N: var = x.var(axis=0), the variance of exactly these N numbers, which "
            "is what gives x_hat a variance of 1. (The running average takes the same biased "
            "var.)",
        ),
        Mistake(
            "eps_outside_sqrt",
            _bn_variant("eps_outside"),
            "eps is outside the square root: (x − mu) / (sqrt(var) + eps). It belongs inside, "
            "x_hat = (x − mu) / sqrt(var + eps), as in the formula of section 2 (and in the "
            "cache your backward pass will use).",
        ),
        Mistake(
            "eps_ignored",
            _bn_variant("eps_ignored"),
            "you used eps = 1e-5 whatever bn_param says. Read it from the dict, eps = "
            "bn_param.get('eps', 1e-5): 1e-5 is only the default.",
        ),
        Mistake(
            "test_uses_batch_statistics",
            _bn_variant("test_batch_stats"),
            "in test mode you normalised with the batch's own mean and variance. Test mode "
            "uses the running averages, bn_param['running_mean'] and bn_param['running_var'], "
            "so that a prediction doesn't depend on the other samples of its batch (or fails "
            "for a batch of one).",
        ),
        Mistake(
            "test_updates_running",
            _bn_variant("test_updates_running"),
            "out is right, but test mode changed the running averages. Only train mode updates "
            "bn_param['running_mean'] and bn_param['running_var']; test mode reads them and "
            "leaves them as they were, so predicting never changes the network.",
        ),
        Mistake(
            "momentum_swapped",
            _bn_variant("momentum_swapped"),
            "the running averages weigh the wrong way round: momentum multiplies the OLD "
            "average, running = momentum · running + (1 − momentum) · batch statistic. With "
            "momentum 0.9 each step keeps 90 % of the old average and adds 10 % of the batch.",
        ),
        Mistake(
            "running_not_stored",
            _bn_variant("running_not_stored"),
            "out is right, but bn_param's running averages were not updated in train mode. "
            "Store the new ones in the dict, bn_param['running_mean'] = momentum · "
            "running_mean + (1 − momentum) · mu (and the same for running_var with var): the "
            "dict is the layer's memory from one call to the next.",
        ),
        Mistake(
            "running_unbiased",
            _bn_variant("running_unbiased"),
            "out is right, but the running variance averages the unbiased variance (N − 1, as "
            "PyTorch does). This course keeps the biased batch variance, var = x.var(axis=0), "
            "in the running average too, the same var that normalised the batch.",
        ),
        Mistake(
            "running_std",
            _bn_variant("running_std"),
            "bn_param['running_var'] averages the standard deviation, sqrt(var). It is a "
            "running average of the variance itself: running_var = momentum · running_var + "
            "(1 − momentum) · var.",
        ),
        Mistake(
            "gamma_beta_swapped",
            _bn_variant("gamma_beta_swapped"),
            "gamma and beta are swapped: gamma scales and beta shifts, out = gamma · x_hat + "
            "beta.",
        ),
    ),
    hint="train: mu = x.mean(axis=0), var = x.var(axis=0), x_hat = (x − mu) / sqrt(var + eps), "
         "out = gamma · x_hat + beta, then running = momentum · running + (1 − momentum) · "
         "(mu or var), stored in bn_param; test: the same with the running averages, which stay "
         "unchanged. See section 2, 'Batch normalisation: the forward pass'.",
))


# --- batchnorm_backward ----------------------------------------------------------------


def _norm_cache(x: np.ndarray, gamma: np.ndarray, eps: float, axis: int):
    keep = axis == 1
    mu = x.mean(axis=axis, keepdims=keep)
    var = x.var(axis=axis, keepdims=keep)
    x_hat = (x - mu) / np.sqrt(var + eps)
    return (x, x_hat, mu, var, eps, gamma)


def _backward_cases(axis: int):
    """Caches as the forward pass makes them (batch norm: axis 0, layer norm: axis 1)."""
    def cases(rng: np.random.Generator, hidden: bool) -> list[Case]:
        sizes = [(4, 3, 1e-5), (6, 2, 1e-2), (3, 5, 1e-3)]
        if hidden:
            sizes += [(2, 3, 1e-5), (8, 4, 0.1), (5, 6, 1e-5)]
        out = []
        for n, d, eps in sizes:
            x = rng.normal(rng.normal(0.0, 2.0, size=d), rng.uniform(0.5, 2.5, size=d),
                           size=(n, d))
            gamma = rng.uniform(0.5, 2.0, size=d)
            dout = rng.normal(size=(n, d))
            cache = _norm_cache(x, gamma, eps, axis)
            out.append(Case((dout, cache), f"{_shapes(dout=dout, x=x, gamma=gamma)}, "
                                           f"eps={eps:g}"))
        if hidden:
            x, gamma = rng.normal(size=(4, 3)), rng.uniform(0.5, 2.0, size=3)
            dout = np.tile(rng.normal(size=(1, 3)), (4, 1)) if axis == 0 else \
                np.tile(rng.normal(size=(4, 1)), (1, 3))
            out.append(Case((dout, _norm_cache(x, gamma, 1e-5, axis)),
                            "dout the same for every " + ("sample" if axis == 0 else "feature")
                            + " (then dx is 0)"))
        return out
    return cases


def _norm_backward_variant(kind: str, axis: int):
    """A wrong batch norm (axis 0) or layer norm (axis 1) backward pass."""
    def compute(dout, cache):
        x, x_hat, mu, var, eps, gamma = cache
        keep = axis == 1
        m = x.shape[axis]
        dbeta = dout.sum(axis=0)
        dgamma = (dout * x_hat).sum(axis=0)
        if kind == "dgamma_not_summed":
            dgamma = dout * x_hat
        elif kind == "dbeta_not_summed":
            dbeta = dout.copy()
        elif kind == "dgamma_with_x":
            dgamma = (dout * x).sum(axis=0)
        dx_hat = dout if kind == "no_gamma" else dout * gamma
        std = np.sqrt(var + eps)
        xc = x - mu
        dxc = dx_hat / std
        dvar_factor = {"no_half": -1.0, "dvar_sign": 0.5}.get(kind, -0.5)
        dvar = (dx_hat * xc).sum(axis=axis, keepdims=keep) * dvar_factor * std ** -3
        if kind not in ("no_var_path", "constants"):
            dxc = dxc + 2.0 * xc * dvar / m
        if kind in ("no_mean_path", "constants"):
            return dxc, dgamma, dbeta
        dx = dxc - dxc.sum(axis=axis, keepdims=keep) / m
        if kind == "no_one_over_n":
            dx = dxc - dxc.sum(axis=axis, keepdims=keep)
        return dx, dgamma, dbeta
    return compute


def _norm_mistakes(axis: int, stat: str) -> tuple[Mistake, ...]:
    over = "batch" if axis == 0 else "features of each sample"
    return (
        Mistake(
            "dgamma_not_summed",
            _norm_backward_variant("dgamma_not_summed", axis),
            "dgamma is not summed over the batch: dout * x_hat has one row per sample, but "
            "gamma has shape (D,) and was used by every row (broadcast), so the rows' "
            "gradients add up: dgamma = (dout * x_hat).sum(axis=0).",
        ),
        Mistake(
            "dbeta_not_summed",
            _norm_backward_variant("dbeta_not_summed", axis),
            "dbeta is not summed over the batch: beta (D,) was added to every row, so it "
            "receives every row's gradient: dbeta = dout.sum(axis=0).",
        ),
        Mistake(
            "dgamma_with_x",
            _norm_backward_variant("dgamma_with_x", axis),
            "dgamma multiplies dout by x instead of x_hat: gamma scales the normalised input, "
            "out = gamma · x_hat + beta, so dgamma = (dout * x_hat).sum(axis=0).",
        ),
        Mistake(
            "no_gamma",
            _norm_backward_variant("no_gamma", axis),
            "dx is missing the factor gamma: out = gamma · x_hat + beta, so the gradient that "
            "reaches x_hat is dx_hat = dout * gamma, and everything in dx starts from it.",
        ),
        Mistake(
            "constants",
            _norm_backward_variant("constants", axis),
            f"dx treats the {stat} as constants: dx = gamma · dout / sqrt(var + eps) is only "
            f"the direct path. The {stat} are computed from x too (over the {over}), so x "
            "also reaches the output through them: add the variance's and the mean's paths "
            "(the graph's nodes var and mu).",
        ),
        Mistake(
            "no_mean_path",
            _norm_backward_variant("no_mean_path", axis),
            f"dx is missing the mean's path: mu is computed from x (over the {over}), so after "
            "dxc (the gradient at xc = x − mu, both paths into it) comes dmu = −(sum of dxc), "
            "and dx = dxc + dmu / " + ("N" if axis == 0 else "D") + ".",
        ),
        Mistake(
            "no_var_path",
            _norm_backward_variant("no_var_path", axis),
            "dx is missing the variance's path: var = mean(xc²) depends on x too, so dxc gets "
            "a second term, 2 · xc · dvar / " + ("N" if axis == 0 else "D") + ", with dvar = "
            "−0.5 · sum(dx_hat · xc) · (var + eps)^(−3/2).",
        ),
        Mistake(
            "no_half",
            _norm_backward_variant("no_half", axis),
            "dvar is twice too large: the derivative of (var + eps)^(−1/2) is −½ · (var + "
            "eps)^(−3/2); the ½ is missing. (Or: d sqrt(v)/dv = 1 / (2 sqrt(v)).)",
        ),
        Mistake(
            "dvar_sign",
            _norm_backward_variant("dvar_sign", axis),
            "dvar has the wrong sign: a larger variance makes the inverse square root, and so "
            "x_hat, smaller. d(var + eps)^(−1/2)/dvar = −½ · (var + eps)^(−3/2), with a minus.",
        ),
        Mistake(
            "no_one_over_n",
            _norm_backward_variant("no_one_over_n", axis),
            "the mean's path is " + ("N" if axis == 0 else "D") + " times too large: mu is "
            "an average, so each x contributes with weight 1/" + ("N" if axis == 0 else "D")
            + ": dx = dxc + dmu / " + ("N" if axis == 0 else "D") + ".",
        ),
    )


register(Exercise(
    id="batchnorm_backward",
    lesson=_L6,
    reference=batchnorm_backward,
    cases=_backward_cases(0),
    outputs=("dx", "dgamma", "dbeta"),
    seed=602,
    mistakes=_norm_mistakes(0, "batch mean and variance"),
    hint="go through the graph of section 3 backwards: dbeta, dgamma, dx_hat = dout · gamma, "
         "then dxc and dvar (through the inverse square root), the variance's path into dxc, and "
         "last the mean's path, dx = dxc − dxc.sum(axis=0) / N. Compare with grad_check as in "
         "section 3, 'The gradient check'.",
))


register(Exercise(
    id="layernorm_backward",
    lesson=_L6,
    reference=layernorm_backward,
    cases=_backward_cases(1),
    outputs=("dx", "dgamma", "dbeta"),
    seed=603,
    mistakes=(
        Mistake(
            "batch_axis",
            _norm_backward_variant("right", 0),
            "dx is batch norm's, with sums over the batch (axis 0). Layer norm's mean and "
            "variance are per sample, over its D features: in dx every sum runs over axis=1 "
            "(keepdims=True), and the averages divide by D. (dgamma and dbeta still sum over "
            "the batch.)",
        ),
        *_norm_mistakes(1, "per-sample mean and variance"),
    ),
    hint="batch norm's backward pass with the roles of the axes swapped for dx: the sums run "
         "over the features of each sample (axis=1, keepdims=True) and divide by D; dgamma and "
         "dbeta still sum over the batch (axis 0). See section 5, 'Layer normalisation'.",
))


# --- l2_penalty ------------------------------------------------------------------------


def _l2_cases(rng: np.random.Generator, hidden: bool) -> list[Case]:
    specs: list[tuple[tuple[int, ...], float]] = [((3, 4), 0.1), ((5, 2), 0.01), ((2, 2), 1.0)]
    if hidden:
        specs += [((1, 6), 0.5), ((4, 3), 1e-3), ((6, 5), 2.0)]
    cases = []
    for shape, reg in specs:
        W = rng.normal(size=shape)
        cases.append(Case((W, reg), f"{_shapes(W=W)}, reg={reg:g}"))
    if hidden:
        W = rng.normal(size=(3, 3))
        cases.append(Case((W, 0.0), f"{_shapes(W=W)}, reg=0 (no penalty)"))
    return cases


register(Exercise(
    id="l2_penalty",
    lesson=_L6,
    reference=l2_penalty,
    cases=_l2_cases,
    outputs=("penalty", "dW"),
    seed=604,
    mistakes=(
        Mistake(
            "no_half_in_penalty",
            lambda W, reg: (reg * float(np.sum(W ** 2)), reg * W),
            "the penalty is twice too large: it is 0.5 · reg · sum(W²). The 0.5 is there so "
            "that the gradient is simply reg · W (dW is right).",
        ),
        Mistake(
            "two_in_gradient",
            lambda W, reg: (0.5 * reg * float(np.sum(W ** 2)), 2 * reg * W),
            "dW is twice too large: the derivative of 0.5 · reg · W² is reg · W. The 2 of the "
            "power rule cancels the 0.5.",
        ),
        Mistake(
            "half_in_gradient",
            lambda W, reg: (0.5 * reg * float(np.sum(W ** 2)), 0.5 * reg * W),
            "dW is half what it should be: you kept the 0.5 but dropped the 2 of the power "
            "rule. d(0.5 · reg · W²)/dW = 0.5 · reg · 2W = reg · W.",
        ),
        Mistake(
            "no_half_anywhere",
            lambda W, reg: (reg * float(np.sum(W ** 2)), 2 * reg * W),
            "you used reg · sum(W²) and its gradient 2 · reg · W: consistent, but this course's "
            "(and the MLP's) L2 term is 0.5 · reg · sum(W²), with gradient reg · W, so that "
            "reg means the same everywhere.",
        ),
        Mistake(
            "l1",
            lambda W, reg: (reg * float(np.sum(np.abs(W))), reg * np.sign(W)),
            "this is the L1 penalty, reg · sum(|W|) with gradient reg · sign(W). L2 squares "
            "the weights: 0.5 · reg · sum(W²), gradient reg · W.",
        ),
        Mistake(
            "mean",
            lambda W, reg: (0.5 * reg * float(np.mean(W ** 2)), reg * W / W.size),
            "you averaged over the weights: the penalty sums them, 0.5 · reg · sum(W²), so "
            "dW = reg · W, one term per weight, not divided by their number.",
        ),
        Mistake(
            "sign",
            lambda W, reg: (0.5 * reg * float(np.sum(W ** 2)), -reg * W),
            "dW has the wrong sign: the gradient of the penalty is +reg · W (it grows with W). "
            "The minus of 'weight decay' comes from the update step, W − lr · dW.",
        ),
    ),
    hint="penalty = 0.5 · reg · (W ** 2).sum() (a float), dW = reg · W (W's shape). See "
         "section 7, 'L2: weight decay'.",
))


# --- dropout_forward and dropout_backward ------------------------------------------------


def _dropout_cases(rng: np.random.Generator, hidden: bool) -> list[Case]:
    specs: list[tuple[str, tuple[int, ...], float]] = [
        ("train", (4, 5), 0.3), ("train", (3, 6), 0.6), ("test", (3, 4), 0.4)]
    if hidden:
        specs += [("train", (6, 3), 0.1), ("train", (2, 3, 4), 0.75), ("test", (5, 2), 0.8),
                  ("train", (8, 8), 0.45)]
    cases = []
    for mode, shape, p in specs:
        x = rng.normal(size=shape)
        param = {"p": p, "mode": mode, "seed": int(rng.integers(1000))}
        cases.append(Case((x, param), f"{_shapes(x=x)}, p={p:g}, mode {mode!r}, "
                                      f"seed={param['seed']}"))
    if hidden:
        x = rng.normal(size=(3, 4))
        cases.append(Case((x, {"p": 0.0, "mode": "train", "seed": 7}),
                          f"{_shapes(x=x)}, p=0 (nothing dropped), mode 'train', seed=7"))
    return cases


def _dropout_variant(kind: str):
    """A wrong dropout_forward: `kind` names the slip."""
    def compute(x, dropout_param):
        p, mode = dropout_param["p"], dropout_param["mode"]
        r = np.random.default_rng(dropout_param["seed"]).random(x.shape)
        if mode == "test" and kind not in ("mask_in_test", "test_scaled", "vanilla"):
            return x.copy(), (dropout_param, None)
        if mode == "test":
            if kind == "mask_in_test":
                mask = (r >= p) / (1 - p)
                return x * mask, (dropout_param, mask)
            return x * (1 - p), (dropout_param, None)
        mask = {
            "not_rescaled": (r >= p) * 1.0,
            "vanilla": (r >= p) * 1.0,
            "keep_probability": (r < p) / p if p > 0 else np.zeros_like(x),
            "flipped": (r < p) / (1 - p),
            "times_keep": (r >= p) * (1 - p),
            "mask_in_test": (r >= p) / (1 - p),
            "test_scaled": (r >= p) / (1 - p),
        }[kind]
        return x * mask, (dropout_param, mask)
    return compute


register(Exercise(
    id="dropout_forward",
    lesson=_L6,
    reference=dropout_forward,
    cases=_dropout_cases,
    outputs=("out", "cache"),
    free=("cache",),
    seed=605,
    mistakes=(
        Mistake(
            "not_rescaled",
            _dropout_variant("not_rescaled"),
            "the kept units are not rescaled: inverted dropout divides them by 1 − p, mask = "
            "(rng.random(x.shape) >= p) / (1 − p), so that the expected output equals x and "
            "test mode can be the identity.",
        ),
        Mistake(
            "vanilla",
            _dropout_variant("vanilla"),
            "this is the original, non-inverted dropout: no rescaling in training and x · "
            "(1 − p) at test time. This course's inverted dropout rescales in training, mask = "
            "(rng.random(x.shape) >= p) / (1 − p), and returns x unchanged in test mode.",
        ),
        Mistake(
            "keep_probability",
            _dropout_variant("keep_probability"),
            "you used p as the probability of KEEPING a unit (mask = (r < p) / p). Here p is "
            "the probability of DROPPING one: keep where rng.random(x.shape) >= p, and divide "
            "by the keep probability 1 − p.",
        ),
        Mistake(
            "flipped_comparison",
            _dropout_variant("flipped"),
            "the comparison is flipped: you keep the units with r < p. A unit is dropped with "
            "probability p, so it is kept where rng.random(x.shape) >= p.",
        ),
        Mistake(
            "times_keep",
            _dropout_variant("times_keep"),
            "the kept units are multiplied by 1 − p instead of divided by it: inverted dropout "
            "scales them UP, / (1 − p), to make up for the dropped ones.",
        ),
        Mistake(
            "mask_in_test",
            _dropout_variant("mask_in_test"),
            "test mode drops units too. At test time dropout is off: return x unchanged (the "
            "training-time division by 1 − p already kept the scale right).",
        ),
        Mistake(
            "test_scaled",
            _dropout_variant("test_scaled"),
            "train mode is right, but test mode scales x by 1 − p. With inverted dropout the "
            "rescaling already happened in training, so test mode is the identity: out = x.",
        ),
    ),
    hint="train: rng = np.random.default_rng(dropout_param['seed']), mask = "
         "(rng.random(x.shape) >= p) / (1 − p), out = x · mask; test: out = x. See section 7, "
         "'Dropout'.",
))


def _dropout_backward_cases(rng: np.random.Generator, hidden: bool) -> list[Case]:
    cases = []
    for case in _dropout_cases(rng, hidden):
        x, param = case.args
        _, cache = dropout_forward(x, param)
        dout = rng.normal(size=x.shape)
        cases.append(Case((dout, cache), case.note.replace("x ", "dout ", 1)))
    return cases


def _dropout_backward_variant(kind: str):
    def compute(dout, cache):
        param, mask = cache
        p = param["p"]
        if mask is None:
            return dout * (1 - p) if kind == "test_scaled" else dout.copy()
        return {
            "twice": dout * mask / (1 - p),
            "unscaled": dout * (mask != 0),
            "test_scaled": dout * mask,
            "no_mask": dout / (1 - p),
            "divided": np.divide(dout, mask, out=np.zeros_like(dout), where=mask != 0),
        }[kind]
    return compute


register(Exercise(
    id="dropout_backward",
    lesson=_L6,
    reference=dropout_backward,
    cases=_dropout_backward_cases,
    outputs=("dx",),
    seed=606,
    mistakes=(
        Mistake(
            "rescaled_twice",
            _dropout_backward_variant("twice"),
            "dx is rescaled twice: the cached mask already holds 0 or 1 / (1 − p), so dx = "
            "dout · mask, with no further division by 1 − p.",
        ),
        Mistake(
            "unscaled",
            _dropout_backward_variant("unscaled"),
            "dx lost the 1 / (1 − p): the forward pass multiplied the kept units by it, so "
            "their gradient is multiplied by it too. Use the cached mask as it is: dx = dout · "
            "mask.",
        ),
        Mistake(
            "no_mask",
            _dropout_backward_variant("no_mask"),
            "dx ignores the mask: a dropped unit did not reach the output, so no gradient flows "
            "back through it. dx = dout · mask (the mask from the cache).",
        ),
        Mistake(
            "divided_by_mask",
            _dropout_backward_variant("divided"),
            "you divided by the mask: out = x · mask, so dx = dout · mask (multiplied).",
        ),
        Mistake(
            "test_scaled",
            _dropout_backward_variant("test_scaled"),
            "train mode is right, but in test mode (mask None) you scaled dout by 1 − p. Test "
            "mode's forward pass is the identity, so dx = dout.",
        ),
    ),
    hint="param, mask = cache; dx = dout if mask is None (test mode) else dout · mask. See "
         "section 7, 'Dropout'.",
))


# ---------------------------------------------------------------------------------
# Lesson 7: the review's capstone, an open-ended exercise
# ---------------------------------------------------------------------------------
# The capstone has no single right answer: any function whose predictions reach the target
# accuracy on a held-out test set passes. So it is registered with `accept` (the criterion)
# instead of a comparison with the reference; the reference only shows one way to get
# there, and the held-out labels travel in `Case.data`, which the learner's function never
# receives.


#: The test accuracy the capstone must reach.
CAPSTONE_TARGET = 0.97
#: The splits of the digits: the visible check uses the lessons' own split (seed 0); the
#: hidden check a split the learner never sees.
_VISIBLE_SPLIT = 0
_HIDDEN_SPLIT = 1


def train_capstone(X_train: np.ndarray, y_train: np.ndarray, X_test: np.ndarray) -> np.ndarray:
    """Train a deep batch-normalised MLP on digits and predict the test labels (lesson 7).

    The reference of the capstone, one way among many: standardise with the training
    statistics (lesson 3), a 12-layer ReLU MLP with He initialisation (lesson 4), batch
    normalisation and dropout (lesson 6), SGD with momentum and a step schedule (lesson 5).

    Args:
        X_train: Raw pixel values 0..16, shape (N, 64).
        y_train: Integer labels 0..9, shape (N,).
        X_test: Raw pixel values, shape (M, 64).

    Returns:
        pred: The predicted labels of X_test, an integer array of shape (M,).
    """
    X_tr, X_te = standardize(X_train, X_test)
    net = MLP([64] + [128] * 11 + [10], init="he", normalization="batchnorm", dropout=0.1,
              seed=4)
    Trainer(net, X_tr, y_train, update_rule="sgd_momentum",
            optim_config={"learning_rate": 0.05, "momentum": 0.9},
            lr_schedule="step", schedule_config={"drop": 0.2, "every": 8},
            batch_size=32, epochs=24, seed=4, progress=False).train()
    return net.predict(X_te)


def _split_case(seed: int, which: str) -> Case:
    X, y = load_digits()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, seed=seed)
    note = f"{which}: {len(X_train):,} training and {len(X_test)} test images"
    return Case((X_train, y_train, X_test), note, data=y_test)


def _capstone_cases(rng: np.random.Generator, hidden: bool) -> list[Case]:
    if hidden:
        return [_split_case(_HIDDEN_SPLIT, "a held-out split of the digits that you have not "
                                           "seen")]
    return [_split_case(_VISIBLE_SPLIT, "the lesson's split of the digits")]


_TRY = ("What to try, one change at a time: standardise X_train and X_test with the training "
        "statistics (lesson 3); He initialisation with ReLU (lesson 4); batch normalisation "
        "after every hidden affine layer (lesson 6); SGD with momentum 0.9, a learning rate "
        "around 0.05 and a step schedule that divides it by 5 every 8 epochs (lesson 5); "
        "a little dropout (0.1, lesson 6); about 24 epochs of mini-batches of 32.")


def capstone_accept(case: Case, outputs: tuple[Any, ...]) -> str | None:
    """The capstone's criterion: integer labels of the right shape, >= 97 % test accuracy.

    Returns None when the predictions are good enough, else what falls short and what to
    try. `outputs` may come from another process (`backprop.wire`): it is untrusted data.
    """
    (pred,) = outputs
    y_test = np.asarray(case.data)
    m = len(y_test)
    if pred is None:
        return "it returned None: did you forget to `return pred`?"
    if isinstance(pred, list | tuple):
        return (f"pred is a {type(pred).__name__}; return a NumPy array of {m} integer labels, "
                "e.g. np.array(...) or the output of net.predict(X_test).")
    if not isinstance(pred, np.ndarray):
        return f"pred should be an array of {m} integer labels, but it is {_describe(pred)}."
    if pred.shape == (m, 10):
        return (f"pred has shape {pred.shape}: these look like scores or probabilities, one row "
                "per image. Return the predicted digit of each row: scores.argmax(axis=1).")
    if pred.shape != (m,):
        return (f"pred has shape {pred.shape}, expected ({m},): one label for each row of "
                "X_test, in the same order.")
    if pred.dtype.kind == "f":
        if np.all(np.isfinite(pred)) and np.array_equal(pred, np.round(pred)):
            return (f"pred has dtype {pred.dtype}; labels are integers: use "
                    "pred.astype(int).")
        return (f"pred has dtype {pred.dtype} and values that are not whole numbers; return "
                "the predicted digits (integers 0-9), e.g. scores.argmax(axis=1).")
    if pred.dtype.kind not in "iu":
        return f"pred has dtype {pred.dtype}; return integer labels 0-9."
    outside = (pred < 0) | (pred > 9)
    if outside.any():
        return (f"{int(outside.sum())} of your labels are outside 0-9 (e.g. "
                f"{int(pred[outside][0])}); each must be a digit 0-9.")
    right = int(np.sum(pred == y_test))
    accuracy = right / m
    if accuracy >= CAPSTONE_TARGET:
        return None
    reached = (f"your network reached {accuracy:.1%} test accuracy ({right} of {m} right); "
               f"the target is {CAPSTONE_TARGET:.0%} (at least "
               f"{int(np.ceil(CAPSTONE_TARGET * m))} right).")
    if np.unique(pred).size == 1:
        return (f"{reached} Every prediction is the digit {int(pred[0])}: the network has "
                f"not learned anything. Check that training runs (the loss should fall), and "
                f"that you predict with the trained network. {_TRY}")
    if accuracy < 0.5:
        return (f"{reached} That is far below what even one hidden layer reaches (lesson 3): "
                "check that pred follows the order of the rows of X_test, that X_test is "
                "standardised with the same statistics as X_train, and that the network is "
                f"trained. {_TRY}")
    return f"{reached} {_TRY}"


register(Exercise(
    id="train_capstone",
    lesson="07_review",
    reference=train_capstone,
    cases=_capstone_cases,
    outputs=("pred",),
    mistakes=(),
    accept=capstone_accept,
    hint="See section 7, 'The capstone', and the lessons its table names.",
))
