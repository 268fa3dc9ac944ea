"""Lesson 2's explorer builds and redraws headless, and reports a diverging run instead of
crashing."""

import ipywidgets as widgets
import numpy as np
import pytest

from backprop.widgets import LearningRateExplorer, learning_rate_explorer
from tests.widgets.helpers import shown_png

pytestmark = pytest.mark.lesson2


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


def test_it_builds_headless_and_draws_the_first_run():
    train = Recorder()
    explorer = learning_rate_explorer(train, rates=(1e-3, 3.0), value=0.1)
    assert isinstance(explorer, LearningRateExplorer) and isinstance(explorer, widgets.VBox)
    assert explorer.children == (explorer.slider, explorer.status, explorer.output)
    assert isinstance(explorer.slider, widgets.FloatLogSlider)
    assert train.calls == [0.1]
    assert shown_png(explorer).startswith(b"\x89PNG")
    assert "learning rate 0.1" in explorer.output.outputs[0]["data"]["text/plain"]
    assert "fell from 1 to" in explorer.status.value and not explorer.diverged
    assert explorer.losses.shape == (30,)


def test_moving_the_slider_reruns_training_and_redraws():
    train = Recorder()
    explorer = learning_rate_explorer(train, rates=(1e-3, 3.0), value=0.01)
    before = shown_png(explorer)
    explorer.slider.value = 0.5
    assert train.calls == [0.01, 0.5]
    assert explorer.rate == 0.5 and explorer.runs == 2
    assert shown_png(explorer) != before
    assert "learning rate 0.5" in explorer.output.outputs[0]["data"]["text/plain"]


def test_a_growing_loss_is_reported_as_too_big_a_step():
    explorer = learning_rate_explorer(Recorder(), rates=(1e-3, 3.0), value=0.5)
    explorer.slider.value = 2.5  # |1 - 2.5| > 1: every step overshoots
    assert explorer.diverged
    assert "loss grew" in explorer.status.value
    assert "Lower the learning rate" in explorer.status.value
    assert shown_png(explorer).startswith(b"\x89PNG")  # the curve is still drawn


def test_a_loss_that_turns_inf_or_nan_says_where():
    def train(learning_rate):
        with np.errstate(over="ignore"):
            return list(np.float64(10.0) ** (np.arange(10) * 100.0 * (learning_rate - 0.5)))

    explorer = learning_rate_explorer(train, rates=(0.01, 10.0), value=0.01)
    assert not explorer.diverged
    explorer.slider.value = 1.0  # 1, 1e50, 1e100, ..., 1e300, inf
    assert explorer.diverged
    assert "Diverged" in explorer.status.value and "became inf at step 8" in explorer.status.value
    assert shown_png(explorer).startswith(b"\x89PNG")

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
