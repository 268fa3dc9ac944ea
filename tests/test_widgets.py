"""The explorers build and redraw headless, and report a diverging run instead of crashing."""

import base64

import ipywidgets as widgets
import numpy as np
import pytest

from backprop import optim, surfaces
from backprop.data import load_digits
from backprop.models import MLP, layer_gradient_norms
from backprop.widgets import (
    GradientNormExplorer,
    LearningRateExplorer,
    OptimizerExplorer,
    gradient_norm_explorer,
    learning_rate_explorer,
    optimizer_explorer,
)


class Recorder:
    """A train(learning_rate) that remembers its calls: the loss of gradient descent on a
    parabola of curvature 1, which converges for rates below 2 and diverges above."""

    def __init__(self, steps=30):
        self.calls = []
        self.steps = steps

    def __call__(self, learning_rate):
        self.calls.append(learning_rate)
        factor = (1.0 - learning_rate) ** 2
        return [float(factor**t) for t in range(self.steps)]


def _png(explorer):
    (output,) = explorer.output.outputs
    return base64.b64decode(output["data"]["image/png"])


def test_it_builds_headless_and_draws_the_first_run():
    train = Recorder()
    explorer = learning_rate_explorer(train, rates=(1e-3, 3.0), value=0.1)
    assert isinstance(explorer, LearningRateExplorer) and isinstance(explorer, widgets.VBox)
    assert explorer.children == (explorer.slider, explorer.status, explorer.output)
    assert isinstance(explorer.slider, widgets.FloatLogSlider)
    assert train.calls == [0.1]
    assert _png(explorer).startswith(b"\x89PNG")
    assert "learning rate 0.1" in explorer.output.outputs[0]["data"]["text/plain"]
    assert "fell from 1 to" in explorer.status.value and not explorer.diverged
    assert explorer.losses.shape == (30,)


def test_moving_the_slider_reruns_training_and_redraws():
    train = Recorder()
    explorer = learning_rate_explorer(train, rates=(1e-3, 3.0), value=0.01)
    before = _png(explorer)
    explorer.slider.value = 0.5
    assert train.calls == [0.01, 0.5]
    assert explorer.rate == 0.5 and explorer.runs == 2
    assert _png(explorer) != before
    assert "learning rate 0.5" in explorer.output.outputs[0]["data"]["text/plain"]


def test_a_growing_loss_is_reported_as_too_big_a_step():
    explorer = learning_rate_explorer(Recorder(), rates=(1e-3, 3.0), value=0.5)
    explorer.slider.value = 2.5  # |1 - 2.5| > 1: every step overshoots
    assert explorer.diverged
    assert "loss grew" in explorer.status.value
    assert "Lower the learning rate" in explorer.status.value
    assert _png(explorer).startswith(b"\x89PNG")  # the curve is still drawn


def test_a_loss_that_turns_inf_or_nan_says_where():
    def train(learning_rate):
        with np.errstate(over="ignore"):
            return list(np.float64(10.0) ** (np.arange(10) * 100.0 * (learning_rate - 0.5)))

    explorer = learning_rate_explorer(train, rates=(0.01, 10.0), value=0.01)
    assert not explorer.diverged
    explorer.slider.value = 1.0  # 1, 1e50, 1e100, ..., 1e300, inf
    assert explorer.diverged
    assert "Diverged" in explorer.status.value and "became inf at step 8" in explorer.status.value
    assert _png(explorer).startswith(b"\x89PNG")

    explorer = learning_rate_explorer(lambda lr: [1.0, float("nan")], rates=(0.01, 1.0))
    assert "became NaN at step 2" in explorer.status.value


def test_a_run_that_raises_is_shown_in_the_widget_not_raised():
    def train(learning_rate):
        if learning_rate > 1.0:
            raise FloatingPointError("overflow encountered in multiply")
        return [1.0, 0.5]

    explorer = learning_rate_explorer(train, rates=(0.01, 10.0), value=0.1)
    explorer.slider.value = 5.0
    assert explorer.diverged and explorer.losses is None
    assert "failed" in explorer.status.value and "FloatingPointError" in explorer.status.value
    assert "smaller learning rate" in explorer.status.value
    assert "image/png" not in explorer.output.outputs[0]["data"]
    explorer.slider.value = 0.5  # and it recovers
    assert not explorer.diverged and "fell from 1 to 0.5" in explorer.status.value

    # Even a programming error after the first run stays in the widget (a callback's
    # traceback would go unseen).
    def broken(learning_rate):
        if learning_rate > 1.0:
            raise KeyError("w")
        return [1.0, 0.5]

    explorer = learning_rate_explorer(broken, rates=(0.01, 10.0), value=0.1)
    explorer.slider.value = 5.0
    assert "KeyError" in explorer.status.value


def test_an_unwritten_exercise_raises_when_the_widget_is_built():
    def train(learning_rate):
        raise NotImplementedError()

    with pytest.raises(NotImplementedError):
        learning_rate_explorer(train)


def test_a_train_that_returns_weights_too_is_told_what_to_return():
    def train(learning_rate):
        return np.zeros(2), 0.0, [1.0, 0.5]

    with pytest.raises(TypeError, match=r"returned a tuple of 3 items.*lambda lr: f\(lr\)\[-1\]"):
        learning_rate_explorer(train)


