"""Lesson 4's explorer builds and redraws headless, names vanishing and exploding gradients,
and reports an overflow or a broken norms function in words."""

import ipywidgets as widgets
import numpy as np
import pytest

from backprop.data import load_digits
from backprop.models import MLP, layer_gradient_norms
from backprop.widgets import GradientNormExplorer, gradient_norm_explorer
from tests.widgets.helpers import shown_png

pytestmark = pytest.mark.lesson4


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits()
    return X[:256] / 16.0, y[:256]


def test_it_builds_headless_and_measures_the_first_network(digits):
    X, y = digits
    explorer = gradient_norm_explorer(X, y)
    assert isinstance(explorer, GradientNormExplorer) and isinstance(explorer, widgets.VBox)
    assert explorer.children[1:] == (explorer.status, explorer.output)
    assert shown_png(explorer).startswith(b"\x89PNG")
    assert explorer.runs == 1 and explorer.scale.disabled
    expected = layer_gradient_norms(MLP([64] + [64] * 9 + [10], "sigmoid", seed=0), X, y)
    np.testing.assert_allclose(explorer.norms, expected)
    assert "Vanishing" in explorer.status.value
    assert "10 layers, sigmoid, auto" in repr(explorer)


def test_changing_a_control_remeasures_and_redraws(digits):
    X, y = digits
    explorer = gradient_norm_explorer(X, y)
    before = shown_png(explorer)
    explorer.activation.value = "relu"
    assert explorer.runs == 2 and shown_png(explorer) != before
    assert "Healthy" in explorer.status.value
    explorer.depth.value = 4
    assert explorer.norms.shape == (4,)
    # How fast a redraw is, is measured by bench/widget_times.py, not here.


def test_normal_init_uses_the_scale_and_reports_exploding(digits):
    X, y = digits
    explorer = gradient_norm_explorer(X, y, activation="relu", init="normal", weight_scale=1.0)
    assert not explorer.scale.disabled
    assert explorer.norms.min() > 1e5
    assert "Exploding" in explorer.status.value
    explorer.init.value = "he"
    assert explorer.scale.disabled and explorer.norms.max() < 10


def test_a_level_but_tiny_line_is_not_called_healthy(digits):
    # ReLU with std 0.05: every layer's norm is about 1e-6 and the ratio is near 1.
    X, y = digits
    explorer = gradient_norm_explorer(X, y, activation="relu", init="normal", weight_scale=0.05)
    assert explorer.norms.max() < 1e-3
    assert "Vanishing in every layer" in explorer.status.value
    explorer.init.value = "he"
    assert "Healthy" in explorer.status.value


def test_overflow_is_reported_in_words(digits):
    X, y = digits
    explorer = gradient_norm_explorer(X, y, depth=3, norms=lambda grads: np.full(3, np.inf))
    assert explorer.norms is None
    assert "Overflow" in explorer.status.value
    assert "overflowed" in explorer.output.outputs[0]["data"]["text/plain"]


def test_the_learners_norm_function_is_used(digits):
    X, y = digits
    calls = []

    def norms(grads):
        calls.append(sorted(grads))
        return [np.linalg.norm(grads[f"W{i}"]) for i in range(1, 4)]

    explorer = gradient_norm_explorer(X, y, depth=3, norms=norms)
    assert len(calls) == 1 and explorer.norms.shape == (3,)


def test_a_stub_raises_on_the_first_run_and_a_later_failure_is_reported(digits):
    X, y = digits

    def stub(grads):
        raise NotImplementedError()

    with pytest.raises(NotImplementedError):
        gradient_norm_explorer(X, y, norms=stub)

    def only_three(grads):
        return np.ones(3)

    explorer = gradient_norm_explorer(X, y, depth=3, norms=only_three)
    explorer.depth.value = 5
    assert explorer.norms is None and "Measuring failed" in explorer.status.value
    with pytest.raises(TypeError, match=r"shape \(4,\)"):
        gradient_norm_explorer(X, y, depth=4, norms=only_three)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"activation": "swish"}, "unknown activation"),
    ({"init": "orthogonal"}, "unknown init"),
    ({"depth": 1}, "depth must be an integer >= 2"),
    ({"depth": 30}, "above max_depth"),
    ({"weight_scale": 100.0}, "between 0.001 and 10"),
])
def test_gradient_norm_explorer_refuses_bad_arguments(digits, kwargs, match):
    X, y = digits
    with pytest.raises(ValueError, match=match):
        gradient_norm_explorer(X, y, **kwargs)


def test_norms_must_be_a_function(digits):
    X, y = digits
    with pytest.raises(TypeError, match="pass the function itself"):
        gradient_norm_explorer(X, y, norms=np.ones(10))
