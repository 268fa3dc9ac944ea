"""The Backprop Playground trains headless, its controls take effect, and a learner's broken
function stops it with a plain message instead of a traceback."""

import html
import warnings

import numpy as np
import pytest

from backprop import activations, layers, optim
from backprop.widgets import playground as playground_from_widgets
from backprop.widgets.playground import Playground, make_dataset, parse_hidden, playground

pytestmark = [pytest.mark.lesson3, pytest.mark.lesson4, pytest.mark.lesson5, pytest.mark.lesson6,
              pytest.mark.lesson7]


def _params_equal(a, b):
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


# -- independent learner-style pieces (written as a learner would, not the package's) --------

def my_affine_backward(dout, cache):
    x, W, b = cache
    return dout @ W.T, x.T @ dout, dout.sum(axis=0)


def my_relu_backward(dout, cache):
    return np.where(cache > 0, dout, 0.0)


def my_sgd_momentum(w, dw, config):
    v = config["momentum"] * config.get("velocity", np.zeros_like(w)) - config["learning_rate"] * dw
    config["velocity"] = v
    return w + v, config


# -- training ----------------------------------------------------------------------------------

def test_spirals_reach_95_percent_with_the_defaults():
    pg = playground()
    for _ in range(30):  # 30 frames of Play: 300 steps with the default 10 steps per frame
        pg.frame()
    assert len(pg.history) == 300
    assert pg.train_accuracy() >= 0.95
    assert pg.error is None


def test_the_loss_goes_down():
    pg = playground("moons")
    pg.step(200)
    assert np.mean(pg.history[-20:]) < 0.5 * np.mean(pg.history[:20])


def test_deterministic_under_a_seed_and_the_seed_matters():
    a, b, c = playground(seed=3), playground(seed=3), playground(seed=4)
    for pg in (a, b, c):
        pg.step(40)
    assert a.history == b.history
    assert _params_equal(a.net.params, b.net.params)
    assert a.history != c.history


def test_reset_restores_the_first_network():
    pg = playground()
    start = {k: v.copy() for k, v in pg.net.params.items()}
    pg.redraw()
    first = pg.image.value
    pg.step(50)
    assert pg.image.value != first
    pg.reset()
    assert pg.history == [] and pg.net.steps == 0
    assert _params_equal(pg.net.params, start)
    pg.step(50)
    again = playground()
    again.step(50)
    assert pg.history == again.history


def test_batchnorm_changes_the_network_and_still_trains():
    pg = playground("moons")
    assert not any(k.startswith("gamma") for k in pg.net.params)
    pg.batchnorm.value = True
    assert {"gamma1", "beta1", "gamma2", "beta2"} <= pg.net.params.keys()
    pg.step(200)
    assert pg.error is None and pg.train_accuracy() >= 0.95
    bn = pg.net.bn_params[0]
    assert bn["running_mean"].shape == (16,) and not np.allclose(bn["running_var"], 1.0)


def test_sigmoid_trains_slower_than_relu_on_spirals():
    slow, fast = playground(activation="sigmoid"), playground(activation="relu")
    slow.step(300)
    fast.step(300)
    assert slow.train_accuracy() < 0.8 < 0.95 <= fast.train_accuracy()


def test_no_warnings_even_when_training_blows_up():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pg = playground(activation="leaky_relu", learning_rate=3.0, momentum=0.99, hidden=(64, 64))
        pg.step(300)
    assert pg.error is not None and "learning rate" in pg.error
    assert "Training stopped" in pg.status.value


# -- controls ----------------------------------------------------------------------------------

def test_each_structural_control_rebuilds_the_network():
    pg = playground()
    pg.step(10)
    pg.dataset.value = "xor"
    assert pg.X.shape == (200, 2) and set(pg.y) == {0, 1} and pg.history == []
    assert pg.net.params["W3"].shape == (16, 2)
    pg.hidden.value = "8, 4, 4"
    assert [pg.net.params[f"W{i}"].shape for i in (1, 2, 3, 4)] == [(2, 8), (8, 4), (4, 4),
                                                                      (4, 2)]
    pg.hidden.value = ""
    assert list(pg.net.params) == ["W1", "b1"]  # no hidden layer: softmax regression
    pg.step(5)
    pg.activation.value = "tanh"
    assert pg.net.activation == "tanh" and pg.history == []
    before = pg.net.params["W1"].copy()
    pg.seed.value = 7
    assert not np.array_equal(pg.net.params["W1"], before)


