"""Lesson 4's explorer: depth, activation and initialisation → the gradient norm of each layer.

Introduced in lesson 4 (ReLU vs sigmoid): `gradient_norm_explorer` builds a fresh, seeded
`MLP` whenever a control changes, runs one forward and backward pass, and redraws ‖dW_i‖ of
every layer next to the network before, so that vanishing and exploding gradients, and what
Xavier and He initialisation do about them, can be seen at a glance. Like every explorer it
builds and draws headless (a PNG in an `ipywidgets.Output`), so nbval runs it.

Example:
    >>> from backprop.data import load_digits
    >>> X, y = load_digits()
    >>> explorer = gradient_norm_explorer(X[:64] / 16.0, y[:64], depth=6)
    >>> explorer.norms.shape, explorer.runs
    ((6,), 1)
    >>> explorer.activation.value = "relu"  # what picking another activation does
    >>> explorer.runs
    2
"""

from __future__ import annotations

import html
import math
import warnings
from collections.abc import Callable

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from backprop._checks import as_array, as_labels
from backprop._style import GREEN, RED
from backprop.models import MLP
from backprop.plots import plot_gradient_norms
from backprop.widgets._controls import check_rate
from backprop.widgets.render import html_to_text, show_figure, show_text

__all__ = ["GradientNormExplorer", "gradient_norm_explorer"]

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
        return f"GradientNormExplorer({self._label()}: {html_to_text(self.status.value)})"

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
            self.status.value = (f'<span style="color:{RED}"><b>✗ Measuring failed</b> with '
                                 f"{type(err).__name__}: {html.escape(str(err))}</span>")
            show_text(self.output, "no plot: measuring failed")
            return
        self.norms = norms
        if norms is None:
            self.status.value = (
                f'<span style="color:{RED}"><b>✗ Overflow:</b> with {label} the scores or the '
                "gradients became inf or NaN: the weights are far too large. Lower the scale, "
                "or pick Xavier or He.</span>")
            show_text(self.output, f"no plot: {label} overflowed")
            return
        self.status.value = _gradient_verdict(norms)
        self._draw(label, norms)
        self._previous = (label, norms)

    def _draw(self, label: str, norms: np.ndarray) -> None:
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
        show_figure(self.output, fig, f"<gradient norms: {label}>", dpi=90)


def _gradient_verdict(norms: np.ndarray) -> str:
    """One line of HTML: how the norm changes from the last layer back to the first."""
    first, last = float(norms[0]), float(norms[-1])
    ratio = first / last if last > 0 else math.inf
    numbers = (f"layer 1: {first:.2g}, layer {len(norms)}: {last:.2g}, ratio layer 1 / "
               f"layer {len(norms)} = {ratio:.2g}.")
    if first == 0.0 or ratio < 1e-2:
        return (f'<span style="color:{RED}"><b>Vanishing:</b></span> {numbers} The layers '
                "next to the input barely learn.")
    if float(np.max(norms)) < 1e-3:
        # A level line can still be tiny everywhere: the forward signal collapsed, and every
        # dW is built from those activations (too small a scale, or ReLU with Xavier, deep).
        return (f'<span style="color:{RED}"><b>Vanishing in every layer:</b></span> {numbers} '
                "The signal collapsed on its way forward, so no layer learns.")
    if ratio > 1e2 or max(first, last) > 1e3:
        return (f'<span style="color:{RED}"><b>Exploding:</b></span> {numbers} One step of '
                "gradient descent would throw the weights far away.")
    return f'<span style="color:{GREEN}"><b>Healthy:</b></span> {numbers}'


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
    weight_scale = check_rate(weight_scale, "weight_scale")
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
