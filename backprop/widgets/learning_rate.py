"""Lesson 2's explorer: move a learning-rate slider, watch the loss curve of a training change.

Introduced in lesson 2 (gradient descent on one neuron): `learning_rate_explorer` reruns the
learner's own training function at the learning rate picked on a log-scale slider and
redraws the loss curve. It builds and draws its first run without a browser (the figure is
rendered to PNG and placed in an `ipywidgets.Output`), so nbval and CI run it headless; in a
live notebook it redraws whenever the slider is released. A run that blows up is reported
inside the widget, in words, rather than with a traceback.

Example:
    >>> explorer = learning_rate_explorer(lambda lr: [1.0, 1.0 - lr, 1.0 - 2 * lr],
    ...                                   rates=(0.01, 0.4), value=0.1)
    >>> explorer.rate, explorer.runs
    (0.1, 1)
    >>> explorer.slider.value = 0.2  # what dragging the slider does
    >>> explorer.rate, explorer.runs
    (0.2, 2)
"""

from __future__ import annotations

import html
import math
import warnings
from collections.abc import Callable, Sequence
from numbers import Real

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from backprop._style import GREEN, RED
from backprop.plots import plot_losses
from backprop.widgets._controls import check_rate, check_rates, rate_slider
from backprop.widgets.render import html_to_text, show_figure, show_text

__all__ = ["LearningRateExplorer", "learning_rate_explorer"]


class LearningRateExplorer(widgets.VBox):
    """A log-scale learning-rate slider above the loss curve of a training run (lesson 2).

    Build it with `learning_rate_explorer`. Its children are, top to bottom, `slider`
    (an `ipywidgets.FloatLogSlider`), `status` (an `ipywidgets.HTML` line saying how the run
    went) and `output` (an `ipywidgets.Output` holding the loss curve as a PNG image).

    Attributes:
        slider: The learning-rate slider; setting its value reruns training and redraws.
        status: One line about the last run: how far the loss fell, or that it diverged.
        output: The loss curve of the last run.
        rate: The learning rate of the last run.
        losses: The losses of the last run, a float array of shape (T,), or None if the run
            failed.
        diverged: Whether the last run failed, or its loss became NaN or inf, or grew.
        runs: How many times `train` has been called.
    """

    def __init__(
        self,
        train: Callable[[float], Sequence[float]],
        slider: widgets.FloatLogSlider,
        *,
        log: bool,
        ylim: tuple[float, float] | None,
        title: str | None,
        figsize: tuple[float, float],
    ) -> None:
        self._train = train
        self._log = log
        self._ylim = ylim
        self._title = title
        self._figsize = figsize
        self.slider = slider
        self.status = widgets.HTML()
        self.output = widgets.Output()
        self.rate = float(slider.value)
        self.losses: np.ndarray | None = None
        self.diverged = False
        self.runs = 0
        super().__init__(children=[self.slider, self.status, self.output])
        # The first run happens now, so the widget shows a curve before anyone touches it.
        # Mistakes in `train` itself (a stub, a wrong return value) raise here, in the cell.
        self._update(self.rate, first=True)
        self.slider.observe(self._on_change, names="value")

    def __repr__(self) -> str:
        # The text a static view shows in place of the widget: what the first run did.
        text = html_to_text(self.status.value)
        return f"LearningRateExplorer(learning rate {self.rate:.3g}: {text})"

    # -- running and drawing ------------------------------------------------------------

    def _on_change(self, change: dict) -> None:
        self._update(float(change["new"]), first=False)

    def _update(self, rate: float, *, first: bool) -> None:
        """Run train(rate), then redraw the curve and the status line."""
        self.rate = rate
        self.runs += 1
        try:
            # A run that blows up overflows; its warnings would only clutter the notebook,
            # and the status line says the same thing in words.
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                raw = self._train(rate)
            losses = _as_losses(raw)
        except (ArithmeticError, ValueError) as err:  # overflow, a NaN check, ...
            self._show_failure(rate, err)
            return
        except Exception as err:
            if first:
                raise
            # Later runs happen in a slider callback, where a traceback would go unseen.
            self._show_failure(rate, err)
            return
        self.losses = losses
        self.diverged = _diverged(losses)
        self.status.value = _verdict(losses)
        self._draw(rate, losses)

    def _show_failure(self, rate: float, err: BaseException) -> None:
        self.losses = None
        self.diverged = True
        self.status.value = (
            f'<span style="color:{RED}"><b>✗ The run at learning rate {rate:.3g} failed</b> '
            f"with {type(err).__name__}: {html.escape(str(err))}<br>If the numbers blew up, the "
            "step is too big: try a smaller learning rate.</span>"
        )
        show_text(self.output, f"no curve: the run at learning rate {rate:.3g} "
                               "failed (see the message above)")

    def _draw(self, rate: float, losses: np.ndarray) -> None:
        fig = Figure(figsize=self._figsize, layout="constrained")
        ax = fig.subplots()
        title = self._title if self._title is not None else f"learning rate {rate:.3g}"
        # A log axis needs positive values; a run that diverged to inf is cut by plot_losses.
        finite = losses[np.isfinite(losses)]
        log = self._log and finite.size > 0 and bool(finite.min() > 0)
        plot_losses(losses, ax=ax, log=log, title=title)
        if self._ylim is not None:
            ax.set_ylim(*self._ylim)
        show_figure(self.output, fig,
                    f"<loss curve: {losses.size} steps, learning rate {rate:.3g}>", dpi=100)