def test_the_hyperparameters_take_effect_at_the_next_step(monkeypatch):
    seen = []

    def spy(w, dw, config):
        seen.append((config["learning_rate"], config["momentum"], dw.shape))
        return optim.sgd_momentum(w, dw, config)

    pg = playground("xor", hidden=(4,), functions={"update": spy})
    pg.learning_rate.value, pg.momentum.value = 0.2, 0.5
    pg.step(1)
    assert seen[0] == (pytest.approx(0.2), 0.5, (2, 4))
    seen.clear()
    pg.batch_size.value = 8
    calls = []
    monkeypatch.setattr(pg.net, "forward", lambda x, mode, f=pg.net.forward: (
        calls.append(x.shape[0]), f(x, mode))[1])
    pg.step(1)
    assert calls[0] == 8  # then the heat map (3600 points) and the accuracy (200)
    calls.clear()
    pg.batch_size.value = "all"
    pg.step(1, redraw=False)
    assert calls == [200]  # full-batch gradient descent
    pg.steps_per_frame.value = 3
    pg.frame()
    assert pg.net.steps == 6


def test_the_step_button_and_play_ticks_train_and_redraw():
    pg = playground(steps_per_frame=5)
    image, status = pg.image.value, pg.status.value
    pg.step_button.click()
    assert len(pg.history) == 5 and pg.image.value != image and pg.status.value != status
    assert "step 5" in pg.status.value
    pg.play.value = 1  # a tick from the browser's timer
    assert len(pg.history) == 10
    pg.play.value = 2  # arrives while the last frame was just drawn: a backlog tick, dropped
    assert len(pg.history) == 10
    pg.play.value = 0  # the stop button rewinds the counter: no training
    assert len(pg.history) == 10


