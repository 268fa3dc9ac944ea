"""Running and judging a learner's function: `collect`, `judge`, and `check`, both in one.

- `collect` calls the learner's function on each case, in the learner's process (`_call`
  watches, with a profile hook, whether the exercise's reference or one of its equivalents
  runs inside it: the learner's side of the check; the grader also reads the submitted code,
  in `backprop.course.reach`), and
  reports `Outcome`s; a learner's error is reported, never raised.
- `judge` compares outcomes with the reference, run on its own copy of the cases, and
  returns a `Verdict`. It runs no learner code and treats the outcomes as untrusted data
  (`_outcomes_problem`, `_split_error`); `_judge` goes through the cases in the order of
  the package's docstring.
- `check` is `judge(collect(...))` in one process, for the notebooks: it prints the ✓ line
  or raises `CheckFailed`.
"""

from __future__ import annotations

import copy
import inspect
import re
import sys
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from backprop.grading.compare import (
    as_tuple,
    close,
    compared,
    mistake_matching,
    mutated,
    size,
    wrong_order,
)
from backprop.grading.exercise import (
    Case,
    Exercise,
    Mistake,
    Outcome,
    Verdict,
    call,
    cases_for,
    lookup,
    run,
    with_after,
)
from backprop.grading.hints import pointer
from backprop.grading.messages import (
    CheckFailed,
    argument_name,
    describe,
    fallback_message,
    learner_traceback,
    safe_str,
    structure_problem,
)


def _package_origin(fn: Callable[..., Any]) -> str | None:
    """Return 'module.name' if fn is one of backprop's own functions, else None."""
    target = inspect.unwrap(getattr(fn, "func", fn))
    module = getattr(target, "__module__", None) or ""
    if module == "backprop" or module.startswith("backprop."):
        return f"{module}.{getattr(target, '__qualname__', repr(target))}"
    return None


def _codes(obj: Any) -> set[Any]:
    """The code objects that run when obj is called: a function's, or every method of a class."""
    target = inspect.unwrap(getattr(obj, "func", obj))
    if isinstance(target, type):
        found = set()
        for klass in target.__mro__[:-1]:  # not object's
            for member in vars(klass).values():
                member = getattr(member, "__func__", member)  # staticmethod, classmethod
                if isinstance(member, property):
                    member = member.fget
                code = getattr(member, "__code__", None)
                if code is not None:
                    found.add(code)
        return found
    code = getattr(target, "__code__", None)
    return {code} if code is not None else set()


def answer_codes(ex: Exercise) -> frozenset[Any]:
    """The code of the exercise's reference and of its equivalents (see `Exercise.answers`).

    A reference that is a class (lesson 1's Scalar) is left out: its known mistakes are
    built from the same code, and a learner can only reach it through `backprop.grading`,
    which `check` refuses by name and the grader by reading the code.
    """
    answers = ex.equivalents if isinstance(ex.reference, type) else ex.answers
    return frozenset().union(*(_codes(a) for a in answers))


def answer_names(ex: Exercise) -> str:
    """How a message names the package's answers to an exercise: its id and equivalents."""
    others = [getattr(inspect.unwrap(a), "__qualname__", repr(a)) for a in ex.equivalents]
    return ex.id + (f" (or its equivalent {', '.join(others)})" if others else "")


