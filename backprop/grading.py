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
"""

from __future__ import annotations

import copy
import difflib
import inspect
import math
import sys
import traceback
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from numbers import Real
from typing import Any

import numpy as np

from backprop.activations import tanh_backward
from backprop.gradcheck import diagnose, numerical_derivative

__all__ = [
    "REGISTRY",
    "Case",
    "CheckFailed",
    "Exercise",
    "Mistake",
    "check",
    "exercises",
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


REGISTRY: dict[str, Exercise] = {}


def register(exercise: Exercise) -> Exercise:
    """Add an exercise to the registry; each id may be registered only once."""
    if exercise.id in REGISTRY:
        raise ValueError(f"exercise {exercise.id!r} is already registered")
    names = [m.name for m in exercise.mistakes]
    if len(set(names)) != len(names):
        raise ValueError(f"exercise {exercise.id!r} has two known mistakes with the same name")
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
    finally:
        sys.setprofile(previous)
    return result, used_reference


def _describe(value: Any) -> str:
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
        return (
            f"{name} should be a single number, but it is an array of shape {got.shape}; "
            "return a number, e.g. float(...)."
        )
    if isinstance(got, Real):
        return None
    if hasattr(got, "data") and hasattr(got, "grad"):
        return f"{name} is a Value; return its number, {name}.data (or .grad)."
    return f"{name} should be a number, but it is {_describe(got)}."


def _close(ex: Exercise, got: Any, want: Any) -> bool:
    try:
        got = np.asarray(got, dtype=np.float64)
        want = np.asarray(want, dtype=np.float64)
    except (TypeError, ValueError):  # None, a string, a ragged list: not a match
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


def _learner_traceback(exc: BaseException) -> str:
    """Format the learner's own frames of an exception: everything below our call of fn."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
        tb = tb.tb_next
    lines = traceback.format_exception(type(exc), exc, tb)
    return "".join(lines[-6:]).rstrip()


def check(exercise_id: str, fn: Callable[..., Any], *, hidden: bool = False) -> None:
    """Check a learner's function against the registered exercise; explain any difference.

    Used in every lesson's test cells. Prints a ✓ line when every case matches the
    reference; otherwise raises `CheckFailed` with the most specific message it can
    find (see the module docstring for the order).

    Args:
        exercise_id: The registered exercise, e.g. "mul_backward".
        fn: The learner's function.
        hidden: Use the hidden cases (more of them, with edge cases), as the autograder does.

    Raises:
        CheckFailed: If the function raises, returns the wrong structure, or the wrong values.
        KeyError: If no exercise has that id.
    """
    ex = _lookup(exercise_id)
    which = "hidden check" if hidden else "check"
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

    reference_code = getattr(inspect.unwrap(ex.reference), "__code__", None)
    rng = np.random.default_rng(ex.seed + (1 if hidden else 0))
    cases = ex.cases(rng, hidden)
    n = len(ex.outputs)
    results: list[tuple[Any, ...]] = []
    expected: list[tuple[Any, ...]] = []

    for case in cases:
        args = copy.deepcopy(case.args)
        try:
            result, used_reference = _call(fn, args, reference_code)
        except NotImplementedError:
            raise CheckFailed(
                f"{ex.id}: not written yet. Replace `raise NotImplementedError()` in the "
                "exercise cell with your code, run that cell, then run this one again."
            ) from None
        except Exception as exc:  # the learner's bug, reported with their own frames
            raise CheckFailed(
                f"{ex.id} raised {type(exc).__name__} on the {which} with {case.note}.\n"
                f"{_learner_traceback(exc)}"
            ) from None
        if used_reference:
            raise CheckFailed(
                f"{ex.id}: your function calls backprop's own {ex.id}. Compute the answer "
                "yourself: the point of the exercise is the derivation."
            )
        if _mutated(case.args, args):
            raise CheckFailed(
                f"{ex.id} changed one of its input arrays in place ({case.note}). Work on a "
                "copy or build a new array: the caller still needs the original."
            )
        want = ex.reference(*copy.deepcopy(case.args))
        want_t = _as_tuple(want, n)
        got_t = _as_tuple(result, n)
        if got_t is None:
            names = ", ".join(ex.outputs)
            raise CheckFailed(
                f"{ex.id} should return {n} values ({names}), but it returned "
                f"{_describe(result)}. End it with `return {names}`."
            )
        for name, got, w in zip(ex.outputs, got_t, want_t, strict=True):
            problem = _structure_problem(name, got, w)
            if problem is not None:
                culprit = _mistake_matching(ex, [case], [got_t], lambda i: True)
                cause = f"\nLikely cause: {culprit.message}" if culprit else ""
                raise CheckFailed(f"{ex.id}: {problem} ({case.note}){cause}")
        results.append(got_t)
        expected.append(want_t)

    if all(_close(ex, g, w) for got_t, want_t in zip(results, expected, strict=True)
           for g, w in zip(got_t, want_t, strict=True)):
        print(f"✓ {ex.id}: all {len(cases)} {which}s pass.")
        return

    mistake = _mistake_matching(ex, cases, results, lambda i: True)
    if mistake is not None:
        raise CheckFailed(f"{ex.id}: {mistake.message}")
    raise CheckFailed(_fallback_message(ex, cases, results, expected, which))


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
                wrong = [_as_tuple(mistake.compute(*copy.deepcopy(c.args)), n) for c in cases]
        except Exception:  # a mistake that can't run on this case can't be the learner's
            continue
        if all(
            w is not None
            and all(
                _close(ex, g, m)
                for i, (g, m) in enumerate(zip(got, w, strict=True))
                if outputs(i)
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
        i for i in range(len(ex.outputs))
        if not all(_close(ex, got[i], want[i]) for got, want in zip(results, expected, strict=True))
    ]
    right = [ex.outputs[i] for i in range(len(ex.outputs)) if i not in wrong]
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