def test_the_picture_is_drawn_when_the_panel_is_shown_not_before():
    pg = playground()
    assert len(pg.image.value) == 0 and "step 0" in pg.status.value  # headless runs skip it
    bundle = pg._repr_mimebundle_()  # what a notebook does to show the panel
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/plain"].startswith("Playground(step 0 · epoch 0.0")
    assert bytes(pg.image.value).startswith(b"\x89PNG")
    drawn = pg.image.value
    pg.step(5, redraw=False)
    assert pg.image.value == drawn
    pg._repr_mimebundle_()
    assert pg.image.value != drawn


def test_dom_hooks_for_the_browser_test():
    pg = playground()
    pg._repr_mimebundle_()
    assert "bp-playground-step" in pg.step_button._dom_classes
    assert "bp-playground-plot" in pg.image._dom_classes
    assert "bp-playground-status" in pg.status._dom_classes
    assert isinstance(pg, Playground) and bytes(pg.image.value).startswith(b"\x89PNG")


def test_bad_control_values_give_clear_messages():
    pg = playground()
    pg.hidden.value = "16, lots"
    assert "can't read '16, lots'" in pg.error and "16, 16" in pg.error
    pg.step(5)  # stays stopped, no exception
    assert pg.history == []
    pg.hidden.value = "999"
    assert "at most 6 layers, each 1 to 128 units" in pg.error
    pg.hidden.value = "8"
    assert pg.error is None
    pg.batchnorm.value, pg.batch_size.value = True, 1
    pg.step(1)
    assert "Batch norm needs at least 2 samples" in pg.error
    pg.batch_size.value = 16
    pg.reset()
    pg.step(3)
    assert pg.error is None and len(pg.history) == 3


@pytest.mark.parametrize("kwargs, message", [
    ({"dataset": "swirls"}, "unknown dataset 'swirls'"),
    ({"activation": "softplus"}, "unknown activation 'softplus'"),
    ({"hidden": (16, 0)}, "each 1 to 128 units"),
    ({"hidden": "16 x"}, "can't read"),
    ({"learning_rate": 5.0}, "learning_rate must be a number from 0.001 to 3"),
    ({"momentum": 1.0}, "momentum must be a number from 0 to 0.99"),
    ({"batch_size": 3}, "batch_size must be one of"),
    ({"seed": -1}, "seed must be a whole number"),
    ({"functions": {"activation_backward": my_relu_backward}}, "e.g. 'relu_backward'"),
])
def test_bad_arguments_raise_value_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        playground(**kwargs)


@pytest.mark.parametrize("kwargs, message", [
    ({"hidden": 16}, "hidden must be widths"),
    ({"batchnorm": "yes"}, "batchnorm must be True or False"),
    ({"functions": [my_relu_backward]}, "functions must be a dict"),
    ({"functions": {"relu_backward": my_relu_backward(np.ones(2), np.ones(2))}},
     "must be a function"),
])
def test_bad_argument_types_raise_type_errors(kwargs, message):
    with pytest.raises(TypeError, match=message):
        playground(**kwargs)


def test_helpers():
    assert parse_hidden("16; 8 ,4") == (16, 8, 4) and parse_hidden("") == ()
    X, y = make_dataset("circles", seed=1)
    assert X.shape == (200, 2) and np.allclose(X.mean(axis=0), 0) and np.allclose(X.std(0), 1)
    assert playground_from_widgets is playground


# -- the learner's own functions ----------------------------------------------------------------

def test_correct_learner_functions_train_like_the_package():
    mine = playground(functions={"affine_backward": my_affine_backward,
                                 "relu_backward": my_relu_backward, "update": my_sgd_momentum})
    ours = playground()
    mine.step(100)
    ours.step(100)
    assert mine.error is None
    np.testing.assert_allclose(mine.history, ours.history, rtol=1e-10)
    assert "your functions: affine_backward, relu_backward, update" in mine.status.value


def test_only_the_chosen_activations_functions_are_called():
    def broken(dout, cache):
        raise AssertionError("not called")

    pg = playground(activation="tanh", functions={"relu_backward": broken})
    pg.step(5)
    assert pg.error is None and "your functions" not in pg.status.value


def _stub(*args):
    raise NotImplementedError()


@pytest.mark.parametrize("key, fn, parts", [
    ("affine_backward", _stub,
     ["Your affine_backward raised NotImplementedError on layer 3 of 3 (is it still the "
      "exercise's stub?). Fix it, run its cell again"]),
    ("affine_backward", lambda dout, cache: (dout @ cache[1].T, cache[0].T @ dout, dout),
     ["Your affine_backward, on layer 3 of 3, returned db of shape (32, 3)",
      "expected shape (3,)"]),
    ("affine_backward", lambda dout, cache: (dout @ cache[1].T, cache[0].T @ dout),
     ["should return the tuple (dx, dW, db)", "a tuple of 2 items"]),
    ("affine_backward", lambda dout, cache: (dout @ cache[1].T, dout.T @ cache[0], dout.sum(0)),
     ["returned dW of shape (3, 16)", "expected shape (16, 3)"]),
    ("relu_backward", lambda dout, cache: (dout * (cache > 0)).sum(axis=0),
     ["Your relu_backward, on layer 2 of 3, returned dx of shape (16,)",
      "expected shape (32, 16)"]),
    ("relu_backward", lambda dout, cache: None, ["returned dx as None (is a `return` missing?)"]),
    ("relu_backward", lambda dout, cache: dout * np.nan, ["returned dx holding NaN or inf"]),
    ("relu_backward", lambda dout, cache: (dout > 0).tolist(),
     ["returned dx as a list", "expected a float array of shape (32, 16)"]),
    ("update", lambda w, dw, config: w - 0.1 * dw,
     ["Your update, on parameter W1 (shape (2, 16)), should return the tuple (next_w, config)",
      "an array of shape (2, 16)"]),
    ("update", lambda w, dw, config: (w - 0.1 * dw, None),
     ["returned config as None", "expected a dict"]),
])
def test_a_broken_learner_function_stops_training_with_a_plain_message(key, fn, parts):
    pg = playground(functions={key: fn})
    pg.play.playing = True
    pg.step(5)
    assert pg.error is not None and pg.history == []
    assert pg.play.playing is False
    for part in parts:
        assert part in pg.error and html.escape(part) in pg.status.value
    assert "Traceback" not in pg.status.value


def test_a_broken_forward_shows_in_the_panel_when_it_is_built():
    pg = playground(functions={"affine_forward": _stub})
    assert "Your affine_forward raised NotImplementedError on layer 1 of 3" in pg.error
    pg._repr_mimebundle_()
    assert bytes(pg.image.value).startswith(b"\x89PNG")  # the panel still draws
    pg.step_button.click()  # and its buttons don't raise
    pg.reset_button.click()
    assert pg.history == []


def test_reset_recovers_after_an_error():
    calls = {"n": 0}

    def flaky(dout, cache):
        calls["n"] += 1
        if calls["n"] == 3:
            raise ValueError("a bad day")
        return activations.relu_backward(dout, cache)

    pg = playground(functions={"relu_backward": flaky})
    pg.step(10)
    assert "raised ValueError on layer" in pg.error and "a bad day" in pg.error
    assert len(pg.history) == 1
    pg.reset_button.click()
    assert pg.error is None
    pg.step(10)
    assert pg.error is None and len(pg.history) == 10


def test_an_error_of_the_package_itself_is_shown_not_raised(monkeypatch):
    pg = playground()
    monkeypatch.setattr(layers, "affine_forward", None)  # not callable: a TypeError
    pg.step_button.click()
    assert "backprop's affine_forward raised TypeError" in pg.error


def test_an_unexpected_error_in_a_callback_is_shown_not_raised(monkeypatch):
    pg = playground()

    def boom(*args):
        raise RuntimeError("surprise")

    monkeypatch.setattr(pg.net, "train_step", boom)
    pg.step_button.click()
    assert pg.error.startswith("unexpected RuntimeError: surprise")
    pg.reset_button.click()
    assert pg.error is None


def test_the_loss_axis_is_labelled_within_one_decade():
    """A loss between 0.2 and 0.7 gets labels such as 0.2, 0.5 (not 10⁰ alone)."""
    pg = playground("moons")
    for _ in range(5):
        pg.frame()
    ax = pg._ax_loss
    ax.figure.canvas.draw()
    low, high = ax.get_ylim()
    labels = [t.get_text() for t in ax.get_yticklabels()
              if t.get_text() and low <= t.get_position()[1] <= high]
    assert len(labels) >= 2, (low, high, labels)
    assert all("10^" not in label and "$" not in label for label in labels)
