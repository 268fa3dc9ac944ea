"""Lesson 01_chain_rule: derivatives, the chain rule, and backpropagation through scalars.

Its exercises, in notebook order:
- numerical_derivative: the central difference (f(x + h) - f(x - h)) / (2h);
- dsin_square: d/dx sin(x²) by the chain rule;
- mul_backward: the backward pass of a mul gate, out = x * y;
- tanh_backward: the backward pass of tanh, from its cached output;
- neuron_backward: forward and backward pass of one tanh neuron, o = tanh(x1 w1 + x2 w2 + b);
- Scalar: the learner's own autograd class (+, *, tanh, backward()), graded through
  a harness that runs small programs with it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from backprop.activations import tanh_backward
from backprop.gradcheck import grad_check, numerical_derivative, numerical_gradient
from backprop.grading.exercise import Case, Exercise, Mistake, register
from backprop.scalar import Value as PackageValue

LESSON = "01_chain_rule"

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
    equivalents=(numerical_gradient, grad_check),
    cases=_cases_numerical_derivative,
    outputs=("slope",),
    rtol=1e-7,
    atol=1e-10,
    seed=101,
    mistakes=(
        Mistake(
            "forward_difference",
            lambda f, x, h: (f(x + h) - f(x)) / h,
            "this is the one-sided (forward) difference, from x to x + h. It works, but its error "
            "shrinks only like h. Look on both sides of x, at x - h and x + h: that slope's "
            "error shrinks like h², far more accurate for the same h.",
        ),
        Mistake(
            "precedence",
            lambda f, x, h: (f(x + h) - f(x - h)) / 2 * h,
            "Python reads `a / 2 * h` as `(a / 2) * h`, so you multiplied by h instead of "
            "dividing by it. Put the whole run in parentheses.",
        ),
        Mistake(
            "divide_by_h",
            lambda f, x, h: (f(x + h) - f(x - h)) / h,
            "your slope is twice too large: how far apart are your two points, x - h and x + h? "
            "Divide the rise by that distance.",
        ),
        Mistake(
            "no_division",
            lambda f, x, h: f(x + h) - f(x - h),
            "you returned the rise only. A slope is rise over run: divide by the distance "
            "between the two points.",
        ),
        Mistake(
            "swapped",
            lambda f, x, h: (f(x - h) - f(x + h)) / (2 * h),
            "your slope has the wrong sign: subtract f(x - h) from f(x + h), not the other way.",
        ),
    ),
    hints=(
        "a slope is rise over run. Which two points does the central difference use, and how "
        "far apart are they?",
        "the rise is f(x + h) - f(x - h); the run is the distance from x - h to x + h, which "
        "is 2h. Mind Python's precedence when you divide by a product.",
        "return (f(x + h) - f(x - h)) / (2 * h).",
    ),
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
    equivalents=(PackageValue.backward,),
    cases=_cases_dsin_square,
    outputs=("dfdx",),
    seed=102,
    mistakes=(
        Mistake(
            "no_inner_derivative",
            lambda x: math.cos(x * x),
            "you differentiated the outer function only. The chain rule multiplies by the "
            "derivative of the inner function too.",
        ),
        Mistake(
            "outer_at_x",
            lambda x: math.cos(x) * 2 * x,
            "you evaluated the outer derivative at x. The outer function sees the inner value "
            "u = x², never x itself: evaluate its derivative there.",
        ),
        Mistake(
            "sign",
            lambda x: -math.cos(x * x) * 2 * x,
            "your gradient has the wrong sign: look again at the derivative of sin (the minus "
            "sign belongs to the derivative of cos).",
        ),
        Mistake(
            "added",
            lambda x: math.cos(x * x) + 2 * x,
            "the chain rule multiplies the derivatives of the links, it does not add them.",
        ),
    ),
    hints=(
        "name the two links first: what is the inner function u, and what is the outer "
        "function of u? Find each one's derivative, then combine them as the chain rule says.",
        "the inner link u = x² has du/dx = 2x; the outer link sin u has derivative cos u, "
        "evaluated at the inner value u = x², not at x.",
        "d/dx sin(x²) = cos(x²) · 2x.",
    ),
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
    equivalents=(PackageValue.backward,),
    cases=_cases_mul_backward,
    outputs=("dx", "dy"),
    seed=103,
    mistakes=(
        Mistake(
            "swapped",
            lambda dout, cache: (dout * cache[0], dout * cache[1]),
            "dx and dy are swapped. Hold y fixed, nudge x, and see which number out moves by "
            "(and return them in the order dx, dy).",
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
            "that is the rule of the add gate, which passes dout through unchanged. A mul gate's "
            "local derivatives are not 1: work out ∂(x·y)/∂x and ∂(x·y)/∂y.",
        ),
        Mistake(
            "sign",
            lambda dout, cache: (-dout * cache[1], -dout * cache[0]),
            "your gradients have the wrong sign: when y > 0, x·y grows as x grows.",
        ),
    ),
    hints=(
        "hold y fixed and nudge x by a small amount: how much does out = x·y move per unit of "
        "nudge? Do the same for y. Then apply the chain rule: upstream × local.",
        "the local derivatives are ∂out/∂x = y and ∂out/∂y = x: each input's is the *other* "
        "input. Multiply each by dout.",
        "dx = dout * y and dy = dout * x, returned as (dx, dy).",
    ),
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
    equivalents=(PackageValue.backward,),
    cases=_cases_tanh_backward,
    outputs=("dx",),
    seed=104,
    mistakes=(
        Mistake(
            "tanh_of_cache",
            lambda dout, out: dout * (1 - math.tanh(out) ** 2),
            "the cache already holds out = tanh(x). Applying tanh to it again computes the "
            "derivative at tanh(tanh(x)). Use the cached output directly.",
        ),
        Mistake(
            "no_square",
            lambda dout, out: dout * (1 - out),
            "your local derivative is missing a square: derive d(tanh x)/dx again (quotient rule "
            "on sinh / cosh) and write it with out.",
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
            "your gradient has the wrong sign: tanh is increasing, so its local derivative is "
            "positive.",
        ),
    ),
    hints=(
        "write tanh x = sinh x / cosh x and use the quotient rule, with (sinh x)' = cosh x "
        "and (cosh x)' = sinh x. Then try to express the result with tanh x itself.",
        "the quotient rule gives (cosh² x - sinh² x) / cosh² x. Split it into two fractions: "
        "one is 1, the other is a square of tanh x, which the cache holds.",
        "the local derivative is 1 - out², so dx = dout * (1 - out * out), with out = cache.",
    ),
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
    equivalents=(PackageValue.backward,),
    cases=_cases_neuron_backward,
    outputs=("o", "dw1", "dw2", "db"),
    seed=105,
    mistakes=(
        Mistake(
            "skipped_tanh",
            _variant_neuron_backward(lambda n, o: 1.0),
            "you skipped the tanh node on the way back. Every gradient below it must be "
            "multiplied by the tanh node's local derivative (what your tanh_backward computes).",
        ),
        Mistake(
            "swapped_inputs",
            _variant_neuron_backward(lambda n, o: 1 - o * o, swap=True),
            "dw1 is built from w1 where it should use x1: look again at what the mul node "
            "x1·w1 hands back to w1 (your mul_backward).",
        ),
        Mistake(
            "derivative_of_n",
            _variant_neuron_backward(lambda n, o: 1 - n * n),
            "your tanh node's local derivative uses its input n where it needs its output o "
            "(see your tanh_backward: the cache holds the output).",
        ),
        Mistake(
            "sign",
            _variant_neuron_backward(lambda n, o: o * o - 1),
            "your gradients have the wrong sign: tanh is increasing, so its local derivative "
            "is positive.",
        ),
    ),
    hints=(
        "draw the graph: two mul nodes, two add nodes, one tanh node. Start at o with "
        "do/do = 1 and walk it back to w1, w2 and b, upstream × local at every node (or chain "
        "your gate functions, forward then backward in reverse order).",
        "do/dn is the tanh node's local derivative at its output o; the two add nodes pass it "
        "unchanged to b and to both products; each mul node scales it by its *other* input.",
        "dn = 1 - o², then dw1 = dn * x1, dw2 = dn * x2, db = dn; return (o, dw1, dw2, db).",
    ),
))


# -- Scalar: the learner's own autograd class (micrograd style) ---------------------
#
# The answer is a class. A case is a small program: the leaves' numbers, a list of
# operations, and how many times to call backward(). `_run_program` builds it with the
# class and returns plain results: "ok" (or "RecursionError" when backward() overflowed
# the stack), the output's data, and every leaf's grad. The semantics are those of
# backprop.scalar.Value: backward() seeds the output with 1, starts every non-leaf node
# from 0, and the leaves accumulate across calls (as in PyTorch).

#: The depth of the deep chain: a recursive graph walk overflows Python's stack long before.
DEEP = 10_000


def _run_program(cls: Any, leaves: list[float], ops: list[tuple[Any, ...]],
                 passes: int) -> tuple[str, float, list[float]]:
    """Build the program with the class, call backward() `passes` times, report plain numbers.

    Args:
        cls: The class under test (or anything that builds a node from a number).
        leaves: The leaves' numbers; node k < len(leaves) is cls(leaves[k]).
        ops: ("add", i, j), ("mul", i, j) or ("tanh", i): each appends a node computed from
            earlier nodes i (and j); ("chain", i, j, k, n) appends 2n nodes, n times
            v = v * node j + node k starting from v = node i (the deep chain, written
            short so that copying a case stays cheap). The last node is the output.
        passes: How many times output.backward() is called.

    Returns:
        ("ok" or "RecursionError", the output's data, [each leaf's grad]). After a
        RecursionError the grads are an empty list.

    Raises:
        TypeError: If the class is backprop's own Value, or a subclass of it.
    """
    if (isinstance(cls, type) and issubclass(cls, PackageValue)):
        raise TypeError(
            f"{getattr(cls, '__name__', 'your class')} is built on backprop.scalar.Value: "
            "build your own class from scratch, with its own data, grad, operations and "
            "backward(). Don't subclass or alias the package's Value.")
    nodes = [cls(float(x)) for x in leaves]
    if any(isinstance(n, PackageValue) for n in nodes[:1]):
        raise TypeError(
            "your class makes backprop.scalar.Value nodes: build your own class from scratch, "
            "with its own data, grad, operations and backward().")
    for op in ops:
        a = nodes[op[1]]
        if op[0] == "chain":
            _, _, j, k, n = op
            for _ in range(n):
                a = a * nodes[j]
                nodes.append(a)
                a = a + nodes[k]
                nodes.append(a)
        elif op[0] == "add":
            nodes.append(a + nodes[op[2]])
        elif op[0] == "mul":
            nodes.append(a * nodes[op[2]])
        else:
            nodes.append(a.tanh())
    out = nodes[-1]
    try:
        for _ in range(passes):
            out.backward()
    except RecursionError:
        return "RecursionError", float(out.data), []
    return "ok", float(out.data), [float(n.grad) for n in nodes[:len(leaves)]]


def _recursive_order(root: Any) -> list[Any]:
    """Micrograd's walk, inputs before the nodes that use them: one stack frame per level."""
    order: list[Any] = []
    seen: set[int] = set()

    def visit(node: Any) -> None:
        if id(node) not in seen:
            seen.add(id(node))
            for child in node._prev:
                visit(child)
            order.append(node)

    visit(root)
    return order


