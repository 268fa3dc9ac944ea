"""Plots of training and of what a model learned (lessons 2 and 3), with matplotlib only.

- `plot_losses`: one loss curve, optionally smoothed; it survives a loss that blew up (lesson 2).
- `plot_history`: a Trainer's history, the loss per step beside the accuracy per epoch (lesson 3).
- `plot_decision_boundary`: the plane shaded by the class a model predicts, with the data on top
  (lessons 2 and 3).
- `show_digits`: a grid of 8×8 digit images, with wrong predictions in red (lesson 3).
- `plot_gradient_norms`: the gradient norm of every layer of a deep network, one line per
  network, to see gradients vanish or explode (lesson 4).
- `plot_activation_distributions`: a histogram of every layer's activations (lesson 4).
- `plot_trajectories`: optimisers' paths over the contours of a 2-D loss surface (lesson 5).

Every function draws on the axes it is given, or on a new figure, and returns what it drew on.
None of them calls `plt.show()`: a notebook shows the figure at the end of the cell.

Example:
    >>> ax = plot_losses([1.0, 0.5, 0.25])
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('step', 'loss')
    >>> plt.close("all")
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from numbers import Integral, Real

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.lines import Line2D
from matplotlib.ticker import FixedLocator, MaxNLocator, NullLocator

from backprop._checks import as_array, as_labels
from backprop._style import RED
from backprop.scalar import Value
from backprop.surfaces import Surface

__all__ = [
    "plot_activation_distributions",
    "plot_decision_boundary",
    "plot_gradient_norms",
    "plot_history",
    "plot_losses",
    "plot_trajectories",
    "show_digits",
]

_RAW_ALPHA = 0.3  # the raw curve under a moving average


# ---------------------------------------------------------------------------------------------
# Input checks
# ---------------------------------------------------------------------------------------------


def _count(value: object, name: str, minimum: int = 1) -> int:
    """Return `value` as an int, or raise if it is not a whole number >= `minimum`."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} ({value!r}).")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}.")
    return int(value)


def _series(values: object, name: str, *, allow_empty: bool = False) -> np.ndarray:
    """Return a sequence of numbers (a list or a 1-D array) as a 1-D float64 array."""
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as err:
        try:
            first = next(iter(values), None)
        except TypeError:  # not iterable
            first = None
        hint = (
            " Its items are Value objects: record the number, e.g. losses.append(loss.data), "
            "not the Value itself."
            if isinstance(first, Value)
            else " Pass a list of floats or a 1-D float array."
        )
        raise TypeError(f"{name} must hold numbers, one per step or epoch: {err}.{hint}") from None
    if arr.ndim != 1:
        fix = (
            "a single number: collect one value per step in a list"
            if arr.ndim == 0
            else f"use np.ravel({name}) if it holds one value per step"
        )
        raise ValueError(f"{name} must be 1-D, one value per step or epoch; got shape "
                         f"{arr.shape}. It looks like {fix}.")
    if arr.size == 0 and not allow_empty:
        raise ValueError(f"{name} is empty: there is nothing to plot. Train for at least one step.")
    return arr


def _class_colours(n_classes: int) -> tuple[ListedColormap, BoundaryNorm]:
    """One fixed colour per class (tab10, then tab20), so points and regions always agree."""
    if n_classes <= 10:
        colours = matplotlib.colormaps["tab10"].colors[:n_classes]
    elif n_classes <= 20:
        colours = matplotlib.colormaps["tab20"].colors[:n_classes]
    else:
        colours = matplotlib.colormaps["turbo"](np.linspace(0.0, 1.0, n_classes))
    cmap = ListedColormap(colours, name=f"classes{n_classes}")
    return cmap, BoundaryNorm(np.arange(n_classes + 1) - 0.5, n_classes)


# ---------------------------------------------------------------------------------------------
# Loss curves
# ---------------------------------------------------------------------------------------------


