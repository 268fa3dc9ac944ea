"""Lesson 5's explorer builds and redraws headless, reruns with the learner's update rule,
and reports a diverging or failing run instead of crashing."""

import ipywidgets as widgets
import numpy as np
import pytest

from backprop import optim, surfaces
from backprop.widgets import OptimizerExplorer, optimizer_explorer
from tests.widgets.helpers import shown_png

pytestmark = pytest.mark.lesson5


def test_it_builds_headless_on_the_quadratic_with_the_packages_rule():
    explorer = optimizer_explorer()
    assert isinstance(explorer, OptimizerExplorer) and isinstance(explorer, widgets.VBox)
    assert explorer.children == (explorer.rate, explorer.beta, explorer.schedule,
                                 explorer.status, explorer.output)
    assert shown_png(explorer).startswith(b"\x89PNG")
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
    before = shown_png(explorer)
    explorer.beta.value = 0.0  # plain gradient descent stops in the local minimum
    assert np.allclose(explorer.path[-1], surfaces.two_minima().minima[1], atol=1e-2)
    assert "local minimum" in explorer.status.value and shown_png(explorer) != before
    explorer.schedule.value = "exponential"
    assert explorer.runs == 3 and calls[-1]["learning_rate"] < 0.05 * 0.97**100
    explorer.rate.value = 0.01
    assert explorer.runs == 4 and calls[-1]["momentum"] == 0.0


def test_a_diverging_run_is_reported_not_raised():
    explorer = optimizer_explorer(learning_rate=0.05, momentum=0.0)
    explorer.rate.value = 0.3  # above 2/20, the steep direction's limit
    assert explorer.diverged and "Diverged" in explorer.status.value
    assert shown_png(explorer).startswith(b"\x89PNG")


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
