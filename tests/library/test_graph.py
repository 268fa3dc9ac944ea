"""Tests for backprop.graph.draw_graph: what the drawn axes say about a Value graph."""

from __future__ import annotations

import math

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.axes import Axes

from backprop.graph import draw_graph
from backprop.scalar import Value

matplotlib.use("Agg")  # no display needed, whatever MPLBACKEND says


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# The neuron o = tanh(x1*w1 + x2*w2 + b) at x1=2, w1=-3, x2=0, w2=1, b=6.5:
# n = -6 + 0 + 6.5 = 0.5, o = tanh(0.5), and with g = do/dn = 1 - tanh(0.5)^2:
# do/db = do/d(x1w1) = do/d(x2w2) = do/d(x1w1 + x2w2) = g,
# do/dx1 = w1 g = -3g, do/dw1 = x1 g = 2g, do/dx2 = w2 g = g, do/dw2 = x2 g = 0.
G = 1.0 - math.tanh(0.5) ** 2
EXPECTED = {  # label: (data, grad)
    "x1": (2.0, -3 * G),
    "w1": (-3.0, 2 * G),
    "x2": (0.0, G),
    "w2": (1.0, 0.0),
    "b": (6.5, G),
    "x1w1": (-6.0, G),
    "x2w2": (0.0, G),
    "s": (-6.0, G),
    "n": (0.5, G),
    "o": (math.tanh(0.5), 1.0),
}


def _neuron() -> Value:
    x1, w1 = Value(2.0, label="x1"), Value(-3.0, label="w1")
    x2, w2 = Value(0.0, label="x2"), Value(1.0, label="w2")
    b = Value(6.5, label="b")
    x1w1 = x1 * w1
    x1w1.label = "x1w1"
    x2w2 = x2 * w2
    x2w2.label = "x2w2"
    s = x1w1 + x2w2
    s.label = "s"
    n = s + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o


@pytest.fixture
def neuron() -> Value:
    o = _neuron()
    o.backward()
    return o


def _texts(ax: Axes) -> list[str]:
    return [t.get_text() for t in ax.texts if t.get_text()]


def _boxes(ax: Axes) -> list[str]:
    """The node boxes: every text that shows a node's data."""
    return [t for t in _texts(ax) if "data" in t.split()]


def _box_for(ax: Axes, label: str) -> list[str]:
    found = [t.split() for t in _boxes(ax) if t.split()[0] == label]
    assert len(found) == 1, f"expected one box labelled {label!r}, got {found}"
    return found[0]


def _after(tokens: list[str], word: str) -> str:
    return tokens[tokens.index(word) + 1]


def test_returns_axes_on_a_new_figure(neuron):
    before = set(plt.get_fignums())
    ax = draw_graph(neuron)
    assert isinstance(ax, Axes)
    assert len(set(plt.get_fignums()) - before) == 1


def test_every_labelled_node_shows_its_data_and_grad(neuron):
    ax = draw_graph(neuron)
    assert len(_boxes(ax)) == len(EXPECTED)
    for label, (data, grad) in EXPECTED.items():
        tokens = _box_for(ax, label)
        assert _after(tokens, "data") == f"{data:.4g}", label
        assert _after(tokens, "grad") == f"{grad:.4g}", label


def test_every_operation_is_drawn_with_its_symbol(neuron):
    texts = _texts(ax=draw_graph(neuron))
    # two products, two sums, one tanh
    assert sorted(t for t in texts if t in {"*", "+", "tanh"}) == ["*", "*", "+", "+", "tanh"]


def test_power_operation_shows_its_exponent():
    x = Value(3.0, label="x")
    texts = _texts(draw_graph(x**2))
    assert "**2" in texts


def test_show_grad_false_hides_the_gradients(neuron):
    ax = draw_graph(neuron, show_grad=False)
    assert not any("grad" in t for t in _texts(ax))
    assert "grad" not in ax.get_title()
    for label, (data, _) in EXPECTED.items():
        assert _after(_box_for(ax, label), "data") == f"{data:.4g}", label


def test_before_backward_the_grads_show_zero():
    ax = draw_graph(_neuron())
    for label in EXPECTED:
        assert _after(_box_for(ax, label), "grad") == "0", label


def test_input_used_twice_is_drawn_once():
    # y = a*a + a: dy/da = 2a + 1 = 7 at a = 3
    a = Value(3.0, label="a")
    y = a * a + a
    y.backward()
    ax = draw_graph(y)
    assert len(_boxes(ax)) == 3  # a, a*a, y
    tokens = _box_for(ax, "a")
    assert _after(tokens, "data") == "3"
    assert _after(tokens, "grad") == "7"


def test_single_value_graph_can_be_drawn():
    ax = draw_graph(Value(1.25, label="x"))
    assert _after(_box_for(ax, "x"), "data") == "1.25"


def test_grad_sign_sets_the_box_colour(neuron):
    ax = draw_graph(neuron)
    colour = {}
    for t in ax.texts:
        tokens = t.get_text().split()
        if "data" in tokens:
            colour[tokens[0]] = tuple(t.get_bbox_patch().get_edgecolor())
    positive, negative, zero = colour["w1"], colour["x1"], colour["w2"]
    assert len({positive, negative, zero}) == 3
    assert colour["b"] == positive and colour["o"] == positive


@pytest.mark.parametrize("bad", [3.0, "x", [Value(1.0)], np.array([1.0])], ids=repr)
def test_non_value_is_a_type_error(bad):
    with pytest.raises(TypeError, match="expects a Value"):
        draw_graph(bad)


def _chain(k: int) -> Value:
    x = Value(0.0)
    for _ in range(k):
        x = x + 1.0  # one constant leaf and one sum per step: 2k + 1 nodes in all
    return x


def test_more_than_max_nodes_is_a_value_error():
    root = _chain(5)  # 11 nodes
    with pytest.raises(ValueError, match=r"11 nodes.*max_nodes=10"):
        draw_graph(root, max_nodes=10)
    assert len(_boxes(draw_graph(root, max_nodes=11))) == 11


def test_default_max_nodes_refuses_151_nodes():
    with pytest.raises(ValueError, match="max_nodes=150"):
        draw_graph(_chain(75))


def test_draws_on_the_given_axes(neuron):
    fig, ax = plt.subplots()
    before = plt.get_fignums()
    returned = draw_graph(neuron, ax=ax)
    assert returned is ax
    assert plt.get_fignums() == before
    assert ax.figure is fig
    assert len(_boxes(ax)) == len(EXPECTED)