def _moving_average(y: np.ndarray, window: int) -> np.ndarray:
    """Trailing mean over the last `window` values (fewer at the start), in O(len(y)).

    A running cumsum would be shorter, but after a loss spike of 1e200 (or near 1e308, just
    before a NaN) its differences lose every later value, or overflow. Here each window sum adds
    at most two partial sums taken inside blocks of `window` values, so it stays exact.
    """
    n, w = y.size, window
    z = np.zeros(-(-(n + w - 1) // w) * w)  # w - 1 zeros in front, then y, then zeros
    z[w - 1 : w - 1 + n] = y / w
    blocks = z.reshape(-1, w)
    head = np.cumsum(blocks, axis=1).ravel()  # sum from the start of each block
    tail = np.cumsum(blocks[:, ::-1], axis=1)[:, ::-1].ravel()  # sum to the end of each block
    first = np.arange(n)  # window i covers z[first[i] : first[i] + w]
    last = first + w - 1
    sums = head[last]
    split = first % w != 0  # the window starts inside one block and ends inside the next
    sums[split] += tail[first[split]]
    return sums * (w / np.minimum(np.arange(1, n + 1), w))


def _draw_losses(
    ax: Axes, losses: np.ndarray, *, label: str | None, smooth: int | None, log: bool
) -> None:
    """Draw a validated 1-D loss array against steps 1..T; mark the first non-finite value."""
    finite = np.isfinite(losses)
    stop = losses.size if finite.all() else int(np.argmin(finite))  # index of the first bad one
    y = losses[:stop]
    steps = np.arange(1, stop + 1)
    if smooth is None:
        ax.plot(steps, y, label=label, gid="loss")
    else:
        (raw,) = ax.plot(steps, y, alpha=_RAW_ALPHA, lw=1, gid="loss")
        ax.plot(steps, _moving_average(y, smooth), color=raw.get_color(), lw=2,
                label=label if label is not None else f"mean of the last {smooth} steps",
                gid="loss_smoothed")
    if stop < losses.size:
        text = f"diverged at step {stop + 1}"
        style = {"color": RED, "fontsize": 9, "fontweight": "bold"}
        if stop:  # point at the last finite loss, from the right edge, away from the curve
            scaled = np.log10(y) if log and y.min() > 0 else y
            span = float(scaled.max() - scaled.min())
            high = span > 0 and (scaled[-1] - scaled.min()) / span > 0.5
            ax.annotate(text, xy=(stop, y[-1]), xytext=(0.97, 0.3 if high else 0.75),
                        textcoords="axes fraction", ha="right", va="center",
                        arrowprops={"arrowstyle": "->", "color": RED}, **style)
        else:
            ax.annotate(text + " (no finite loss to plot)", xy=(0.5, 0.5),
                        xycoords="axes fraction", ha="center", va="center", **style)
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    # A linear axis cannot pad or tick data this close to the largest float (about 1.8e308).
    if log or (y.size and float(np.abs(y).max()) > 1e307):
        _log_axis(ax, y)
    if any(not h.get_label().startswith("_") for h in ax.get_lines()):
        ax.legend(loc="best", fontsize=9)


def _log_axis(ax: Axes, y: np.ndarray) -> None:
    """Put the finite losses `y` on a log axis, with fixed limits and ticks near 1e308.

    A loss that blew up can reach 1e305 before it turns inf. Matplotlib pads a log axis, and
    places its ticks, a few decades beyond the data, and 10 ** 310 overflows with a
    RuntimeWarning at every draw; explicit limits and tick positions avoid that. Losses that
    are all <= 0 (a perfect fit) cannot go on a log axis, so the axis stays linear.
    """
    positive = y[y > 0]
    if y.size and not positive.size:
        return
    high = float(np.log10(positive.max())) if positive.size else 0.0
    if high < 250.0:
        ax.set_yscale("log")
        return
    low = float(np.log10(positive.min()))
    pad = 0.05 * max(high - low, 1.0)
    bottom, top = low - pad, min(high + pad, 308.25)
    step = next(s for s in (1, 2, 5, 10, 20, 50, 100) if (top - bottom) / s <= 8)
    decades = np.arange(math.ceil(bottom / step) * step, math.floor(top) + 1, step)
    ax.set_ylim(10.0**bottom, 10.0**top)  # before the scale, which would autoscale
    ax.set_yscale("log")
    ax.yaxis.set_major_locator(FixedLocator(10.0**decades))
    ax.yaxis.set_minor_locator(NullLocator())


def plot_losses(
    losses: Sequence[float] | np.ndarray,
    ax: Axes | None = None,
    *,
    label: str | None = None,
    smooth: int | None = None,
    log: bool = False,
    title: str | None = None,
) -> Axes:
    """Plot one loss curve, the loss after each training step.

    Introduced in lesson 2 (gradient descent on one neuron), where a slider reruns training at a
    new learning rate and redraws: the function is cheap, with no loop over the steps.

    Steps are numbered from 1 (step k is the k-th update). A loss that blew up (NaN or inf) does
    not crash the plot: the curve stops before the first non-finite value, and an annotation
    says "diverged at step k". Call it several times on one `ax`, with labels, to compare runs.

    Args:
        losses: T losses, one per step: a list of floats or an array of shape (T,).
        ax: Axes to draw on; a new figure is made when omitted.
        label: Legend entry for this curve (a legend is drawn when some curve has a label).
        smooth: If given, the window of a moving average over that many steps, drawn on top of
            the raw curve, which is then drawn faint in the same colour.
        log: Use a logarithmic loss axis (unless no loss is > 0). A loss above 1e307 (close
            to the largest float, which a linear axis cannot show) gets one anyway.
        title: Title of the axes.

    Returns:
        The axes the curve was drawn on.

    Raises:
        TypeError: If `losses` does not hold numbers (e.g. it holds `Value` objects), or
            `smooth` is not an int.
        ValueError: If `losses` is empty or not 1-D, or `smooth` < 1.
    """
    arr = _series(losses, "losses")
    if smooth is not None:
        smooth = _count(smooth, "smooth")
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 4.0), layout="constrained")
    _draw_losses(ax, arr, label=label, smooth=smooth, log=log)
    if title is not None:
        ax.set_title(title)
    return ax


