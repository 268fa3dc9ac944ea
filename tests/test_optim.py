"""Tests for backprop.optim: the one update interface."""

from __future__ import annotations

import numpy as np
import pytest

from backprop.optim import sgd


def test_sgd_steps_against_the_gradient_and_returns_a_new_array():
    w, dw = np.array([1.0, -2.0]), np.array([0.5, -1.0])
    before = w.copy()
    next_w, config = sgd(w, dw, {"learning_rate": 0.1})
    np.testing.assert_allclose(next_w, [0.95, -1.9])
    np.testing.assert_array_equal(w, before)  # the caller's array is untouched
    assert config == {"learning_rate": 0.1}


def test_sgd_fills_in_defaults():
    _, config = sgd(np.zeros(2), np.ones(2))
    assert config["learning_rate"] == 1e-2


def test_sgd_minimises_a_quadratic():
    w = np.array([3.0, -4.0])
    config = {"learning_rate": 0.1}
    for _ in range(200):
        w, config = sgd(w, 2 * w, config)  # L = |w|^2
    assert np.abs(w).max() < 1e-10


@pytest.mark.parametrize(("config", "match"), [
    ({"learning_rate": -1.0}, "learning_rate'] must be a positive number"),
    ({"learning_rate": "fast"}, "learning_rate'] must be a positive number"),
])
def test_bad_configs_are_refused(config, match):
    with pytest.raises(ValueError, match=match):
        sgd(np.zeros(2), np.ones(2), config)


def test_bad_arrays_are_refused():
    with pytest.raises(ValueError, match=r"dw has shape \(3,\) but w has shape \(2,\)"):
        sgd(np.zeros(2), np.ones(3))
    with pytest.raises(ValueError, match="dw contains 1 NaN"):
        sgd(np.zeros(2), np.array([1.0, np.nan]))
    with pytest.raises(TypeError, match="w has dtype int64"):
        sgd(np.zeros(2, dtype=int), np.ones(2))
