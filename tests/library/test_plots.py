"""Tests for backprop.plots: what the drawn artists hold, not only that nothing raised."""

from __future__ import annotations

import warnings

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.axes import Axes
from matplotlib.collections import PathCollection, QuadMesh
from matplotlib.colors import to_rgba

from backprop.plots import plot_decision_boundary, plot_history, plot_losses, show_digits
from backprop.scalar import Value

matplotlib.use("Agg")  # no display needed, whatever MPLBACKEND says

RED = to_rgba("#c53030")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _line(ax: Axes, gid: str):
    found = [line for line in ax.get_lines() if line.get_gid() == gid]
    assert len(found) == 1, f"expected one line with gid {gid!r}, got {len(found)}"
    return found[0]


def _texts(ax: Axes) -> list[str]:
    return [t.get_text() for t in ax.texts]


def _regions(ax: Axes) -> np.ndarray:
    """The class drawn in each grid cell: rows go up in x2, columns go right in x1."""
    meshes = [c for c in ax.collections if isinstance(c, QuadMesh)]
    assert len(meshes) == 1
    return np.asarray(meshes[0].get_array())


def _points(ax: Axes) -> PathCollection:
    found = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert len(found) == 1
    return found[0]


@pytest.fixture
def blobs() -> tuple[np.ndarray, np.ndarray]:
    """Two clusters: class 0 left of x1 = 0, class 1 right of it."""
    rng = np.random.default_rng(0)
    left, right = rng.normal((-2.0, 0.0), 0.4, (20, 2)), rng.normal((2.0, 0.0), 0.4, (20, 2))
    X = np.concatenate([left, right])
    return X, np.repeat([0, 1], 20)


# ---------------------------------------------------------------------------------------------
# plot_losses
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("make", [list, np.asarray, tuple])
def test_plot_losses_draws_the_values_against_steps_from_1(make):
    losses = [3.0, 2.0, 1.5, 1.25]
    ax = plot_losses(make(losses))
    assert isinstance(ax, Axes)
    line = _line(ax, "loss")
    np.testing.assert_array_equal(line.get_xdata(), [1, 2, 3, 4])
    np.testing.assert_array_equal(line.get_ydata(), losses)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("step", "loss")
    assert ax.get_legend() is None  # nothing labelled
    assert not ax.texts  # no divergence note


def test_plot_losses_draws_on_the_given_axes_with_label_title_and_log_scale():
    _, ax = plt.subplots()
    out = plot_losses([1.0, 0.1, 0.01], ax=ax, label="lr = 0.1", log=True, title="run 1")
    assert out is ax
    assert ax.get_yscale() == "log"
    assert ax.get_title() == "run 1"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["lr = 0.1"]


def test_plot_losses_twice_on_one_axes_compares_runs():
    _, ax = plt.subplots()
    plot_losses([1.0, 0.5], ax=ax, label="a")
    plot_losses([2.0, 1.0], ax=ax, label="b")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b"]


def test_plot_losses_smooth_draws_the_raw_curve_faint_and_a_moving_average_on_top():
    losses = np.array([4.0, 0.0, 4.0, 0.0, 4.0, 0.0])
    ax = plot_losses(losses, smooth=2, label="run")
    raw, smooth = _line(ax, "loss"), _line(ax, "loss_smoothed")
    np.testing.assert_array_equal(raw.get_ydata(), losses)
    # a trailing mean over 2 steps; the first step averages what there is
    np.testing.assert_allclose(smooth.get_ydata(), [4.0, 2.0, 2.0, 2.0, 2.0, 2.0])
    np.testing.assert_array_equal(smooth.get_xdata(), np.arange(1, 7))
    assert raw.get_alpha() < 0.5 and smooth.get_alpha() in (None, 1.0)
    assert raw.get_color() == smooth.get_color()
    assert smooth.get_zorder() >= raw.get_zorder()
    assert ax.get_lines().index(smooth) > ax.get_lines().index(raw)  # drawn on top
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["run"]


def test_plot_losses_moving_average_matches_a_direct_computation():
    rng = np.random.default_rng(1)
    losses = rng.random(500)
    window = 37
    ax = plot_losses(losses, smooth=window)
    expected = [losses[max(0, i - window + 1): i + 1].mean() for i in range(losses.size)]
    np.testing.assert_allclose(_line(ax, "loss_smoothed").get_ydata(), expected, rtol=1e-10)


