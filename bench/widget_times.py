"""Seconds per redraw of each explorer in `backprop.widgets`, against a 0.3 s budget.

    python bench/widget_times.py [--repeats 5]

A slider feels live when the plot follows within about 0.3 s. For each explorer this moves
one control through a few values, as dragging does, and prints the median and the best time
per update (train or measure, then draw the PNG), and the ratio of the median to the budget
(below 1.0 is within budget). The explorers run headless here, as in nbval; a browser adds
only the transfer of one PNG.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np

from backprop.data import load_digits
from backprop.widgets import gradient_norm_explorer, learning_rate_explorer, optimizer_explorer

BUDGET_S = 0.3


def timed(set_value: Callable[[object], None], values: list[object]) -> list[float]:
    times = []
    for value in values:
        start = time.perf_counter()
        set_value(value)
        times.append(time.perf_counter() - start)
    return times


def report(name: str, times: list[float]) -> None:
    median = statistics.median(times)
    print(f"{name:<44}{median:>9.3f}{min(times):>9.3f}{median / BUDGET_S:>8.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print(f"{'explorer: control moved':<44}{'median s':>9}{'best s':>9}{'ratio':>8}")

    def gd_on_a_quadratic(lr: float) -> list[float]:  # lesson 2's kind of training function
        w, losses = 3.0, []
        for _ in range(200):
            w -= lr * 2 * w
            losses.append(w * w)
        return losses

    lr = learning_rate_explorer(gd_on_a_quadratic, rates=(0.01, 1.2), value=0.1)
    report("learning_rate_explorer (2): rate",
           timed(lambda v: setattr(lr.slider, "value", v),
                 list(np.linspace(0.05, 0.9, args.repeats))))

    X, y = load_digits()
    norms = gradient_norm_explorer(X[:256] / 16.0, y[:256])
    depths = [20, 12, 16, 10, 18, 14, 20, 8][:max(args.repeats, 2)]
    report("gradient_norm_explorer (4): depth",
           timed(lambda v: setattr(norms.depth, "value", v), depths))

    paths = optimizer_explorer()
    report("optimizer_explorer (5): momentum",
           timed(lambda v: setattr(paths.beta, "value", v),
                 list(np.linspace(0.1, 0.9, args.repeats))))


if __name__ == "__main__":
    main()
