"""Tests for backprop.gradcheck: central differences, rel_error, diagnose and grad_check."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from backprop.gradcheck import (
    diagnose,
    grad_check,
    numerical_derivative,
    numerical_gradient,
    rel_error,
)

SEED = 7321


# -- numerical_derivative ---------------------------------------------------------


@pytest.mark.parametrize("x", [-2.0, 0.0, 0.7, 3.1])
def test_numerical_derivative_of_sin_is_cos(x):
    # d(sin x)/dx = cos x
    assert numerical_derivative(math.sin, x) == pytest.approx(math.cos(x), abs=1e-9)


@pytest.mark.parametrize("x", [-1.5, 0.0, 0.4, 2.0])
def test_numerical_derivative_of_cube(x):
    # d(x^3)/dx = 3x^2
    assert numerical_derivative(lambda t: t**3, x) == pytest.approx(3 * x**2, abs=1e-9)


@pytest.mark.parametrize(
    "f, df, x",
    [
        pytest.param(math.sin, math.cos, 0.7, id="sin"),
        # ((x+h)^3 - (x-h)^3) / 2h = 3x^2 + h^2: the error is exactly h^2
        pytest.param(lambda t: t**3, lambda t: 3 * t**2, 1.3, id="cube"),
    ],
)
def test_numerical_derivative_error_shrinks_like_h_squared(f, df, x):
    err_h = abs(numerical_derivative(f, x, h=1e-2) - df(x))
    err_h10 = abs(numerical_derivative(f, x, h=1e-3) - df(x))
    assert err_h / err_h10 == pytest.approx(100.0, rel=0.01)


# -- numerical_gradient -----------------------------------------------------------


def test_numerical_gradient_of_sum_of_squares_is_2x():
    # d(sum x^2)/dx = 2x
    x = np.random.default_rng(SEED).normal(size=(3, 4))
    grad = numerical_gradient(lambda v: np.sum(v**2), x)
    assert grad.shape == x.shape
    assert grad.dtype == np.float64
    np.testing.assert_allclose(grad, 2 * x, rtol=1e-7, atol=1e-9)


def test_numerical_gradient_of_matrix_product_with_dout():
    # L = sum((x W) * dout) = sum_ij dout_ij sum_k x_ik W_kj, so dL/dx_ik = sum_j dout_ij W_kj,
    # i.e. dL/dx = dout W^T
    rng = np.random.default_rng(SEED)
    x, w, dout = rng.normal(size=(4, 3)), rng.normal(size=(3, 5)), rng.normal(size=(4, 5))
    grad = numerical_gradient(lambda v: v @ w, x, dout=dout)
    np.testing.assert_allclose(grad, dout @ w.T, rtol=1e-7, atol=1e-9)


def test_numerical_gradient_of_elementwise_function_with_dout():
    # L = sum(sin(x) * dout): dL/dx = cos(x) * dout
    rng = np.random.default_rng(SEED)
    x, dout = rng.normal(size=(2, 3, 2)), rng.normal(size=(2, 3, 2))
    grad = numerical_gradient(np.sin, x, dout=dout)
    np.testing.assert_allclose(grad, np.cos(x) * dout, rtol=1e-6, atol=1e-9)


def test_numerical_gradient_restores_x_exactly():
    x = np.random.default_rng(SEED).normal(size=(3, 3))
    original = x.copy()
    numerical_gradient(lambda v: np.sum(np.exp(v)), x, h=1e-3)
    assert np.array_equal(x, original)
    assert x.tobytes() == original.tobytes()  # bit for bit


def test_numerical_gradient_works_through_a_closure():
    # f ignores its argument and reads x itself: L = sum(sin(x)), dL/dx = cos(x)
    x = np.random.default_rng(SEED).normal(size=(5,))
    grad = numerical_gradient(lambda _: np.sum(np.sin(x)), x)
    np.testing.assert_allclose(grad, np.cos(x), rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize(
    "x, match",
    [
        pytest.param(np.ones(3, dtype=np.float32), "float32", id="float32"),
        pytest.param(np.ones(3, dtype=np.int64), "int64", id="int64"),
        pytest.param([1.0, 2.0, 3.0], "list", id="list"),
        pytest.param(2.0, "float", id="python-float"),
    ],
)
def test_numerical_gradient_refuses_non_float64(x, match):
    with pytest.raises(TypeError, match=match):
        numerical_gradient(lambda v: np.sum(v), x)


def test_numerical_gradient_nan_from_f_is_a_value_error():
    with pytest.raises(ValueError, match="NaN"):
        numerical_gradient(lambda v: float("nan"), np.ones(3))


def test_numerical_gradient_dout_shape_mismatch_is_a_value_error():
    x = np.ones((2, 3))
    with pytest.raises(ValueError, match=r"shape \(2, 3\).*\(3, 2\)"):
        numerical_gradient(lambda v: v * 2.0, x, dout=np.ones((3, 2)))


def test_numerical_gradient_array_output_without_dout_is_a_value_error():
    with pytest.raises(ValueError, match="dout"):
        numerical_gradient(lambda v: v * 2.0, np.ones(3))


# -- rel_error --------------------------------------------------------------------


@pytest.mark.parametrize(
    "a, b, expected",
    [
        (1.0, 1.0, 0.0),
        (1.0, 3.0, 0.5),  # |1 - 3| / (1 + 3)
        (1.0, -1.0, 1.0),  # |1 + 1| / (1 + 1)
        (0.0, 0.0, 0.0),  # 0 / max(1e-8, 0)
        (1e-9, 0.0, 0.1),  # 1e-9 / max(1e-8, 1e-9): the floor of 1e-8
        ([1.0, 2.0, 4.0], [1.0, 2.0, 2.0], 1 / 3),  # the worst element: 2 / 6
    ],
)
def test_rel_error_values(a, b, expected):
    assert rel_error(a, b) == pytest.approx(expected, rel=1e-12, abs=1e-15)


def test_rel_error_is_symmetric():
    rng = np.random.default_rng(SEED)
    a, b = rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    assert rel_error(a, b) == rel_error(b, a)


def test_rel_error_shape_mismatch_is_a_value_error():
    with pytest.raises(ValueError, match="shape"):
        rel_error(np.ones((2, 3)), np.ones((3, 2)))


# -- diagnose ---------------------------------------------------------------------


@pytest.fixture
def right() -> np.ndarray:
    e = np.random.default_rng(SEED).normal(size=(4, 4))
    assert not np.allclose(e, e.T)  # a transpose must be a different answer
    return e


@pytest.mark.parametrize(
    "wrong, match",
    [
        pytest.param(lambda e: -e, "wrong sign", id="sign"),
        pytest.param(np.zeros_like, "all zeros", id="zeros"),
        pytest.param(lambda e: e.T, "transpose", id="transpose"),
        pytest.param(lambda e: 0.5 * e, r"times 0\.5\b", id="half"),
        pytest.param(lambda e: 2.0 * e, r"times 2\b", id="double"),
    ],
)
def test_diagnose_recognises_common_mistakes(right, wrong, match):
    hint = diagnose(wrong(right), right)
    assert hint is not None
    assert re.search(match, hint), hint


def test_diagnose_right_answer_is_none(right):
    assert diagnose(right, right) is None
    assert diagnose(right * (1 + 1e-9), right) is None


def test_diagnose_unrelated_noise_is_none(right):
    noise = np.random.default_rng(SEED + 1).normal(size=right.shape)
    assert diagnose(noise, right) is None


def test_diagnose_shape_mismatch_is_none(right):
    assert diagnose(right[:2], right) is None


# -- grad_check -------------------------------------------------------------------


@pytest.fixture
def affine():
    # out = x W + b with upstream dout. Writing L = sum(out * dout):
    # dL/dx = dout W^T, dL/dW = x^T dout, dL/db = sum over rows of dout.
    rng = np.random.default_rng(SEED)
    x, w, b = rng.normal(size=(4, 3)), rng.normal(size=(3, 5)), rng.normal(size=(5,))
    dout = rng.normal(size=(4, 5))
    inputs = {"x": x, "W": w, "b": b}
    grads = {"x": dout @ w.T, "W": x.T @ dout, "b": dout.sum(axis=0)}
    return (lambda x, W, b: x @ W + b), inputs, grads, dout


def test_grad_check_passes_a_correct_gradient(affine):
    f, inputs, grads, dout = affine
    originals = {k: v.copy() for k, v in inputs.items()}
    report = grad_check(f, inputs, grads, dout=dout)
    assert report.ok
    assert bool(report)
    assert report.max_rel_error < 1e-7
    assert [row.name for row in report.rows] == ["x", "W", "b"]
    assert "✗" not in str(report)
    for name, value in inputs.items():
        assert np.array_equal(value, originals[name]), name


def test_grad_check_scalar_loss_without_dout():
    # L = sum(x^2): dL/dx = 2x
    x = np.random.default_rng(SEED).normal(size=(3, 2))
    assert grad_check(lambda x: np.sum(x**2), {"x": x}, {"x": 2 * x}).ok


def test_grad_check_sign_flip_fails_and_says_so(affine):
    f, inputs, grads, dout = affine
    report = grad_check(f, inputs, {**grads, "W": -grads["W"]}, dout=dout)
    assert not report.ok
    assert not bool(report)
    text = str(report)
    rows = {line.split()[0]: line for line in text.splitlines()[2:] if line.startswith("  ")}
    assert "✗" in rows["W"]
    assert "✓" in rows["x"] and "✓" in rows["b"]
    assert "wrong sign" in text
    assert "W:" in text  # the diagnosis names the input


def test_grad_check_finds_the_worst_element(affine):
    f, inputs, grads, dout = affine
    bad = grads["W"].copy()
    bad[1, 2] += 1.0
    report = grad_check(f, inputs, {"W": bad}, dout=dout)
    (row,) = report.rows
    assert not report.ok
    assert row.worst == (1, 2)
    assert "W[1, 2]" in str(report)


def test_grad_check_tol_decides_pass_or_fail():
    # L = sum(x^2): dL/dx = 2x, given here with a relative error of about 1e-5
    x = np.random.default_rng(SEED).normal(size=(4,))
    almost = 2 * x * (1 + 2e-5)
    assert not grad_check(lambda x: np.sum(x**2), {"x": x}, {"x": almost}).ok
    assert grad_check(lambda x: np.sum(x**2), {"x": x}, {"x": almost}, tol=1e-3).ok


def test_grad_check_unknown_name_is_a_key_error(affine):
    f, inputs, grads, dout = affine
    with pytest.raises(KeyError, match=r"'y'.*inputs"):
        grad_check(f, inputs, {"y": grads["x"]}, dout=dout)


def test_grad_check_wrong_gradient_shape_is_a_value_error(affine):
    f, inputs, grads, dout = affine
    with pytest.raises(ValueError, match=r"'W'.*shape \(5, 3\).*\(3, 5\)"):
        grad_check(f, inputs, {"W": grads["W"].T}, dout=dout)