def plot_history(
    history: Mapping[str, object], axes: Sequence[Axes] | np.ndarray | None = None
) -> np.ndarray:
    """Plot a training history: the loss per step (left) and the accuracy per epoch (right).

    Introduced in lesson 3 (training an MLP on the digits). The loss is drawn raw and faint,
    with a moving average on top when there are 50 steps or more, and on a log axis when the
    positive losses span more than four orders of magnitude. When the number of steps per
    epoch is known, the loss panel gets an "epoch" axis on top, and faint lines where each epoch
    ends, so that it lines up with the accuracy panel: accuracy after epoch e is drawn at e, which
    is step e * steps_per_epoch on the left.

    Args:
        history: The dict a Trainer keeps, with keys
            "loss": T floats, one per step;
            "train_acc": E floats, one per epoch (may be empty, before the first epoch ends);
            "val_acc": E floats, one per epoch (optional, may be empty);
            "steps_per_epoch": an int (optional; when missing, it is taken as T / E if that
            divides exactly).
        axes: Two axes to draw on, (loss, accuracy); a new figure is made when omitted.

    Returns:
        An array of shape (2,) holding the loss axes and the accuracy axes.

    Raises:
        TypeError: If `history` is not a dict, or one of its entries has the wrong type.
        ValueError: If "loss" or "train_acc" is missing, "loss" is empty, "val_acc" and
            "train_acc" differ in length, or `axes` is not two axes.
    """
    if not isinstance(history, Mapping):
        raise TypeError(f"history must be a dict such as trainer.history, got "
                        f"{type(history).__name__}.")
    for key in ("loss", "train_acc"):
        if key not in history:
            raise ValueError(
                f"history has no {key!r} key (it has {sorted(map(str, history))}). Pass the dict "
                "a Trainer keeps, with 'loss' (one float per step) and 'train_acc' (one float per "
                "epoch); for a bare list of losses use plot_losses."
            )
    loss = _series(history["loss"], 'history["loss"]')
    train_acc = _series(history["train_acc"], 'history["train_acc"]', allow_empty=True)
    val = history.get("val_acc")
    val_acc = _series(val, 'history["val_acc"]', allow_empty=True) if val is not None else None
    if val_acc is not None and val_acc.size and val_acc.size != train_acc.size:
        raise ValueError(
            f'history["val_acc"] has {val_acc.size} values but history["train_acc"] has '
            f"{train_acc.size}; both hold one value per epoch. Record both at the end of every "
            "epoch."
        )
    n_epochs = train_acc.size
    per_epoch = history.get("steps_per_epoch")
    if per_epoch is not None:
        per_epoch = _count(per_epoch, 'history["steps_per_epoch"]')
    elif n_epochs and loss.size % n_epochs == 0:
        per_epoch = loss.size // n_epochs

    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(11.0, 4.0), layout="constrained")
    axes = np.asarray(axes, dtype=object).ravel()
    if axes.size != 2 or not all(isinstance(a, Axes) for a in axes):
        raise ValueError(f"axes must be two matplotlib Axes (loss, accuracy), got "
                         f"{axes.size} item(s). Make them with plt.subplots(1, 2).")
    ax_loss, ax_acc = axes

    smooth = max(5, loss.size // 50) if loss.size >= 50 else None
    finite = loss[np.isfinite(loss)]
    # A loss that spans orders of magnitude (it blew up, or went to ~0) reads better on a log axis.
    log = (finite.size > 1 and finite.min() > 0
           and np.log10(finite.max()) - np.log10(finite.min()) > 4)
    _draw_losses(ax_loss, loss, label=None, smooth=smooth, log=bool(log))
    ax_loss.set_title("loss per step", pad=8)
    if per_epoch and n_epochs:
        epochs_axis = ax_loss.secondary_xaxis(
            "top", functions=(lambda s: s / per_epoch, lambda e: e * per_epoch))
        epochs_axis.set_xlabel("epoch", fontsize=9)
        epochs_axis.xaxis.set_major_locator(MaxNLocator(integer=True))
        epochs_axis.tick_params(labelsize=8)
        if n_epochs <= 20:
            for e in range(1, n_epochs + 1):
                ax_loss.axvline(e * per_epoch, color="0.75", lw=0.8, ls=":", zorder=0,
                                gid="epoch_end")

    epochs = np.arange(1, n_epochs + 1)
    ax_acc.set_title("accuracy per epoch")
    ax_acc.set_xlabel("epoch")
    ax_acc.set_ylabel("accuracy")
    ax_acc.xaxis.set_major_locator(MaxNLocator(integer=True))
    if n_epochs:
        ax_acc.plot(epochs, train_acc, "o-", ms=4, label="train", gid="train_acc")
        if val_acc is not None and val_acc.size:
            ax_acc.plot(epochs, val_acc, "s--", ms=4, label="validation", gid="val_acc")
        ax_acc.legend(loc="best", fontsize=9)
    else:
        ax_acc.text(0.5, 0.5, "no epoch finished yet", transform=ax_acc.transAxes,
                    ha="center", va="center", color="0.4")
        ax_acc.set_yticks([])
        ax_acc.set_xticks([])
    return axes


# ---------------------------------------------------------------------------------------------
# Decision boundaries
# ---------------------------------------------------------------------------------------------


def _read_predictions(out: object, m: int) -> tuple[np.ndarray, np.ndarray | None, int]:
    """Turn predict's output on m grid points into (labels (m,), probabilities or None, C)."""
    if isinstance(out, tuple):
        raise TypeError(
            f"predict returned a tuple of {len(out)} items; it must return one array. If it is "
            "a forward function returning (out, cache), pass lambda P: f(P)[0]."
        )
    arr = np.asarray(out)
    expected = (f"expected ({m}, C) class scores, ({m},) or ({m}, 1) probabilities of class 1, "
                f"or ({m},) integer labels, one row per grid point")
    if arr.ndim not in (1, 2) or arr.shape[0] != m or (arr.ndim == 2 and arr.shape[1] == 0):
        raise ValueError(f"predict returned an array of shape {arr.shape} for {m} grid points; "
                         f"{expected}. Does it sum or average over the points?")
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"predict returned dtype {arr.dtype}; {expected}.")
    if arr.dtype.kind == "f" and not np.isfinite(arr).all():
        raise ValueError("predict returned NaN or inf on some grid points: did training "
                         "diverge? Check the loss curve, or lower the learning rate.")
    if arr.ndim == 2 and arr.shape[1] > 1:  # scores: the predicted class is the largest one
        return arr.argmax(axis=1), None, arr.shape[1]
    arr = arr.reshape(m)
    if arr.dtype.kind == "f":
        low, high = float(arr.min()), float(arr.max())
        if low < 0.0 or high > 1.0:
            raise ValueError(
                f"predict returned 1-D floats in [{low:.3g}, {high:.3g}]; a 1-D float output is "
                "read as the probability of class 1, in [0, 1]. Apply the sigmoid to raw "
                "scores, or return integer labels with .astype(int)."
            )
        return (arr > 0.5).astype(np.int64), arr, 2
    labels = as_labels(arr, "predict's output", allow_bool=True)
    return labels, None, int(labels.max()) + 1


