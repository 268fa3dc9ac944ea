"""Lesson 5's explorer: learning rate, momentum β and schedule → an optimiser's path and loss.

Introduced in lesson 5 (momentum): `optimizer_explorer` reruns `surfaces.descend` with the
package's `sgd_momentum`, or the learner's own update rule, on a 2-D loss surface whenever a
control moves, and redraws the path over the surface's contours next to its loss, so the
zig-zag of plain gradient descent, the smoother path of momentum and the overshoot of too
large a β can be compared. Like every explorer it builds and draws headless (a PNG in an
`ipywidgets.Output`), so nbval runs it.

Example:
    >>> explorer = optimizer_explorer(momentum=0.5, steps=40)
    >>> explorer.path.shape, explorer.runs
    ((41, 2), 1)
    >>> explorer.beta.value = 0.0  # what dragging the β slider does: plain gradient descent
    >>> explorer.runs
    2
"""

from __future__ import annotations

import html
import warnings
from collections.abc import Callable
from numbers import Real

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from backprop import optim, surfaces
from backprop._style import AMBER, BLUE, GREEN, RED
from backprop.plots import plot_trajectories
from backprop.widgets._controls import check_rate, check_rates, rate_slider
from backprop.widgets.render import html_to_text, show_figure, show_text

__all__ = ["OptimizerExplorer", "optimizer_explorer"]

_SCHEDULE_DEFAULTS: dict[str, dict[str, float]] = {
    "constant": {}, "step": {"drop": 0.5, "every": 20}, "exponential": {"decay": 0.97},
}


