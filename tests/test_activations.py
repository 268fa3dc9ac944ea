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
