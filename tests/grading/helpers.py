"""Shared helpers of the grading tests: a learner's function, check's verdict, the wire.

The per-exercise tests of every lesson (tests/grading/test_lessonNN.py) are the same five,
on that lesson's exercises; their bodies are here, so that each lesson file holds only its
independent solutions and the parametrisation.
"""

from __future__ import annotations

import contextlib
import io

import pytest

from backprop.course.sandbox import wire
from backprop.grading import (
    REGISTRY,
    CheckFailed,
    Verdict,
    cases_for,
    check,
    collect,
    exercises,
    judge,
    outcome_from_data,
    outcome_to_data,
)
from backprop.grading.hints import pointer


def exercise_ids(lesson: str) -> list[str]:
    """The ids of a lesson's registered exercises, sorted."""
    return sorted(ex.id for ex in exercises(lesson))


def mistakes_of(ex_ids: list[str]) -> list[tuple[str, str]]:
    """(exercise id, mistake name) for every known mistake of these exercises."""
    return [(ex_id, m.name) for ex_id in ex_ids for m in REGISTRY[ex_id].mistakes]


def as_learner(fn):
    """Wrap a function so that it looks like one a learner wrote in a notebook."""
    def learner(*args):
        return fn(*args)
    return learner


def takes_a_function(ex_id: str) -> bool:
    """Whether the exercise's inputs include a function (which wire can't write)."""
    return any(callable(a) for hidden in (False, True)
               for case in cases_for(ex_id, hidden=hidden) for a in case.args)


def check_verdict(ex_id, fn, hidden):
    """What check says, as a Verdict-like pair (passed, message)."""
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            check(ex_id, fn, hidden=hidden)
    except CheckFailed as failure:
        return False, str(failure)
    return True, out.getvalue().rstrip("\n")


def through_the_wire(ex_id, fn, hidden, folder):
    """The autograder's path: inputs out through wire, collect, results back through wire."""
    inputs = [case.args for case in cases_for(ex_id, hidden=hidden)]
    if takes_a_function(ex_id):
        args = None  # a function can't cross the wire: the learner's side makes its own cases
    else:
        wire.dump(inputs, folder, "inputs")
        args = wire.load(folder, "inputs", max_bytes=2**26)
    outcomes = collect(ex_id, fn, hidden=hidden, args=args)
    wire.dump({"outcomes": [outcome_to_data(o) for o in outcomes]}, folder, "results")
    loaded = wire.load(folder, "results", max_bytes=2**26)
    return judge(ex_id, [outcome_from_data(d) for d in loaded["outcomes"]], hidden=hidden)


# -- the five per-exercise tests ---------------------------------------------------------


def assert_a_correct_function_passes(ex_id, fn, hidden, capsys):
    """check prints its ✓ line for a correct function."""
    check(ex_id, fn, hidden=hidden)
    out = capsys.readouterr().out
    assert out.startswith(f"✓ {ex_id}: all ") and "pass" in out, out


def assert_the_mistake_is_recognised_with_its_own_message(ex_id, name, hidden):
    """check names a known mistake with its own message (after a structure problem if any)."""
    mistake = next(m for m in REGISTRY[ex_id].mistakes if m.name == name)
    with pytest.raises(CheckFailed) as info:
        check(ex_id, as_learner(mistake.compute), hidden=hidden)
    message = str(info.value)
    if message.startswith(f"{ex_id}: {mistake.message}"):
        # The mistake's own message, then where the hints are (never a hint itself).
        assert message == f"{ex_id}: {mistake.message}\n{pointer(ex_id)}", message
    else:
        # A mistake that changes an output's shape is caught by the structure check first,
        # which names the shapes and then gives the mistake as the likely cause.
        assert "shape" in message.splitlines()[0], message
        assert message.endswith(f"\nLikely cause: {mistake.message}"), message


def assert_the_packages_own_function_is_refused(ex_id):
    """check refuses the package's own reference, saying so."""
    with pytest.raises(CheckFailed, match="backprop's own version"):
        check(ex_id, REGISTRY[ex_id].reference)


def assert_a_solution_through_the_wire_gets_checks_verdict(ex_id, fn, hidden, folder):
    """Through the wire, a solution gets check's ✓ message."""
    verdict = through_the_wire(ex_id, fn, hidden, folder)
    expected = Verdict(True, check_verdict(ex_id, fn, hidden)[1])
    assert verdict == expected, (verdict, expected)
    assert verdict.message.startswith(f"✓ {ex_id}: all "), verdict.message


def assert_a_mistake_through_the_wire_gets_checks_verdict_and_its_name(
        ex_id, name, hidden, folder):
    """Through the wire, a known mistake gets check's message, and the verdict its name."""
    mistake = next(m for m in REGISTRY[ex_id].mistakes if m.name == name)
    fn = as_learner(mistake.compute)
    verdict = through_the_wire(ex_id, fn, hidden, folder)
    expected = check_verdict(ex_id, fn, hidden)
    assert (verdict.passed, verdict.message) == expected, (verdict, expected)
    assert not verdict.passed and verdict.mistake == name, verdict