def _iterative_order(root: Any) -> list[Any]:
    """The same order with a stack of its own, so a chain 10,000 nodes deep is no problem."""
    order, seen, stack = [], set(), [(root, False)]
    while stack:
        node, done = stack.pop()
        if done:
            order.append(node)
        elif id(node) not in seen:
            seen.add(id(node))
            stack.append((node, True))
            stack.extend((child, False) for child in node._prev)
    return order


def _make_scalar(*, assign: bool = False, order: str = "reverse", seed: bool = True,
                 recursive: bool = False, reset: str = "intermediate",
                 tanh_input: bool = False, name: str = "_Scalar") -> type:
    """The reference class, or one of its known mistakes (each option is one mistake)."""
    backwards = order == "reverse"

    def give(node: Any, amount: float) -> None:
        if assign:
            node.grad = amount
        else:
            node.grad += amount

    class Scalar:
        def __init__(self, data: float, _children: tuple[Any, ...] = ()) -> None:
            self.data = data
            self.grad = 0.0
            self._prev = _children
            self._backward: Callable[[], None] = lambda: None

        def __add__(self, other: Any) -> Any:
            out = Scalar(self.data + other.data, (self, other))

            def _backward() -> None:
                give(self, out.grad)
                give(other, out.grad)

            out._backward = _backward
            return out

        def __mul__(self, other: Any) -> Any:
            out = Scalar(self.data * other.data, (self, other))

            def _backward() -> None:
                give(self, other.data * out.grad)
                give(other, self.data * out.grad)

            out._backward = _backward
            return out

        def tanh(self) -> Any:
            t = math.tanh(self.data)
            out = Scalar(t, (self,))

            def _backward() -> None:
                local = 1.0 - self.data**2 if tanh_input else 1.0 - t * t
                give(self, local * out.grad)

            out._backward = _backward
            return out

        def _topological_order(self) -> list[Any]:
            return _recursive_order(self) if recursive else _iterative_order(self)

        def backward(self) -> None:
            order = self._topological_order()
            for node in order:
                if reset == "all" or (reset == "intermediate" and node._prev):
                    node.grad = 0.0
            if seed:
                self.grad = 1.0
            for node in reversed(order) if backwards else order:
                node._backward()

    Scalar.__name__ = Scalar.__qualname__ = name
    return Scalar


