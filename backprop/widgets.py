"""Interactive explorers built with ipywidgets: move a slider, watch training change.

Lesson 2 introduces the first one, `learning_rate_explorer`: it reruns the learner's own
training function at the learning rate picked on a slider and redraws the loss curve.
Lesson 4's `gradient_norm_explorer` redraws the per-layer gradient norms of a deep network
as depth, activation and initialisation change; lesson 5's `optimizer_explorer` redraws an
optimiser's path over a 2-D loss surface, and its loss, as the learning rate, momentum and
schedule change.

Every explorer builds and draws its first state without a browser (the figure is rendered to
PNG and placed in an `ipywidgets.Output`), so nbval and CI run it headless; in a live notebook
it redraws whenever a slider moves. A run that blows up is reported inside the widget, in
words, rather than with a traceback.

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

import base64
import html
import io
import math
import re
import warnings
from collections.abc import Callable, Sequence
from numbers import Real

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from backprop.plots import plot_losses

__all__ = [
    "GradientNormExplorer",
    "LearningRateExplorer",
    "OptimizerExplorer",
    "Playground",
    "gradient_norm_explorer",
    "learning_rate_explorer",
    "optimizer_explorer",
    "playground",
]

_RED = "#c53030"  # the colour plots.py uses for a loss that blew up
_GREEN = "#2f855a"


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
        text = html.unescape(re.sub(r"<[^>]+>", "", self.status.value)).strip()
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
            f'<span style="color:{_RED}"><b>✗ The run at learning rate {rate:.3g} failed</b> '
            f"with {type(err).__name__}: {html.escape(str(err))}<br>If the numbers blew up, the "
            "step is too big: try a smaller learning rate.</span>"
        )
        self.output.outputs = (_text_output(f"no curve: the run at learning rate {rate:.3g} "
                                            "failed (see the message above)"),)

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
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=100)
        png = base64.b64encode(buffer.getvalue()).decode("ascii")
        self.output.outputs = ({
            "output_type": "display_data",
            "data": {"image/png": png,
                     "text/plain": f"<loss curve: {losses.size} steps, learning rate {rate:.3g}>"},
            "metadata": {},
        },)


def _text_output(text: str) -> dict:
    return {"output_type": "display_data", "data": {"text/plain": text}, "metadata": {}}


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
            f'<span style="color:{_RED}"><b>✗ Diverged:</b> the loss became {kind} at step '
            f"{bad + 1} of {steps}. Each step overshoots the minimum by more than the one "
            "before: lower the learning rate.</span>"
        )
    first, last = float(losses[0]), float(losses[-1])
    if last > first:
        return (
            f'<span style="color:{_RED}"><b>✗ The loss grew</b> from {first:.4g} to {last:.4g} '
            f"in {steps} steps: the steps overshoot. Lower the learning rate.</span>"
        )
    return (
        f'<span style="color:{_GREEN}"><b>✓</b></span> The loss fell from {first:.4g} to '
        f"{last:.4g} in {steps} steps."
    )


def _check_rate(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__} {value!r}.")
    value = float(value)
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a positive learning rate, got {value}.")
    return value


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
    low, high = (_check_rate(r, f"rates[{i}]") for i, r in enumerate(rates))
    if not low < high:
        raise ValueError(f"rates must be (lowest, highest) with lowest < highest, got {rates!r}.")
    if value is None:
        value = math.sqrt(low * high)
    value = _check_rate(value, "value")
    if not low <= value <= high:
        raise ValueError(f"value {value:g} lies outside rates ({low:g}, {high:g}); widen the "
                         "range or pick a value inside it.")
    lo_exp, hi_exp = math.log10(low), math.log10(high)
    slider = widgets.FloatLogSlider(
        value=value, base=10, min=lo_exp, max=hi_exp, step=(hi_exp - lo_exp) / 200,
        description="learning rate", readout_format=".3g", continuous_update=False,
        style={"description_width": "initial"}, layout=widgets.Layout(width="480px"),
    )
    return LearningRateExplorer(train, slider, log=log, ylim=ylim, title=title, figsize=figsize)


# --- Lesson 4 ---


_ACTIVATION_NAMES = ("sigmoid", "tanh", "relu", "leaky_relu")
_INIT_NAMES = ("auto", "xavier", "he", "normal")


class GradientNormExplorer(widgets.VBox):
    """Depth, activation and initialisation → the gradient norm of every layer (lesson 4).

    Build it with `gradient_norm_explorer`. Its children are, top to bottom, a row of
    controls (`depth`, `activation`, `init`, `scale`), `status` (an `ipywidgets.HTML` line
    naming what the gradients do) and `output` (an `ipywidgets.Output` holding the plot as a
    PNG image). The plot shows the current network and, faded, the one before, so that a
    change can be compared at a glance.

    Attributes:
        depth: An `ipywidgets.IntSlider`: the number of affine layers.
        activation: An `ipywidgets.Dropdown`: "sigmoid", "tanh", "relu" or "leaky_relu".
        init: An `ipywidgets.Dropdown`: "auto", "xavier", "he" or "normal".
        scale: An `ipywidgets.FloatLogSlider`: the weights' standard deviation for "normal"
            (disabled for the other initialisations).
        status: One line about the last network: layer 1's norm, layer L's, their ratio.
        output: The plot of the last network's per-layer gradient norms.
        norms: The norms of the last network, shape (L,), layer 1 first; None if they
            overflowed.
        runs: How many networks have been measured.
    """

    def __init__(
        self,
        X: np.ndarray,
        y: np.ndarray,
        controls: tuple[widgets.IntSlider, widgets.Dropdown, widgets.Dropdown,
                        widgets.FloatLogSlider],
        *,
        width: int,
        norms_fn: Callable[[dict], object] | None,
        seed: int,
        figsize: tuple[float, float],
    ) -> None:
        self._X, self._y = X, y
        self._classes = int(y.max()) + 1
        self._width = width
        self._norms_fn = norms_fn
        self._seed = seed
        self._figsize = figsize
        self.depth, self.activation, self.init, self.scale = controls
        self.status = widgets.HTML()
        self.output = widgets.Output()
        self.norms: np.ndarray | None = None
        self.runs = 0
        self._previous: tuple[str, np.ndarray] | None = None
        row = widgets.HBox([self.depth, self.activation, self.init, self.scale])
        super().__init__(children=[row, self.status, self.output])
        self.scale.disabled = self.init.value != "normal"
        # The first network is measured now; a broken norms function raises here, in the cell.
        self._update(first=True)
        for control in controls:
            control.observe(self._on_change, names="value")

    def __repr__(self) -> str:
        text = html.unescape(re.sub(r"<[^>]+>", "", self.status.value)).strip()
        return f"GradientNormExplorer({self._label()}: {text})"

    def _label(self) -> str:
        init = self.init.value
        if init == "normal":
            init = f"normal({self.scale.value:.3g})"
        return f"{self.depth.value} layers, {self.activation.value}, {init}"

    def _on_change(self, change: dict) -> None:
        self.scale.disabled = self.init.value != "normal"
        self._update(first=False)

    def _measure(self) -> np.ndarray | None:
        """The per-layer norms of a freshly initialised network; None if it overflowed."""
        from backprop.models import MLP

        depth = int(self.depth.value)
        sizes = [self._X.shape[1]] + [self._width] * (depth - 1) + [self._classes]
        kwargs: dict = {"init": self.init.value}
        if self.init.value == "normal":
            kwargs["weight_scale"] = float(self.scale.value)
        net = MLP(sizes, self.activation.value, seed=self._seed, **kwargs)
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            loss, grads = net.loss(self._X, self._y)
            if not np.isfinite(loss):
                return None
            if self._norms_fn is None:
                raw = [np.linalg.norm(grads[f"W{i}"]) for i in range(1, depth + 1)]
            else:
                raw = self._norms_fn(grads)
        norms = np.asarray(raw, dtype=np.float64)
        if norms.shape != (depth,):
            raise TypeError(
                f"the norms function must return one norm per layer, an array of shape "
                f"({depth},), but it returned shape {norms.shape}.")
        return norms if np.all(np.isfinite(norms)) else None

    def _update(self, *, first: bool) -> None:
        self.runs += 1
        label = self._label()
        try:
            norms = self._measure()
        except Exception as err:
            if first:
                raise
            # Later runs happen in a widget callback, where a traceback would go unseen.
            self.norms = None
            self.status.value = (f'<span style="color:{_RED}"><b>✗ Measuring failed</b> with '
                                 f"{type(err).__name__}: {html.escape(str(err))}</span>")
            self.output.outputs = (_text_output("no plot: measuring failed"),)
            return
        self.norms = norms
        if norms is None:
            self.status.value = (
                f'<span style="color:{_RED}"><b>✗ Overflow:</b> with {label} the scores or the '
                "gradients became inf or NaN: the weights are far too large. Lower the scale, "
                "or pick Xavier or He.</span>")
            self.output.outputs = (_text_output(f"no plot: {label} overflowed"),)
            return
        self.status.value = _gradient_verdict(norms)
        self._draw(label, norms)
        self._previous = (label, norms)

    def _draw(self, label: str, norms: np.ndarray) -> None:
        from backprop.plots import plot_gradient_norms

        fig = Figure(figsize=self._figsize, layout="constrained")
        ax = fig.subplots()
        series = {f"now: {label}": norms}
        if self._previous is not None and self._previous[0] != label:
            series = {f"before: {self._previous[0]}": self._previous[1], **series}
        plot_gradient_norms(series, ax=ax, title="gradient norm per layer, at initialisation")
        for line in ax.get_lines():
            if line.get_label().startswith("before"):
                line.set_alpha(0.35)
        ax.legend(fontsize=8)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=90)
        png = base64.b64encode(buffer.getvalue()).decode("ascii")
        self.output.outputs = ({
            "output_type": "display_data",
            "data": {"image/png": png, "text/plain": f"<gradient norms: {label}>"},
            "metadata": {},
        },)


def _gradient_verdict(norms: np.ndarray) -> str:
    """One line of HTML: how the norm changes from the last layer back to the first."""
    first, last = float(norms[0]), float(norms[-1])
    ratio = first / last if last > 0 else math.inf
    numbers = (f"layer 1: {first:.2g}, layer {len(norms)}: {last:.2g}, ratio layer 1 / "
               f"layer {len(norms)} = {ratio:.2g}.")
    if first == 0.0 or ratio < 1e-2:
        return (f'<span style="color:{_RED}"><b>Vanishing:</b></span> {numbers} The layers '
                "next to the input barely learn.")
    if float(np.max(norms)) < 1e-3:
        # A level line can still be tiny everywhere: the forward signal collapsed, and every
        # dW is built from those activations (too small a scale, or ReLU with Xavier, deep).
        return (f'<span style="color:{_RED}"><b>Vanishing in every layer:</b></span> {numbers} '
                "The signal collapsed on its way forward, so no layer learns.")
    if ratio > 1e2 or max(first, last) > 1e3:
        return (f'<span style="color:{_RED}"><b>Exploding:</b></span> {numbers} One step of '
                "gradient descent would throw the weights far away.")
    return f'<span style="color:{_GREEN}"><b>Healthy:</b></span> {numbers}'


def gradient_norm_explorer(
    X: np.ndarray,
    y: np.ndarray,
    *,
    depth: int = 10,
    activation: str = "sigmoid",
    init: str = "auto",
    weight_scale: float = 1.0,
    width: int = 64,
    max_depth: int = 20,
    norms: Callable[[dict], object] | None = None,
    seed: int = 0,
    figsize: tuple[float, float] = (6.4, 3.8),
) -> GradientNormExplorer:
    """Build controls for depth, activation and initialisation over a per-layer gradient plot.

    Introduced in lesson 4 (ReLU vs sigmoid). Each change builds a fresh `MLP` with
    `depth` affine layers of `width` units (seeded: the same settings always give the same
    weights), runs one forward and backward pass on (X, y), and plots ‖dW_i‖ for every
    layer, next to the network before. Nothing is trained: the plot shows how the
    gradients start, which is what the initialisation decides. One update takes well under
    0.3 s for a few hundred samples.

    Args:
        X: Inputs of shape (N, D); keep N to a few hundred so updates stay fast.
        y: Integer labels of shape (N,), 0 … C-1.
        depth: The number of affine layers at the start (2 … max_depth).
        activation: "sigmoid", "tanh", "relu" or "leaky_relu".
        init: "auto" (Xavier for sigmoid and tanh, He otherwise), "xavier", "he" or
            "normal" (standard deviation `weight_scale`).
        weight_scale: The standard deviation of "normal", between 0.001 and 10.
        width: Units in each hidden layer.
        max_depth: The largest depth the slider offers.
        norms: Your function norms(grads) -> array of shape (L,), layer 1 first, e.g. the
            lesson's `weight_gradient_norms`; the Frobenius norm of each dW when None.
        seed: Seed of the weights.
        figsize: Size of the figure in inches.

    Returns:
        A `GradientNormExplorer`, an `ipywidgets.VBox`: put it last in a cell to show it.

    Raises:
        TypeError: If X or y is not an array of the right kind, or `norms` is not callable
            or returns the wrong shape on the first network.
        ValueError: On a bad depth, width, scale, activation or init, or if X and y differ
            in length.
        Exception: Whatever the first call of `norms` raises (e.g. NotImplementedError
            from an unwritten exercise).
    """
    from backprop._checks import as_array, as_labels

    X = as_array(X, "X", 2, "(N, D)")
    y = as_labels(y, "y", len(X), of="X")
    if norms is not None and not callable(norms):
        raise TypeError(f"norms must be a function norms(grads) -> array, got "
                        f"{type(norms).__name__}; pass the function itself, not its result.")
    for name, value, low in (("width", width, 1), ("max_depth", max_depth, 2),
                             ("depth", depth, 2), ("seed", seed, 0)):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ValueError(f"{name} must be an integer >= {low}, got {value!r}.")
    if depth > max_depth:
        raise ValueError(f"depth {depth} is above max_depth {max_depth}; raise max_depth.")
    if activation not in _ACTIVATION_NAMES:
        raise ValueError(f"unknown activation {activation!r}; choose one of "
                         f"{list(_ACTIVATION_NAMES)}.")
    if init not in _INIT_NAMES:
        raise ValueError(f"unknown init {init!r}; choose one of {list(_INIT_NAMES)}.")
    weight_scale = _check_rate(weight_scale, "weight_scale")
    if not 1e-3 <= weight_scale <= 10.0:
        raise ValueError(f"weight_scale must lie between 0.001 and 10, got {weight_scale:g}.")
    style = {"description_width": "initial"}
    controls = (
        widgets.IntSlider(value=depth, min=2, max=max_depth, description="depth",
                          continuous_update=False, style=style,
                          layout=widgets.Layout(width="220px")),
        widgets.Dropdown(options=list(_ACTIVATION_NAMES), value=activation,
                         description="activation", style=style,
                         layout=widgets.Layout(width="190px")),
        widgets.Dropdown(options=list(_INIT_NAMES), value=init, description="init",
                         style=style, layout=widgets.Layout(width="130px")),
        widgets.FloatLogSlider(value=weight_scale, base=10, min=-3, max=1, step=0.05,
                               description="normal's std", readout_format=".3g",
                               continuous_update=False, style=style,
                               layout=widgets.Layout(width="300px")),
    )
    return GradientNormExplorer(X, y, controls, width=width, norms_fn=norms, seed=seed,
                                figsize=figsize)


# --- Lesson 5 ---


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
        text = html.unescape(re.sub(r"<[^>]+>", "", self.status.value)).strip()
        return (f"OptimizerExplorer(learning rate {self.rate.value:.3g}, β {self.beta.value:.2f}, "
                f"{self.schedule.value}: {text})")

    def _on_change(self, _change: dict) -> None:
        self._update(first=False)

    def _update(self, *, first: bool) -> None:
        from backprop import optim
        from backprop.surfaces import descend

        self.runs += 1
        lr, beta, name = float(self.rate.value), float(self.beta.value), self.schedule.value
        schedule = None if name == "constant" else optim.SCHEDULES[name]
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                path, losses = descend(
                    self.surface, self._rule, {"learning_rate": lr, "momentum": beta},
                    start=self._start, steps=self._steps, schedule=schedule,
                    schedule_config=self._schedule_configs.get(name) or None)
        except Exception as err:
            if first and not isinstance(err, ArithmeticError | ValueError):
                raise
            self.path = self.losses = None
            self.diverged = True
            self.status.value = (f'<span style="color:{_RED}"><b>✗ The run failed</b> with '
                                 f"{type(err).__name__}: {html.escape(str(err))}</span>")
            self.output.outputs = (_text_output("no plot: the run failed (see above)"),)
            return
        self.path, self.losses = path, losses
        self.diverged = len(path) < self._steps + 1
        self.status.value = self._verdict(path, losses)
        self._draw(path, losses, lr, beta, name)

    def _verdict(self, path: np.ndarray, losses: np.ndarray) -> str:
        if self.diverged:
            return (f'<span style="color:{_RED}"><b>✗ Diverged</b> after {len(path) - 1} steps: '
                    "the steps overshoot. Lower the learning rate (or β).</span>")
        end = path[-1]
        points = [("the global minimum", m) for m in self.surface.minima[:1]]
        points += [("a local minimum", m) for m in self.surface.minima[1:]]
        points += [("the saddle point", s) for s in self.surface.saddles]
        label, where = min(points, key=lambda p: float(np.hypot(*(end - np.asarray(p[1])))))
        distance = float(np.hypot(*(end - np.asarray(where))))
        place = (f"{distance:.2g} from {label}" if distance < 0.1
                 else f"still on its way ({distance:.2g} from the nearest, {label})")
        colour = _GREEN if label == "the global minimum" and distance < 0.1 else "#b7791f"
        return (f'<span style="color:{colour}"><b>●</b></span> After {len(path) - 1} steps: '
                f"({end[0]:.3f}, {end[1]:.3f}), loss {losses[-1]:.4g}, {place}.")

    def _draw(self, path: np.ndarray, losses: np.ndarray, lr: float, beta: float,
              name: str) -> None:
        from backprop.plots import plot_trajectories

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
        ax_loss.semilogy(np.arange(len(excess)), excess, color="#2b6cb0")
        ax_loss.set_xlabel("step")
        ax_loss.set_ylabel("loss − global minimum")
        ax_loss.set_title("loss (log scale)")
        ax_loss.grid(alpha=0.3)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=90)
        png = base64.b64encode(buffer.getvalue()).decode("ascii")
        self.output.outputs = ({
            "output_type": "display_data",
            "data": {"image/png": png,
                     "text/plain": f"<optimiser path: {len(path) - 1} steps, {label}>"},
            "metadata": {},
        },)


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
    from backprop import optim, surfaces

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
    low, high = (_check_rate(r, f"rates[{i}]") for i, r in enumerate(rates))
    if not low < high:
        raise ValueError(f"rates must be (lowest, highest) with lowest < highest, got {rates!r}.")
    learning_rate = _check_rate(learning_rate, "learning_rate")
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
    lo_exp, hi_exp = math.log10(low), math.log10(high)
    controls = (
        widgets.FloatLogSlider(value=learning_rate, base=10, min=lo_exp, max=hi_exp,
                               step=(hi_exp - lo_exp) / 200, description="learning rate",
                               readout_format=".3g", continuous_update=False, style=style,
                               layout=width),
        widgets.FloatSlider(value=float(momentum), min=0.0, max=0.99, step=0.01,
                            description="momentum β", readout_format=".2f",
                            continuous_update=False, style=style, layout=width),
        widgets.Dropdown(options=list(_SCHEDULE_DEFAULTS), value=schedule,
                         description="schedule", style=style),
    )
    return OptimizerExplorer(surface, update_rule, controls, steps=steps, start=start,
                             schedule_configs=configs, figsize=figsize)


# --- Playground (lessons 3-7) ---

# The Backprop Playground lives in its own module; it is re-exported here so that
# `from backprop.widgets import playground` works like the other explorers.
from backprop.playground import Playground, playground  # noqa: E402