def test_plot_losses_moving_average_survives_a_spike_and_huge_losses():
    # a running cumsum would lose every value after the spike, or overflow near 1e308
    spike = np.r_[np.ones(10), 1e200, np.full(30, 1e-3)]
    ax = plot_losses(spike, smooth=4)
    np.testing.assert_allclose(_line(ax, "loss_smoothed").get_ydata()[-20:], 1e-3, rtol=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ax = plot_losses(np.full(40, 1.5e308), smooth=5)
    np.testing.assert_allclose(_line(ax, "loss_smoothed").get_ydata(), 1.5e308)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_plot_losses_stops_before_the_first_non_finite_loss_and_says_where(bad):
    losses = [1.0, 2.0, 8.0, bad, 5.0, np.nan]
    ax = plot_losses(losses, smooth=2)
    for gid in ("loss", "loss_smoothed"):
        line = _line(ax, gid)
        np.testing.assert_array_equal(line.get_xdata(), [1, 2, 3])
        assert np.isfinite(line.get_ydata()).all()
    np.testing.assert_array_equal(_line(ax, "loss").get_ydata(), [1.0, 2.0, 8.0])
    assert _texts(ax) == ["diverged at step 4"]
    ax.figure.canvas.draw()  # and it renders


def test_plot_losses_with_no_finite_loss_still_draws_and_annotates():
    ax = plot_losses([np.nan, 1.0], log=True)
    assert len(_line(ax, "loss").get_xdata()) == 0
    assert any("diverged at step 1" in t for t in _texts(ax))
    ax.figure.canvas.draw()


def test_plot_losses_on_a_log_axis_survives_losses_near_the_float_limit():
    losses = [1.0, 1e100, 1e200, 5.9e305, np.nan]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib's overflow in padding the axis would warn
        ax = plot_losses(losses, log=True)
        ax.figure.canvas.draw()
    low, high = ax.get_ylim()
    assert low <= 1.0 and 5.9e305 <= high < np.inf
    assert _texts(ax) == ["diverged at step 5"]


@pytest.mark.parametrize("log", [False, True])
def test_plot_losses_draws_losses_at_the_largest_floats_without_warnings(log):
    losses = [1.0, 1e100, 1.7e308, np.nan]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ax = plot_losses(losses, log=log, smooth=2)
        ax.figure.canvas.draw()
        history_axes = plot_history({"loss": losses, "train_acc": [0.5]})
        history_axes[0].figure.canvas.draw()
    assert ax.get_yscale() == "log"  # a linear axis cannot show 1.7e308
    assert _texts(ax) == ["diverged at step 4"]


def test_plot_losses_rejects_values_instead_of_numbers():
    with pytest.raises(TypeError, match=r"losses.*loss\.data"):
        plot_losses([Value(1.0), Value(0.5)])


@pytest.mark.parametrize(
    ("losses", "match"),
    [([], "losses is empty"), (np.ones((3, 2)), r"losses must be 1-D.*\(3, 2\)"),
     (2.5, r"losses must be 1-D.*single number")],
)
def test_plot_losses_rejects_bad_shapes(losses, match):
    with pytest.raises(ValueError, match=match):
        plot_losses(losses)


def test_plot_losses_rejects_a_bad_window():
    with pytest.raises(ValueError, match="smooth must be at least 1"):
        plot_losses([1.0, 2.0], smooth=0)
    with pytest.raises(TypeError, match="smooth must be an int"):
        plot_losses([1.0, 2.0], smooth=2.5)


def test_plot_losses_is_cheap_enough_for_a_slider():
    import time

    losses = np.abs(np.random.default_rng(0).standard_normal(100_000))
    _, ax = plt.subplots()
    start = time.perf_counter()
    for _ in range(5):
        ax.clear()
        plot_losses(losses, ax=ax, smooth=500)
    assert (time.perf_counter() - start) / 5 < 0.5


# ---------------------------------------------------------------------------------------------
# plot_history
# ---------------------------------------------------------------------------------------------


def _history(epochs: int = 4, per_epoch: int = 25, val: bool = True) -> dict:
    steps = epochs * per_epoch
    noise = 0.1 * np.random.default_rng(2).random(steps)
    history = {
        "loss": list(np.linspace(2.0, 0.2, steps) + noise),
        "train_acc": list(np.linspace(0.5, 0.95, epochs)),
        "val_acc": list(np.linspace(0.45, 0.9, epochs)) if val else [],
        "steps_per_epoch": per_epoch,
    }
    return history


def test_plot_history_line_data_equals_the_history():
    history = _history()
    axes = plot_history(history)
    assert isinstance(axes, np.ndarray) and axes.shape == (2,)
    assert all(isinstance(a, Axes) for a in axes)
    ax_loss, ax_acc = axes
    loss = _line(ax_loss, "loss")
    np.testing.assert_array_equal(loss.get_xdata(), np.arange(1, 101))
    np.testing.assert_array_equal(loss.get_ydata(), history["loss"])
    for key in ("train_acc", "val_acc"):
        line = _line(ax_acc, key)
        np.testing.assert_array_equal(line.get_xdata(), [1, 2, 3, 4])
        np.testing.assert_array_equal(line.get_ydata(), history[key])
    assert [t.get_text() for t in ax_acc.get_legend().get_texts()] == ["train", "validation"]
    assert ax_acc.get_xlabel() == "epoch" and ax_loss.get_xlabel() == "step"


def test_plot_history_smooths_many_steps_but_not_few():
    ax_loss = plot_history(_history(epochs=4, per_epoch=25))[0]
    assert _line(ax_loss, "loss").get_alpha() < 0.5
    assert len(_line(ax_loss, "loss_smoothed").get_ydata()) == 100
    ax_few = plot_history(_history(epochs=2, per_epoch=5))[0]
    assert not [line for line in ax_few.get_lines() if line.get_gid() == "loss_smoothed"]


def test_plot_history_marks_epochs_on_the_loss_axis():
    ax_loss = plot_history(_history(epochs=4, per_epoch=25))[0]
    ends = [line.get_xdata()[0] for line in ax_loss.get_lines() if line.get_gid() == "epoch_end"]
    assert ends == [25, 50, 75, 100]
    epoch_axes = ax_loss.child_axes
    assert len(epoch_axes) == 1 and epoch_axes[0].get_xlabel() == "epoch"
    # the top axis reads the same x positions in epochs: step 25k is epoch k
    ax_loss.figure.canvas.draw()
    np.testing.assert_allclose(epoch_axes[0].get_xlim(), np.array(ax_loss.get_xlim()) / 25)


def test_plot_history_infers_steps_per_epoch_and_allows_missing_val_acc():
    history = _history(epochs=3, per_epoch=10, val=False)
    del history["steps_per_epoch"]
    del history["val_acc"]
    ax_loss, ax_acc = plot_history(history)
    ends = [line.get_xdata()[0] for line in ax_loss.get_lines() if line.get_gid() == "epoch_end"]
    assert ends == [10, 20, 30]
    assert [line.get_gid() for line in ax_acc.get_lines()] == ["train_acc"]


def test_plot_history_before_the_first_epoch_and_after_a_nan():
    history = {"loss": [2.0, 1.5, np.nan], "train_acc": [], "val_acc": []}
    ax_loss, ax_acc = plot_history(history)
    np.testing.assert_array_equal(_line(ax_loss, "loss").get_ydata(), [2.0, 1.5])
    assert _texts(ax_loss) == ["diverged at step 3"]
    assert _texts(ax_acc) == ["no epoch finished yet"]
    assert not ax_loss.child_axes  # no epochs, no epoch axis


def test_plot_history_uses_a_log_axis_only_for_a_loss_over_many_orders_of_magnitude():
    assert plot_history(_history())[0].get_yscale() == "linear"
    blown_up = {"loss": [1.0, 10.0, 1e3, 1e6, np.nan], "train_acc": []}
    ax_loss = plot_history(blown_up)[0]
    assert ax_loss.get_yscale() == "log"
    assert _texts(ax_loss) == ["diverged at step 5"]


def test_plot_history_draws_on_given_axes():
    fig, axes = plt.subplots(1, 2)
    out = plot_history(_history(), axes=axes)
    assert list(out) == list(axes)
    assert fig.axes == list(axes)  # no new axes beside them
    assert len(axes[0].child_axes) == 1  # the loss panel's epoch axis


@pytest.mark.parametrize(
    ("history", "error", "match"),
    [
        ([1.0, 2.0], TypeError, "history must be a dict"),
        ({"losses": [1.0]}, ValueError, r"no 'loss' key \(it has \['losses'\]\)"),
        ({"loss": [1.0]}, ValueError, "no 'train_acc' key"),
        ({"loss": [], "train_acc": []}, ValueError, r'history\["loss"\] is empty'),
        ({"loss": [1.0, 2.0], "train_acc": [0.5], "val_acc": [0.5, 0.6]}, ValueError,
         r'history\["val_acc"\] has 2 values but history\["train_acc"\] has 1'),
        ({"loss": [1.0], "train_acc": [0.5], "steps_per_epoch": 0}, ValueError,
         r'history\["steps_per_epoch"\] must be at least 1'),
    ],
)
def test_plot_history_rejects_bad_histories(history, error, match):
    with pytest.raises(error, match=match):
        plot_history(history)


def test_plot_history_rejects_the_wrong_number_of_axes():
    _, axes = plt.subplots(1, 3)
    with pytest.raises(ValueError, match="axes must be two matplotlib Axes"):
        plot_history(_history(), axes=axes)


# ---------------------------------------------------------------------------------------------
# plot_decision_boundary
# ---------------------------------------------------------------------------------------------


def _grid_x1(ax: Axes, resolution: int) -> np.ndarray:
    """The x1 coordinate of each column of the region array."""
    lo, hi = ax.get_xlim()
    return np.linspace(lo, hi, resolution)


@pytest.mark.parametrize(
    ("kind", "predict"),
    [
        ("int labels", lambda P: (P[:, 0] > 0).astype(int)),
        ("bool labels", lambda P: P[:, 0] > 0),
        ("scores (M, 2)", lambda P: np.column_stack([-P[:, 0], P[:, 0]])),
        ("probabilities (M,)", lambda P: 1.0 / (1.0 + np.exp(-3.0 * P[:, 0]))),
        ("probabilities (M, 1)", lambda P: (1.0 / (1.0 + np.exp(-3.0 * P[:, 0])))[:, None]),
    ],
)
def test_decision_boundary_regions_follow_the_prediction(blobs, kind, predict):
    X, y = blobs
    ax = plot_decision_boundary(predict, X, y, resolution=50)
    assert isinstance(ax, Axes)
    regions = _regions(ax)
    assert regions.shape == (50, 50), kind
    x1 = _grid_x1(ax, 50)
    assert (regions[:, x1 < -0.1] == 0).all(), kind  # the left half is class 0
    assert (regions[:, x1 > 0.1] == 1).all(), kind  # the right half is class 1
    ax.figure.canvas.draw()


def test_decision_boundary_regions_use_the_grid_orientation(blobs):
    """Rows go up in x2: a boundary along x2 = 0 puts class 1 in the top rows."""
    X, y = blobs
    ax = plot_decision_boundary(lambda P: (P[:, 1] > 0).astype(int), X, y, resolution=40)
    regions = _regions(ax)
    lo, hi = ax.get_ylim()
    x2 = np.linspace(lo, hi, 40)
    assert (regions[x2 < -0.1, :] == 0).all() and (regions[x2 > 0.1, :] == 1).all()


def test_decision_boundary_grid_covers_the_data_with_padding(blobs):
    X, y = blobs
    seen = []

    def predict(P):
        seen.append(P.copy())
        return np.zeros(len(P), dtype=int)

    ax = plot_decision_boundary(predict, X, y, resolution=30, padding=1.0)
    assert len(seen) == 1  # one vectorised call
    grid = seen[0]
    assert grid.shape == (900, 2) and grid.dtype == np.float64
    np.testing.assert_allclose(grid.min(axis=0), X.min(axis=0) - 1.0)
    np.testing.assert_allclose(grid.max(axis=0), X.max(axis=0) + 1.0)
    np.testing.assert_allclose(ax.get_xlim(), (X[:, 0].min() - 1.0, X[:, 0].max() + 1.0))


def test_decision_boundary_probabilities_get_the_half_contour_and_others_do_not(blobs):
    X, y = blobs

    def sigmoid(P):
        return 1.0 / (1.0 + np.exp(-P[:, 0]))

    ax = plot_decision_boundary(sigmoid, X, y, resolution=60)
    contours = [c for c in ax.collections if type(c).__name__ == "QuadContourSet"]
    assert len(contours) == 1 and list(contours[0].levels) == [0.5]
    # the drawn line lies on x1 = 0, where the probability is 0.5
    vertices = np.concatenate([p.vertices for p in contours[0].get_paths()])
    np.testing.assert_allclose(vertices[:, 0], 0.0, atol=0.1)

    ax2 = plot_decision_boundary(lambda P: (P[:, 0] > 0).astype(int), X, y, resolution=60)
    assert not [c for c in ax2.collections if type(c).__name__ == "QuadContourSet"]


def test_decision_boundary_points_and_regions_share_one_colour_per_class():
    rng = np.random.default_rng(3)
    X = rng.uniform(-3, 3, (90, 2))
    y = np.digitize(X[:, 0], [-1.0, 1.0])  # three classes, by x1

    def predict(P):  # scores for three vertical bands
        return np.column_stack([-P[:, 0] - 1.0, 1.0 - np.abs(P[:, 0]), P[:, 0] - 1.0])

    ax = plot_decision_boundary(predict, X, y, resolution=80)
    mesh = next(c for c in ax.collections if isinstance(c, QuadMesh))
    points = _points(ax)
    assert set(np.unique(_regions(ax))) == {0, 1, 2}
    for k in range(3):
        region_colour = mesh.to_rgba(np.array([k]))[0][:3]
        point_colour = points.to_rgba(np.array([k]))[0][:3]
        np.testing.assert_allclose(region_colour, point_colour)
        np.testing.assert_allclose(point_colour, to_rgba(f"C{k}")[:3])  # tab10
    # each point is coloured by its own label (colours are mapped when drawn)
    ax.figure.canvas.draw()
    point_rgba = points.get_facecolors()
    np.testing.assert_allclose(point_rgba[:, :3], [to_rgba(f"C{k}")[:3] for k in y])
    np.testing.assert_allclose(points.get_offsets(), X)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["class 0", "class 1", "class 2"]


def test_decision_boundary_title_and_given_axes(blobs):
    X, y = blobs
    _, ax = plt.subplots()
    out = plot_decision_boundary(lambda P: P[:, 0] > 0, X, y, ax=ax, title="neuron")
    assert out is ax and ax.get_title() == "neuron"


@pytest.mark.parametrize(
    ("X", "match"),
    [
        (np.zeros((5, 3)), r"X has shape \(5, 3\).*2-D inputs only"),
        (np.zeros(5), r"X has shape \(5,\).*2-D inputs only"),
        (np.zeros((5, 2, 1)), r"X has shape \(5, 2, 1\)"),
    ],
)
def test_decision_boundary_rejects_inputs_that_are_not_2d(X, match):
    with pytest.raises(ValueError, match=match):
        plot_decision_boundary(lambda P: P[:, 0] > 0, X, np.zeros(5, dtype=int))


@pytest.mark.parametrize(
    ("y", "error", "match"),
    [
        (np.zeros((4, 1), dtype=int), ValueError, r"y has shape \(4, 1\), expected \(N,\).*ravel"),
        (
            np.zeros(4),
            TypeError,
            r"y must hold integer class labels.*dtype float64.*astype\(np.int64\)",
        ),
        (
            np.zeros(3, dtype=int),
            ValueError,
            r"y has shape \(3,\) but X has 4 rows.*X\[:k\] with y\[:k\]",
        ),
        (
            np.array([0, 1, -1, 0]),
            ValueError,
            r"y holds the label -1, but class labels are never negative",
        ),
    ],
)
def test_decision_boundary_rejects_bad_labels(y, error, match):
    with pytest.raises(error, match=match):
        plot_decision_boundary(lambda P: P[:, 0] > 0, np.zeros((4, 2)), y)


@pytest.mark.parametrize(
    ("predict", "error", "match"),
    [
        (lambda P: P[:5, 0] > 0, ValueError, r"predict returned an array of shape \(5,\) for 100"),
        (lambda P: np.float64(P.sum()), ValueError, r"predict returned an array of shape \(\)"),
        (lambda P: (P[:, 0], None), TypeError, r"predict returned a tuple of 2.*\[0\]"),
        (lambda P: P[:, 0], ValueError, r"predict returned 1-D floats in .*probabilit"),
        (lambda P: np.full((len(P), 2), np.nan), ValueError, "NaN"),
        (lambda P: np.full(len(P), "a"), TypeError, "predict returned dtype"),
    ],
)
def test_decision_boundary_says_what_predict_returned(predict, error, match):
    X, y = np.array([[0.0, 0.0], [1.0, 1.0]]), np.array([0, 1])
    with pytest.raises(error, match=match):
        plot_decision_boundary(predict, X, y, resolution=10)


def test_decision_boundary_rejects_predictions_passed_instead_of_a_function(blobs):
    X, y = blobs
    with pytest.raises(TypeError, match="predict must be a function"):
        plot_decision_boundary(y, X, y)


def test_decision_boundary_rejects_bad_resolution_and_padding(blobs):
    X, y = blobs
    with pytest.raises(ValueError, match="resolution must be at least 2"):
        plot_decision_boundary(lambda P: P[:, 0] > 0, X, y, resolution=1)
    with pytest.raises(ValueError, match="padding must be >= 0"):
        plot_decision_boundary(lambda P: P[:, 0] > 0, X, y, padding=-1.0)


# ---------------------------------------------------------------------------------------------
# show_digits
# ---------------------------------------------------------------------------------------------


def _digits(n: int = 20) -> np.ndarray:
    return np.random.default_rng(4).integers(0, 17, (n, 8, 8)).astype(np.float64)


def _titles(grid: np.ndarray) -> list[str]:
    return [a.get_title() for a in grid.flat if a.get_title()]


def test_show_digits_titles_and_marks_wrong_predictions_red():
    labels = np.array([3, 1, 4, 1])
    predicted = np.array([3, 7, 4, 1])
    grid = show_digits(_digits(4), labels, predicted)
    assert isinstance(grid, np.ndarray) and all(isinstance(a, Axes) for a in grid.flat)
    titles = [a.title for a in grid.flat]
    assert [t.get_text() for t in titles] == ["3 → 3", "1 → 7", "4 → 4", "1 → 1"]
    colours = [to_rgba(t.get_color()) for t in titles]
    assert colours[1] == RED
    assert all(c != RED for i, c in enumerate(colours) if i != 1)


def test_show_digits_shows_the_first_n_images_and_accepts_flat_images():
    images = _digits(20)
    grid = show_digits(images.reshape(20, 64), labels=np.arange(20) % 10, n=10)
    shown = [a for a in grid.flat if a.images]
    assert len(shown) == 10 and grid.size >= 10
    for a, image in zip(shown, images[:10], strict=True):
        np.testing.assert_array_equal(a.images[0].get_array(), image)
    assert _titles(grid) == [str(k) for k in range(10)]


def test_show_digits_default_shows_16_in_a_4_by_4_grid():
    grid = show_digits(_digits(20))
    assert grid.shape == (4, 4)
    assert _titles(grid) == []


def test_show_digits_splits_a_given_axes_or_uses_given_axes():
    fig, (left, right) = plt.subplots(1, 2)
    grid = show_digits(_digits(4), ax=right)
    assert grid.shape == (2, 2)
    assert right not in fig.axes and left in fig.axes
    assert all(a.figure is fig for a in grid.flat)

    _, axes = plt.subplots(2, 3)
    out = show_digits(_digits(5), ax=axes)
    assert out.shape == (2, 3)
    assert [bool(a.images) for a in out.flat] == [True] * 5 + [False]


@pytest.mark.parametrize(
    ("images", "match"),
    [
        (np.zeros((8, 8)), r"images has shape \(8, 8\).*images\[None\]"),
        (np.zeros((3, 28, 28)),
         r"images has shape \(3, 28, 28\), expected \(N, 8, 8\) or \(N, 64\)"),
        (np.zeros((3, 63)), r"images has shape \(3, 63\)"),
    ],
)
def test_show_digits_rejects_bad_image_shapes(images, match):
    with pytest.raises(ValueError, match=match):
        show_digits(images)


def test_show_digits_rejects_bad_labels_and_too_few_axes():
    message = r"predicted has shape \(3,\) but images has 4 rows.*images\[:k\]"
    with pytest.raises(ValueError, match=message):
        show_digits(_digits(4), np.arange(4), np.arange(3))
    with pytest.raises(ValueError, match=r"labels has shape \(4, 10\).*argmax"):
        show_digits(_digits(4), np.eye(4, 10, dtype=int))
    _, axes = plt.subplots(1, 2)
    with pytest.raises(ValueError, match="ax holds 2 axes but 4 images"):
        show_digits(_digits(4), ax=axes)


# --- lesson 4: gradient norms and activation distributions -------------------------------

from backprop.plots import (  # noqa: E402
    plot_activation_distributions,
    plot_gradient_norms,
    plot_trajectories,
)
from backprop.surfaces import two_minima  # noqa: E402


def test_plot_gradient_norms_draws_one_line_per_network_on_a_log_axis():
    ax = plot_gradient_norms({"sigmoid": [1e-6, 1e-3, 1.0], "relu": np.array([0.5, 0.6, 0.4])})
    lines = [line for line in ax.get_lines() if line.get_label() in ("sigmoid", "relu")]
    assert len(lines) == 2
    np.testing.assert_array_equal(lines[0].get_xdata(), [1, 2, 3])
    np.testing.assert_array_equal(lines[0].get_ydata(), [1e-6, 1e-3, 1.0])
    assert ax.get_yscale() == "log"
    assert "layer" in ax.get_xlabel()


def test_plot_gradient_norms_marks_zero_norms_instead_of_dropping_them_silently():
    ax = plot_gradient_norms({"dead": [0.0, 0.0, 0.5]})
    markers = [line for line in ax.get_lines() if line.get_marker() == "v"]
    assert len(markers) == 1 and list(markers[0].get_xdata()) == [1, 2]


@pytest.mark.parametrize(("norms", "error", "match"), [
    ([1.0, 2.0], TypeError, "norms must be a non-empty dict"),
    ({}, TypeError, "norms must be a non-empty dict"),
    ({"a": [1.0, np.nan]}, ValueError, r"norms\['a'\] must hold norms"),
    ({"a": [-1.0]}, ValueError, r"norms\['a'\] must hold norms"),
])
def test_plot_gradient_norms_refuses_bad_input(norms, error, match):
    with pytest.raises(error, match=match):
        plot_gradient_norms(norms)


def test_plot_activation_distributions_uses_one_panel_and_the_same_bins_per_layer():
    rng = np.random.default_rng(0)
    layers = [rng.normal(size=(50, 8)), 0.01 * rng.normal(size=(50, 8))]
    axes = plot_activation_distributions(layers, bins=10)
    assert axes.shape == (2,)
    heights = [[p.get_height() for p in ax.patches] for ax in axes]
    widths = [{round(p.get_width(), 12) for p in ax.patches} for ax in axes]
    assert widths[0] == widths[1]  # shared bins: a collapsed layer shows as one tall bar
    np.testing.assert_allclose([sum(h) for h in heights], [1.0, 1.0])  # fractions of units
    assert max(heights[1]) > max(heights[0])
    assert "std" in axes[1].get_title()


def test_plot_activation_distributions_refuses_bad_input():
    with pytest.raises(TypeError, match="one per layer"):
        plot_activation_distributions(np.zeros((3, 4)))
    with pytest.raises(ValueError, match="layer 2 contain NaN"):
        plot_activation_distributions([np.zeros(3), np.array([1.0, np.nan])])
    _, axes = plt.subplots(1, 3)
    with pytest.raises(ValueError, match="got 3 axes for 2 layers"):
        plot_activation_distributions([np.zeros(3), np.ones(3)], axes=axes)


# --- lesson 5: trajectories over a loss surface ------------------------------------------


def test_plot_trajectories_draws_every_path_with_its_start_and_end():
    surface = two_minima()
    path = np.array([[2.0, 1.0], [1.5, 0.5], [1.0, 0.1]])
    ax = plot_trajectories(surface, {"sgd": path})
    (line,) = [ln for ln in ax.get_lines() if ln.get_label() == "sgd"]
    np.testing.assert_array_equal(line.get_xydata(), path)
    labels = {ln.get_label() for ln in ax.get_lines()}
    assert {"global minimum", "local minimum", "saddle point"} <= labels
    assert ax.get_xlim() == surface.xlim and ax.get_title() == surface.name


def test_plot_trajectories_refuses_bad_input():
    with pytest.raises(TypeError, match="surface must be a backprop.surfaces.Surface"):
        plot_trajectories(lambda x, y: x, {})
    with pytest.raises(ValueError, match=r"paths\['a'\] must have shape \(T, 2\)"):
        plot_trajectories(two_minima(), {"a": np.zeros((4, 3))})
    with pytest.raises(ValueError, match=r"paths\['a'\]"):
        plot_trajectories(two_minima(), {"a": np.array([[np.nan, 0.0]])})
