"""What a learner reads: the pieces that the messages of `check` and `judge` are made of.

- `CheckFailed`: the AssertionError whose notebook traceback is the message alone.
- `describe` (what a value is, "an array of shape (3,) and dtype int64") and `fmt` (a
  number or array, short); `shapes`, the case notes of lessons 3 to 6 ("x (4, 3), W (3, 5)").
- `structure_problem`: what is wrong with the type, shape or dtype of one output, with
  the likely cause (a transpose, a missing sum, a kept dimension of length 1) (here,
  not in `compare`, which holds only the comparisons: the messages use those, so
  `compare` must not import this module).
- `fallback_message`, for a wrong answer that matches no known mistake: output by output,
  the largest error and its pattern, or `first_difference` for a dict or list answer;
  `got_and_expected` says "got X, expected Y", with the dtype and the size of the
  difference when the two print alike (a float32 answer just outside the tolerance).
- `learner_traceback` (the learner's own frames of a crash, never the grader's),
  `safe_str` (an exception's text, even if its `__str__` fails), `argument_name`.

`Described` is what the messages know of `outcomes._Opaque`, the stand-in for an answer
the wire could not carry: it is described as what it was, and is never a number.
"""

from __future__ import annotations

import inspect
import os
import traceback
from collections.abc import Mapping, Sequence
from numbers import Real
from typing import Any

import numpy as np

from backprop.gradcheck import diagnose
from backprop.grading.compare import close, compared, mistake_matching
from backprop.grading.exercise import Case, Exercise
from backprop.grading.hints import pointer

# The grader's own files: a learner's traceback starts below the last of their frames.
_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


class CheckFailed(AssertionError):
    """A learner's answer is not right yet; the message says why and what to try."""

    def _render_traceback_(self) -> list[str]:
        # IPython calls this instead of printing a traceback: the learner sees the message
        # only, and no line of the test cell (where hidden tests live) is ever quoted.
        first, *rest = str(self).splitlines() or [""]
        return [f"\x1b[1;31m✗ {first}\x1b[0m", *rest]


class Described:
    """A value known only by its description, such as `outcomes._Opaque`.

    Attributes:
        description: What the value was, e.g. "a Value" or "an array of shape (2,) and dtype
            object"; `describe` returns it.
        value_like: It looked like a `backprop.scalar.Value` (it had .data and .grad).
    """

    description: str
    value_like: bool


def describe(value: Any) -> str:
    """Say what a value is, for messages: "None", "an array of shape (3,) and dtype int64"."""
    if isinstance(value, Described):
        return value.description
    if value is None:
        return "None"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    if isinstance(value, tuple | list):
        return f"a {type(value).__name__} of {len(value)} values"
    return f"a {type(value).__name__}"


def fmt(value: Any) -> str:
    """Format a number (6 significant digits) or an array (4 decimals, long ones cut)."""
    if isinstance(value, np.ndarray):
        return np.array2string(value, precision=4, suppress_small=True, threshold=12)
    if isinstance(value, float | np.floating):
        return f"{float(value):.6g}"
    return repr(value)


