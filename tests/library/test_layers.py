"""Tests for backprop.layers: shapes, values, and every gradient against central differences."""

from __future__ import annotations

import numpy as np
import pytest

from backprop.gradcheck import numerical_gradient, rel_error
from backprop.layers import (
    affine_backward,
    affine_forward,
    affine_relu_backward,
    affine_relu_forward,
    affine_sigmoid_backward,
    affine_sigmoid_forward,
    residual_backward,
    residual_forward,
    sum_to_shape,
)

N, D, H = 4, 5, 3
PAIRS = {
    "affine": (affine_forward, affine_backward),
    "affine_relu": (affine_relu_forward, affine_relu_backward),
    "affine_sigmoid": (affine_sigmoid_forward, affine_sigmoid_backward),
}


@pytest.fixture
def arrays():
    rng = np.random.default_rng(31)
    return (rng.normal(size=(N, D)), rng.normal(size=(D, H)), rng.normal(size=H),
            rng.normal(size=(N, H)))


def test_affine_forward_values_and_cache(arrays):
    x, W, b, _ = arrays
    out, cache = affine_forward(x, W, b)
    assert out.shape == (N, H)
    expected = np.array([[sum(x[n, d] * W[d, h] for d in range(D)) + b[h] for h in range(H)]
                         for n in range(N)])
    np.testing.assert_allclose(out, expected, rtol=1e-12)
    assert cache[0] is x and cache[1] is W and cache[2] is b


@pytest.mark.parametrize("name", sorted(PAIRS))
def test_every_gradient_matches_central_differences(name, arrays):
    forward, backward = PAIRS[name]
    x, W, b, dout = arrays
    out, cache = forward(x, W, b)
    dx, dW, db = backward(dout, cache)
    assert (dx.shape, dW.shape, db.shape) == (x.shape, W.shape, b.shape)
    assert rel_error(dx, numerical_gradient(lambda v: forward(v, W, b)[0], x.copy(), dout)) < 1e-8
    assert rel_error(dW, numerical_gradient(lambda v: forward(x, v, b)[0], W.copy(), dout)) < 1e-8
    assert rel_error(db, numerical_gradient(lambda v: forward(x, W, v)[0], b.copy(), dout)) < 1e-8


def test_db_sums_over_the_batch(arrays):
    x, W, b, dout = arrays
    _, cache = affine_forward(x, W, b)
    _, _, db = affine_backward(dout, cache)
    np.testing.assert_allclose(db, dout.sum(axis=0))


def test_sandwich_caches_nest_the_pairs(arrays):
    x, W, b, _ = arrays
    out, (fc_cache, relu_cache) = affine_relu_forward(x, W, b)
    np.testing.assert_array_equal(relu_cache, x @ W + b)
    np.testing.assert_array_equal(out, np.maximum(x @ W + b, 0))
    assert fc_cache[0] is x


def test_shape_errors_name_both_arguments(arrays):
    x, W, b, _ = arrays
    with pytest.raises(ValueError, match=r"x has shape \(4, 5\).*W has shape \(3, 5\).*transposed"):
        affine_forward(x, W.T.copy(), b)
    with pytest.raises(ValueError, match=r"b has shape \(4,\) but W has shape \(5, 3\).*\(3,\)"):
        affine_forward(x, W, np.zeros(4))
    with pytest.raises(ValueError, match=r"x must have shape \(N, D\), got shape \(4, 5, 1\)"):
        affine_forward(x[..., None], W, b)
    with pytest.raises(ValueError, match=r"b must have shape \(H,\), got shape \(1, 3\)"):
        affine_forward(x, W, b[None])
    _, cache = affine_forward(x, W, b)
    message = r"dout has shape \(3, 4\), but the forward output had shape \(4, 3\)"
    with pytest.raises(ValueError, match=message):
        affine_backward(np.zeros((3, 4)), cache)


def test_dtype_and_nan_errors(arrays):
    x, W, b, _ = arrays
    with pytest.raises(TypeError, match="x has dtype int64"):
        affine_forward(x.astype(int), W, b)
    with pytest.raises(TypeError, match=r"W must be a NumPy float array of shape \(D, H\), got l"):
        affine_forward(x, W.tolist(), b)
    bad = x.copy()
    bad[2, 1] = np.nan
    message = r"x contains 1 NaN value\(s\) \(the first at index \(2, 1\)\)"
    with pytest.raises(ValueError, match=message):
        affine_forward(bad, W, b)


