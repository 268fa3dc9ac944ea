"""Tests for backprop.scalar.Value: forward values, local derivatives and the backward pass."""

from __future__ import annotations

import math
import sys
import warnings

import numpy as np
import pytest

from backprop.scalar import Value

H = 1e-5  # central-difference step, float64
SEED = 20240611


def central_difference(build, args: list[float], i: int, h: float = H) -> float:
    """d build(*args).data / d args[i], from the forward pass only (no .grad involved)."""
    plus, minus = list(args), list(args)
    plus[i] += h
    minus[i] -= h
    return (build(*map(Value, plus)).data - build(*map(Value, minus)).data) / (2 * h)


def sample(rng: np.random.Generator, domain: str, n: int) -> list[float]:
    """Random points kept away from 0 (for relu's kink, 1/x, x**-k) or strictly positive."""
    if domain == "pos":
        return [float(v) for v in rng.uniform(0.2, 3.0, size=n)]
    out: list[float] = []
    while len(out) < n:
        v = float(rng.uniform(-2.0, 2.0))
        if abs(v) > 0.1:
            out.append(v)
    return out


HAND_POINTS = {"real": (-1.7, -0.3, 0.4, 2.2), "pos": (0.25, 1.0, 3.5)}


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


# (build on a Value, forward on a float, hand-derived derivative on a float, domain)
UNARY = [
    # d(-x)/dx = -1
    pytest.param(lambda x: -x, lambda x: -x, lambda x: -1.0, "real", id="neg"),
    # d(x + 2)/dx = 1
    pytest.param(lambda x: x + 2, lambda x: x + 2, lambda x: 1.0, "real", id="add-const"),
    # d(2 + x)/dx = 1 (reflected: int.__add__ fails, Value.__radd__ runs)
    pytest.param(lambda x: 2 + x, lambda x: 2 + x, lambda x: 1.0, "real", id="radd"),
    # d(x - 5)/dx = 1
    pytest.param(lambda x: x - 5, lambda x: x - 5, lambda x: 1.0, "real", id="sub-const"),
    # d(3 - x)/dx = -1 (reflected)
    pytest.param(lambda x: 3 - x, lambda x: 3 - x, lambda x: -1.0, "real", id="rsub"),
    # d(x * 3)/dx = 3
    pytest.param(lambda x: x * 3, lambda x: x * 3, lambda x: 3.0, "real", id="mul-const"),
    # d(2 * x)/dx = 2 (reflected)
    pytest.param(lambda x: 2 * x, lambda x: 2 * x, lambda x: 2.0, "real", id="rmul"),
    # d(x / 4)/dx = 1/4
    pytest.param(lambda x: x / 4, lambda x: x / 4, lambda x: 0.25, "real", id="div-const"),
    # d(1 / x)/dx = -1/x^2 (reflected)
    pytest.param(lambda x: 1 / x, lambda x: 1 / x, lambda x: -1.0 / x**2, "real", id="rtruediv"),
    # d(x^2)/dx = 2x (int exponent)
    pytest.param(lambda x: x**2, lambda x: x**2, lambda x: 2 * x, "real", id="pow-int-2"),
    # d(x^3)/dx = 3x^2
    pytest.param(lambda x: x**3, lambda x: x**3, lambda x: 3 * x**2, "real", id="pow-int-3"),
    # d(x^2.0)/dx = 2x (an integral float exponent is fine on a negative base)
    pytest.param(lambda x: x**2.0, lambda x: x**2.0, lambda x: 2 * x, "real", id="pow-float-2.0"),
    # d(x^-1)/dx = -x^-2
    pytest.param(lambda x: x**-1, lambda x: x**-1, lambda x: -(x**-2), "real", id="pow-neg-int"),
    # d(x^-2)/dx = -2 x^-3
    pytest.param(lambda x: x**-2, lambda x: x**-2, lambda x: -2 * x**-3, "real", id="pow-neg-2"),
    # d(x^0.5)/dx = 0.5 x^-0.5
    pytest.param(
        lambda x: x**0.5, lambda x: math.sqrt(x), lambda x: 0.5 / math.sqrt(x), "pos",
        id="pow-float-0.5",
    ),
    # d(x^1.5)/dx = 1.5 x^0.5
    pytest.param(
        lambda x: x**1.5, lambda x: x**1.5, lambda x: 1.5 * math.sqrt(x), "pos",
        id="pow-float-1.5",
    ),
    # d(x^-0.5)/dx = -0.5 x^-1.5
    pytest.param(
        lambda x: x**-0.5, lambda x: x**-0.5, lambda x: -0.5 * x**-1.5, "pos",
        id="pow-neg-float",
    ),
    # d(x^0)/dx = 0: x^0 is the constant 1
    pytest.param(lambda x: x**0, lambda x: 1.0, lambda x: 0.0, "real", id="pow-zero"),
    # d(e^x)/dx = e^x
    pytest.param(lambda x: x.exp(), math.exp, math.exp, "real", id="exp"),
    # d(ln x)/dx = 1/x
    pytest.param(lambda x: x.log(), math.log, lambda x: 1.0 / x, "pos", id="log"),
    # d(tanh x)/dx = sech^2 x = 1 / cosh^2 x
    pytest.param(
        lambda x: x.tanh(), math.tanh, lambda x: 1.0 / math.cosh(x) ** 2, "real", id="tanh",
    ),
    # d(1/(1+e^-x))/dx = e^-x / (1+e^-x)^2
    pytest.param(
        lambda x: x.sigmoid(), _sigmoid, lambda x: math.exp(-x) / (1.0 + math.exp(-x)) ** 2,
        "real", id="sigmoid",
    ),
    # d(max(0, x))/dx = 1 for x > 0, 0 for x < 0
    pytest.param(
        lambda x: x.relu(), lambda x: max(0.0, x), lambda x: 1.0 if x > 0 else 0.0, "real",
        id="relu",
    ),
]