_Scalar = _make_scalar()


def _program_note(names: list[str], leaves: list[float], ops: list[tuple[Any, ...]],
                  passes: int) -> str:
    """Describe a program as code, e.g. 'x = 0.5, y = -1; n1 = x * y; n2 = n1.tanh()'."""
    labels = list(names)
    lines = [", ".join(f"{n} = {v:g}" for n, v in zip(names, leaves, strict=True))]
    if len(ops) > 20:
        lines.append(f"{len(ops):,} operations in a chain")
    else:
        for k, op in enumerate(ops, 1):
            label = f"n{k}"
            if op[0] == "tanh":
                lines.append(f"{label} = {labels[op[1]]}.tanh()")
            else:
                sign = "+" if op[0] == "add" else "*"
                lines.append(f"{label} = {labels[op[1]]} {sign} {labels[op[2]]}")
            labels.append(label)
    times = {1: "once", 2: "twice"}.get(passes, f"{passes} times")
    return "; ".join(lines) + f"; then {labels[-1]}.backward() {times}"


def _deep_chain(x: float, a: float, b: float) -> tuple[list[float], list[tuple[Any, ...]]]:
    """The deep chain: v = x, then DEEP // 2 times v = v * a + b (DEEP operations)."""
    return [x, a, b], [("chain", 0, 1, 2, DEEP // 2)]


def _cases_scalar(rng: np.random.Generator, hidden: bool) -> list[Case]:
    def r(n: int) -> list[float]:
        return [float(v) for v in np.round(rng.uniform(-1.5, 1.5, n), 3)]

    programs: list[tuple[list[str], list[float], list[tuple[Any, ...]], int]] = [
        (["x", "y"], r(2), [("mul", 0, 1), ("tanh", 2)], 1),
        (["x1", "x2", "w1", "w2", "b"], r(5),
         [("mul", 0, 2), ("mul", 1, 3), ("add", 5, 6), ("add", 7, 4), ("tanh", 8)], 1),
        (["a", "b"], r(2), [("mul", 0, 1), ("add", 0, 1), ("mul", 2, 3)], 1),
        (["a"], r(1), [("mul", 0, 0), ("tanh", 1)], 1),
        (["a", "b"], r(2), [("mul", 0, 1), ("add", 0, 1), ("mul", 2, 3)], 2),
    ]
    if hidden:
        programs += [
            # an intermediate node used twice, and backward() called three times
            (["x", "y"], r(2), [("mul", 0, 1), ("tanh", 2), ("mul", 3, 2), ("add", 4, 3)], 3),
            # a leaf used five times, and a leaf that the output doesn't depend on
            (["x", "unused"], r(2), [("add", 0, 0), ("add", 2, 0), ("add", 3, 0), ("add", 4, 0)],
             1),
            # tanh at 0, where the local derivative is exactly 1
            (["x", "y"], [0.0, 2.0], [("mul", 0, 1), ("tanh", 2), ("tanh", 3)], 2),
            # a neuron whose weights are all 0
            (["x1", "x2", "w1", "w2", "b"], [1.0, -2.0, 0.0, 0.0, 0.0],
             [("mul", 0, 2), ("mul", 1, 3), ("add", 5, 6), ("add", 7, 4), ("tanh", 8)], 2),
        ]
    cases = [Case((leaves, ops, passes), _program_note(names, leaves, ops, passes))
             for names, leaves, ops, passes in programs]
    a = 0.999 if not hidden else -0.9995
    leaves, ops = _deep_chain(float(np.round(rng.uniform(-1, 1), 3)), a, 0.01)
    cases.append(Case((leaves, ops, 1),
                      f"a chain {DEEP:,} nodes deep: v = x, then {DEEP // 2:,} times "
                      f"v = v * a + b, with x = {leaves[0]:g}, a = {a:g}, b = 0.01; then "
                      "v.backward() once"))
    return cases


register(Exercise(
    id="Scalar",
    lesson=LESSON,
    reference=_Scalar,
    equivalents=(PackageValue.backward,),
    cases=_cases_scalar,
    outputs=("status", "data", "leaf_grads"),
    seed=106,
    harness=_run_program,
    mistakes=(
        Mistake(
            "recursive",
            _make_scalar(recursive=True, name="RecursiveScalar"),
            "your backward() overflows Python's stack (RecursionError) on a chain 10,000 "
            "nodes deep: a recursive walk of the graph needs one stack frame per level, and "
            "Python allows about 1,000 to 3,000. Walk the graph with a loop over a list that "
            "you use as a stack.",
        ),
        Mistake(
            "assign",
            _make_scalar(assign=True, name="AssigningScalar"),
            "a node used twice gets only one of its contributions: your backward rules set an "
            "input's grad with `=`, so the second use overwrites the first. Each use must add "
            "its share.",
        ),
        Mistake(
            "forward_order",
            _make_scalar(order="forward", name="ForwardOrderScalar"),
            "your backward() runs the nodes' rules in the wrong order: inputs before the nodes "
            "that use them, so a node passes its grad on before that grad is complete. Which "
            "nodes must have run their rules before a node runs its own?",
        ),
        Mistake(
            "no_seed",
            _make_scalar(seed=False, name="UnseededScalar"),
            "every gradient is 0: nothing starts the backward pass. The output's own grad has "
            "to be set first: what is d(out)/d(out)?",
        ),
        Mistake(
            "kept",
            _make_scalar(reset="none", name="KeptScalar"),
            "one backward() is right, but a second call counts the intermediate nodes' old "
            "grads again: they were kept from the previous call. Each call must start every "
            "non-leaf node's grad from 0 (the leaves accumulate).",
        ),
        Mistake(
            "reset_leaves",
            _make_scalar(reset="all", name="ResettingScalar"),
            "after a second backward() your leaves hold the grads of one call: your backward() "
            "resets the leaves too. In this lesson, as in PyTorch and backprop's Value, the "
            "leaves accumulate across calls (a training loop zeroes them itself); reset only "
            "the intermediate nodes.",
        ),
        Mistake(
            "tanh_of_input",
            _make_scalar(tanh_input=True, name="TanhInputScalar"),
            "your tanh node's backward rule uses its input's data where the local derivative "
            "needs the node's output (as in your tanh_backward).",
        ),
    ),
    hints=(
        "follow the exp example: each operation makes the output node, remembers its inputs, "
        "and attaches a closure with its local rule (exercises 3 and 4 gave you mul's and "
        "tanh's), adding into the inputs' grad. For backward(), ask: when may a node run its "
        "rule? Only once every node that uses it has added its share.",
        "that order is a topological order (inputs before the nodes that use them), reversed. "
        "Build it without recursion: a list used as a stack of (node, children_done) pairs; "
        "pop a pair; if children_done, append the node to the order; else, if not seen yet, "
        "mark it seen, push (node, True), then push (child, False) for each input. Then set "
        "every non-leaf node's grad to 0, the output's grad to 1, and run the rules in "
        "reversed order.",
        "in __mul__: self.grad += other.data * out.grad and other.grad += self.data * "
        "out.grad; in tanh (t = the output's data): self.grad += (1 - t * t) * out.grad; in "
        "__add__: both inputs get += out.grad. backward(): order = the stack walk above; for "
        "each node with inputs: node.grad = 0.0; self.grad = 1.0; for node in "
        "reversed(order): node._backward().",
    ),
))
