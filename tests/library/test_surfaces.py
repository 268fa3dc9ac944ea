"""Tests for backprop.surfaces: the 2-D loss surfaces of lesson 5 and `descend`."""

from __future__ import annotations

import numpy as np
import pytest

from backprop import optim
from backprop.gradcheck import numerical_gradient
from backprop.surfaces import SURFACES, descend, ill_conditioned_quadratic, two_minima


@pytest.mark.parametrize("name", sorted(SURFACES))
def test_gradients_match_finite_differences(name):
    surface = SURFACES[name]()
    rng = np.random.default_rng(0)
    for _ in range(5):
        p = np.array([rng.uniform(*surface.xlim), rng.uniform(*surface.ylim)])
        numeric = numerical_gradient(lambda q: surface(q), p.copy())
        np.testing.assert_allclose(surface.gradient(p), numeric, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", sorted(SURFACES))
def test_minima_and_saddles_are_stationary_points(name):
    surface = SURFACES[name]()
    for point in (*surface.minima, *surface.saddles):
        np.testing.assert_allclose(surface.gradient(np.array(point)), 0.0, atol=1e-9)
    values = [surface(np.array(m)) for m in surface.minima]
    assert values[0] == min(values)  # the global minimum comes first


def test_the_saddle_is_a_maximum_along_x_and_a_minimum_along_y():
    surface = two_minima()
    sx, sy = surface.saddles[0]
    here = surface(np.array([sx, sy]))
    assert surface(np.array([sx + 0.1, sy])) < here and surface(np.array([sx - 0.1, sy])) < here
    assert surface(np.array([sx, sy + 0.1])) > here


def test_plain_descent_stops_in_the_local_minimum_and_momentum_escapes_it():
    surface = two_minima()
    path, _ = descend(surface, optim.sgd, {"learning_rate": 0.05}, steps=300)
    np.testing.assert_allclose(path[-1], surface.minima[1], atol=1e-3)
    path, _ = descend(surface, optim.sgd_momentum, {"learning_rate": 0.05, "momentum": 0.9},
                      steps=300)
    np.testing.assert_allclose(path[-1], surface.minima[0], atol=1e-3)


def test_descend_records_the_path_and_the_losses():
    surface = ill_conditioned_quadratic(1.0, 20.0)
    config = {"learning_rate": 0.05}
    path, losses = descend(surface, optim.sgd, config, start=(2.0, 1.0), steps=3)
    assert path.shape == (4, 2) and losses.shape == (4,)
    # Each step multiplies x by 1 - lr·a and y by 1 - lr·b.
    np.testing.assert_allclose(path[:, 0], 2.0 * 0.95 ** np.arange(4))
    np.testing.assert_allclose(path[:, 1], 1.0 * 0.0 ** np.arange(4))
    np.testing.assert_allclose(losses, [surface(p) for p in path])
    assert config == {"learning_rate": 0.05}  # copied, not filled in


def test_descend_stops_a_run_that_blows_up():
    surface = ill_conditioned_quadratic(1.0, 20.0)
    path, losses = descend(surface, optim.sgd, {"learning_rate": 0.2}, steps=500)
    assert len(path) < 501 and np.all(np.isfinite(path)) and np.all(np.isfinite(losses))


def test_descend_with_a_schedule_counts_steps():
    surface = ill_conditioned_quadratic(1.0, 1.0)
    path, _ = descend(surface, optim.sgd, {"learning_rate": 0.5}, start=(1.0, 0.0), steps=2,
                      schedule=optim.step_decay, schedule_config={"drop": 0.5, "every": 1})
    np.testing.assert_allclose(path[:, 0], [1.0, 0.5, 0.5 * 0.75])


@pytest.mark.parametrize(("kwargs", "error", "match"), [
    ({"start": (1.0, 2.0, 3.0)}, ValueError, r"start has shape \(3,\)"),
    ({"start": (np.nan, 0.0)}, ValueError, "start"),
    ({"steps": -1}, ValueError, "steps must be a whole number"),
    ({"schedule": optim.step_decay}, ValueError, "a schedule starts from"),
])
def test_bad_arguments_are_refused(kwargs, error, match):
    with pytest.raises(error, match=match):
        descend(two_minima(), optim.sgd, None, **kwargs)


def test_bad_surface_parameters_are_refused():
    with pytest.raises(ValueError, match="curvatures"):
        ill_conditioned_quadratic(0.0, 1.0)
    with pytest.raises(ValueError, match="tilt"):
        two_minima(2.0)