def plot_decision_boundary(
    predict: Callable[[np.ndarray], np.ndarray],
    X: np.ndarray,
    y: np.ndarray,
    ax: Axes | None = None,
    *,
    resolution: int = 200,
    padding: float = 0.5,
    title: str | None = None,
) -> Axes:
    """Shade the plane by the class a model predicts, and draw the labelled points on top.

    Introduced in lesson 2 (one sigmoid neuron: a straight boundary) and used again in lesson 3
    (an MLP: curved boundaries). `predict` is called once, on all grid points together.

    What `predict` returns decides how the class is read:
    scores of shape (M, C) → the class with the largest score;
    floats of shape (M,) or (M, 1) in [0, 1] → the probability of class 1, thresholded at 0.5
    (the 0.5 contour is drawn as a black line);
    integers or booleans of shape (M,) → the labels themselves.
    Points and regions share one colour per class (tab10 up to 10 classes).

    Args:
        predict: A function from an (M, 2) float64 array of points to predictions, as above.
        X: The data, shape (N, 2).
        y: Integer class labels, shape (N,).
        ax: Axes to draw on; a new figure is made when omitted.
        resolution: Grid points along each axis (M = resolution**2).
        padding: Margin around the data, in data units, on every side.
        title: Title of the axes.

    Returns:
        The axes the plot was drawn on.

    Raises:
        TypeError: If `predict` is not callable, X or y has the wrong dtype, or predict returns
            a tuple or non-numbers.
        ValueError: If X is not (N, 2), y is not (N,), or predict's output has the wrong number
            of rows, probabilities outside [0, 1], or NaN.
    """
    if not callable(predict):
        raise TypeError(
            f"predict must be a function from an (M, 2) array of points to predictions, got "
            f"{type(predict).__name__}. Pass the function itself, e.g. lambda P: model(P), "
            "not its output."
        )
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(
            f"X has shape {X.shape}, expected (N, 2): decision boundaries are drawn for 2-D "
            "inputs only. Use a toy data set with two features, or plot two columns of X."
        )
    if X.dtype.kind == "b":  # True/False coordinates are 1/0
        X = X.astype(np.float64)
    X = as_array(X, "X", 2, "(N, 2)", allow_int=True, finite=True).astype(np.float64, copy=False)
    if X.shape[0] == 0:
        raise ValueError("X has no points (shape (0, 2)); pass at least one point.")
    y = as_labels(np.asarray(y), "y", len(X), of="X", allow_bool=True)
    resolution = _count(resolution, "resolution", minimum=2)
    if isinstance(padding, bool) or not isinstance(padding, Real) or not math.isfinite(padding):
        raise TypeError(f"padding must be a finite number (data units), got {padding!r}.")
    if padding < 0:
        raise ValueError(f"padding must be >= 0, got {padding}.")

    low, high = X.min(axis=0) - padding, X.max(axis=0) + padding
    flat = high - low == 0  # a single point and no padding: give the grid some width
    low, high = np.where(flat, low - 0.5, low), np.where(flat, high + 0.5, high)
    xs = np.linspace(low[0], high[0], resolution)
    ys = np.linspace(low[1], high[1], resolution)
    xx, yy = np.meshgrid(xs, ys)  # row i is ys[i], column j is xs[j]
    grid = np.column_stack([xx.ravel(), yy.ravel()])
    regions, probs, n_scores = _read_predictions(predict(grid), grid.shape[0])

    n_classes = max(2, n_scores, int(regions.max()) + 1, int(y.max()) + 1)
    cmap, norm = _class_colours(n_classes)
    if ax is None:
        _, ax = plt.subplots(figsize=(5.6, 4.8), layout="constrained")
    ax.pcolormesh(xs, ys, regions.reshape(resolution, resolution), cmap=cmap, norm=norm,
                  alpha=0.35, shading="nearest", rasterized=True, gid="regions")
    if probs is not None and probs.min() < 0.5 < probs.max():
        ax.contour(xs, ys, probs.reshape(resolution, resolution), levels=[0.5], colors="k",
                   linewidths=1.2)
    size = float(np.clip(3000.0 / X.shape[0], 8.0, 60.0))
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap=cmap, norm=norm, s=size, edgecolors="k",
               linewidths=0.5, zorder=3, gid="points")
    if n_classes <= 10:
        handles = [Line2D([], [], ls="", marker="o", mfc=cmap(k), mec="k", mew=0.5,
                          label=f"class {k}") for k in range(n_classes)]
        ax.legend(handles=handles, loc="best", fontsize=8, framealpha=0.85)
    ax.set_xlim(xs[0], xs[-1])
    ax.set_ylim(ys[0], ys[-1])
    ax.set_xlabel("$x_1$  (X[:, 0])")
    ax.set_ylabel("$x_2$  (X[:, 1])")
    if title is not None:
        ax.set_title(title)
    return ax


