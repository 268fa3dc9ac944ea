"""Tests for backprop.normalization: values, train and test modes, gradients vs differences."""

from __future__ import annotations

import numpy as np
import pytest

from backprop.gradcheck import numerical_gradient, rel_error
from backprop.normalization import (
    batchnorm_backward,
    batchnorm_backward_alt,
    batchnorm_forward,
    layernorm_backward,
    layernorm_forward,
)

N, D = 6, 4


@pytest.fixture
def arrays():
    rng = np.random.default_rng(61)
    x = rng.normal(3.0, 2.5, size=(N, D))  # far from zero mean and unit variance
    return x, rng.normal(size=D), rng.normal(size=D), rng.normal(size=(N, D))


def bn_train(x, gamma, beta):
    return batchnorm_forward(x, gamma, beta, {"mode": "train"})[0]


def test_train_mode_normalises_each_feature_over_the_batch(arrays):
    x, _, _, _ = arrays
    out, cache = batchnorm_forward(x, np.ones(D), np.zeros(D), {"mode": "train"})
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(out.std(axis=0), 1, rtol=1e-5)  # eps keeps it just below 1
    _, x_hat, mu, var, eps, _ = cache
    np.testing.assert_allclose(var, x.var(axis=0))  # the biased variance (ddof = 0)
    assert not np.allclose(var, x.var(axis=0, ddof=1))
    assert eps == 1e-5 and mu.shape == var.shape == (D,)
    np.testing.assert_allclose(x_hat, out)


def test_gamma_and_beta_scale_and_shift(arrays):
    x, gamma, beta, _ = arrays
    out = bn_train(x, gamma, beta)
    np.testing.assert_allclose(out.mean(axis=0), beta, atol=1e-12)
    np.testing.assert_allclose(out.std(axis=0), np.abs(gamma), rtol=1e-5)


def test_running_averages_follow_the_momentum_rule(arrays):
    x, gamma, beta, _ = arrays
    bn = {"mode": "train", "momentum": 0.8}
    batchnorm_forward(x, gamma, beta, bn)
    np.testing.assert_allclose(bn["running_mean"], 0.2 * x.mean(axis=0))
    np.testing.assert_allclose(bn["running_var"], 0.8 + 0.2 * x.var(axis=0))
    batchnorm_forward(2 * x, gamma, beta, bn)
    np.testing.assert_allclose(bn["running_mean"], 0.8 * 0.2 * x.mean(0) + 0.2 * 2 * x.mean(0))


def test_running_averages_converge_to_the_data_statistics():
    rng = np.random.default_rng(62)
    bn = {"mode": "train"}
    for _ in range(200):
        batchnorm_forward(rng.normal(5.0, 3.0, size=(64, D)), np.ones(D), np.zeros(D), bn)
    np.testing.assert_allclose(bn["running_mean"], 5.0, atol=0.5)
    np.testing.assert_allclose(bn["running_var"], 9.0, rtol=0.2)


def test_test_mode_uses_the_running_averages_and_keeps_them(arrays):
    x, gamma, beta, _ = arrays
    mean, var = np.arange(D, dtype=float), np.full(D, 4.0)
    bn = {"mode": "test", "running_mean": mean.copy(), "running_var": var.copy(), "eps": 1e-5}
    out, cache = batchnorm_forward(x[:1], gamma, beta, bn)  # one sample is fine in test mode
    np.testing.assert_allclose(out, gamma * (x[:1] - mean) / np.sqrt(var + 1e-5) + beta)
    assert cache is None
    np.testing.assert_array_equal(bn["running_mean"], mean)
    np.testing.assert_array_equal(bn["running_var"], var)


@pytest.mark.parametrize("backward", [batchnorm_backward, batchnorm_backward_alt])
def test_batchnorm_gradients_match_central_differences(backward, arrays):
    x, gamma, beta, dout = arrays
    _, cache = batchnorm_forward(x, gamma, beta, {"mode": "train"})
    dx, dgamma, dbeta = backward(dout, cache)
    assert rel_error(dx, numerical_gradient(lambda v: bn_train(v, gamma, beta), x.copy(),
                                            dout)) < 1e-7
    assert rel_error(dgamma, numerical_gradient(lambda v: bn_train(x, v, beta), gamma.copy(),
                                                dout)) < 1e-8
    assert rel_error(dbeta, numerical_gradient(lambda v: bn_train(x, gamma, v), beta.copy(),
                                               dout)) < 1e-8


