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

from backprop.activations import relu_backward, sigmoid_backward, sigmoid_forward, tanh_backward
from backprop.gradcheck import diagnose, numerical_derivative
from backprop.layers import affine_backward, affine_forward
from backprop.losses import binary_cross_entropy_with_logits, mse_loss, softmax_cross_entropy

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
        free: Outputs that must be returned but are not compared, such as a forward
            pass's cache: what a learner keeps in it is their choice.
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
        batch = (" Did you forget to sum over the batch?" if got.ndim == 1 and got.size > 1
                 else "")
        return (
            f"{name} should be a single number, but it is an array of shape {got.shape}; "
            f"return a number, e.g. float(...).{batch}"
        )
    if isinstance(got, Real):
        return None
    if hasattr(got, "data") and hasattr(got, "grad"):
        return f"{name} is a Value; return its number, {name}.data (or .grad)."
    return f"{name} should be a number, but it is {_describe(got)}."


def _compared(ex: Exercise) -> list[int]:
    """The positions of the outputs that are compared (all but the free ones)."""
    return [i for i, name in enumerate(ex.outputs) if name not in ex.free]


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
        swapped = _wrong_order(ex, got_t, want_t)
        # A known mistake that is a reordering (mul_backward's swapped dx, dy) explains more.
        if swapped is not None and _mistake_matching(ex, [case], [got_t], lambda i: True) is None:
            raise CheckFailed(
                f"{ex.id}: your values are right, but in the wrong order: you returned "
                f"{swapped}. Return {', '.join(ex.outputs)}, in that order ({case.note})."
            )
        for name, got, w in zip(ex.outputs, got_t, want_t, strict=True):
            if name in ex.free:
                continue
            problem = _structure_problem(name, got, w)
            if problem is not None:
                culprit = _mistake_matching(ex, [case], [got_t], lambda i: True)
                cause = f"\nLikely cause: {culprit.message}" if culprit else ""
                raise CheckFailed(f"{ex.id}: {problem} ({case.note}){cause}")
        results.append(got_t)
        expected.append(want_t)

    if all(_close(ex, got_t[i], want_t[i])
           for got_t, want_t in zip(results, expected, strict=True) for i in _compared(ex)):
        print(f"✓ {ex.id}: all {len(cases)} {which}s pass.")
        return

    mistake = _mistake_matching(ex, cases, results, lambda i: True)
    if mistake is not None:
        raise CheckFailed(f"{ex.id}: {mistake.message}")
    raise CheckFailed(_fallback_message(ex, cases, results, expected, which))


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
                wrong = [_as_tuple(mistake.compute(*copy.deepcopy(c.args)), n) for c in cases]
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
