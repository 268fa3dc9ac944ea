"""Tests for backprop.activations: the tanh forward/backward pair."""

from __future__ import annotations

import math

import numpy as np
import pytest

from backprop.activations import tanh_backward, tanh_forward

SEED = 99
H = 1e-5


def sech2(x):
    # d(tanh x)/dx = sech^2 x = 1 / cosh^2 x (= 1 - tanh^2 x), written without tanh
    return 1.0 / np.cosh(x) ** 2


def central_difference_of_loss(x: np.ndarray, dout: np.ndarray) -> np.ndarray:
    """d/dx of L(x) = sum(tanh(x) * dout), one element at a time, from the forward pass only."""
    grad = np.empty_like(x)
    for i in np.ndindex(x.shape):
        plus, minus = x.copy(), x.copy()
        plus[i] += H
        minus[i] -= H
        loss_plus = np.sum(tanh_forward(plus)[0] * dout)
        loss_minus = np.sum(tanh_forward(minus)[0] * dout)
        grad[i] = (loss_plus - loss_minus) / (2 * H)
    return grad


@pytest.fixture
def data():
    rng = np.random.default_rng(SEED)
    return rng.normal(size=(4, 5)), rng.normal(size=(4, 5))


def test_forward_matches_the_definition(data):
    x, _ = data
    out, cache = tanh_forward(x)
    # tanh x = (e^2x - 1) / (e^2x + 1)
    np.testing.assert_allclose(out, np.expm1(2 * x) / (np.exp(2 * x) + 1), rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(cache, out)


def test_backward_matches_hand_derivative(data):
    # L = sum(tanh(x) * dout): dL/dx = dout * sech^2(x)
    x, dout = data
    _, cache = tanh_forward(x)
    np.testing.assert_allclose(tanh_backward(dout, cache), dout * sech2(x), rtol=1e-12, atol=1e-15)


def test_backward_matches_central_differences(data):
    x, dout = data
    _, cache = tanh_forward(x)
    dx = tanh_backward(dout, cache)
    np.testing.assert_allclose(dx, central_difference_of_loss(x, dout), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("shape", [(), (6,), (2, 3), (2, 3, 4)], ids=str)
def test_shapes_are_preserved(shape):
    rng = np.random.default_rng(SEED)
    x, dout = rng.normal(size=shape), rng.normal(size=shape)
    out, cache = tanh_forward(x)
    dx = tanh_backward(dout, cache)
    assert np.shape(out) == shape
    assert np.shape(dx) == shape
    np.testing.assert_allclose(dx, dout * sech2(x), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("x", [-2.0, -0.3, 0.0, 0.5, 3.0])
def test_works_on_python_floats(x):
    out, cache = tanh_forward(x)
    dx = tanh_backward(2.0, cache)
    assert float(out) == pytest.approx(math.tanh(x), rel=1e-12, abs=1e-15)
    # d(2 tanh x)/dx = 2 sech^2 x
    assert float(dx) == pytest.approx(2.0 / math.cosh(x) ** 2, rel=1e-12)
    numeric = 2.0 * (math.tanh(x + H) - math.tanh(x - H)) / (2 * H)
    assert float(dx) == pytest.approx(numeric, rel=1e-6)


def test_forward_does_not_modify_its_input(data):
    x, _ = data
    x_before = x.copy()
    tanh_forward(x)
    np.testing.assert_array_equal(x, x_before)


def test_backward_does_not_modify_its_inputs(data):
    x, dout = data
    _, cache = tanh_forward(x)
    dout_before, cache_before = dout.copy(), cache.copy()
    dx = tanh_backward(dout, cache)
    np.testing.assert_array_equal(dout, dout_before)
    np.testing.assert_array_equal(cache, cache_before)
    assert not np.shares_memory(dx, dout)
    assert not np.shares_memory(dx, cache)


def test_bad_input_is_named_with_its_fix():
    with pytest.raises(TypeError, match=r"x must be a number or a NumPy float array, got str"):
        tanh_forward("0.5")
    with pytest.raises(TypeError, match=r"x has dtype int64, expected a float array"):
        tanh_forward(np.arange(3))
    with pytest.raises(ValueError, match=r"dout has shape \(2, 3\) but cache .* shape \(3, 2\)"):
        tanh_backward(np.ones((2, 3)), np.zeros((3, 2)))


# -- sigmoid, relu, leaky_relu: every pair against central differences -------------------

from backprop.activations import (  # noqa: E402
    leaky_relu_backward,
    leaky_relu_forward,
    relu_backward,
    relu_forward,
    sigmoid_backward,
    sigmoid_forward,
)
from backprop.gradcheck import numerical_gradient, rel_error  # noqa: E402

PAIRS = {
    "sigmoid": (sigmoid_forward, sigmoid_backward),
    "tanh": (tanh_forward, tanh_backward),
    "relu": (relu_forward, relu_backward),
    "leaky_relu": (leaky_relu_forward, leaky_relu_backward),
    "leaky_relu_0.2": (lambda x: leaky_relu_forward(x, 0.2), leaky_relu_backward),
}


def away_from_kink(rng, shape):
    # Central differences straddle ReLU's kink when |x| < h; keep inputs clear of it.
    x = rng.normal(size=shape)
    return np.where(np.abs(x) < 1e-3, 0.5, x)


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_every_pair_matches_numerical_gradients(name):
    forward, backward = PAIRS[name]
    rng = np.random.default_rng(7)
    x, dout = away_from_kink(rng, (5, 6)), rng.normal(size=(5, 6))
    _, cache = forward(x)
    dx = backward(dout, cache)
    dx_num = numerical_gradient(lambda v: forward(v)[0], x.copy(), dout)
    assert dx.shape == x.shape
    assert rel_error(dx, dx_num) < 1e-8, name


def test_sigmoid_matches_its_definition_and_is_stable_at_1000():
    x = np.array([-1000.0, -30.0, -1.0, 0.0, 1.0, 30.0, 1000.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is fine
        out, cache = sigmoid_forward(x)
    middle = x[1:-1]
    np.testing.assert_allclose(out[1:-1], 1 / (1 + np.exp(-middle)), rtol=1e-14)
    assert out[0] == 0.0 and out[-1] == 1.0 and out[3] == 0.5
    assert np.all(np.isfinite(sigmoid_backward(np.ones_like(x), cache)))


def test_sigmoid_at_1000_gives_no_warning():
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sigmoid_forward(np.array([-1000.0, 1000.0]))
        sigmoid_forward(-1000.0)


def test_scalar_inputs_give_floats():
    out, cache = sigmoid_forward(0.0)
    assert out == 0.5 and isinstance(out, float)
    assert sigmoid_backward(2.0, cache) == pytest.approx(0.5)
    out, cache = relu_forward(-2.0)
    assert out == 0.0 and relu_backward(3.0, cache) == 0.0


def test_relu_uses_the_subgradient_zero_at_the_kink():
    out, cache = relu_forward(np.array([-1.0, 0.0, 2.0]))
    np.testing.assert_array_equal(out, [0.0, 0.0, 2.0])
    np.testing.assert_array_equal(relu_backward(np.ones(3), cache), [0.0, 0.0, 1.0])


def test_leaky_relu_keeps_a_small_slope_below_zero():
    out, cache = leaky_relu_forward(np.array([-2.0, 3.0]), alpha=0.1)
    np.testing.assert_allclose(out, [-0.2, 3.0])
    np.testing.assert_allclose(leaky_relu_backward(np.array([1.0, 1.0]), cache), [0.1, 1.0])
    with pytest.raises(ValueError, match="alpha must be in"):
        leaky_relu_forward(np.zeros(2), alpha=-1)


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_nan_input_is_refused_with_its_position(name):
    forward, _ = PAIRS[name]
    x = np.zeros((2, 3))
    x[1, 2] = np.nan
    message = r"x contains 1 NaN value\(s\) \(the first at index \(1, 2\)\)"
    with pytest.raises(ValueError, match=message):
        forward(x)


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_integer_input_is_refused(name):
    forward, _ = PAIRS[name]
    with pytest.raises(TypeError, match="x has dtype int64.*astype"):
        forward(np.arange(3))


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_backward_refuses_a_dout_of_another_shape(name):
    forward, backward = PAIRS[name]
    _, cache = forward(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"dout has shape \(3, 2\) but .* has shape \(2, 3\)"):
        backward(np.ones((3, 2)), cache)


def test_infinity_is_not_mistaken_for_nan():
    out, _ = sigmoid_forward(np.array([np.inf, -np.inf]))
    np.testing.assert_array_equal(out, [1.0, 0.0])