# ---------------------------------------------------------------------------------------------
# Digits
# ---------------------------------------------------------------------------------------------


def _digit_axes(ax: Axes | Sequence[Axes] | np.ndarray | None, count: int) -> np.ndarray:
    """Return a grid of axes with room for `count` images, made or taken from `ax`."""
    cols = math.ceil(math.sqrt(count))
    rows = math.ceil(count / cols)
    if ax is None:
        _, grid = plt.subplots(rows, cols, figsize=(1.25 * cols + 0.3, 1.4 * rows + 0.2),
                               squeeze=False, layout="constrained")
        return grid
    if isinstance(ax, Axes):  # split its place in the figure into a grid of small axes
        spec = ax.get_subplotspec()
        if spec is None:
            raise ValueError("ax was not made by plt.subplots or add_subplot, so it cannot be "
                             "split into a grid; pass an array of axes, or no ax.")
        fig = ax.figure
        ax.remove()
        cells = spec.subgridspec(rows, cols)
        return np.array([[fig.add_subplot(cells[r, c]) for c in range(cols)]
                         for r in range(rows)], dtype=object)
    grid = np.asarray(ax, dtype=object)
    if not all(isinstance(a, Axes) for a in grid.flat):
        raise TypeError("ax must be an Axes, an array of Axes (e.g. from plt.subplots(4, 4)), "
                        "or None.")
    if grid.size < count:
        raise ValueError(f"ax holds {grid.size} axes but {count} images are to be shown; pass "
                         f"n={grid.size}, or more axes.")
    return grid


