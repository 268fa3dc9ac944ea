"""Lesson 01_chain_rule: derivatives, the chain rule, and backpropagation through scalars.

Its exercises, in notebook order:
- numerical_derivative: the central difference (f(x + h) - f(x - h)) / (2h);
- dsin_square: d/dx sin(x²) by the chain rule;
- mul_backward: the backward pass of a mul gate, out = x * y;
- tanh_backward: the backward pass of tanh, from its cached output;
- neuron_backward: forward and backward pass of one tanh neuron, o = tanh(x1 w1 + x2 w2 + b).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

from backprop.activations import tanh_backward
from backprop.gradcheck import numerical_derivative
from backprop.grading.exercise import Case, Exercise, Mistake, register

LESSON = "01_chain_rule"

_GRADCHECK = (
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
    lesson=LESSON,
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


def _cases_dsin_square(rng: np.random.Generator, hidden: bool) -> list[Case]:
    return _scalar_cases(rng, hidden, ["x"], [(0.0,), (-3.0,), (1.0,)])


register(Exercise(
    id="dsin_square",
    lesson=LESSON,
    reference=_ref_dsin_square,
    cases=_cases_dsin_square,
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
    hint=_GRADCHECK,
))


def _ref_mul_backward(dout: float, cache: tuple[float, float]) -> tuple[float, float]:
    """Backward pass of out = x * y: each input gets the other input, times dout."""
    x, y = cache
    return dout * y, dout * x


def _cases_mul_backward(rng: np.random.Generator, hidden: bool) -> list[Case]:
    rows = _scalar_cases(rng, hidden, ["dout", "x", "y"],
                         [(1.0, 0.0, 3.0), (0.0, 2.0, -1.5), (-2.0, -1.0, -1.0)], low=-3, high=3)
    return [Case((c.args[0], (c.args[1], c.args[2])), c.note) for c in rows]


register(Exercise(
    id="mul_backward",
    lesson=LESSON,
    reference=_ref_mul_backward,
    cases=_cases_mul_backward,
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
    hint=_GRADCHECK,
))


def _cases_tanh_backward(rng: np.random.Generator, hidden: bool) -> list[Case]:
    rows = _scalar_cases(rng, hidden, ["dout", "x"],
                         [(1.0, 0.0), (0.5, 4.0), (-1.0, -2.5), (0.0, 1.0)], low=-2.5, high=2.5)
    return [
        Case((dout, math.tanh(x)), f"dout = {dout:g}, cache = tanh({x:g}) = {math.tanh(x):.4g}")
        for dout, x in (c.args for c in rows)
    ]


register(Exercise(
    id="tanh_backward",
    lesson=LESSON,
    reference=tanh_backward,
    cases=_cases_tanh_backward,
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
    hint=_GRADCHECK,
))


def _ref_neuron_backward(
    x1: float, x2: float, w1: float, w2: float, b: float
) -> tuple[float, float, float, float]:
    """Forward and backward pass of o = tanh(x1*w1 + x2*w2 + b); returns (o, dw1, dw2, db)."""
    n = x1 * w1 + x2 * w2 + b
    o = math.tanh(n)
    dn = 1 - o * o  # tanh node
    return o, dn * x1, dn * x2, dn  # mul nodes give the other input; the + node passes dn on


def _variant_neuron_backward(local: Callable[[float, float], float], swap: bool = False):
    """Build a wrong neuron_backward from a wrong tanh derivative (of n, o) or swapped inputs."""
    def compute(x1: float, x2: float, w1: float, w2: float, b: float):
        n = x1 * w1 + x2 * w2 + b
        o = math.tanh(n)
        dn = local(n, o)
        return (o, dn * w1, dn * w2, dn) if swap else (o, dn * x1, dn * x2, dn)
    return compute


def _cases_neuron_backward(rng: np.random.Generator, hidden: bool) -> list[Case]:
    return _scalar_cases(
        rng, hidden, ["x1", "x2", "w1", "w2", "b"],
        [(0.0, 0.0, 1.0, -1.0, 0.5), (2.0, -1.0, 0.0, 0.0, 0.0), (1.0, 1.0, 1.0, 1.0, 3.0)],
        low=-1.5, high=1.5,
    )


register(Exercise(
    id="neuron_backward",
    lesson=LESSON,
    reference=_ref_neuron_backward,
    cases=_cases_neuron_backward,
    outputs=("o", "dw1", "dw2", "db"),
    seed=105,
    mistakes=(
        Mistake(
            "skipped_tanh",
            _variant_neuron_backward(lambda n, o: 1.0),
            "you skipped the tanh node on the way back. Every gradient below it is multiplied "
            "by its local derivative, 1 - o².",
        ),
        Mistake(
            "swapped_inputs",
            _variant_neuron_backward(lambda n, o: 1 - o * o, swap=True),
            "dw1 should use x1, not w1: the mul node x1·w1 hands each input the *other* one, "
            "so dw1 = dn · x1.",
        ),
        Mistake(
            "derivative_of_n",
            _variant_neuron_backward(lambda n, o: 1 - n * n),
            "the tanh derivative is 1 - tanh(n)² = 1 - o², computed from the output o, not "
            "1 - n² from the input n.",
        ),
        Mistake(
            "sign",
            _variant_neuron_backward(lambda n, o: o * o - 1),
            "your gradients have the wrong sign: tanh is increasing, so 1 - o² is positive.",
        ),
    ),
    hint="draw the graph (mul, mul, add, add, tanh), then walk it from o back to w1, w2 and b, "
         "multiplying local derivatives; compare with Value's backward() as in the lesson.",
))
