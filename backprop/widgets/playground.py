"""The Backprop Playground: train a small network on 2-D data and watch it learn (lesson 3 on).

Introduced in lesson 3 and used again in lessons 4 to 7. `playground(...)` builds a panel in
the spirit of TensorFlow Playground, but every step runs this course's backprop code, and it
can run yours: hand it your own `affine_backward`, `relu_backward` or `sgd_momentum` through
`functions=` and watch the network learn (or not) with them.

The network is its own small loop, not `MLP`: per hidden layer affine → [batch norm] →
activation, then an affine output layer and the softmax cross-entropy, updated by an
`update(w, dw, config) -> (w, config)` rule (`backprop.optim.sgd_momentum`; momentum 0 is
plain SGD). Batch norm trains with the batch statistics and the heat map and the accuracy
use test mode (the running averages).

Play keeps the notebook responsive: an `ipywidgets.Play` counter ticks on a JavaScript timer
in the browser, and each tick runs one *frame* (`steps_per_frame` training steps, then one
redraw) in the kernel; ticks that queue up while a frame runs are dropped. Without a
browser the panel builds and steps all the same (`pg.step(100)`), so nbval and tests use it.

Notebooks import it as `from backprop.widgets import playground`. This module has the same
name as that function, and the package's name `backprop.widgets.playground` is the function;
the module's other names are imported from it directly, e.g.
`from backprop.widgets.playground import make_dataset`.

Example:
    >>> pg = playground("xor", hidden=(8,), learning_rate=0.1)
    >>> pg.step(200)
    >>> len(pg.history), pg.train_accuracy() > 0.9
    (200, True)
"""

from __future__ import annotations

import html
import time
import warnings
from collections.abc import Callable, Sequence
from numbers import Integral, Real

import ipywidgets as widgets
import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

from backprop import activations, layers, normalization, optim
from backprop._style import BLUE, GREEN, PALE_BLUE, RED
from backprop.data import make_circles, make_moons, make_spirals
from backprop.losses import softmax, softmax_cross_entropy
from backprop.widgets.render import figure_png

__all__ = ["DATASETS", "FUNCTION_NAMES", "Playground", "playground"]

DATASETS = ("xor", "moons", "spirals", "circles")
ACTIVATIONS = ("relu", "tanh", "sigmoid", "leaky_relu")
BATCH_SIZES = (1, 2, 4, 8, 16, 32, 64, 128, 256, "all")
FUNCTION_NAMES = ("affine_forward", "affine_backward",
                  *(f"{a}_{d}" for a in ACTIVATIONS for d in ("forward", "backward")),
                  "batchnorm_forward", "batchnorm_backward", "update")
MAX_LAYERS, MAX_WIDTH = 6, 128


class _Stop(Exception):
    """Training cannot go on; the message says why, in words, for the status line."""


