"""Tests for backprop.regularization: the L2 penalty and inverted dropout."""

from __future__ import annotations

import numpy as np
import pytest

from backprop.gradcheck import numerical_gradient, rel_error
from backprop.regularization import dropout_backward, dropout_forward, l2_penalty


def test_l2_penalty_and_its_gradient():
    rng = np.random.default_rng(71)
    W = rng.normal(size=(5, 3))
    penalty, dW = l2_penalty(W, 0.3)
    assert penalty == pytest.approx(0.15 * np.sum(W ** 2))
    num = numerical_gradient(lambda v: l2_penalty(v, 0.3)[0], W.copy())
    assert rel_error(dW, num) < 1e-8
    assert l2_penalty(W, 0.0)[0] == 0.0


@pytest.mark.parametrize("reg", [-0.1, float("nan"), float("inf")])
def test_l2_refuses_a_bad_strength(reg):
    with pytest.raises(ValueError, match="reg must be"):
        l2_penalty(np.ones((2, 2)), reg)


def test_dropout_drops_about_p_and_keeps_the_expected_value():
    x = np.ones((400, 50))
    out, (_, mask) = dropout_forward(x, {"p": 0.3, "mode": "train", "seed": 3})
    assert abs(np.mean(out == 0) - 0.3) < 0.01
    np.testing.assert_allclose(out[out != 0], 1 / 0.7)  # inverted: survivors scaled up
    assert abs(out.mean() - 1.0) < 0.02
    rng = np.random.default_rng(3)  # the documented draw
    np.testing.assert_array_equal(mask, (rng.random(x.shape) >= 0.3) / 0.7)


def test_dropout_is_repeatable_with_a_seed_and_fresh_with_a_generator():
    x = np.ones((10, 10))
    a = dropout_forward(x, {"p": 0.5, "mode": "train", "seed": 1})[0]
    b = dropout_forward(x, {"p": 0.5, "mode": "train", "seed": 1})[0]
    np.testing.assert_array_equal(a, b)
    param = {"p": 0.5, "mode": "train", "rng": np.random.default_rng(1)}
    assert not np.array_equal(dropout_forward(x, param)[0], dropout_forward(x, param)[0])


def test_dropout_test_mode_is_the_identity():
    x = np.random.default_rng(4).normal(size=(3, 4))
    out, cache = dropout_forward(x, {"p": 0.9, "mode": "test"})
    np.testing.assert_array_equal(out, x)
    dout = np.ones_like(x)
    np.testing.assert_array_equal(dropout_backward(dout, cache), dout)


def test_dropout_gradient_matches_central_differences():
    rng = np.random.default_rng(72)
    x, dout = rng.normal(size=(6, 5)), rng.normal(size=(6, 5))
    param = {"p": 0.4, "mode": "train", "seed": 9}
    _, cache = dropout_forward(x, param)
    dx = dropout_backward(dout, cache)
    num = numerical_gradient(lambda v: dropout_forward(v, param)[0], x.copy(), dout)
    assert rel_error(dx, num) < 1e-8


@pytest.mark.parametrize(("param", "match"), [
    ({"p": 1.0, "mode": "train", "seed": 0}, r"in \[0, 1\)"),
    ({"p": -0.1, "mode": "train", "seed": 0}, r"in \[0, 1\)"),
    ({"p": 0.5, "mode": "eval", "seed": 0}, "'train' or 'test'"),
    ({"p": 0.5, "mode": "train"}, "seed"),
])
def test_bad_dropout_params_are_refused_clearly(param, match):
    with pytest.raises(ValueError, match=match):
        dropout_forward(np.ones((2, 2)), param)


@pytest.mark.parametrize("p", [np.float32(0.25), np.float64(0.25), np.array(0.25),
                               np.array(0.25, dtype=np.float32)])
def test_dropout_takes_a_numpy_scalar_or_0d_p(p):
    x = np.random.default_rng(5).normal(size=(6, 7))
    out, (_, mask) = dropout_forward(x, {"p": p, "mode": "train", "seed": 4})
    want, (_, want_mask) = dropout_forward(x, {"p": float(p), "mode": "train", "seed": 4})
    np.testing.assert_array_equal(out, want)
    np.testing.assert_array_equal(mask, want_mask)
    np.testing.assert_array_equal(dropout_backward(x, (None, mask)), x * want_mask)


@pytest.mark.parametrize(("p", "says"), [
    (True, "a bool"), (np.True_, "a bool"), ("0.5", "the string '0.5'"), (np.nan, "nan"),
    (np.array([0.5]), "float(...) or .item()"), (np.array([[0.5, 0.2]]), "shape (1, 2)"),
])
def test_dropout_refuses_a_p_that_is_not_one_real_number(p, says):
    with pytest.raises(ValueError) as info:
        dropout_forward(np.ones((2, 2)), {"p": p, "mode": "train", "seed": 0})
    assert str(info.value).startswith("dropout_param['p'] must be the probability of dropping "
                                      "a unit, in [0, 1), got "), str(info.value)
    assert says in str(info.value), str(info.value)