def test_default_value_is_the_geometric_middle_and_ylim_is_kept():
    train = Recorder()
    explorer = learning_rate_explorer(train, rates=(1e-4, 1.0), ylim=(1e-6, 10.0))
    assert train.calls == [pytest.approx(1e-2)]
    assert explorer.slider.min == pytest.approx(-4) and explorer.slider.max == pytest.approx(0)


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"rates": (1.0, 0.1)}, ValueError, "lowest < highest"),
        ({"rates": (0.0, 1.0)}, ValueError, "positive learning rate"),
        ({"rates": (0.01,)}, TypeError, "pair"),
        ({"rates": (0.01, 1.0), "value": 5.0}, ValueError, "outside rates"),
        ({"value": "0.1"}, TypeError, "must be a number"),
    ],
)
def test_bad_arguments_are_explained(kwargs, error, words):
    with pytest.raises(error, match=words):
        learning_rate_explorer(Recorder(), **kwargs)


def test_train_must_be_a_function():
    with pytest.raises(TypeError, match="not the result of calling it"):
        learning_rate_explorer([1.0, 0.5])


def test_the_text_fallback_says_what_the_run_did():
    explorer = learning_rate_explorer(Recorder(), rates=(1e-3, 3.0), value=0.1)
    text = explorer._repr_mimebundle_()["text/plain"]
    assert text.startswith("LearningRateExplorer(learning rate 0.1: ✓ The loss fell from 1 to")
    assert "<" not in text  # no HTML, no base64 image


# --- lesson 4 ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits()
    return X[:256] / 16.0, y[:256]


def test_it_builds_headless_and_measures_the_first_network(digits):
    X, y = digits
    explorer = gradient_norm_explorer(X, y)
    assert isinstance(explorer, GradientNormExplorer) and isinstance(explorer, widgets.VBox)
    assert explorer.children[1:] == (explorer.status, explorer.output)
    assert _png(explorer).startswith(b"\x89PNG")
    assert explorer.runs == 1 and explorer.scale.disabled
    expected = layer_gradient_norms(MLP([64] + [64] * 9 + [10], "sigmoid", seed=0), X, y)
    np.testing.assert_allclose(explorer.norms, expected)
    assert "Vanishing" in explorer.status.value
    assert "10 layers, sigmoid, auto" in repr(explorer)


def test_changing_a_control_remeasures_and_redraws(digits):
    X, y = digits
    explorer = gradient_norm_explorer(X, y)
    before = _png(explorer)
    explorer.activation.value = "relu"
    assert explorer.runs == 2 and _png(explorer) != before
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


# --- lesson 5 ----------------------------------------------------------------------


def test_it_builds_headless_on_the_quadratic_with_the_packages_rule():
    explorer = optimizer_explorer()
    assert isinstance(explorer, OptimizerExplorer) and isinstance(explorer, widgets.VBox)
    assert explorer.children == (explorer.rate, explorer.beta, explorer.schedule,
                                 explorer.status, explorer.output)
    assert _png(explorer).startswith(b"\x89PNG")
    assert explorer.path.shape == (61, 2) and explorer.losses.shape == (61,)
    assert not explorer.diverged and "global minimum" in explorer.status.value


def test_every_control_reruns_with_the_learners_rule():
    calls = []

    def rule(w, dw, config):
        calls.append(dict(config))
        return optim.sgd_momentum(w, dw, config)

    explorer = optimizer_explorer("two_minima", rule, learning_rate=0.05, momentum=0.9,
                                  steps=150)
    assert np.allclose(explorer.path[-1], surfaces.two_minima().minima[0], atol=1e-2)
    before = _png(explorer)
    explorer.beta.value = 0.0  # plain gradient descent stops in the local minimum
    assert np.allclose(explorer.path[-1], surfaces.two_minima().minima[1], atol=1e-2)
    assert "local minimum" in explorer.status.value and _png(explorer) != before
    explorer.schedule.value = "exponential"
    assert explorer.runs == 3 and calls[-1]["learning_rate"] < 0.05 * 0.97**100
    explorer.rate.value = 0.01
    assert explorer.runs == 4 and calls[-1]["momentum"] == 0.0


def test_a_diverging_run_is_reported_not_raised():
    explorer = optimizer_explorer(learning_rate=0.05, momentum=0.0)
    explorer.rate.value = 0.3  # above 2/20, the steep direction's limit
    assert explorer.diverged and "Diverged" in explorer.status.value
    assert _png(explorer).startswith(b"\x89PNG")


def test_an_unwritten_rule_raises_in_the_cell_and_later_failures_show_in_the_widget():
    def stub(w, dw, config):
        raise NotImplementedError()

    with pytest.raises(NotImplementedError):
        optimizer_explorer(update_rule=stub)

    state = {"fail": False}

    def flaky(w, dw, config):
        if state["fail"]:
            raise KeyError("velocity")
        return optim.sgd_momentum(w, dw, config)

    explorer = optimizer_explorer(update_rule=flaky)
    state["fail"] = True
    explorer.beta.value = 0.5
    assert explorer.diverged and "KeyError" in explorer.status.value
    assert explorer.path is None


def test_the_same_settings_draw_the_same_run():
    a, b = optimizer_explorer(momentum=0.5), optimizer_explorer(momentum=0.5)
    assert np.array_equal(a.path, b.path) and "β 0.50" in repr(a)


@pytest.mark.parametrize(("kwargs", "error"), [
    ({"surface": "bowl"}, ValueError), ({"surface": 3}, TypeError),
    ({"update_rule": 3}, TypeError), ({"learning_rate": 2.0}, ValueError),
    ({"momentum": 1.0}, ValueError), ({"schedule": "cosine"}, ValueError),
    ({"steps": 0}, ValueError), ({"rates": (0.5, 0.1)}, ValueError),
])
def test_optimizer_explorer_refuses_bad_arguments(kwargs, error):
    with pytest.raises(error):
        optimizer_explorer(**kwargs)
