"""Draw a `Value` graph with matplotlib (lesson 1: the computational graph).

Each value is a box showing its label, its data (the forward pass) and its grad
(the backward pass); each operation is a small circle between its inputs and its
result. Only matplotlib is needed: no system graphviz.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.axes import Axes

from backprop._style import BLUE, DARK_GREY, GREY, LIGHT_GREY, PALE_GREY, RED
from backprop.scalar import Value

__all__ = ["draw_graph"]

# Colours say which way a node pushes the output: blue raises it, red lowers it.
_POSITIVE, _NEGATIVE, _ZERO = BLUE, RED, GREY


def _layout(order: list[Value]) -> dict[int, tuple[float, float]]:
    """Place inputs on the left and the output on the right, one column per depth."""
    depth: dict[int, int] = {}
    for node in order:  # inputs come before the nodes that use them
        depth[id(node)] = 1 + max((depth[id(c)] for c in node._prev), default=-1)
    columns: dict[int, list[Value]] = {}
    for node in order:
        columns.setdefault(depth[id(node)], []).append(node)

    y: dict[int, float] = {}
    for d in sorted(columns):
        column = columns[d]
        if d > 0:
            # Put each node near the inputs it consumes, so edges stay short.
            column.sort(key=lambda n: sum(y[id(c)] for c in n._prev) / len(n._prev))
        for i, node in enumerate(column):
            y[id(node)] = (len(column) - 1) / 2 - i
    return {key: (2.0 * depth[key], y[key]) for key in y}


def draw_graph(
    root: Value,
    ax: Axes | None = None,
    *,
    show_grad: bool = True,
    max_nodes: int = 150,
) -> Axes:
    """Draw the computational graph that produced `root`.

    Introduced in lesson 1. Call it after `root.backward()` to see the gradients,
    or before to see the forward pass alone.

    Args:
        root: The output node, usually the loss.
        ax: Axes to draw on; a new figure is made when omitted.
        show_grad: Whether to print each node's grad under its data.
        max_nodes: Refuse larger graphs, which would be unreadable.

    Returns:
        The axes the graph was drawn on.

    Raises:
        TypeError: If `root` is not a `Value`.
        ValueError: If the graph has more than `max_nodes` nodes.
    """
    if not isinstance(root, Value):
        raise TypeError(
            f"draw_graph expects a Value (the output of a computation), got "
            f"{type(root).__name__}. Build the expression from Value objects first."
        )
    order = root.topological_order()
    if len(order) > max_nodes:
        raise ValueError(
            f"this graph has {len(order)} nodes, more than max_nodes={max_nodes} can show "
            "legibly. Draw a smaller expression, or pass a larger max_nodes."
        )
    pos = _layout(order)
    n_cols = 1 + max(x for x, _ in pos.values()) / 2
    n_rows = 1 + max(abs(y) for _, y in pos.values()) * 2
    if ax is None:
        _, ax = plt.subplots(figsize=(min(3.0 + 2.6 * n_cols, 18), 1.0 + 1.1 * n_rows))

    for node in order:
        x, y = pos[id(node)]
        if node._prev:
            # The operation sits half a column to the left of its result.
            ox = x - 0.9
            ax.annotate(
                "", xy=(x - 0.55, y), xytext=(ox + 0.18, y),
                arrowprops={"arrowstyle": "->", "color": DARK_GREY},
            )
            ax.text(
                ox, y, node._op, ha="center", va="center", fontsize=9,
                bbox={"boxstyle": "circle,pad=0.3", "fc": PALE_GREY, "ec": DARK_GREY},
            )
            for k, child in enumerate(node._prev):
                cx, cy = pos[id(child)]
                # Bend an edge that skips a column (it would cross the boxes in between) or
                # that repeats an input (a * a: two arrows would overlap), so each stays visible.
                if node._prev.count(child) > 1:
                    rad = 0.3 if node._prev[:k].count(child) == 0 else -0.3
                else:
                    rad = 0.35 if x - cx > 2.5 else 0.0
                ax.annotate(
                    "", xy=(ox - 0.18, y), xytext=(cx + 0.55, cy),
                    arrowprops={"arrowstyle": "->", "color": LIGHT_GREY,
                                "connectionstyle": f"arc3,rad={rad}"},
                )
        text = f"{node.label + '  ' if node.label else ''}data {node.data:.4g}"
        if show_grad:
            text += f"\ngrad {node.grad:.4g}"
        colour = _POSITIVE if node.grad > 0 else _NEGATIVE if node.grad < 0 else _ZERO
        ax.text(
            x, y, text, ha="center", va="center", fontsize=9, family="monospace",
            bbox={"boxstyle": "round,pad=0.4", "fc": "white", "ec": colour, "lw": 1.5},
        )

    xs = [x for x, _ in pos.values()]
    ys = [y for _, y in pos.values()]
    ax.set_xlim(min(xs) - 1.2, max(xs) + 1.2)
    ax.set_ylim(min(ys) - 0.8, max(ys) + 0.8)
    ax.set_axis_off()
    if show_grad:
        ax.set_title("forward: data flows left to right · backward: grad flows right to left",
                     fontsize=9, color=DARK_GREY)
    return ax