class OptimizerExplorer(widgets.VBox):
    """Learning rate, momentum β and schedule → an optimiser's path and its loss (lesson 5).

    Build it with `optimizer_explorer`. Its children are, top to bottom, `rate` (a
    `FloatLogSlider`), `beta` (a `FloatSlider`, 0 is plain gradient descent), `schedule` (a
    `Dropdown`: "constant", "step" or "exponential"), `status` (an `ipywidgets.HTML` line
    saying where the run ended) and `output` (an `ipywidgets.Output` holding the path over the
    surface's contours and the loss curve, as one PNG image).

    Attributes:
        surface: The `backprop.surfaces.Surface` the optimiser walks on.
        path: The points of the last run, shape (T, 2), the start first (shorter than
            steps + 1 when the run blew up), or None if the run failed.
        losses: The loss at each point of `path`, shape (T,), or None.
        diverged: Whether the last run blew up or failed.
        runs: How many runs have been made.
    """

    def __init__(
        self,
        surface: object,
        update_rule: Callable,
        controls: tuple[widgets.FloatLogSlider, widgets.FloatSlider, widgets.Dropdown],
        *,
        steps: int,
        start: tuple[float, float] | None,
        schedule_configs: dict[str, dict[str, float]],
        figsize: tuple[float, float],
    ) -> None:
        self.surface = surface
        self._rule = update_rule
        self._steps = steps
        self._start = start
        self._schedule_configs = schedule_configs
        self._figsize = figsize
        self.rate, self.beta, self.schedule = controls
        self.status = widgets.HTML()
        self.output = widgets.Output()
        self.path: np.ndarray | None = None
        self.losses: np.ndarray | None = None
        self.diverged = False
        self.runs = 0
        super().__init__(children=[self.rate, self.beta, self.schedule, self.status, self.output])
        # The first run happens now, so the cell shows a plot before anyone touches it; an
        # unwritten update rule (NotImplementedError) raises here, in the cell.
        self._update(first=True)
        for control in controls:
            control.observe(self._on_change, names="value")

    def __repr__(self) -> str:
        text = html_to_text(self.status.value)
        return (f"OptimizerExplorer(learning rate {self.rate.value:.3g}, β {self.beta.value:.2f}, "
                f"{self.schedule.value}: {text})")

    def _on_change(self, _change: dict) -> None:
        self._update(first=False)

    def _update(self, *, first: bool) -> None:
        self.runs += 1
        lr, beta, name = float(self.rate.value), float(self.beta.value), self.schedule.value
        schedule = None if name == "constant" else optim.SCHEDULES[name]
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                path, losses = surfaces.descend(
                    self.surface, self._rule, {"learning_rate": lr, "momentum": beta},
                    start=self._start, steps=self._steps, schedule=schedule,
                    schedule_config=self._schedule_configs.get(name) or None)
        except Exception as err:
            if first and not isinstance(err, ArithmeticError | ValueError):
                raise
            self.path = self.losses = None
            self.diverged = True
            self.status.value = (f'<span style="color:{RED}"><b>✗ The run failed</b> with '
                                 f"{type(err).__name__}: {html.escape(str(err))}</span>")
            show_text(self.output, "no plot: the run failed (see above)")
            return
        self.path, self.losses = path, losses
        self.diverged = len(path) < self._steps + 1
        self.status.value = self._verdict(path, losses)
        self._draw(path, losses, lr, beta, name)

    def _verdict(self, path: np.ndarray, losses: np.ndarray) -> str:
        if self.diverged:
            return (f'<span style="color:{RED}"><b>✗ Diverged</b> after {len(path) - 1} steps: '
                    "the steps overshoot. Lower the learning rate (or β).</span>")
        end = path[-1]
        points = [("the global minimum", m) for m in self.surface.minima[:1]]
        points += [("a local minimum", m) for m in self.surface.minima[1:]]
        points += [("the saddle point", s) for s in self.surface.saddles]
        label, where = min(points, key=lambda p: float(np.hypot(*(end - np.asarray(p[1])))))
        distance = float(np.hypot(*(end - np.asarray(where))))
        place = (f"{distance:.2g} from {label}" if distance < 0.1
                 else f"still on its way ({distance:.2g} from the nearest, {label})")
        colour = GREEN if label == "the global minimum" and distance < 0.1 else AMBER
        return (f'<span style="color:{colour}"><b>●</b></span> After {len(path) - 1} steps: '
                f"({end[0]:.3f}, {end[1]:.3f}), loss {losses[-1]:.4g}, {place}.")

    def _draw(self, path: np.ndarray, losses: np.ndarray, lr: float, beta: float,
              name: str) -> None:
        # A fixed layout: constrained layout would draw the figure twice per update, and a
        # slider must redraw within about 0.3 s (bench/widget_times.py).
        fig = Figure(figsize=self._figsize)
        ax_path, ax_loss = fig.subplots(1, 2, width_ratios=(1.4, 1))
        fig.subplots_adjust(left=0.07, right=0.98, bottom=0.13, top=0.9, wspace=0.25)
        label = f"lr {lr:.3g}, β {beta:.2f}, {name}"
        plot_trajectories(self.surface, {label: path}, ax=ax_path, levels=20)
        # The loss above the global minimum, on a log axis: fast and slow convergence, and a
        # run stuck in a local minimum (a floor above 0), all show on one scale.
        floor = float(self.surface.value(*self.surface.minima[0]))
        excess = np.maximum(losses - floor, 1e-16)
        ax_loss.semilogy(np.arange(len(excess)), excess, color=BLUE)
        ax_loss.set_xlabel("step")
        ax_loss.set_ylabel("loss − global minimum")
        ax_loss.set_title("loss (log scale)")
        ax_loss.grid(alpha=0.3)
        show_figure(self.output, fig, f"<optimiser path: {len(path) - 1} steps, {label}>", dpi=90)