def show_digits(
    images: np.ndarray,
    labels: np.ndarray | None = None,
    predicted: np.ndarray | None = None,
    n: int = 16,
    ax: Axes | Sequence[Axes] | np.ndarray | None = None,
) -> np.ndarray:
    """Show the first `n` digit images in a grid, titled with their labels and predictions.

    Introduced in lesson 3 (an MLP on the 8×8 digits). Each title is "label", or
    "label → predicted" when predictions are given; a wrong prediction is titled in red.
    All images share one grey scale (dark is ink), so brightness compares across images.

    Args:
        images: N images, shape (N, 8, 8) or flattened (N, 64).
        labels: True labels, integers of shape (N,), or None.
        predicted: Predicted labels, integers of shape (N,), or None. For class scores (N, C),
            pass scores.argmax(axis=1).
        n: How many images to show: the first min(n, N).
        ax: Where to draw: None for a new figure; an Axes whose place in its figure is split
            into the grid (it is removed); or an array of at least min(n, N) Axes.

    Returns:
        The array of axes of the grid (shape (rows, cols) when it is made here); axes beyond
        the images shown are left blank.

    Raises:
        TypeError: If images, labels or predicted have the wrong dtype, or ax is not axes.
        ValueError: If images is not (N, 8, 8) or (N, 64), labels or predicted is not (N,),
            n < 1, or the given axes are too few.
    """
    arr = np.asarray(images)
    if arr.ndim == 2 and arr.shape[1] == 64:
        arr = arr.reshape(-1, 8, 8)
    if arr.ndim != 3 or arr.shape[1:] != (8, 8):
        fix = " For a single image, pass images[None]." if arr.shape in ((8, 8), (64,)) else ""
        raise ValueError(f"images has shape {arr.shape}, expected (N, 8, 8) or (N, 64): "
                         f"8×8 digit images.{fix}")
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"images has dtype {arr.dtype}, expected numbers (pixel intensities).")
    if arr.shape[0] == 0:
        raise ValueError("images is empty (N = 0); there is nothing to show.")
    n_images = arr.shape[0]
    true = pred = None
    if labels is not None:
        true = as_labels(np.asarray(labels), "labels", n_images, of="images", allow_bool=True)
    if predicted is not None:
        pred = as_labels(np.asarray(predicted), "predicted", n_images, of="images",
                         allow_bool=True)
    count = min(_count(n, "n"), n_images)

    grid = _digit_axes(ax, count)
    shown = arr[:count].astype(np.float64)
    vmin, vmax = float(shown.min()), float(shown.max())
    for i, a in enumerate(grid.flat):
        a.set_axis_off()
        if i >= count:
            continue
        a.imshow(shown[i], cmap="gray_r", vmin=vmin, vmax=vmax, interpolation="nearest")
        parts = [str(true[i])] if true is not None else []
        if pred is not None:
            parts.append(f"→ {pred[i]}")
        wrong = true is not None and pred is not None and true[i] != pred[i]
        a.set_title(" ".join(parts), fontsize=10, color=RED if wrong else "black",
                    fontweight="bold" if wrong else "normal")
    return grid