def structure_problem(name: str, got: Any, want: Any) -> str | None:
    """Say what is wrong with the type, shape or dtype of one output, or None."""
    if got is None:
        return f"{name} is None: did you forget to `return` it?"
    if isinstance(want, Mapping):  # a config: its entries are compared, extra ones ignored
        if not isinstance(got, Mapping):
            return f"{name} should be a dict (like the config you were given), but it is " \
                   f"{describe(got)}."
        for key, w in want.items():
            if key in got:
                problem = structure_problem(f"{name}[{key!r}]", got[key], w)
                if problem is not None:
                    return problem
        return None  # a missing entry is a wrong value, explained by the comparison
    if isinstance(want, list):  # a list of arrays, e.g. one per mini-batch
        if isinstance(got, np.ndarray) or not isinstance(got, list | tuple):
            return f"{name} should be a list (one entry per item), but it is {describe(got)}."
        for k, (g, w) in enumerate(zip(got, want, strict=False)):
            problem = structure_problem(f"{name}[{k}]", g, w)
            if problem is not None:
                return problem
        return None  # a different length is a wrong value, explained by the comparison
    if isinstance(want, str):  # a setting kept in a dict, such as bn_param["mode"]
        return None if isinstance(got, str) else (
            f"{name} should be the string {want!r}, but it is {describe(got)}.")
    if isinstance(want, np.ndarray) and want.ndim > 0:
        if isinstance(got, list | tuple):
            return f"{name} is a {type(got).__name__}; return a NumPy array (np.array(...))."
        if not isinstance(got, np.ndarray):
            return f"{name} should be an array of shape {want.shape}, but it is {describe(got)}."
        if got.shape != want.shape:
            cause = _shape_cause(name, got, want)
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
                 else " It holds one number in a kept dimension (keepdims=True?): drop "
                 "keepdims, or take the number out." if got.size == 1 else "")
        return (
            f"{name} should be a single number, but it is an array of shape {got.shape}; "
            f"return a number, e.g. float(...).{batch}"
        )
    if isinstance(got, Real):
        return None
    if (hasattr(got, "data") and hasattr(got, "grad")) or (
            isinstance(got, Described) and got.value_like):
        return f"{name} is a Value; return its number, {name}.data (or .grad)."
    return f"{name} should be a number, but it is {describe(got)}."


def _shape_cause(name: str, got: np.ndarray, want: np.ndarray) -> str:
    """The likely cause of an array answer of the wrong shape, as a sentence (or "")."""
    reshape = f"{name}.reshape({', '.join(map(str, want.shape))})"
    same_but_ones = [d for d in got.shape if d != 1] == [d for d in want.shape if d != 1]
    if got.shape == want.shape[::-1]:
        return " It looks transposed: check the order of the matrix product."
    if same_but_ones and got.ndim > want.ndim:
        kept = next((k for k in range(got.ndim) if got.shape[k] == 1
                     and got.shape[:k] + got.shape[k + 1:] == want.shape), 0)
        extra = "an extra axis" if got.ndim == want.ndim + 1 else "extra axes"
        return (f" The numbers are there, with {extra} of length 1: a kept dimension, "
                f"such as a sum with keepdims=True (e.g. .sum(axis={kept}, keepdims=True)). "
                f"Drop keepdims=True there, or reshape the result: {reshape}.")
    if same_but_ones and got.ndim < want.ndim:
        return (" An axis of length 1 is missing: sum with keepdims=True to keep it, or "
                f"reshape the result: {reshape}.")
    if got.ndim > want.ndim:
        return " Did you forget to sum over an axis (the batch, for a bias)?"
    if got.ndim < want.ndim:
        return " Did you sum over an axis that should be kept?"
    return ""


def argument_name(ex: Exercise, position: int) -> str:
    """The name of the reference's argument at `position`, e.g. "w" ("argument 1" if unknown)."""
    try:
        names = list(inspect.signature(ex.reference).parameters)
    except (TypeError, ValueError):
        names = []
    return names[position] if position < len(names) else f"argument {position + 1}"


def _in_package(filename: str) -> bool:
    """Whether a code object's file is one of backprop/grading/ (the engine or a lesson)."""
    return os.path.abspath(filename).startswith(_PACKAGE_DIR + os.sep)


def learner_traceback(exc: BaseException) -> str:
    """Format the learner's own frames of an exception: everything below our call of fn."""
    tb = exc.__traceback__
    while tb is not None and _in_package(tb.tb_frame.f_code.co_filename):
        tb = tb.tb_next
    lines = traceback.format_exception(type(exc), exc, tb)
    return "".join(lines[-6:]).rstrip()


def safe_str(exc: BaseException) -> str:
    """Return str(exc), or a placeholder if the learner's exception can't be printed."""
    try:
        return str(exc)
    except Exception:  # a learner's exception class whose __str__ fails
        return "<the message could not be shown>"


