"""Comparing an answer with the expected one: numbers only, no messages.

- `close`: whether a returned value matches the expected one within the exercise's
  tolerance (dicts entry by entry, lists item by item, strings by equality);
- `compared`: the outputs that are compared (all but the `free` ones);
- `as_tuple`: the returned values as a tuple of the exercise's outputs, if there are as
  many;
- `mutated`: whether the learner changed an input in place; `size`: how many numbers an
  answer holds (judge refuses huge ones);
- `wrong_order`: the right values returned in another order;
- `mistake_matching`: the first known mistake that reproduces the answer (NaN where the
  mistake gives NaN too).
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from backprop.grading.exercise import Case, Exercise, Mistake, run


def as_tuple(result: Any, n: int) -> tuple[Any, ...] | None:
    """Return the n returned values as a tuple (a single output: in a 1-tuple), or None."""
    if n == 1:
        return (result,)
    if isinstance(result, tuple | list) and len(result) == n:
        return tuple(result)
    return None


def compared(ex: Exercise) -> list[int]:
    """The positions of the outputs that are compared (all but the free ones)."""
    return [i for i, name in enumerate(ex.outputs) if name not in ex.free]


def close(ex: Exercise, got: Any, want: Any, *, same_nan: bool = False) -> bool:
    """Whether `got` matches `want` within the exercise's rtol and atol.

    NaN never matches the expected answer. With `same_nan`, for a known mistake's answer
    (a learner's `/ p` at p = 0 gives NaN, and so does the mistake that reproduces it),
    NaN matches NaN in the same place.
    """
    if isinstance(want, Mapping):  # every entry of the expected dict; extra entries are free
        return isinstance(got, Mapping) and all(
            k in got and close(ex, got[k], w, same_nan=same_nan) for k, w in want.items())
    if isinstance(want, str):  # a setting kept in a dict, such as bn_param["mode"]
        return isinstance(got, str) and got == want
    if isinstance(want, list):  # a list of arrays that may differ in shape
        return (isinstance(got, list | tuple) and len(got) == len(want)
                and all(close(ex, g, w, same_nan=same_nan)
                        for g, w in zip(got, want, strict=True)))
    try:
        got = np.asarray(got, dtype=np.float64)
        want = np.asarray(want, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):  # None, a string, a ragged list, 10**400
        return False
    return got.shape == want.shape and bool(
        np.allclose(got, want, rtol=ex.rtol, atol=ex.atol, equal_nan=same_nan)
    )


def mutated(original: Any, after: Any) -> bool:
    """Return whether any array inside `original` (tuples, lists and dicts too) was changed."""
    if isinstance(original, np.ndarray):
        return not (isinstance(after, np.ndarray) and original.shape == after.shape
                    and np.array_equal(original, after, equal_nan=True))
    if isinstance(original, tuple | list):
        return not isinstance(after, tuple | list) or len(original) != len(after) or any(
            mutated(o, a) for o, a in zip(original, after, strict=True))
    if isinstance(original, dict):
        return not isinstance(after, dict) or any(
            mutated(v, after.get(k)) for k, v in original.items())
    return False


def size(value: Any, depth: int = 0) -> int:
    """Count the numbers in an answer: array sizes, list lengths, nested (cheap)."""
    if isinstance(value, np.ndarray):
        return int(value.size)
    if depth > 60:
        return 0
    if isinstance(value, list | tuple):
        return len(value) + sum(size(v, depth + 1) for v in value[:1000])
    if isinstance(value, dict):
        return len(value) + sum(size(v, depth + 1) for v in list(value.values())[:1000])
    return 1


def wrong_order(ex: Exercise, got: tuple[Any, ...], want: tuple[Any, ...]) -> str | None:
    """Name the outputs in the order returned, if they are the right values reordered."""
    positions = compared(ex)
    if len(positions) < 2 or all(close(ex, got[i], want[i]) for i in positions):
        return None
    returned, used = [], set()
    for i in positions:
        j = next((j for j in positions if j not in used and close(ex, got[i], want[j])), None)
        if j is None:
            return None
        used.add(j)
        returned.append(ex.outputs[j])
    return ", ".join(returned)


# What each known mistake gave on a case: one judgement asks for it once per output, and
# some mistakes are slow (lesson 1's Scalar walks chains 10,000 nodes deep). Keyed by the
# case's id, and the case kept with it, so an id can't be reused while it is remembered.
_MEMO: dict[tuple[str, str, int], tuple[Case, Any]] = {}
_MEMO_SIZE = 256
_FAILED = object()


def _mistake_result(ex: Exercise, mistake: Mistake, case: Case) -> Any:
    key = (ex.id, mistake.name, id(case))
    hit = _MEMO.get(key)
    if hit is not None and hit[0] is case:
        return hit[1]
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            result = as_tuple(run(ex, mistake.compute, copy.deepcopy(case.args)),
                              len(ex.outputs))
    except Exception:  # a mistake that can't run on this case can't be the learner's
        result = _FAILED
    if len(_MEMO) >= _MEMO_SIZE:
        _MEMO.clear()
    _MEMO[key] = (case, result)
    return result


def mistake_matching(
    ex: Exercise,
    cases: Sequence[Case],
    results: Sequence[tuple[Any, ...]],
    outputs: Callable[[int], bool],
) -> Mistake | None:
    """Return the first known mistake that reproduces the learner's answer on every case.

    A mistake is run case by case and dropped at the first case it doesn't reproduce, so
    an exercise's slow cases (listed last) run only for the mistakes still in the running.
    Where the mistake's answer is NaN, the learner's must be NaN too (the same slip).
    """
    wanted = [i for i in compared(ex) if outputs(i)]

    def reproduces(mistake: Mistake, case: Case, got: tuple[Any, ...]) -> bool:
        w = _mistake_result(ex, mistake, case)
        return w is not _FAILED and w is not None and all(
            close(ex, got[i], w[i], same_nan=True) for i in wanted)

    for mistake in ex.mistakes:
        if all(reproduces(mistake, case, got)
               for case, got in zip(cases, results, strict=True)):
            return mistake
    return None