# ---------------------------------------------------------------------------------------------
# Lesson 4: what depth does to gradients and activations
# ---------------------------------------------------------------------------------------------


def plot_gradient_norms(
    norms: Mapping[str, Sequence[float] | np.ndarray],
    ax: Axes | None = None,
    *,
    log: bool = True,
    title: str | None = None,
) -> Axes:
    """Plot the gradient norm of each layer, one line per network.

    Introduced in lesson 4. Layer 1 (next to the input) is on the left; a line that falls
    toward the left shows gradients vanishing on their way back, one that rises shows them
    exploding.

    Args:
        norms: A label (e.g. "sigmoid") → the norms of layers 1 … L, a sequence or an array of
            shape (L,), e.g. from `models.layer_gradient_norms`.
        ax: Axes to draw on; a new figure is made when omitted.
        log: A logarithmic norm axis (the default: the norms span many powers of ten). Zeros
            can't be drawn on it; they are marked at the bottom edge.
        title: Title of the axes.

    Returns:
        The axes.

    Raises:
        TypeError: If norms is not a mapping of labels to numbers.
        ValueError: If it is empty, or a series is empty, negative or NaN.
    """
    if not isinstance(norms, Mapping) or not norms:
        raise TypeError("norms must be a non-empty dict of label -> per-layer norms, e.g. "
                        "{'sigmoid': layer_gradient_norms(net, X, y)}.")
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 4.0), layout="constrained")
    longest = 1
    for label, values in norms.items():
        arr = _series(values, f"norms[{label!r}]")
        if np.any(np.isnan(arr)) or np.any(arr < 0):
            raise ValueError(f"norms[{label!r}] must hold norms (>= 0, no NaN), got {arr}.")
        layers = np.arange(1, len(arr) + 1)
        longest = max(longest, len(arr))
        shown = np.where(arr > 0, arr, np.nan) if log else arr
        (line,) = ax.plot(layers, shown, marker="o", label=str(label))
        if log and np.any(arr == 0):
            # A zero gradient (every unit dead) has no place on a log axis: mark it below.
            ax.plot(layers[arr == 0], np.zeros(np.sum(arr == 0)), "v", color=line.get_color(),
                    clip_on=False, transform=ax.get_xaxis_transform())
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("layer (1 = next to the input)")
    ax.set_ylabel("‖dW‖ (gradient norm)")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlim(0.5, longest + 0.5)
    ax.legend()
    if title is not None:
        ax.set_title(title)
    return ax


def plot_activation_distributions(
    activations: Sequence[np.ndarray],
    axes: Sequence[Axes] | np.ndarray | None = None,
    *,
    bins: int = 40,
    title: str | None = None,
) -> np.ndarray:
    """Draw a histogram of each hidden layer's activations, one small panel per layer.

    Introduced in lesson 4. With a good initialisation the spread stays about the same from
    layer to layer; with a poor one it collapses to 0, or piles up at a sigmoid's 0 and 1
    (saturation), where the derivative is nearly 0.

    Args:
        activations: One array per hidden layer, e.g. `MLP.hidden_activations(X)`; layer i
            of any shape, usually (N, H_i).
        axes: As many axes as layers; a new row of panels is made when omitted.
        bins: Histogram bins per panel.
        title: A title over the panels.

    Returns:
        The axes, an array of shape (L,).

    Raises:
        TypeError: If activations is not a sequence of arrays.
        ValueError: If it is empty, holds NaN, or `axes` has the wrong length.
    """
    if isinstance(activations, np.ndarray) or not isinstance(activations, Sequence) \
            or not activations:
        raise TypeError("activations must be a non-empty list of arrays, one per layer, "
                        "e.g. net.hidden_activations(X).")
    bins = _count(bins, "bins")
    layers = []
    for i, a in enumerate(activations, start=1):
        a = np.asarray(a, dtype=np.float64).ravel()
        if np.isnan(a).any():
            raise ValueError(f"the activations of layer {i} contain NaN; the network "
                             "overflowed. Use a smaller weight scale.")
        layers.append(a)
    if axes is None:
        cols = len(layers)
        # One x range for all panels: a spread that collapses layer by layer must look it.
        fig, axes = plt.subplots(1, cols, figsize=(min(1.7 * cols + 1, 16), 2.6),
                                 layout="constrained", sharex=True, sharey=True, squeeze=False)
        axes = axes[0]
        if title is not None:
            fig.suptitle(title)
    axes = np.asarray(axes, dtype=object).ravel()
    if len(axes) != len(layers):
        raise ValueError(f"got {len(axes)} axes for {len(layers)} layers; give one per layer.")
    finite_all = np.concatenate([a[np.isfinite(a)] for a in layers])
    low, high = (finite_all.min(), finite_all.max()) if finite_all.size else (-1.0, 1.0)
    # The same bins in every panel: a layer whose values collapse to one spike shows as one
    # tall bar, rather than as a spread redrawn at a finer scale.
    edges = np.linspace(low, high if high > low else low + 1.0, bins + 1)
    for i, (ax, a) in enumerate(zip(axes, layers, strict=True), start=1):
        finite = a[np.isfinite(a)]
        # Weights: each panel shows fractions of its units, comparable across layers.
        ax.hist(finite, bins=edges, weights=np.full(len(finite), 1 / max(len(finite), 1)))
        ax.set_title(f"layer {i}\nstd {finite.std():.2g}", fontsize=9)
        ax.tick_params(labelsize=8)
    axes[0].set_ylabel("fraction of units")
    return axes