def make_dataset(name: str, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Return one of the playground's data sets, standardised: (X (N, 2) float64, y (N,) int64).

    Introduced in lesson 3. "xor": 200 points in the square, class 1 where the signs of the
    coordinates differ; "moons": 200 points; "spirals": 3 arms of 100 points (lesson 3's);
    "circles": 200 points. Each column is then scaled to mean 0 and standard deviation 1.
    """
    if name == "xor":
        rng = np.random.default_rng(seed)
        X = rng.uniform(-1.0, 1.0, size=(200, 2))
        X += 0.1 * np.sign(X)  # keep a small gap along the axes, where the class flips
        y = (X[:, 0] * X[:, 1] < 0).astype(np.int64)
    elif name == "moons":
        X, y = make_moons(n=200, noise=0.15, seed=seed)
    elif name == "spirals":
        X, y = make_spirals(n_per_class=100, classes=3, noise=0.2, seed=seed)
    elif name == "circles":
        X, y = make_circles(n=200, noise=0.08, factor=0.5, seed=seed)
    else:
        raise ValueError(f"unknown dataset {name!r}; choose one of {list(DATASETS)}.")
    return (X - X.mean(axis=0)) / X.std(axis=0), y


def parse_hidden(text: object) -> tuple[int, ...]:
    """Read hidden-layer widths from "16, 16" (or a sequence of ints); "" means no hidden layer."""
    if isinstance(text, str):
        parts = [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]
        if not all(p.isdigit() for p in parts):
            raise ValueError(f"hidden layers: can't read {text!r}; write the widths separated by "
                             "commas, e.g. 16, 16 (or leave it empty for no hidden layer).")
        widths = tuple(int(p) for p in parts)
    elif isinstance(text, Sequence) and all(
            isinstance(w, Integral) and not isinstance(w, bool) for w in text):
        widths = tuple(int(w) for w in text)
    else:
        raise TypeError(f"hidden must be widths such as (16, 16) or the text '16, 16', got "
                        f"{text!r}.")
    if len(widths) > MAX_LAYERS or not all(1 <= w <= MAX_WIDTH for w in widths):
        raise ValueError(f"hidden layers: at most {MAX_LAYERS} layers, each 1 to {MAX_WIDTH} "
                         f"units wide, got {widths}.")
    return widths


def _describe(value: object) -> str:
    if value is None:
        return "None (is a `return` missing?)"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    if isinstance(value, tuple | list):
        return f"a {type(value).__name__} of {len(value)} items"
    return f"a {type(value).__name__}"


class _Network:
    """The headless engine: parameters, one training step, predictions, and checks on each call."""

    def __init__(self, X: np.ndarray, y: np.ndarray, hidden: tuple[int, ...], activation: str,
                 batchnorm: bool, seed: int, functions: dict[str, Callable]) -> None:
        self.X, self.y, self.activation, self.batchnorm = X, y, activation, batchnorm
        self.functions = functions
        classes = int(y.max()) + 1
        sizes = (X.shape[1], *hidden, classes)
        self.layers = len(sizes) - 1
        rng = np.random.default_rng([seed, 0])
        gain = 2.0 if activation in ("relu", "leaky_relu") else 1.0  # He, else Xavier
        self.params: dict[str, np.ndarray] = {}
        for i in range(1, self.layers + 1):
            fan_in, fan_out = sizes[i - 1], sizes[i]
            self.params[f"W{i}"] = rng.normal(0.0, np.sqrt(gain / fan_in), (fan_in, fan_out))
            self.params[f"b{i}"] = np.zeros(fan_out)
            if batchnorm and i < self.layers:
                self.params[f"gamma{i}"] = np.ones(fan_out)
                self.params[f"beta{i}"] = np.zeros(fan_out)
        self.configs: dict[str, dict] = {name: {} for name in self.params}
        self.bn_params = [{"mode": "train"} for _ in hidden] if batchnorm else []
        self._batches = np.random.default_rng([seed, 1])
        self._order, self._pos, self.epochs_done = self._batches.permutation(len(y)), 0, 0
        self.steps = 0

    def _fn(self, key: str) -> Callable:
        if key in self.functions:
            return self.functions[key]
        if key == "update":
            return optim.sgd_momentum
        module = layers if key.startswith("affine") else (
            normalization if key.startswith("batchnorm") else activations)
        return getattr(module, key)

    def _call(self, key: str, where: str, args: tuple, returns: Sequence[tuple[str, object]],
              *, single: bool = False) -> tuple:
        """Call one piece, check what it returned (names and shapes), or raise _Stop saying how."""
        yours = key in self.functions
        who = f"Your {key}" if yours else f"backprop's {key}"
        fix = (" Fix it, run its cell again, then run the playground's cell again (the panel "
               "keeps the function it was given)." if yours else "")
        try:
            result = self._fn(key)(*args)
        except Exception as err:
            if not yours and "NaN" in str(err):
                raise _Stop(f"The numbers blew up (NaN) in {where}: the learning rate is too "
                            "large. Lower it and press Reset.") from None
            detail = (f": {err}" if str(err) else " (is it still the exercise's stub?)"
                      if isinstance(err, NotImplementedError) else "")
            raise _Stop(f"{who} raised {type(err).__name__} on {where}{detail}.{fix}") from None
        form = "(" + ", ".join(name for name, _ in returns) + ")"
        if single:
            result = (result,)
        elif not isinstance(result, tuple | list) or len(result) != len(returns):
            raise _Stop(f"{who}, on {where}, should return the tuple {form}, but it returned "
                        f"{_describe(result)}.{fix}")
        for value, (name, shape) in zip(result, returns, strict=True):
            if shape == "dict":
                if not isinstance(value, dict):
                    raise _Stop(f"{who}, on {where}, returned {name} as {_describe(value)}; "
                                f"expected a dict.{fix}")
            elif shape is not None:
                if not isinstance(value, np.ndarray) or value.dtype.kind not in "iuf":
                    raise _Stop(f"{who}, on {where}, returned {name} as {_describe(value)}; "
                                f"expected a float array of shape {shape}.{fix}")
                if value.shape != shape:
                    raise _Stop(f"{who}, on {where}, returned {name} of shape {value.shape}, "
                                f"but expected shape {shape}.{fix}")
                if yours and not np.all(np.isfinite(value)):
                    raise _Stop(f"{who}, on {where}, returned {name} holding NaN or inf. If the "
                                "loss was growing, the learning rate is too large (lower it and "
                                f"press Reset); if not, check the function.{fix}")
        return tuple(result)

    def forward(self, x: np.ndarray, mode: str) -> tuple[np.ndarray, list]:
        """Return the scores (N, C) and each layer's caches; mode "train" or "test" (batch norm)."""
        caches, h, n = [], x, x.shape[0]
        for i in range(1, self.layers + 1):
            W, b = self.params[f"W{i}"], self.params[f"b{i}"]
            where = f"layer {i} of {self.layers}" + (" (the output layer)" if i == self.layers
                                                     else "")
            h, aff = self._call("affine_forward", where, (h, W, b),
                                [("out", (n, W.shape[1])), ("cache", None)])
            norm = act = None
            if i < self.layers:
                if self.batchnorm:
                    bn = self.bn_params[i - 1]
                    bn["mode"] = mode
                    if mode == "train" and n < 2:
                        raise _Stop("Batch norm needs at least 2 samples per batch to measure a "
                                    "variance: choose a batch size of 2 or more.")
                    h, norm = self._call("batchnorm_forward", where, (
                        h, self.params[f"gamma{i}"], self.params[f"beta{i}"], bn),
                        [("out", h.shape), ("cache", None)])
                h, act = self._call(f"{self.activation}_forward", where, (h,),
                                    [("out", h.shape), ("cache", None)])
            caches.append((aff, norm, act))
        return h, caches

    def train_step(self, learning_rate: float, momentum: float, batch_size: int) -> float:
        """One step on the next mini-batch (reshuffled each epoch); return its loss."""
        n = len(self.y)
        size = min(batch_size, n)
        if self._pos + size > n:
            self._order, self._pos = self._batches.permutation(n), 0
            self.epochs_done += 1
        idx = self._order[self._pos:self._pos + size]
        self._pos += size
        scores, caches = self.forward(self.X[idx], "train")
        if not np.all(np.isfinite(scores)):
            raise _Stop(f"The scores became inf or NaN at step {self.steps + 1}: the learning "
                        "rate is too large. Lower it and press Reset.")
        try:
            loss, d = softmax_cross_entropy(scores, self.y[idx])
        except (TypeError, ValueError) as err:
            raise _Stop(f"The loss could not be computed from the scores: {err}") from None
        grads = {}
        for i in range(self.layers, 0, -1):
            aff, norm, act = caches[i - 1]
            where = f"layer {i} of {self.layers}"
            if act is not None:
                d, = self._call(f"{self.activation}_backward", where, (d, act),
                                [("dx", d.shape)], single=True)
            if norm is not None:
                g = self.params[f"gamma{i}"]
                d, grads[f"gamma{i}"], grads[f"beta{i}"] = self._call(
                    "batchnorm_backward", where, (d, norm),
                    [("dx", d.shape), ("dgamma", g.shape), ("dbeta", g.shape)])
            W = self.params[f"W{i}"]
            d, grads[f"W{i}"], grads[f"b{i}"] = self._call(
                "affine_backward", where, (d, aff),
                [("dx", (size, W.shape[0])), ("dW", W.shape), ("db", (W.shape[1],))])
        for name, w in self.params.items():
            config = self.configs[name]
            config["learning_rate"], config["momentum"] = learning_rate, momentum
            self.params[name], self.configs[name] = self._call(
                "update", f"parameter {name} (shape {w.shape})", (w, grads[name], config),
                [("next_w", w.shape), ("config", "dict")])
        self.steps += 1
        return loss

    def epoch(self) -> float:
        return self.epochs_done + self._pos / len(self.y)

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        scores, _ = self.forward(x, "test")
        return softmax(np.nan_to_num(scores, nan=0.0, posinf=1e6, neginf=-1e6))


class Playground(widgets.VBox):
    """A panel that trains a small network on 2-D data, live (lessons 3 to 7).

    Build it with `playground`. Top to bottom: two rows of controls, the buttons (Play,
    Step, Reset), `status` (step, epoch, loss, training accuracy, or what went wrong) and
    `image` (the decision-boundary heat map with the data, and the loss curve).

    Changing the dataset, hidden layers, activation, batch norm or seed builds a new network
    (as Reset does); the learning rate, momentum, batch size and steps per frame take effect
    at the next step.

    Attributes:
        dataset, activation, batch_size: `ipywidgets.Dropdown`s.
        hidden: An `ipywidgets.Text` with the hidden widths, e.g. "16, 16".
        learning_rate: An `ipywidgets.FloatLogSlider`; momentum: a `FloatSlider` (β).
        batchnorm: An `ipywidgets.Checkbox`; seed: an `ipywidgets.BoundedIntText`.
        steps_per_frame: An `ipywidgets.IntSlider`: training steps per tick of Play or Step.
        play: The `ipywidgets.Play` whose ticks drive training; step_button, reset_button:
            `ipywidgets.Button`s.
        status: An `ipywidgets.HTML` line; image: an `ipywidgets.Image` (PNG).
        history: The loss of every step since the last reset, a list of floats.
        error: Why training stopped (plain text), or None.
        frame_seconds: (training, redraw) seconds of every frame, for the bench.
        net: The engine: `net.params` (W1, b1, ..., gamma1, beta1, ...), `net.bn_params`.
        X, y: The standardised data, shapes (N, 2) and (N,).
    """

    def __init__(self, controls: dict[str, widgets.Widget], *, functions: dict[str, Callable],
                 resolution: int, interval: int) -> None:
        for name, control in controls.items():
            setattr(self, name, control)
        self.functions = functions
        self.resolution = resolution
        self.play = widgets.Play(value=0, min=0, max=10**9, interval=interval,
                                 show_repeat=False, description="play")
        self.step_button = widgets.Button(description="Step", icon="step-forward",
                                          tooltip="train one frame (steps per frame), redraw")
        self.reset_button = widgets.Button(description="Reset", icon="undo",
                                           tooltip="new network from the seed")
        self.status = widgets.HTML()
        self.image = widgets.Image(format="png")
        for w, hook in ((self.play, "play"), (self.step_button, "step"),
                        (self.reset_button, "reset"), (self.status, "status"),
                        (self.image, "plot")):
            w.add_class(f"bp-playground-{hook}")
        self.history: list[float] = []
        self.error: str | None = None
        self.frame_seconds: list[tuple[float, float]] = []
        self._last_frame_end = 0.0
        self._stale = True
        self._fig = Figure(figsize=(9.0, 3.7), dpi=80)
        FigureCanvasAgg(self._fig)
        self._ax_map = self._fig.add_axes((0.055, 0.13, 0.37, 0.78))
        self._ax_loss = self._fig.add_axes((0.53, 0.13, 0.45, 0.78))
        row = widgets.Layout(flex_flow="row wrap", align_items="center")
        super().__init__(children=[
            widgets.HBox([self.dataset, self.hidden, self.activation, self.batchnorm],
                         layout=row),
            widgets.HBox([self.learning_rate, self.momentum, self.batch_size], layout=row),
            widgets.HBox([self.play, self.step_button, self.reset_button, self.steps_per_frame,
                          self.seed], layout=row),
            self.status, self.image])
        self.add_class("bp-playground")
        self.reset()
        for name in ("dataset", "hidden", "activation", "batchnorm", "seed"):
            controls[name].observe(lambda _change: self._safely(self.reset), names="value")
        self.play.observe(self._on_tick, names="value")
        self.step_button.on_click(lambda _button: self._safely(self.frame))
        self.reset_button.on_click(lambda _button: self._safely(self.reset))

    def __repr__(self) -> str:
        return f"Playground({self._status_text()})"

    def _repr_mimebundle_(self, **kwargs: object) -> dict | None:
        if self._stale:  # a cell shows the panel: draw the picture first
            self.redraw()
        return super()._repr_mimebundle_(**kwargs)

    # -- headless API ---------------------------------------------------------------------

    def reset(self) -> None:
        """Build a new network from the controls and the seed; clear the history; redraw."""
        self.history, self.error, self.net = [], None, None
        try:
            widths = parse_hidden(self.hidden.value)
        except (TypeError, ValueError) as err:
            self._stop(str(err))
            return
        self.X, self.y = make_dataset(self.dataset.value, int(self.seed.value))
        self.net = _Network(self.X, self.y, widths, self.activation.value,
                            bool(self.batchnorm.value), int(self.seed.value), self.functions)
        self._new_map()
        self._show_status()
        self._stale = True  # drawn when shown (or by redraw): headless runs skip the picture

    def step(self, n: int = 1, *, redraw: bool = True) -> None:
        """Train n steps (fewer if something goes wrong: see `error`), then redraw."""
        if isinstance(n, bool) or not isinstance(n, Integral) or n < 0:
            raise ValueError(f"n must be a whole number of steps >= 0, got {n!r}.")
        if self.net is not None and self.error is None:
            lr, beta = float(self.learning_rate.value), float(self.momentum.value)
            size = len(self.y) if self.batch_size.value == "all" else int(self.batch_size.value)

            def train() -> None:
                for _ in range(n):
                    self.history.append(self.net.train_step(lr, beta, size))
            self._quietly(train)
        self._stale = True
        if redraw:
            self.redraw()

    def frame(self) -> None:
        """What one tick of Play (or a click on Step) does: steps_per_frame steps, one redraw."""
        start = time.perf_counter()
        self.step(int(self.steps_per_frame.value), redraw=False)
        middle = time.perf_counter()
        self.redraw()
        self.frame_seconds.append((middle - start, time.perf_counter() - middle))

    def train_accuracy(self) -> float:
        """The fraction of training points classified correctly (batch norm in test mode)."""
        probs = None if self.net is None else self._quietly(self.net.probabilities, self.X)
        return float("nan") if probs is None else float(np.mean(probs.argmax(axis=1) == self.y))

    def redraw(self) -> None:
        """Redraw the heat map, the loss curve and the status line."""
        probs = None if self.net is None else self._quietly(self.net.probabilities, self._grid)
        if probs is not None:  # each class's colour, paler where the network is less sure
            c = probs.shape[1]
            alpha = 0.15 + 0.6 * (probs.max(axis=1) - 1 / c) / (1 - 1 / c)
            rgb = 1.0 - alpha[:, None] * (1.0 - self._colours[probs.argmax(axis=1)])
            self._heat.set_data(rgb.reshape(self.resolution, self.resolution, 3))
        losses = np.asarray(self.history)
        steps = np.arange(1, losses.size + 1)
        window = max(1, min(25, losses.size))
        self._raw.set_data(steps, losses)
        smooth = np.convolve(losses, np.ones(window) / window, mode="valid") if losses.size else []
        self._smooth.set_data(steps[window - 1:], smooth)
        finite = losses[np.isfinite(losses)]
        self._ax_loss.set_xlim(0, max(10, losses.size))
        self._ax_loss.set_ylim(max(finite.min() * 0.8, 1e-4) if finite.size else 0.01,
                               max(finite.max() * 1.25, 1e-3) if finite.size else 3.0)
        # zlib level 1: the fastest compression, for a somewhat larger PNG (bench/playground.py).
        self.image.value = figure_png(self._fig, compress_level=1)
        self._stale = False
        self._show_status()

    # -- inside -------------------------------------------------------------------------

    def _on_tick(self, change: dict) -> None:
        if change["new"] <= change["old"]:  # the stop button rewinds the counter
            return
        # Ticks that arrived while the last frame ran are a backlog: drop them, so a slow
        # frame never leaves a queue of work behind and Pause acts at once.
        if time.perf_counter() - self._last_frame_end < 0.5 * self.play.interval / 1000:
            return
        self._safely(self.frame)
        self._last_frame_end = time.perf_counter()

    def _quietly(self, action: Callable, *args: object) -> object:
        """Run a piece of training without warnings; on a _Stop, stop and return None."""
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                return action(*args)
        except _Stop as stop:
            self._stop(str(stop))
            return None

    def _safely(self, action: Callable[[], None]) -> None:
        """Run a button's or a tick's action; in a callback a traceback would go unseen."""
        try:
            action()
        except Exception as err:
            self._stop(f"unexpected {type(err).__name__}: {err}. Press Reset to start over.")

    def _stop(self, message: str) -> None:
        self.error = message
        self.play.playing = False
        self._show_status()

    def _new_map(self) -> None:
        """Set up the heat map for the current data: the grid, the colours and the points."""
        ax = self._ax_map
        ax.clear()
        low, high = self.X.min(axis=0) - 0.4, self.X.max(axis=0) + 0.4
        xs = np.linspace(low[0], high[0], self.resolution)
        ys = np.linspace(low[1], high[1], self.resolution)
        xx, yy = np.meshgrid(xs, ys)
        self._grid = np.column_stack([xx.ravel(), yy.ravel()])
        classes = int(self.y.max()) + 1
        self._colours = np.array(matplotlib.colormaps["tab10"].colors[:classes])
        self._heat = ax.imshow(np.ones((self.resolution, self.resolution, 3)), origin="lower",
                               extent=(low[0], high[0], low[1], high[1]), aspect="auto",
                               interpolation="bilinear")
        ax.scatter(self.X[:, 0], self.X[:, 1], c=self._colours[self.y], s=12,
                   edgecolors="k", linewidths=0.4)
        ax.set(xlim=(low[0], high[0]), ylim=(low[1], high[1]), xticks=[], yticks=[])
        # A title with an explicit y skips matplotlib's search for a free spot on every draw.
        ax.set_title(f"{self.dataset.value}: predicted class (shade = confidence)", y=1.01)
        ax = self._ax_loss
        ax.clear()
        (self._raw,) = ax.plot([], [], color=PALE_BLUE, linewidth=0.8)
        (self._smooth,) = ax.plot([], [], color=BLUE, linewidth=1.8)
        ax.set_yscale("log")
        # A loss usually spans less than two decades here: label 1, 2 and 5 of each decade
        # (as plain numbers), or the axis would show 10⁰ alone. No minor ticks: fewer to draw.
        ax.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
        ax.yaxis.set_minor_locator(NullLocator())
        ax.set_xlabel("step")
        ax.set_title("training loss, log scale (light: each step; dark: mean of 25)", y=1.01,
                     fontsize=10)
        ax.grid(alpha=0.3)

    def _status_text(self) -> str:
        if self.error is not None:
            return f"stopped: {self.error}"
        if self.net is None:
            return "no network"
        accuracy = self.train_accuracy()
        loss = f"{np.mean(self.history[-10:]):.4f}" if self.history else "–"
        prefixes = ("affine_", f"{self.net.activation}_", "update",
                    *(("batchnorm_",) if self.net.batchnorm else ()))
        used = [k for k in self.functions if k.startswith(prefixes)]
        yours = f" · your functions: {', '.join(used)}" if used else ""
        return (f"step {self.net.steps} · epoch {self.net.epoch():.1f} · loss {loss} "
                f"(last 10 steps) · train accuracy {accuracy:.1%}{yours}")

    def _show_status(self) -> None:
        text = html.escape(self._status_text())  # may find an error, so it comes first
        if self.error is not None:
            self.status.value = (f'<span style="color:{RED}"><b>✗ Training stopped.</b> '
                                 f"{html.escape(self.error)}</span>")
        else:
            self.status.value = f'<span style="color:{GREEN}">●</span> {text}'


def _number(value: object, name: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, Real) or not low <= value <= high:
        raise ValueError(f"{name} must be a number from {low:g} to {high:g}, got {value!r}.")
    return float(value)


def _check_functions(functions: object) -> dict[str, Callable]:
    if functions is None:
        return {}
    if not isinstance(functions, dict):
        raise TypeError("functions must be a dict such as {'affine_backward': affine_backward}, "
                        f"got {type(functions).__name__}.")
    for key, fn in functions.items():
        if key not in FUNCTION_NAMES:
            hint = (" Name the activation, e.g. 'relu_backward'." if key.startswith("activation")
                    else "")
            raise ValueError(f"functions has an unknown key {key!r}.{hint} Known keys: "
                             f"{', '.join(FUNCTION_NAMES)}.")
        if not callable(fn):
            raise TypeError(f"functions[{key!r}] must be a function, got {type(fn).__name__}; "
                            "pass the function itself, without calling it.")
    return dict(functions)


def playground(
    dataset: str = "spirals",
    hidden: Sequence[int] | str = (16, 16),
    activation: str = "relu",
    learning_rate: float = 0.03,
    momentum: float = 0.9,
    batchnorm: bool = False,
    batch_size: int = 32,
    seed: int = 0,
    functions: dict[str, Callable] | None = None,
    *,
    steps_per_frame: int = 10,
    interval: int = 100,
    resolution: int = 60,
) -> Playground:
    """Build the Backprop Playground: a network that trains on 2-D data as you watch.

    Introduced in lesson 3; lessons 4 (activations), 5 (momentum), 6 (batch norm) and 7 use
    it too. Press Play to train (each tick of its timer runs `steps_per_frame` steps and
    redraws), Step for one frame, Reset for a new network. With the defaults it fits the
    spirals to above 95 % training accuracy within a few seconds of play
    (`bench/playground.py` measures it).

    Your own functions can replace the package's, by name, in `functions`:
    "affine_forward" `(x, W, b) -> (out, cache)`; "affine_backward" `(dout, cache) ->
    (dx, dW, db)`; per activation, e.g. "relu_forward" `(x) -> (out, cache)` and
    "relu_backward" `(dout, cache) -> dx` (also "tanh_…", "sigmoid_…", "leaky_relu_…"; only
    the chosen activation's are called); "batchnorm_forward" and "batchnorm_backward" (the
    `backprop.normalization` signatures); and "update" `(w, dw, config) -> (next_w, config)`
    with config keys "learning_rate" and "momentum", e.g. your `sgd_momentum`. A backward
    function receives the cache of its forward partner (the package's, unless you gave your
    own). When one raises, or returns the wrong type or shape, training stops and the status
    line names the function, the layer, the expected shape and what came back.

    Args:
        dataset: "xor", "moons", "spirals" or "circles" (`make_dataset`).
        hidden: Hidden-layer widths, e.g. (16, 16) or "16, 16"; () for none. At most 6 layers
            of 1 to 128 units.
        activation: "relu", "tanh", "sigmoid" or "leaky_relu" (α = 0.01).
        learning_rate: From 0.001 to 3 (a log slider).
        momentum: β from 0 to 0.99; 0 is plain gradient descent.
        batchnorm: Batch norm after each hidden affine layer, before the activation.
        batch_size: One of 1, 2, 4, ..., 256 (the whole data set when larger than it), or
            "all" (full-batch gradient descent).
        seed: Seeds the data, the initial weights (He for ReLUs, Xavier otherwise) and the
            batch order: the same settings give the same run.
        functions: Your own pieces, as above.
        steps_per_frame: Training steps per tick of Play or click of Step (1 to 100).
        interval: Milliseconds between Play's ticks (at least 20).
        resolution: Grid points per side of the heat map (10 to 200).

    Returns:
        A `Playground`, an `ipywidgets.VBox`: put it last in a cell to show it.

    Raises:
        TypeError, ValueError: On a value of the wrong type or outside its range, an unknown
            dataset or activation, or an unknown key in `functions`.
    """
    if dataset not in DATASETS:
        raise ValueError(f"unknown dataset {dataset!r}; choose one of {list(DATASETS)}.")
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; choose one of {list(ACTIVATIONS)}.")
    widths = parse_hidden(hidden)
    learning_rate = _number(learning_rate, "learning_rate", 1e-3, 3.0)
    momentum = _number(momentum, "momentum", 0.0, 0.99)
    if not isinstance(batchnorm, bool):
        raise TypeError(f"batchnorm must be True or False, got {batchnorm!r}.")
    if isinstance(batch_size, bool) or batch_size not in BATCH_SIZES:
        raise ValueError(f"batch_size must be one of {list(BATCH_SIZES)}, got {batch_size!r}.")
    for name, value, low, high in (("seed", seed, 0, 10**6), ("steps_per_frame",
                                   steps_per_frame, 1, 100), ("interval", interval, 20, 10**4),
                                   ("resolution", resolution, 10, 200)):
        if isinstance(value, bool) or not isinstance(value, Integral) or not low <= value <= high:
            raise ValueError(f"{name} must be a whole number from {low} to {high}, got "
                             f"{value!r}.")
    functions = _check_functions(functions)
    style = {"description_width": "initial"}
    controls = {
        "dataset": widgets.Dropdown(options=[(d.upper() if d == "xor" else d, d)
                                             for d in DATASETS], value=dataset,
                                    description="data", layout=widgets.Layout(width="170px")),
        "hidden": widgets.Text(value=", ".join(map(str, widths)), description="hidden layers",
                               continuous_update=False, style=style,
                               layout=widgets.Layout(width="210px")),
        "activation": widgets.Dropdown(options=list(ACTIVATIONS), value=activation,
                                       description="activation", style=style,
                                       layout=widgets.Layout(width="190px")),
        "batchnorm": widgets.Checkbox(value=batchnorm, description="batch norm", indent=False,
                                      layout=widgets.Layout(width="110px")),
        "learning_rate": widgets.FloatLogSlider(
            value=learning_rate, base=10, min=-3, max=np.log10(3.0), step=0.05,
            description="learning rate", readout_format=".3g", continuous_update=False,
            style=style, layout=widgets.Layout(width="340px")),
        "momentum": widgets.FloatSlider(value=momentum, min=0.0, max=0.99, step=0.01,
                                        description="momentum β", readout_format=".2f",
                                        continuous_update=False, style=style,
                                        layout=widgets.Layout(width="300px")),
        "batch_size": widgets.Dropdown(options=list(BATCH_SIZES), value=batch_size,
                                       description="batch size", style=style,
                                       layout=widgets.Layout(width="160px")),
        "steps_per_frame": widgets.IntSlider(value=int(steps_per_frame), min=1, max=100,
                                             description="steps per frame",
                                             continuous_update=False, style=style,
                                             layout=widgets.Layout(width="300px")),
        "seed": widgets.BoundedIntText(value=int(seed), min=0, max=10**6, description="seed",
                                       layout=widgets.Layout(width="150px")),
    }
    return Playground(controls, functions=functions, resolution=int(resolution),
                      interval=int(interval))