@pytest.mark.parametrize(("out_shape", "shape"), [
    ((4, 3), (3,)), ((4, 3), (1, 3)), ((2, 3, 4), (3, 1)), ((2, 3, 4), (2, 1, 4)),
    ((2, 3), ()), ((2, 3), (2, 3)), ((3, 1, 5), (1, 1, 5)), ((5,), (1,)),
])
def test_sum_to_shape_is_the_gradient_of_the_broadcast_operand(out_shape, shape):
    rng = np.random.default_rng(7)
    b, dout = rng.normal(size=shape), rng.normal(size=out_shape)
    db = sum_to_shape(dout, shape)
    assert db.shape == shape and db.dtype == np.float64
    # out = x + b, so L = sum(out * dout) has dL/db = the gradient of sum(broadcast(b) * dout).
    numeric = numerical_gradient(lambda b: float(np.sum(np.broadcast_to(b, out_shape) * dout)), b)
    assert rel_error(db, numeric) < 1e-8


def test_sum_to_shape_gives_affine_backwards_db(arrays):
    x, W, b, dout = arrays
    _, _, db = affine_backward(dout, (x, W, b))
    np.testing.assert_array_equal(sum_to_shape(dout, b.shape), db)


def test_sum_to_shape_errors_name_the_argument():
    message = r"shape \(4,\) does not broadcast to dout's shape \(2, 3\)"
    with pytest.raises(ValueError, match=message):
        sum_to_shape(np.zeros((2, 3)), (4,))
    with pytest.raises(ValueError, match="does not broadcast"):
        sum_to_shape(np.zeros((3,)), (2, 3))
    with pytest.raises(TypeError, match="shape must be a tuple of non-negative ints"):
        sum_to_shape(np.zeros((2, 3)), [3])
    with pytest.raises(TypeError, match="dout has dtype int64"):
        sum_to_shape(np.zeros((2, 3), dtype=np.int64), (3,))
    with pytest.raises(TypeError, match="dout must be a number or a NumPy float array"):
        sum_to_shape("abc", ())


@pytest.fixture
def block():
    rng = np.random.default_rng(41)
    return (rng.normal(size=(N, D)), rng.normal(size=(D, H)), rng.normal(size=H),
            rng.normal(size=(H, D)), rng.normal(size=D), rng.normal(size=(N, D)))


def test_residual_forward_adds_the_input_to_F(block):
    x, W1, b1, W2, b2, _ = block
    out, (fc1_cache, relu_cache, fc2_cache) = residual_forward(x, W1, b1, W2, b2)
    assert out.shape == x.shape
    np.testing.assert_allclose(out, x + np.maximum(x @ W1 + b1, 0) @ W2 + b2, rtol=1e-12)
    np.testing.assert_array_equal(relu_cache, x @ W1 + b1)
    assert fc1_cache[0] is x and fc2_cache[1] is W2


def test_residual_gradients_match_central_differences(block):
    x, W1, b1, W2, b2, dout = block
    _, cache = residual_forward(x, W1, b1, W2, b2)
    grads = residual_backward(dout, cache)
    args = [x, W1, b1, W2, b2]
    assert [g.shape for g in grads] == [a.shape for a in args]
    for k, (arg, grad) in enumerate(zip(args, grads, strict=True)):
        def f(v, k=k):
            return residual_forward(*[v if j == k else a for j, a in enumerate(args)])[0]
        assert rel_error(grad, numerical_gradient(f, arg.copy(), dout)) < 1e-7, k


def test_the_skip_path_passes_dout_to_dx_when_F_is_off(block):
    x, W1, _, W2, b2, dout = block
    _, cache = residual_forward(x, W1, np.full(H, -100.0), W2, b2)  # every ReLU off
    dx, dW1, db1, dW2, _ = residual_backward(dout, cache)
    np.testing.assert_array_equal(dx, dout)
    assert not dW1.any() and not db1.any() and not dW2.any()


def test_residual_shape_error_names_W2(block):
    x, W1, b1, _, _, _ = block
    with pytest.raises(ValueError, match=r"W2 has shape \(3, 4\) but x has shape \(4, 5\)"):
        residual_forward(x, W1, b1, np.zeros((H, N)), np.zeros(N))
