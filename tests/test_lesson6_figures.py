"""What lesson 6 (06_normalization) relies on: the grading of bn_param, and its claims.

The notebook guards its measured claims with asserts (nbval runs them); these tests keep
the package behaviour behind them true on their own, quickly.
"""

from __future__ import annotations

import numpy as np
import pytest

from backprop.grading import (
    REGISTRY,
    CheckFailed,
    _close,
    _first_difference,
    _structure_problem,
    check,
)
from backprop.models import MLP
from backprop.normalization import batchnorm_forward, layernorm_forward

from .test_grading import SOLUTIONS


def test_string_settings_in_a_compared_dict_are_compared_by_equality():
    ex = REGISTRY["batchnorm_forward"]
    assert _close(ex, {"mode": "train", "running_mean": np.zeros(2)},
                  {"mode": "train", "running_mean": np.zeros(2)})
    assert not _close(ex, {"mode": "test"}, {"mode": "train"})
    assert _structure_problem("bn_param", {"mode": "train"}, {"mode": "train"}) is None
    assert "should be the string 'train'" in _structure_problem("bn_param", {"mode": 1.0},
                                                                  {"mode": "train"})
    assert _first_difference(ex, "bn_param", {"mode": "test"}, {"mode": "train"}) == \
        "bn_param['mode'] is 'test', expected 'train'"


def test_a_forward_pass_that_changes_the_mode_is_told_so():
    def batchnorm_forward(x, gamma, beta, bn_param):
        out, cache = SOLUTIONS["batchnorm_forward"](x, gamma, beta, bn_param)
        bn_param["mode"] = "test"
        return out, cache

    with pytest.raises(CheckFailed, match=r"bn_param\['mode'\] is 'test', expected 'train'"):
        check("batchnorm_forward", batchnorm_forward)


def test_batch_norm_output_is_unchanged_when_the_incoming_weights_are_scaled():
    # Section 6: a layer's output does not change when its incoming weights are scaled.
    rng = np.random.default_rng(0)
    h, W, b = rng.normal(size=(16, 5)), rng.normal(size=(5, 4)), rng.normal(size=4)
    gamma, beta = rng.uniform(0.5, 2, size=4), rng.normal(size=4)
    out, _ = batchnorm_forward(h @ W + b, gamma, beta, {"mode": "train", "eps": 1e-12})
    scaled, _ = batchnorm_forward(h @ (7 * W) + b, gamma, beta, {"mode": "train", "eps": 1e-12})
    np.testing.assert_allclose(scaled, out, atol=1e-9)


def test_a_batch_of_one_needs_test_mode_or_layer_norm():
    # Section 4: train mode refuses a batch of one; layer norm handles it.
    x = np.random.default_rng(1).normal(size=(1, 6))
    with pytest.raises(ValueError, match="at least 2 samples"):
        batchnorm_forward(x, np.ones(6), np.zeros(6), {"mode": "train"})
    out, _ = layernorm_forward(x, np.ones(6), np.zeros(6))
    assert abs(out.mean()) < 1e-12 and abs(out.std() - 1) < 1e-4


def test_hidden_activations_leave_the_running_averages_alone():
    # Section 1 measures batch-norm networks with hidden_activations between epochs.
    X = np.random.default_rng(2).normal(size=(20, 8))
    net = MLP([8, 6, 6, 3], normalization="batchnorm", seed=0)
    net.loss(X, np.arange(20) % 3)
    before = [{k: np.copy(v) for k, v in p.items() if k.startswith("running")}
              for p in net.bn_params]
    net.hidden_activations(X)
    after = [{k: v for k, v in p.items() if k.startswith("running")} for p in net.bn_params]
    for b, a in zip(before, after, strict=True):
        for key in b:
            np.testing.assert_array_equal(a[key], b[key])