def optimizer_explorer(
    surface: object = None,
    update_rule: Callable | None = None,
    *,
    learning_rate: float = 0.05,
    momentum: float = 0.7,
    schedule: str = "constant",
    steps: int = 60,
    start: tuple[float, float] | None = None,
    rates: tuple[float, float] = (1e-3, 0.5),
    schedule_configs: dict[str, dict[str, float]] | None = None,
    figsize: tuple[float, float] = (10.0, 4.0),
) -> OptimizerExplorer:
    """Build sliders that rerun an optimiser on a 2-D loss surface and redraw its path.

    Introduced in lesson 5 (momentum). Moving the learning-rate or β slider, or picking a
    schedule, reruns `surfaces.descend` from the same start (a few milliseconds) and redraws
    the path over the contours and the loss, so the zig-zag of plain gradient descent, the
    smoother path of momentum, and the overshoot of too large a β can be compared. Nothing
    is random: the same settings always give the same picture. The widget builds headless,
    so nbval runs it.

    Args:
        surface: A `backprop.surfaces.Surface`, or a name of `surfaces.SURFACES`
            ("quadratic", "rosenbrock", "two_minima"); the ill-conditioned quadratic if None.
        update_rule: `update(w, dw, config) -> (next_w, config)` using config keys
            "learning_rate" and "momentum", e.g. your own `sgd_momentum`;
            `backprop.optim.sgd_momentum` if None.
        learning_rate: The first run's learning rate, inside `rates`.
        momentum: The first run's β, in [0, 0.99]; 0 is plain gradient descent.
        schedule: "constant", "step" or "exponential"; a schedule counts steps as epochs.
        steps: Updates per run.
        start: The first point (x, y); the surface's own start if None.
        rates: The learning-rate slider's range (lowest, highest), both positive.
        schedule_configs: The keyword arguments of each schedule; by default step decay
            halves the rate every 20 steps and exponential decay multiplies it by 0.97 per step.
        figsize: Size of the figure in inches.

    Returns:
        An `OptimizerExplorer`, an `ipywidgets.VBox`: put it last in a cell to show it.

    Raises:
        TypeError: If the surface or the rule is of the wrong kind.
        ValueError: On a value outside its range or an unknown schedule.
        Exception: Whatever the first run of `update_rule` raises, other than an arithmetic
            or value error (for example NotImplementedError from an unwritten exercise).
    """
    if surface is None:
        surface = surfaces.ill_conditioned_quadratic()
    elif isinstance(surface, str):
        if surface not in surfaces.SURFACES:
            raise ValueError(f"unknown surface {surface!r}; choose one of "
                             f"{list(surfaces.SURFACES)}, or pass a Surface.")
        surface = surfaces.SURFACES[surface]()
    if not isinstance(surface, surfaces.Surface):
        raise TypeError(f"surface must be a backprop.surfaces.Surface or its name, got "
                        f"{type(surface).__name__}.")
    update_rule = optim.sgd_momentum if update_rule is None else update_rule
    if not callable(update_rule):
        raise TypeError("update_rule must be a function update(w, dw, config) -> (next_w, "
                        f"config), got {type(update_rule).__name__}; pass it without calling it.")
    low, high = check_rates(rates)
    learning_rate = check_rate(learning_rate, "learning_rate")
    if not low <= learning_rate <= high:
        raise ValueError(f"learning_rate {learning_rate:g} lies outside rates ({low:g}, "
                         f"{high:g}).")
    if isinstance(momentum, bool) or not isinstance(momentum, Real) or not 0 <= momentum <= 0.99:
        raise ValueError(f"momentum must be a number in [0, 0.99], got {momentum!r}.")
    configs = {k: dict(v) for k, v in _SCHEDULE_DEFAULTS.items()}
    configs.update({k: dict(v) for k, v in (schedule_configs or {}).items()})
    if schedule not in configs or (schedule != "constant" and schedule not in optim.SCHEDULES):
        raise ValueError(f"unknown schedule {schedule!r}; choose one of "
                         f"{list(_SCHEDULE_DEFAULTS)}.")
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 1:
        raise ValueError(f"steps must be a whole number >= 1, got {steps!r}.")
    style, width = {"description_width": "initial"}, widgets.Layout(width="420px")
    controls = (
        rate_slider(learning_rate, low, high, "420px"),
        widgets.FloatSlider(value=float(momentum), min=0.0, max=0.99, step=0.01,
                            description="momentum β", readout_format=".2f",
                            continuous_update=False, style=style, layout=width),
        widgets.Dropdown(options=list(_SCHEDULE_DEFAULTS), value=schedule,
                         description="schedule", style=style),
    )
    return OptimizerExplorer(surface, update_rule, controls, steps=steps, start=start,
                             schedule_configs=configs, figsize=figsize)