# (build on two Values, forward on floats, hand-derived (d/da, d/db) on floats)
BINARY = [
    # d(a+b)/da = 1, d(a+b)/db = 1
    pytest.param(lambda a, b: a + b, lambda a, b: a + b, lambda a, b: (1.0, 1.0), id="add"),
    # d(a-b)/da = 1, d(a-b)/db = -1
    pytest.param(lambda a, b: a - b, lambda a, b: a - b, lambda a, b: (1.0, -1.0), id="sub"),
    # d(ab)/da = b, d(ab)/db = a
    pytest.param(lambda a, b: a * b, lambda a, b: a * b, lambda a, b: (b, a), id="mul"),
    # d(a/b)/da = 1/b, d(a/b)/db = -a/b^2
    pytest.param(
        lambda a, b: a / b, lambda a, b: a / b, lambda a, b: (1.0 / b, -a / b**2), id="div",
    ),
]

BINARY_HAND_POINTS = [(2.0, -3.0), (-0.5, 0.25), (1.5, 4.0)]


@pytest.mark.parametrize("build, forward, derivative, domain", UNARY)
def test_unary_forward_and_grad_match_hand_derivative(build, forward, derivative, domain):
    for x0 in HAND_POINTS[domain]:
        x = Value(x0)
        y = build(x)
        y.backward()
        assert y.data == pytest.approx(forward(x0), rel=1e-12, abs=1e-15)
        assert x.grad == pytest.approx(derivative(x0), rel=1e-12, abs=1e-15), f"at x={x0}"


@pytest.mark.parametrize("build, forward, derivative, domain", UNARY)
def test_unary_grad_matches_central_difference(build, forward, derivative, domain):
    rng = np.random.default_rng(SEED)
    for x0 in sample(rng, domain, 5):
        x = Value(x0)
        build(x).backward()
        numeric = central_difference(build, [x0], 0)
        assert x.grad == pytest.approx(numeric, rel=1e-6, abs=1e-8), f"at x={x0}"


@pytest.mark.parametrize("build, forward, derivative", BINARY)
def test_binary_forward_and_grads_match_hand_derivatives(build, forward, derivative):
    for a0, b0 in BINARY_HAND_POINTS:
        a, b = Value(a0), Value(b0)
        y = build(a, b)
        y.backward()
        da, db = derivative(a0, b0)
        assert y.data == pytest.approx(forward(a0, b0), rel=1e-12)
        assert a.grad == pytest.approx(da, rel=1e-12), f"d/da at {(a0, b0)}"
        assert b.grad == pytest.approx(db, rel=1e-12), f"d/db at {(a0, b0)}"


@pytest.mark.parametrize("build, forward, derivative", BINARY)
def test_binary_grads_match_central_differences(build, forward, derivative):
    rng = np.random.default_rng(SEED + 1)
    for _ in range(5):
        args = sample(rng, "real", 2)
        a, b = Value(args[0]), Value(args[1])
        build(a, b).backward()
        assert a.grad == pytest.approx(central_difference(build, args, 0), rel=1e-6, abs=1e-8)
        assert b.grad == pytest.approx(central_difference(build, args, 1), rel=1e-6, abs=1e-8)


def _composite(a: Value, b: Value, c: Value) -> Value:
    return ((a * b).exp() + c**2).log() / (1 + a.sigmoid()) - (b - c).relu() + 3 * c.tanh()


