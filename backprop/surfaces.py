"""Two-dimensional loss surfaces to watch optimisers move on (lesson 5).

A real network has thousands of weights, so its loss surface can't be drawn. These
surfaces have two, and each shows one thing that also happens in high dimensions:

- `ill_conditioned_quadratic`: a long narrow valley. Plain gradient descent zig-zags
  across it; momentum cancels the zig-zag and builds speed along it.
- `rosenbrock`: a curved banana-shaped valley with a flat floor.
- `two_minima`: a shallow local minimum, a deeper global one, and a saddle point between
  them. Plain gradient descent stops in whichever basin it starts in.

`descend` runs any update rule of `backprop.optim` on a surface and records the path.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from backprop._checks import as_array

__all__ = ["SURFACES", "Surface", "descend", "ill_conditioned_quadratic", "rosenbrock",
           "two_minima"]


@dataclass(frozen=True)
class Surface:
    """A loss L(x, y) of two parameters, its gradient, and where to look at it.

    Introduced in lesson 5.

    Attributes:
        name: A title for plots.
        value: L(x, y), vectorised: x and y may be arrays of any (equal) shape.
        gradient: (dL/dx, dL/dy) at a point p of shape (2,), as an array of shape (2,).
        xlim, ylim: The region worth drawing.
        minima: The local minima, each an (x, y) pair; the global one first.
        saddles: The saddle points, if any.
        start: A starting point that shows the surface's difficulty.
    """

    name: str
    value: Callable[[Any, Any], Any]
    gradient: Callable[[np.ndarray], np.ndarray]
    xlim: tuple[float, float]
    ylim: tuple[float, float]
    minima: tuple[tuple[float, float], ...]
    saddles: tuple[tuple[float, float], ...] = field(default=())
    start: tuple[float, float] = (0.0, 0.0)

    def __call__(self, p: np.ndarray) -> float:
        """L at a point p of shape (2,)."""
        return float(self.value(p[0], p[1]))


def ill_conditioned_quadratic(a: float = 1.0, b: float = 20.0) -> Surface:
    """L = (a·x² + b·y²) / 2: curvature a along x, b along y (condition number b/a).

    Introduced in lesson 5. Gradient descent is stable for lr < 2/b, the steep direction's
    limit, and then creeps along x at a rate set by lr·a: the larger b/a, the slower.

    Args:
        a: The curvature along x, > 0.
        b: The curvature along y, > 0.

    Returns:
        The surface, with its minimum at (0, 0).
    """
    if not (a > 0 and b > 0):
        raise ValueError(f"the curvatures a and b must be positive, got {a} and {b}.")
    return Surface(
        name=f"ill-conditioned quadratic (curvatures {a:g} and {b:g})",
        value=lambda x, y: 0.5 * (a * x**2 + b * y**2),
        gradient=lambda p: np.array([a * p[0], b * p[1]]),
        xlim=(-10.5, 10.5), ylim=(-3.0, 3.0),
        minima=((0.0, 0.0),), start=(-10.0, 1.0),
    )


def rosenbrock(a: float = 1.0, b: float = 100.0) -> Surface:
    """L = (a − x)² + b·(y − x²)²: a curved valley whose floor is nearly flat.

    Introduced in lesson 5 ("going further"). The minimum is at (a, a²).

    Args:
        a: Sets the minimum's position.
        b: The steepness of the valley's walls, > 0.

    Returns:
        The surface.
    """
    if not b > 0:
        raise ValueError(f"b must be positive, got {b}.")
    return Surface(
        name="Rosenbrock",
        value=lambda x, y: (a - x) ** 2 + b * (y - x**2) ** 2,
        # dL/dx = -2(a - x) - 4b·x·(y - x²), dL/dy = 2b·(y - x²)
        gradient=lambda p: np.array([-2 * (a - p[0]) - 4 * b * p[0] * (p[1] - p[0] ** 2),
                                     2 * b * (p[1] - p[0] ** 2)]),
        xlim=(-2.0, 2.0), ylim=(-1.0, 3.0),
        minima=((a, a * a),), start=(-1.5, 2.0),
    )


def _two_minima_roots(tilt: float) -> np.ndarray:
    # dL/dx = 4x³ - 4x + tilt = 0 has three real roots for a small tilt: the two minima
    # and, between them, the saddle (a maximum along x, a minimum along y).
    return np.sort(np.roots([4.0, 0.0, -4.0, tilt]).real)


def two_minima(tilt: float = 0.3) -> Surface:
    """L = (x² − 1)² + tilt·x + y²/2: two valleys, one deeper, and a saddle between them.

    Introduced in lesson 5. With tilt > 0 the valley near x = −1 is the global minimum and
    the one near x = +1 a local one; the saddle sits near x = 0, where the gradient is
    zero although it is no minimum.

    Args:
        tilt: How much deeper the left valley is, in (0, 1.5).

    Returns:
        The surface; `start` lies on the local minimum's side.
    """
    if not 0 < tilt < 1.5:
        raise ValueError(f"tilt must be in (0, 1.5) for two minima, got {tilt}.")
    left, middle, right = _two_minima_roots(tilt)
    return Surface(
        name="two minima and a saddle",
        value=lambda x, y: (x**2 - 1) ** 2 + tilt * x + 0.5 * y**2,
        gradient=lambda p: np.array([4 * p[0] * (p[0] ** 2 - 1) + tilt, p[1]]),
        xlim=(-2.0, 2.2), ylim=(-1.5, 1.5),
        minima=((float(left), 0.0), (float(right), 0.0)),
        saddles=((float(middle), 0.0),), start=(2.0, 1.0),
    )


SURFACES: dict[str, Callable[[], Surface]] = {
    "quadratic": ill_conditioned_quadratic,
    "rosenbrock": rosenbrock,
    "two_minima": two_minima,
}


def descend(
    surface: Surface,
    update_rule: Callable[..., tuple[np.ndarray, dict[str, Any]]],
    config: dict[str, Any] | None = None,
    *,
    start: tuple[float, float] | np.ndarray | None = None,
    steps: int = 100,
    schedule: Callable[..., float] | None = None,
    schedule_config: dict[str, Any] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Run an update rule on a surface and record where it goes.

    Introduced in lesson 5. Each step is one "epoch" for a schedule, so a schedule's
    `every` counts steps here.

    Args:
        surface: The loss surface.
        update_rule: `update(w, dw, config) -> (next_w, config)`, e.g. `optim.sgd_momentum`
            or your own.
        config: The rule's config; it is copied, so yours is left as it was.
        start: The first point, shape (2,); `surface.start` if None.
        steps: The number of updates.
        schedule: Optional `schedule(step, lr0, **schedule_config) -> lr`.
        schedule_config: Its keyword arguments.

    Returns:
        path: Shape (steps + 1, 2), the start first. A run that blows up stops early, so
            the path can be shorter; its last row is the last finite point.
        losses: Shape (len(path),), L at each point of the path.

    Raises:
        ValueError: On a bad start or step count, or a schedule without a learning rate.
    """
    start = surface.start if start is None else start
    if isinstance(start, tuple | list):  # a point written by hand, e.g. (2.0, 1.0)
        start = np.asarray(start, dtype=np.float64)
    w = as_array(start, "start", 1, "(2,)", allow_int=True, finite=True).astype(np.float64)
    if w.shape != (2,):
        raise ValueError(f"start has shape {w.shape}; a surface point has shape (2,), e.g. "
                         "(1.0, -0.5).")
    if isinstance(steps, bool) or int(steps) != steps or steps < 0:
        raise ValueError(f"steps must be a whole number >= 0, got {steps!r}.")
    config = dict(config or {})
    lr0 = config.get("learning_rate")
    if schedule is not None and lr0 is None:
        raise ValueError("a schedule starts from config['learning_rate']; give it.")
    path = [w]
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(int(steps)):
            if schedule is not None:
                config["learning_rate"] = schedule(t, lr0, **(schedule_config or {}))
            w, config = update_rule(w, surface.gradient(w), config)
            if not (np.all(np.isfinite(w)) and np.isfinite(surface(w))) or np.abs(w).max() > 1e6:
                break  # diverged: the plot shows the path up to here
            path.append(w)
        path_arr = np.array(path)
        losses = np.array([surface(p) for p in path_arr])
    return path_arr, losses