def _as_losses(raw: object) -> np.ndarray:
    """Return train's result as a 1-D float array, or raise TypeError saying what to return."""
    what = "train(learning_rate) must return the losses of the run, one number per step"
    if isinstance(raw, tuple) and not all(isinstance(v, Real) for v in raw):
        raise TypeError(
            f"{what}, but it returned a tuple of {len(raw)} items. If your function returns "
            "(w, b, losses), pass lambda lr: f(lr)[-1] instead."
        )
    try:
        losses = np.asarray(raw, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{what}, but it returned {type(raw).__name__}.") from None
    if losses.ndim != 1 or losses.size == 0:
        raise TypeError(f"{what} (a list or a 1-D array), but it returned shape {losses.shape}.")
    return losses


def _diverged(losses: np.ndarray) -> bool:
    return bool(not np.all(np.isfinite(losses)) or losses[-1] > losses[0])


def _verdict(losses: np.ndarray) -> str:
    """One line of HTML about a finished run."""
    steps = losses.size
    if not np.all(np.isfinite(losses)):
        bad = int(np.argmin(np.isfinite(losses)))
        kind = "NaN" if np.isnan(losses[bad]) else "inf"
        return (
            f'<span style="color:{RED}"><b>✗ Diverged:</b> the loss became {kind} at step '
            f"{bad + 1} of {steps}. Each step overshoots the minimum by more than the one "
            "before: lower the learning rate.</span>"
        )
    first, last = float(losses[0]), float(losses[-1])
    if last > first:
        return (
            f'<span style="color:{RED}"><b>✗ The loss grew</b> from {first:.4g} to {last:.4g} '
            f"in {steps} steps: the steps overshoot. Lower the learning rate.</span>"
        )
    return (
        f'<span style="color:{GREEN}"><b>✓</b></span> The loss fell from {first:.4g} to '
        f"{last:.4g} in {steps} steps."
    )


def learning_rate_explorer(
    train: Callable[[float], Sequence[float]],
    rates: tuple[float, float] = (1e-3, 1.0),
    value: float | None = None,
    *,
    log: bool = True,
    ylim: tuple[float, float] | None = None,
    title: str | None = None,
    figsize: tuple[float, float] = (6.4, 3.6),
) -> LearningRateExplorer:
    """Build a slider that reruns training at a new learning rate and redraws the loss curve.

    Introduced in lesson 2 (gradient descent on one neuron). The slider is logarithmic,
    because learning rates that matter differ by factors, not by steps: 0.001, 0.01, 0.1.
    Training reruns when the slider is released. The first run happens while the widget is
    built, so the cell shows a curve even where widgets can't be moved (nbval, a static view).

    A run that diverges does not crash the widget: when `train` raises an arithmetic or value
    error, or its losses turn NaN or inf, or the last loss is above the first, the status line
    says so and suggests a smaller learning rate.

    Args:
        train: Called as train(learning_rate); runs a whole training from the same start and
            returns its T losses, one per step (a list of floats or an array of shape (T,)).
            Keep it fast (well under a second): it runs on every move of the slider.
        rates: The slider's range, (lowest, highest), both positive.
        value: The learning rate of the first run; the geometric middle of `rates` by default.
        log: Draw the loss on a logarithmic axis (when all losses are positive), which shows
            slow and fast convergence, and divergence, on one scale.
        ylim: Fixed (bottom, top) limits of the loss axis, so that runs can be compared
            by eye; chosen per run when None.
        title: Title of the plot; "learning rate ..." by default.
        figsize: Size of the figure in inches.

    Returns:
        A `LearningRateExplorer`, an `ipywidgets.VBox`: put it last in a cell to show it.

    Raises:
        TypeError: If `train` is not callable, a rate is not a number, or the first run
            returns something other than a list of losses.
        ValueError: If the rates are not positive and increasing, or `value` lies outside them.
        Exception: Whatever the first call of `train` raises, other than an arithmetic or
            value error (for example NotImplementedError from an unwritten exercise).
    """
    if not callable(train):
        raise TypeError(
            f"train must be a function of the learning rate that returns the losses, got "
            f"{type(train).__name__}. Pass the function itself, e.g. lambda lr: run(lr), "
            "not the result of calling it."
        )
    if not (isinstance(rates, Sequence) and len(rates) == 2):
        raise TypeError(f"rates must be a pair (lowest, highest), got {rates!r}.")
    low, high = check_rates(rates)
    if value is None:
        value = math.sqrt(low * high)
    value = check_rate(value, "value")
    if not low <= value <= high:
        raise ValueError(f"value {value:g} lies outside rates ({low:g}, {high:g}); widen the "
                         "range or pick a value inside it.")
    slider = rate_slider(value, low, high, "480px")
    return LearningRateExplorer(train, slider, log=log, ylim=ylim, title=title, figsize=figsize)