def _call(ex: Exercise, fn: Callable[..., Any], args: tuple[Any, ...],
          answers: frozenset[Any]) -> tuple[Any, bool]:
    """Call fn as the exercise runs answers; report whether an answer of the package ran."""
    used_reference = False

    def watch(frame: Any, event: str, _arg: Any) -> None:
        nonlocal used_reference
        if event == "call" and frame.f_code in answers:
            used_reference = True

    previous = sys.getprofile()
    sys.setprofile(watch)
    try:
        with warnings.catch_warnings():
            # Warnings would go to stderr, which nbgrader counts as a failed test; a wrong
            # answer is caught by the comparison anyway.
            warnings.simplefilter("ignore")
            result = call(ex, fn, args)
            if isinstance(result, Iterator):  # a generator: list what it yields
                result = list(result)
    finally:
        sys.setprofile(previous)
    return result, used_reference


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
    seed: int | None = None,
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
        args: The positional arguments of each case, e.g. read from the sandbox's wire, from
            the grader's `cases_for(...)`; by default this process's own `cases_for`.
        seed: The seed of this process's own cases, when `args` is not given (see
            `cases_for`).

    Returns:
        One Outcome per case, in order (fewer if a case settled the verdict).

    Raises:
        KeyError: If no exercise has that id.
        TypeError: If `args` is not a list of tuples. A learner's error never raises.
    """
    ex = lookup(exercise_id)
    if args is None:
        args = [case.args for case in cases_for(exercise_id, hidden=hidden, seed=seed)]
    if not isinstance(args, Sequence) or not all(isinstance(a, tuple) for a in args):
        raise TypeError(f"collect: args must be a list of tuples (one per case), but it is "
                        f"{describe(args)}.")
    if callable(fn) and _package_origin(fn) is not None:
        # backprop's own function under the exercise's name: it may not even run the
        # reference's code (a thin wrapper), so say so without calling it.
        return [Outcome(used_reference=True)]

    answers = answer_codes(ex)
    outcomes = []
    for original in args:
        given = copy.deepcopy(original)
        try:
            result, used_reference = _call(ex, fn, given, answers)
            result = with_after(ex, result, given)
        except NotImplementedError as exc:
            outcome = Outcome(error=f"NotImplementedError: {safe_str(exc)}",
                              not_implemented=True)
        except Exception as exc:  # the learner's bug, reported with their own frames
            first = (safe_str(exc).splitlines() or [""])[0]
            try:
                frames = learner_traceback(exc)
            except Exception:  # a traceback that can't be formatted
                frames = f"{type(exc).__name__}: {first}"
            outcome = Outcome(error=f"{type(exc).__name__}: {first}\n{frames}")
        else:
            changed = tuple(
                i for i, (before, after) in enumerate(zip(original, given, strict=True))
                if i not in ex.mutable + ex.after and mutated(before, after))
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


def _outcomes_problem(ex: Exercise, outcomes: Any, n_cases: int) -> str | None:
    """Say what makes a list of outcomes unusable, or None: it may come from anywhere."""
    unreadable = (f"{ex.id}: the results of your function could not be read ({{}}). This is "
                  "not about your answer's values: run the whole notebook from the top, check "
                  "that it runs without errors, and submit it again.")
    if not isinstance(outcomes, list | tuple):
        return unreadable.format(f"expected a list of outcomes, got {describe(outcomes)}")
    for k, o in enumerate(outcomes):
        if not isinstance(o, Outcome):
            return unreadable.format(f"case {k + 1} is {describe(o)}, not an Outcome")
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


def judge(exercise_id: str, outcomes: Sequence[Outcome], *, hidden: bool,
          seed: int | None = None) -> Verdict:
    """Judge reported outcomes against the reference, run on this process's own cases.

    Pure: no learner code runs (for outcomes read from the sandbox's wire), and the same
    outcomes always get the same verdict. The outcomes are untrusted data: a wrong number
    of them, wrong types, object arrays, strings, huge arrays or NaN give a failing
    verdict with a message, never an exception.

    Args:
        exercise_id: The registered exercise.
        outcomes: What `collect` returned, for the same `hidden`.
        hidden: Judge against the hidden cases.
        seed: The seed the cases were drawn from, if not the exercise's own (the grader's
            hidden cases come from the course secret; see `cases_for`).

    Returns:
        The verdict; its message is the one `check` prints or raises.

    Raises:
        KeyError: If no exercise has that id (the grader's mistake, not the learner's).
    """
    ex = lookup(exercise_id)
    cases = cases_for(exercise_id, hidden=hidden, seed=seed)
    problem = _outcomes_problem(ex, outcomes, len(cases))
    if problem is not None:
        return Verdict(False, problem)
    # The reference runs on the grader's own inputs; an error here is a bug of the course,
    # and is raised as one.
    expected = ([None] * len(outcomes) if ex.accept is not None else
                [run(ex, ex.reference, copy.deepcopy(case.args))
                 for case in cases[:len(outcomes)]])
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            # Warnings would go to stderr, which nbgrader counts as a failed test.
            warnings.simplefilter("ignore")
            return _judge(ex, cases, list(outcomes), expected, hidden)
    except Exception as exc:  # an answer that breaks a comparison: still the learner's
        return Verdict(False, (
            f"{ex.id}: your answer could not be compared with the expected one "
            f"({type(exc).__name__}: {safe_str(exc)[:300]}). Return "
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
                f"{ex.id}: your function calls backprop's own {answer_names(ex)}. Compute "
                "the answer yourself: the point of the exercise is the derivation.")
        changed = [i for i in outcome.mutated if i not in ex.mutable]
        if changed:
            name = argument_name(ex, changed[0])
            return fail(
                f"{ex.id} changed its input {name} in place ({case.note}). Work on a copy or "
                f"build a new array (`{name} = {name} + ...` rather than `{name} += ...`): the "
                "caller still needs the original.")
        result = outcome.result
        if size(result) > _MAX_VALUES:
            return fail(f"{ex.id} returned {describe(result)} holding more than "
                        f"{_MAX_VALUES} numbers, far more than expected ({case.note}). Return "
                        f"{', '.join(ex.outputs)}.")
        got_t = as_tuple(result, n)
        if got_t is None:
            names = ", ".join(ex.outputs[:n - len(ex.after)])
            return fail(
                f"{ex.id} should return {n - len(ex.after)} values ({names}), but it returned "
                f"{describe(result)}. End it with `return {names}`.")
        if ex.accept is not None:  # open-ended: judged by its criterion, not a reference
            shortfall = ex.accept(case, got_t)
            if shortfall is not None:
                return fail(f"{ex.id}: {shortfall} ({case.note})")
            continue
        want_t = as_tuple(want, n)
        swapped = wrong_order(ex, got_t, want_t)
        # A known mistake that is a reordering (mul_backward's swapped dx, dy) explains more.
        if swapped is not None and mistake_matching(ex, [case], [got_t], lambda i: True) is None:
            return fail(
                f"{ex.id}: your values are right, but in the wrong order: you returned "
                f"{swapped}. Return {', '.join(ex.outputs)}, in that order ({case.note}).")
        for name, got, w in zip(ex.outputs, got_t, want_t, strict=True):
            if name in ex.free:
                continue
            problem = structure_problem(name, got, w)
            if problem is not None:
                culprit = mistake_matching(ex, [case], [got_t], lambda i: True)
                cause = f"\nLikely cause: {culprit.message}" if culprit else ""
                return fail(f"{ex.id}: {problem} ({case.note}){cause}", culprit)
        results.append(got_t)
        wanted.append(want_t)

    if ex.accept is not None or all(
            close(ex, got_t[i], want_t[i])
            for got_t, want_t in zip(results, wanted, strict=True) for i in compared(ex)):
        return Verdict(True, f"✓ {ex.id}: all {len(cases)} {which}s pass.")

    mistake = mistake_matching(ex, cases, results, lambda i: True)
    if mistake is not None:
        return fail(f"{ex.id}: {mistake.message}\n{pointer(ex.id)}", mistake)
    # The report counts a known mistake that explains one wrong output too.
    wrong = [i for i in compared(ex)
             if not all(close(ex, g[i], w[i]) for g, w in zip(results, wanted, strict=True))]
    partial = next((m for i in wrong
                    if (m := mistake_matching(ex, cases, results, lambda j, i=i: j == i))),
                   None)
    return fail(fallback_message(ex, cases, results, wanted, which), partial)


def check(exercise_id: str, fn: Callable[..., Any], *, hidden: bool = False) -> None:
    """Check a learner's function against the registered exercise; explain any difference.

    Used in every lesson's test cells. Prints a ✓ line when every case matches the
    reference; otherwise raises `CheckFailed` with the most specific message it can
    find (see the docstring of `backprop.grading` for the order). It is
    `judge(collect(...))`, both in this process.

    Args:
        exercise_id: The registered exercise, e.g. "mul_backward".
        fn: The learner's function.
        hidden: Use the hidden cases (more of them, with edge cases), as the autograder does.

    Raises:
        CheckFailed: If the function raises, returns the wrong structure, or the wrong values.
        KeyError: If no exercise has that id.
    """
    ex = lookup(exercise_id)
    if not callable(fn):
        raise CheckFailed(
            f"{ex.id}: check expects your function itself, but got {describe(fn)}. "
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