def fallback_message(
    ex: Exercise,
    cases: Sequence[Case],
    results: Sequence[tuple[Any, ...]],
    expected: Sequence[tuple[Any, ...]],
    which: str,
) -> str:
    """Explain a wrong answer that matches no whole known mistake, output by output."""
    lines = []
    wrong = [
        i for i in compared(ex)
        if not all(close(ex, got[i], want[i]) for got, want in zip(results, expected, strict=True))
    ]
    right = [ex.outputs[i] for i in compared(ex) if i not in wrong]
    names = ", ".join(ex.outputs[i] for i in wrong)
    lines.append(f"{ex.id}: {names} {'is' if len(wrong) == 1 else 'are'} not right yet"
                 + (f" ({', '.join(right)} {'is' if len(right) == 1 else 'are'} right)."
                    if right else "."))
    for i in wrong:
        name = ex.outputs[i]
        # A known mistake that explains this output alone (another output may have its own).
        mistake = mistake_matching(ex, cases, results, lambda j, i=i: j == i)
        if mistake is not None:
            lines.append(f"- {name}: {mistake.message}")
            continue
        if isinstance(expected[0][i], Mapping | list):  # a config or a list: its first difference
            k = next(k for k, (got, want) in enumerate(zip(results, expected, strict=True))
                     if not close(ex, got[i], want[i]))
            diff = first_difference(ex, name, results[k][i], expected[k][i])
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
        got_vs = got_and_expected(results[worst_case][i], g[worst_at], w[worst_at])
        lines.append(f"- largest error in {where}: {got_vs} ({cases[worst_case].note}).")
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
    lines.append(pointer(ex.id))
    return "\n".join(lines)


def got_and_expected(raw: Any, got: float, want: float) -> str:
    """Say "got X, expected Y", and more when that alone would not show the difference.

    Args:
        raw: The learner's value as returned (an array or a number), for its dtype.
        got: The number at the largest error, as a float64.
        want: The expected number there.

    Returns:
        "got X, expected Y", with the dtype when it is less precise than float64; when the
        two print alike, the size of their difference; and when a low-precision dtype can
        explain a difference that small, the advice to compute in float64.
    """
    dtype = np.asarray(raw).dtype if isinstance(raw, np.ndarray | np.generic) else None
    low = dtype is not None and dtype.kind == "f" and dtype.itemsize < 8
    got_text, want_text = fmt(float(got)), fmt(float(want))
    text = f"got {got_text}{f' ({dtype})' if low else ''}, expected {want_text}"
    if got_text == want_text:
        text += f": they differ by {abs(float(got) - float(want)):.2g}, more than the tolerance"
    if low and bool(np.isclose(got, want, rtol=1e-4, atol=1e-6)):
        kind = "array" if np.ndim(raw) else "number"
        text += f"; compute in float64 (your {kind} is {dtype})"
    return text


def first_difference(ex: Exercise, name: str, got: Any, want: Any) -> str:
    """Describe where a dict or list answer first differs from the expected one."""
    if isinstance(want, Mapping):
        for key, w in want.items():
            if key not in got:
                return f"{name} has no entry {key!r}: store it there, {name}[{key!r}] = ..."
            if not close(ex, got[key], w):
                return first_difference(ex, f"{name}[{key!r}]", got[key], w)
    if isinstance(want, list):
        if len(got) != len(want):
            return (f"{name} has {len(got)} entries, expected {len(want)} (sizes "
                    f"{[np.size(w) for w in want]})")
        for k, (g, w) in enumerate(zip(got, want, strict=True)):
            if not close(ex, g, w):
                return first_difference(ex, f"{name}[{k}]", g, w)
    if isinstance(want, str):
        return f"{name} is {got!r}, expected {want!r}"
    try:
        g, w = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    except (TypeError, ValueError):
        return f"{name} is {describe(got)}, expected {describe(want)}"
    if g.shape != w.shape:
        return f"{name} has shape {g.shape}, expected {w.shape}"
    with np.errstate(all="ignore"):
        err = np.where(np.isnan(g - w), np.inf, np.abs(g - w))
    at = np.unravel_index(int(np.argmax(err)), err.shape) if err.ndim else ()
    where = f"{name}[{', '.join(map(str, at))}]" if at else name
    return f"largest error in {where}: {got_and_expected(got, g[at], w[at])}"


def shapes(**arrays: np.ndarray) -> str:
    """Describe a case by the shapes of its arrays, e.g. 'x (4, 3), W (3, 5), b (5,)'."""
    return ", ".join(f"{name} {np.shape(a)}" for name, a in arrays.items())