# ---------------------------------------------------------------------------------------------
# Lesson 5: optimisers on a loss surface
# ---------------------------------------------------------------------------------------------


def plot_trajectories(
    surface: Surface,
    paths: Mapping[str, np.ndarray],
    ax: Axes | None = None,
    *,
    levels: int = 30,
    title: str | None = None,
) -> Axes:
    """Draw a loss surface's contours and the path each optimiser took across it.

    Introduced in lesson 5. The minima are marked with stars and saddle points with
    crosses; each path starts at a circle and ends at a square.

    Args:
        surface: From `backprop.surfaces`.
        paths: A label → the points visited, shape (T, 2), e.g. from `surfaces.descend`.
        ax: Axes to draw on; a new figure is made when omitted.
        levels: Number of contour levels (spaced evenly on a log scale of the loss above
            its minimum, so the valley floor is as readable as the walls).
        title: Title of the axes; the surface's name when omitted.

    Returns:
        The axes.

    Raises:
        TypeError: If surface is not a Surface or paths is not a mapping.
        ValueError: If a path is not of shape (T, 2) or holds NaN.
    """
    if not isinstance(surface, Surface):
        raise TypeError(f"surface must be a backprop.surfaces.Surface, got "
                        f"{type(surface).__name__}; e.g. surfaces.two_minima().")
    if not isinstance(paths, Mapping):
        raise TypeError("paths must be a dict of label -> array of shape (T, 2).")
    levels = _count(levels, "levels", 2)
    if ax is None:
        _, ax = plt.subplots(figsize=(6.4, 4.4), layout="constrained")
    xs = np.linspace(*surface.xlim, 200)
    ys = np.linspace(*surface.ylim, 200)
    gx, gy = np.meshgrid(xs, ys)
    z = surface.value(gx, gy)
    floor = z.min()
    # Contours of log(L - min): the valley's floor gets as many lines as its walls.
    shifted = np.log10(z - floor + 1e-4 * (z.max() - floor) + 1e-12)
    ax.contourf(gx, gy, shifted, levels=levels, cmap="Blues_r", alpha=0.7)
    ax.contour(gx, gy, shifted, levels=levels, colors="white", linewidths=0.4, alpha=0.6)
    for i, (mx, my) in enumerate(surface.minima):
        ax.plot(mx, my, "*", color="gold" if i == 0 else "orange", markersize=14,
                markeredgecolor="black", zorder=5,
                label="global minimum" if i == 0 else ("local minimum" if i == 1 else None))
    for sx, sy in surface.saddles:
        ax.plot(sx, sy, "X", color="white", markeredgecolor="black", markersize=10, zorder=5,
                label="saddle point")
    for label, path in paths.items():
        p = as_array(np.asarray(path, dtype=np.float64), f"paths[{label!r}]", 2, "(T, 2)")
        if p.shape[1] != 2 or len(p) == 0:
            raise ValueError(f"paths[{label!r}] must have shape (T, 2), got {p.shape}.")
        (line,) = ax.plot(p[:, 0], p[:, 1], ".-", markersize=3, linewidth=1.2, label=str(label))
        ax.plot(p[0, 0], p[0, 1], "o", color=line.get_color(), markeredgecolor="black")
        ax.plot(p[-1, 0], p[-1, 1], "s", color=line.get_color(), markeredgecolor="black")
    ax.set_xlim(*surface.xlim)
    ax.set_ylim(*surface.ylim)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.set_title(surface.name if title is None else title)
    ax.legend(fontsize=8, loc="best")
    return ax