def test_the_two_batchnorm_backward_passes_agree(arrays):
    x, gamma, beta, dout = arrays
    _, cache = batchnorm_forward(x, gamma, beta, {"mode": "train"})
    for a, b in zip(batchnorm_backward(dout, cache), batchnorm_backward_alt(dout, cache),
                    strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_dx_sums_to_zero_over_the_batch(arrays):
    # Shifting every sample by the same amount doesn't change batch norm's output.
    x, gamma, beta, dout = arrays
    _, cache = batchnorm_forward(x, gamma, beta, {"mode": "train"})
    np.testing.assert_allclose(batchnorm_backward(dout, cache)[0].sum(axis=0), 0, atol=1e-10)


def test_layernorm_normalises_each_sample_and_is_the_same_for_one_sample(arrays):
    x, gamma, beta, _ = arrays
    out, cache = layernorm_forward(x, np.ones(D), np.zeros(D))
    np.testing.assert_allclose(out.mean(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(out.std(axis=1), 1, rtol=1e-4)
    assert cache[2].shape == cache[3].shape == (N, 1)
    one, _ = layernorm_forward(x[2:3], gamma, beta)
    np.testing.assert_allclose(one, layernorm_forward(x, gamma, beta)[0][2:3])


def test_layernorm_gradients_match_central_differences(arrays):
    x, gamma, beta, dout = arrays
    _, cache = layernorm_forward(x, gamma, beta)
    dx, dgamma, dbeta = layernorm_backward(dout, cache)

    def f(xv, gv, bv):
        return layernorm_forward(xv, gv, bv)[0]

    assert rel_error(dx, numerical_gradient(lambda v: f(v, gamma, beta), x.copy(), dout)) < 1e-7
    assert rel_error(dgamma, numerical_gradient(lambda v: f(x, v, beta), gamma.copy(),
                                                dout)) < 1e-8
    assert rel_error(dbeta, numerical_gradient(lambda v: f(x, gamma, v), beta.copy(),
                                               dout)) < 1e-8


@pytest.mark.parametrize(("bn", "match"), [
    ({}, "'train' or 'test'"),
    ({"mode": "predict"}, "'train' or 'test'"),
    ({"mode": "train", "eps": 0}, "eps"),
    ({"mode": "train", "momentum": 1.0}, "momentum"),
    ({"mode": "train", "running_mean": np.zeros(D + 1)}, "one bn_param per layer"),
])
def test_bad_bn_param_is_refused_clearly(bn, match, arrays):
    x, gamma, beta, _ = arrays
    with pytest.raises(ValueError, match=match):
        batchnorm_forward(x, gamma, beta, bn)


@pytest.mark.parametrize("number", [np.float32, np.float64, np.array])
def test_numpy_scalars_and_0d_arrays_are_numbers_in_bn_param(number, arrays):
    x, gamma, beta, _ = arrays
    bn = {"mode": "train", "momentum": number(0.75), "eps": number(1e-3)}
    plain = {"mode": "train", "momentum": float(number(0.75)), "eps": float(number(1e-3))}
    out, cache = batchnorm_forward(x, gamma, beta, bn)
    want, want_cache = batchnorm_forward(x, gamma, beta, plain)
    np.testing.assert_array_equal(out, want)
    np.testing.assert_array_equal(bn["running_var"], plain["running_var"])
    assert type(cache[4]) is float and cache[4] == want_cache[4]
    _, ln_cache = layernorm_forward(x, gamma, beta, {"eps": number(1e-3)})
    assert type(ln_cache[4]) is float


@pytest.mark.parametrize(("key", "value", "says"), [
    ("momentum", True, "a bool"),
    ("momentum", np.nan, "nan"),
    ("momentum", np.array([0.9, 0.9]), "an array of shape (2,)"),
    ("eps", "1e-5", "the string '1e-5'"),
    ("eps", np.array([1e-5]), "float(...) or .item()"),
    ("eps", np.inf, "inf"),
])
def test_bn_param_numbers_that_are_not_one_real_number_are_refused(key, value, says, arrays):
    x, gamma, beta, _ = arrays
    with pytest.raises(ValueError) as info:
        batchnorm_forward(x, gamma, beta, {"mode": "train", key: value})
    assert str(info.value).startswith(f"bn_param['{key}'] must be "), str(info.value)
    assert says in str(info.value), str(info.value)


def test_a_batch_of_one_in_train_mode_is_refused_with_the_fix(arrays):
    x, gamma, beta, _ = arrays
    with pytest.raises(ValueError, match="at least 2 samples.*layer norm"):
        batchnorm_forward(x[:1], gamma, beta, {"mode": "train"})


def test_bad_shapes_and_dtypes_are_refused(arrays):
    x, gamma, beta, dout = arrays
    with pytest.raises(ValueError, match=r"expected \(4,\), one gamma per feature"):
        batchnorm_forward(x, gamma[:3], beta, {"mode": "train"})
    with pytest.raises(TypeError, match="float"):
        batchnorm_forward(x.astype(int), gamma, beta, {"mode": "train"})
    with pytest.raises(ValueError, match="NaN"):
        layernorm_forward(np.full((2, D), np.nan), gamma, beta)
    with pytest.raises(ValueError, match="at least 2 features"):
        layernorm_forward(x[:, :1], gamma[:1], beta[:1])
    _, cache = batchnorm_forward(x, gamma, beta, {"mode": "train"})
    with pytest.raises(ValueError, match="shape of this layer's output"):
        batchnorm_backward(dout[:, :2], cache)
    _, test_cache = batchnorm_forward(x, gamma, beta, {"mode": "test"})
    with pytest.raises(ValueError, match="test mode"):
        batchnorm_backward_alt(dout, test_cache)