def test_composite_expression_grads_match_central_differences():
    rng = np.random.default_rng(SEED + 2)
    for _ in range(5):
        args = [float(v) for v in rng.uniform(-1.5, 1.5, size=3)]
        if abs(args[1] - args[2]) < 0.1:  # stay off relu's kink
            continue
        leaves = [Value(v) for v in args]
        _composite(*leaves).backward()
        for i, leaf in enumerate(leaves):
            numeric = central_difference(_composite, args, i)
            assert leaf.grad == pytest.approx(numeric, rel=1e-6, abs=1e-8), f"input {i} at {args}"


@pytest.mark.parametrize("x0", [0.0, -0.0])
def test_relu_kink_at_zero_has_grad_zero(x0):
    x = Value(x0)
    y = x.relu()
    y.backward()
    assert y.data == 0.0
    assert x.grad == 0.0


def test_relu_negative_input_blocks_the_gradient():
    x = Value(-2.0)
    (x.relu() * 5).backward()
    assert x.grad == 0.0


# -- accumulation ----------------------------------------------------------------


def test_node_used_twice_in_mul_accumulates():
    # d(a*a)/da = 2a
    a = Value(3.0)
    (a * a).backward()
    assert a.grad == 6.0


def test_node_used_twice_in_add_accumulates():
    # d(a+a)/da = 2
    a = Value(3.0)
    (a + a).backward()
    assert a.grad == 2.0


def test_node_used_three_times_accumulates():
    # d(a*a*a)/da = 3a^2
    a = Value(-1.5)
    (a * a * a).backward()
    assert a.grad == pytest.approx(3 * 1.5**2, rel=1e-12)


def test_node_used_in_two_branches_accumulates():
    # f = a*b + tanh(a): df/da = b + (1 - tanh(a)^2), df/db = a
    a, b = Value(0.7), Value(-2.0)
    (a * b + a.tanh()).backward()
    assert a.grad == pytest.approx(-2.0 + 1.0 / math.cosh(0.7) ** 2, rel=1e-12)
    assert b.grad == pytest.approx(0.7, rel=1e-12)


def test_backward_twice_on_a_single_node_adds_one_each_time():
    x = Value(4.0)
    x.backward()
    x.backward()
    assert x.grad == 2.0


def test_backward_twice_adds_again_to_leaves_but_recomputes_intermediates():
    # L = (a*b)*c: dL/da = bc = 15, dL/db = ac = 10, dL/dc = ab = 6, dL/dy = c = 5 for y = a*b.
    # Documented: leaves keep what earlier calls gave them (a second call adds the same
    # gradients again), intermediate nodes hold this pass's gradient only.
    a, b, c = Value(2.0), Value(3.0), Value(5.0)
    y = a * b
    loss = y * c
    loss.backward()
    loss.backward()
    assert (a.grad, b.grad, c.grad) == (2 * 15.0, 2 * 10.0, 2 * 6.0)
    assert y.grad == 5.0
    assert loss.grad == 1.0


def test_backward_of_two_losses_sharing_a_graph_sums_on_the_leaves():
    # h = a*b, L1 = 2h, L2 = h^2: dL1/da = 2b, dL2/da = 2h * b, dL2/dh = 2h
    a, b = Value(1.5), Value(-2.0)
    h = a * b
    loss1, loss2 = h * 2, h**2
    loss1.backward()
    loss2.backward()
    assert a.grad == pytest.approx(2 * -2.0 + 2 * (1.5 * -2.0) * -2.0, rel=1e-12)
    assert b.grad == pytest.approx(2 * 1.5 + 2 * (1.5 * -2.0) * 1.5, rel=1e-12)
    assert h.grad == pytest.approx(2 * (1.5 * -2.0), rel=1e-12)


def test_zero_grad_resets_every_node_of_the_graph():
    a, b = Value(1.2), Value(-0.4)
    loss = (a * b + a.exp()).tanh() * b
    loss.backward()
    graph = loss.topological_order()
    assert any(node.grad != 0.0 for node in graph)
    loss.zero_grad()
    assert all(node.grad == 0.0 for node in graph)


def test_zero_grad_then_backward_gives_a_fresh_gradient():
    # f = a*b + b: df/da = b, df/db = a + 1
    a, b = Value(2.0), Value(-3.0)
    f = a * b + b
    f.backward()
    f.backward()
    f.zero_grad()
    f.backward()
    assert (a.grad, b.grad) == (-3.0, 3.0)


# -- graph structure --------------------------------------------------------------


def test_topological_order_diamond_has_each_node_once_and_inputs_first():
    #     a
    #    / \
    #  b=2a c=a+3
    #    \ /
    #   d=b*c
    a = Value(1.5, label="a")
    b = a * 2
    c = a + 3
    d = b * c
    order = d.topological_order()
    ids = [id(n) for n in order]
    assert len(ids) == len(set(ids))
    # a, the constants 2 and 3, b, c, d
    assert len(order) == 6
    assert sum(n is a for n in order) == 1
    assert order[-1] is d
    position = {id(n): i for i, n in enumerate(order)}
    for node in order:
        for child in node._prev:
            assert position[id(child)] < position[id(node)]
    # d = 2a(a+3): dd/da = 2(a+3) + 2a = 4a + 6
    d.backward()
    assert a.grad == pytest.approx(4 * 1.5 + 6, rel=1e-12)


def test_backward_through_a_10000_deep_affine_chain():
    # x_{k+1} = c x_k + d, so dx_n/dx_0 = c^n and x_n = c^n x_0 + d (c^n - 1) / (c - 1)
    n, c, d = 10_000, 1.0001, 0.1
    assert n > sys.getrecursionlimit()  # a recursive walk would fail here
    x0 = Value(0.5)
    x = x0
    for _ in range(n):
        x = x * c + d
    x.backward()
    assert x.data == pytest.approx(c**n * 0.5 + d * (c**n - 1) / (c - 1), rel=1e-9)
    assert x0.grad == pytest.approx(c**n, rel=1e-9)
    x.zero_grad()
    assert x0.grad == 0.0


def test_backward_through_a_10000_deep_tanh_chain():
    # x_{k+1} = tanh(x_k): dx_n/dx_0 = prod_k (1 - tanh(x_k)^2), computed here with math only
    n = 10_000
    expected, t = 1.0, 1.0
    for _ in range(n):
        t = math.tanh(t)
        expected *= 1.0 - t * t
    x0 = Value(1.0)
    x = x0
    for _ in range(n):
        x = x.tanh()
    x.backward()
    assert len(x.topological_order()) == n + 1
    assert x.data == pytest.approx(t, rel=1e-12)
    assert expected > 0.0
    assert x0.grad == pytest.approx(expected, rel=1e-9)


# -- numerical stability ----------------------------------------------------------


@pytest.mark.parametrize("x0, expected", [(1000.0, 1.0), (-1000.0, 0.0)])
def test_sigmoid_is_stable_at_large_inputs(x0, expected):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = Value(x0)
        s = x.sigmoid()
        s.backward()
    assert s.data == expected
    # ds/dx = s(1 - s) = 0 in float64 at |x| = 1000
    assert x.grad == 0.0


# -- errors -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad, match",
    [
        pytest.param("a", r"real number.*str", id="str"),
        pytest.param(None, r"real number.*NoneType", id="None"),
        pytest.param(True, r"real number.*bool", id="bool"),
        pytest.param(np.array([1.0, 2.0]), r"shape \(2,\)", id="array"),
    ],
)
def test_value_of_a_non_number_is_a_type_error(bad, match):
    with pytest.raises(TypeError, match=match):
        Value(bad)


def test_value_of_nan_is_a_value_error():
    with pytest.raises(ValueError, match="NaN"):
        Value(float("nan"))


def test_operation_producing_nan_is_a_value_error():
    with pytest.raises(ValueError, match="NaN"):
        Value(float("inf")) - Value(float("inf"))


@pytest.mark.parametrize("x0", [0.0, -1.0])
def test_log_of_non_positive_is_a_value_error(x0):
    with pytest.raises(ValueError, match="log"):
        Value(x0).log()


@pytest.mark.parametrize(
    "divide",
    [
        pytest.param(lambda x, z: x / 0, id="value/int"),
        pytest.param(lambda x, z: x / z, id="value/value"),
        pytest.param(lambda x, z: 1 / z, id="int/value"),
    ],
)
def test_division_by_zero_is_a_zero_division_error(divide):
    with pytest.raises(ZeroDivisionError, match="zero"):
        divide(Value(2.0), Value(0.0))


def test_exp_overflow_has_a_helpful_message():
    with pytest.raises(OverflowError, match=r"exp\(1000\).*too large"):
        Value(1000.0).exp()


def test_value_to_the_power_of_a_value_is_a_type_error():
    with pytest.raises(TypeError, match="constant"):
        Value(2.0) ** Value(3.0)


@pytest.mark.parametrize("exponent", [0.5, 1 / 3, -1.5])
def test_negative_base_with_fractional_exponent_is_a_value_error(exponent):
    with pytest.raises(ValueError, match="negative base"):
        Value(-8.0) ** exponent
