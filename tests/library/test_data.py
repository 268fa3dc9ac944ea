"""Tests for backprop.data: toy sets, the bundled digits, train_test_split and standardize."""

from __future__ import annotations

import fnmatch
import hashlib
import inspect
import tomllib
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

import backprop.data as data
from backprop.data import (
    load_digits,
    logic_gate,
    make_circles,
    make_moons,
    make_spirals,
    standardize,
    train_test_split,
)

ROOT = Path(__file__).resolve().parents[2]

# Facts of the 1797-sample digits, computed from scikit-learn 1.9.1's
# sklearn/datasets/data/digits.csv.gz (SHA-256 09f66e6d...aa22), not from backprop.
DIGIT_COUNTS = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
DIGITS_PIXEL_SUM = 561718
DIGITS_DATA_SHA256 = "8f26b2bd9d135c256808f68f14fdabddde6d9c7f869ae419704b051f0f14b3b3"
DIGITS_TARGET_SHA256 = "8ba4f891220f5e4c9c819638d1602d74b83618f167043c6da52a2a247841ddf0"
DIGITS_BLANK_PIXELS = [0, 32, 39]  # always 0 in every image
FIRST_IMAGE = [
    [0, 0, 5, 13, 9, 1, 0, 0],
    [0, 0, 13, 15, 10, 15, 5, 0],
    [0, 3, 15, 2, 0, 11, 8, 0],
    [0, 4, 12, 0, 0, 8, 8, 0],
    [0, 5, 8, 0, 0, 9, 8, 0],
    [0, 4, 11, 0, 1, 12, 7, 0],
    [0, 2, 14, 5, 10, 12, 0, 0],
    [0, 0, 6, 13, 10, 0, 0, 0],
]


def linear_accuracy(X: np.ndarray, y: np.ndarray) -> float:
    """Training accuracy of a least-squares linear classifier (one-hot targets, with a bias)."""
    A = np.column_stack([X, np.ones(len(X))])
    targets = np.eye(y.max() + 1)[y]
    W = np.linalg.lstsq(A, targets, rcond=None)[0]
    return float(np.mean((A @ W).argmax(axis=1) == y))


# ---------------------------------------------------------------------------------------------
# The module
# ---------------------------------------------------------------------------------------------


def test_all_lists_the_public_functions():
    assert sorted(data.__all__) == [
        "load_digits",
        "logic_gate",
        "make_circles",
        "make_moons",
        "make_spirals",
        "standardize",
        "train_test_split",
    ]
    for name in data.__all__:
        doc = inspect.getdoc(getattr(data, name))
        assert "lesson" in doc.lower(), f"{name}'s docstring doesn't say which lesson"
        assert "shape" in doc, f"{name}'s docstring doesn't give array shapes"


# ---------------------------------------------------------------------------------------------
# Logic gates
# ---------------------------------------------------------------------------------------------

TRUTH_TABLES = {"and": [0, 0, 0, 1], "or": [0, 1, 1, 1], "xor": [0, 1, 1, 0], "nand": [1, 1, 1, 0]}


@pytest.mark.parametrize("gate", sorted(TRUTH_TABLES))
def test_logic_gate_truth_tables(gate):
    X, y = logic_gate(gate)
    assert X.shape == (4, 2) and X.dtype == np.float64
    assert y.shape == (4,) and y.dtype == np.int64
    np.testing.assert_array_equal(X, [[0, 0], [0, 1], [1, 0], [1, 1]])
    np.testing.assert_array_equal(y, TRUTH_TABLES[gate])
    a, b = X[:, 0].astype(bool), X[:, 1].astype(bool)
    expected = {"and": a & b, "or": a | b, "xor": a ^ b, "nand": ~(a & b)}[gate]
    np.testing.assert_array_equal(y, expected.astype(np.int64))


def test_logic_gate_ignores_case():
    for spelling in ("XOR", "Xor", " xor "):
        np.testing.assert_array_equal(logic_gate(spelling)[1], [0, 1, 1, 0])


def test_logic_gate_returns_fresh_arrays():
    X, y = logic_gate("and")
    X[:] = 7.0
    y[:] = 7
    X2, y2 = logic_gate("and")
    np.testing.assert_array_equal(y2, [0, 0, 0, 1])
    assert X2.max() == 1.0


def test_logic_gate_unknown_name_lists_the_valid_ones():
    with pytest.raises(ValueError, match="name") as info:
        logic_gate("xnor")
    for gate in TRUTH_TABLES:
        assert repr(gate) in str(info.value)
    assert "'xnor'" in str(info.value)


def test_logic_gate_name_must_be_a_string():
    with pytest.raises(TypeError, match="name must be a string"):
        logic_gate(1)


# ---------------------------------------------------------------------------------------------
# Generators: what they share
# ---------------------------------------------------------------------------------------------

GENERATORS = {
    "moons": lambda seed=0, **kw: make_moons(seed=seed, **kw),
    "circles": lambda seed=0, **kw: make_circles(seed=seed, **kw),
    "spirals": lambda seed=0, **kw: make_spirals(seed=seed, **kw),
}


@pytest.mark.parametrize("kind", sorted(GENERATORS))
def test_generators_default_shapes_and_dtypes(kind):
    X, y = GENERATORS[kind]()
    n = 300 if kind == "spirals" else 200
    assert X.shape == (n, 2) and X.dtype == np.float64
    assert y.shape == (n,) and y.dtype == np.int64
    assert np.isfinite(X).all()


@pytest.mark.parametrize("kind", sorted(GENERATORS))
def test_generators_are_deterministic(kind):
    X1, y1 = GENERATORS[kind](seed=3)
    X2, y2 = GENERATORS[kind](seed=3)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    X3, _ = GENERATORS[kind](seed=4)
    assert not np.allclose(X1, X3)


@pytest.mark.parametrize("kind", sorted(GENERATORS))
def test_generators_shuffle_the_rows(kind):
    _, y = GENERATORS[kind]()
    assert np.any(np.diff(y) < 0), "rows are grouped by class; they should come shuffled"


@pytest.mark.parametrize("make", [make_moons, make_circles])
@pytest.mark.parametrize("n", [2, 7, 200, 201])
def test_two_class_generators_are_balanced(make, n):
    X, y = make(n=n)
    assert X.shape == (n, 2)
    assert np.bincount(y, minlength=2).tolist() == [n // 2, n - n // 2]


@pytest.mark.parametrize("make", [make_moons, make_circles])
def test_noise_free_two_class_data_is_noise_free(make):
    X1, y1 = make(noise=0.0, seed=1)
    X2, y2 = make(noise=0.0, seed=2)
    # Only the order depends on the seed.
    order1, order2 = np.lexsort((*X1.T, y1)), np.lexsort((*X2.T, y2))
    np.testing.assert_allclose(X1[order1], X2[order2])


@pytest.mark.parametrize(
    ("call", "error", "pattern"),
    [
        (lambda: make_moons(n=1), ValueError, "n must be at least 2"),
        (lambda: make_moons(n=-10), ValueError, "n must be at least 2"),
        (lambda: make_moons(n=10.5), TypeError, "n must be a whole number"),
        (lambda: make_moons(n=True), TypeError, "n must be a whole number"),
        (lambda: make_moons(noise=-0.1), ValueError, "noise .* >= 0"),
        (lambda: make_moons(noise=float("nan")), ValueError, "noise must be a finite"),
        (lambda: make_moons(noise="a lot"), TypeError, "noise must be a real number"),
        (lambda: make_moons(seed=-1), ValueError, "seed must be at least 0"),
        (lambda: make_moons(seed=1.5), TypeError, "seed must be a whole number"),
        (lambda: make_circles(n=0), ValueError, "n must be at least 2"),
        (lambda: make_circles(noise=-1), ValueError, "noise"),
        (lambda: make_circles(factor=1.0), ValueError, "factor"),
        (lambda: make_circles(factor=-0.5), ValueError, "factor"),
        (lambda: make_circles(factor=None), TypeError, "factor"),
        (lambda: make_spirals(n_per_class=0), ValueError, "n_per_class must be at least 1"),
        (lambda: make_spirals(classes=1), ValueError, "classes must be at least 2"),
        (lambda: make_spirals(classes=2.0), TypeError, "classes must be a whole number"),
        (lambda: make_spirals(noise=-0.2), ValueError, "noise"),
        (lambda: make_spirals(seed=-3), ValueError, "seed"),
    ],
)
def test_generators_reject_bad_arguments(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()


def test_numpy_integers_are_accepted():
    X, y = make_moons(n=np.int64(10), seed=np.int32(1))
    assert X.shape == (10, 2)


# ---------------------------------------------------------------------------------------------
# Generators: geometry
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_moons_are_not_linearly_separable(seed):
    X, y = make_moons(seed=seed)
    assert linear_accuracy(X, y) < 0.95
    # ...but they are clearly structured: a straight line still beats chance by far.
    assert linear_accuracy(X, y) > 0.75


def test_noise_free_moons_lie_on_their_arcs():
    X, y = make_moons(n=101, noise=0.0)
    upper, lower = X[y == 0], X[y == 1]
    np.testing.assert_allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0)
    assert np.all(upper[:, 1] >= -1e-12)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1.0, lower[:, 1] - 0.5), 1.0)
    assert np.all(lower[:, 1] <= 0.5 + 1e-12)
    # The arcs run from end to end: x spans [-1, 1] on top and [0, 2] below.
    np.testing.assert_allclose([upper[:, 0].min(), upper[:, 0].max()], [-1.0, 1.0])
    np.testing.assert_allclose([lower[:, 0].min(), lower[:, 0].max()], [0.0, 2.0])


@pytest.mark.parametrize("factor", [0.0, 0.3, 0.5, 0.8])
def test_noise_free_circles_have_the_right_radii(factor):
    X, y = make_circles(n=50, noise=0.0, factor=factor)
    radius = np.hypot(X[:, 0], X[:, 1])
    np.testing.assert_allclose(radius[y == 0], 1.0)
    np.testing.assert_allclose(radius[y == 1], factor, atol=1e-12)


def test_noisy_circles_keep_their_radii_on_average():
    X, y = make_circles(n=2000, noise=0.05, factor=0.5)
    radius = np.hypot(X[:, 0], X[:, 1])
    assert abs(radius[y == 0].mean() - 1.0) < 0.02
    assert abs(radius[y == 1].mean() - 0.5) < 0.02
    assert radius[y == 0].min() > radius[y == 1].mean()
    # Points are spread evenly round the circle, so the centre is the origin.
    np.testing.assert_allclose(X.mean(axis=0), 0.0, atol=0.01)
    assert linear_accuracy(X, y) < 0.6


def test_spirals_counts_and_unit_disc():
    X, y = make_spirals(n_per_class=50, classes=5)
    assert X.shape == (250, 2)
    assert np.bincount(y).tolist() == [50] * 5
    assert np.hypot(X[:, 0], X[:, 1]).max() <= 1.0 + 1e-12


def test_noise_free_spirals_follow_cs231n_formula():
    n = 40
    X, y = make_spirals(n_per_class=n, classes=3, noise=0.0)
    for j in range(3):
        arm = X[y == j]
        radius = np.hypot(arm[:, 0], arm[:, 1])
        order = np.argsort(radius)
        np.testing.assert_allclose(radius[order], np.linspace(0.0, 1.0, n), atol=1e-12)
        # x = r sin(t), y = r cos(t), with t evenly spaced in [4j, 4(j + 1)].
        theta = np.linspace(4.0 * j, 4.0 * (j + 1), n)
        expected = np.column_stack([np.linspace(0, 1, n) * np.sin(theta),
                                    np.linspace(0, 1, n) * np.cos(theta)])
        np.testing.assert_allclose(arm[order], expected, atol=1e-12)


def test_spirals_need_a_nonlinear_model():
    X, y = make_spirals()
    assert linear_accuracy(X, y) < 0.7


def test_spiral_noise_is_on_the_angle():
    X0, y0 = make_spirals(noise=0.0, seed=5)
    X1, y1 = make_spirals(noise=0.5, seed=5)
    r0 = np.sort(np.hypot(X0[:, 0], X0[:, 1]))
    r1 = np.sort(np.hypot(X1[:, 0], X1[:, 1]))
    np.testing.assert_allclose(r0, r1, atol=1e-12)  # the radii don't move
    assert not np.allclose(np.sort(X0[:, 0]), np.sort(X1[:, 0]))


# ---------------------------------------------------------------------------------------------
# Digits
# ---------------------------------------------------------------------------------------------


def test_digits_shape_dtype_and_values():
    X, y = load_digits()
    assert X.shape == (1797, 64) and X.dtype == np.float64
    assert y.shape == (1797,) and y.dtype == np.int64
    assert X.min() == 0.0 and X.max() == 16.0
    np.testing.assert_array_equal(X, np.round(X))
    assert set(np.unique(y).tolist()) == set(range(10))


def test_digits_are_the_real_data_set():
    X, y = load_digits()
    assert np.bincount(y).tolist() == DIGIT_COUNTS
    assert X.sum() == DIGITS_PIXEL_SUM
    assert hashlib.sha256(X.astype(np.uint8).tobytes()).hexdigest() == DIGITS_DATA_SHA256
    assert hashlib.sha256(y.astype(np.uint8).tobytes()).hexdigest() == DIGITS_TARGET_SHA256
    assert y[:20].tolist() == list(range(10)) * 2
    assert np.flatnonzero(X.std(axis=0) == 0).tolist() == DIGITS_BLANK_PIXELS


def test_digits_as_images():
    X, y = load_digits()
    images, y2 = load_digits(return_images=True)
    assert images.shape == (1797, 8, 8) and images.dtype == np.float64
    np.testing.assert_array_equal(images.reshape(1797, 64), X)
    np.testing.assert_array_equal(y2, y)
    np.testing.assert_array_equal(images[0], FIRST_IMAGE)


def test_digits_calls_return_independent_copies():
    X, y = load_digits()
    images, _ = load_digits(return_images=True)
    X[:] = -1.0
    y[:] = -1
    images[:] = -1.0
    X2, y2 = load_digits()
    assert X2.min() == 0.0 and X2.sum() == DIGITS_PIXEL_SUM
    assert np.bincount(y2).tolist() == DIGIT_COUNTS
    assert X2.flags.writeable and y2.flags.writeable
    assert not np.shares_memory(X, X2)


def test_digits_return_images_must_be_bool():
    with pytest.raises(TypeError, match="return_images must be True or False"):
        load_digits(return_images="yes")


def test_digits_file_is_package_data_with_attribution():
    folder = resources.files("backprop") / "_datasets"
    digits = folder / "digits.npz"
    assert digits.is_file()
    assert len(digits.read_bytes()) < 100_000
    readme = (folder / "README.md").read_text(encoding="utf-8")
    for fact in (
        "Optical Recognition of Handwritten Digits",
        "Alpaydin",
        "Kaynak",
        "https://doi.org/10.24432/C50P49",
        "CC BY 4.0",
        "https://creativecommons.org/licenses/by/4.0/",
        "scikit-learn",
    ):
        assert fact in readme, f"the data README doesn't mention {fact!r}"
    assert "10.24432/C50P49" in inspect.getdoc(load_digits)
    assert "CC BY 4.0" in inspect.getdoc(load_digits)


def test_pyproject_ships_the_digits_in_the_wheel():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["backprop"]
    for name in ("_datasets/digits.npz", "_datasets/README.md"):
        assert any(fnmatch.fnmatch(name, p) for p in patterns), f"{name} is not package data"


# ---------------------------------------------------------------------------------------------
# train_test_split
# ---------------------------------------------------------------------------------------------


def tracked(n: int = 100, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """X whose first column is the row number, so a split's rows can be traced back."""
    rng = np.random.default_rng(seed)
    X = np.column_stack([np.arange(n, dtype=np.float64), rng.normal(size=(n, 3))])
    y = rng.integers(0, 4, size=n)
    return X, y


@pytest.mark.parametrize("stratify", [True, False])
def test_split_partitions_the_rows(stratify):
    X, y = tracked(103)
    X_train, X_test, y_train, y_test = train_test_split(X, y, 0.25, seed=1, stratify=stratify)
    assert len(X_test) == round(0.25 * 103) == 26
    assert X_train.shape == (77, 4) and y_train.shape == (77,)
    assert X_test.shape == (26, 4) and y_test.shape == (26,)
    train_rows = X_train[:, 0].astype(int)
    test_rows = X_test[:, 0].astype(int)
    assert not set(train_rows) & set(test_rows)
    assert sorted([*train_rows, *test_rows]) == list(range(103))
    # Each row keeps its features and its label.
    np.testing.assert_array_equal(X_train, X[train_rows])
    np.testing.assert_array_equal(X_test, X[test_rows])
    np.testing.assert_array_equal(y_train, y[train_rows])
    np.testing.assert_array_equal(y_test, y[test_rows])


def test_split_shuffles_and_is_seeded():
    X, y = tracked(100)
    first = train_test_split(X, y, seed=7)
    again = train_test_split(X, y, seed=7)
    other = train_test_split(X, y, seed=8)
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(first[1], other[1])
    rows = first[0][:, 0]
    assert np.any(np.diff(rows) < 0), "the training rows come in their original order"


def test_split_digits_is_stratified():
    X, y = load_digits()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2)
    assert X_train.shape == (1438, 64) and X_test.shape == (359, 64)
    counts = np.bincount(y)
    test_counts = np.bincount(y_test, minlength=10)
    assert np.all(np.abs(test_counts - 0.2 * counts) <= 1.0)
    np.testing.assert_array_equal(np.bincount(y_train, minlength=10) + test_counts, counts)


def test_stratify_keeps_a_rare_class_in_proportion():
    y = np.array([0] * 90 + [1] * 10)
    X = np.arange(100, dtype=np.float64).reshape(-1, 1)
    for seed in range(20):
        _, _, y_train, y_test = train_test_split(X, y, test_size=0.2, seed=seed)
        assert np.bincount(y_test).tolist() == [18, 2]
        assert np.bincount(y_train).tolist() == [72, 8]
    # Without stratification, chance moves the rare class around.
    rare = {
        int(np.sum(train_test_split(X, y, 0.2, seed=s, stratify=False)[3] == 1))
        for s in range(20)
    }
    assert len(rare) > 1


def test_split_keeps_dtypes_and_leaves_inputs_alone():
    X, y = tracked(50)
    X_int = np.arange(100, dtype=np.int32).reshape(50, 2)
    y32 = y.astype(np.int32)
    X_before, y_before = X.copy(), y.copy()
    X_train, X_test, y_train, y_test = train_test_split(X, y)
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(y, y_before)
    assert X_train.dtype == np.float64 and y_test.dtype == y.dtype
    X_train[:] = 0  # results are copies, not views
    np.testing.assert_array_equal(X, X_before)
    parts = train_test_split(X_int, y32)
    assert parts[0].dtype == np.int32 and parts[2].dtype == np.int32


@pytest.mark.parametrize(
    ("kwargs", "error", "pattern"),
    [
        (
            {"X": np.zeros(10)},
            ValueError,
            r"X must have shape \(N, D\), got shape \(10,\).*reshape\(-1, 1\).*reshape\(1, -1\)",
        ),
        (
            {"X": np.zeros((10, 8, 8))},
            ValueError,
            r"X must have shape \(N, D\), got shape \(10, 8, 8\).*reshape\(len\(X\), -1\)",
        ),
        ({"X": [[0.0, 1.0]] * 10}, TypeError, "X must be a NumPy array"),
        ({"X": np.array([["a", "b"]] * 10)}, TypeError, "X has dtype"),
        (
            {"y": np.zeros((10, 1), dtype=np.int64)},
            ValueError,
            r"y has shape \(10, 1\), expected \(N,\).*y\.ravel\(\).*argmax",
        ),
        (
            {"y": np.zeros(10)},
            TypeError,
            r"y must hold integer class labels.*dtype float64.*astype\(np.int64\)",
        ),
        (
            {"y": np.zeros(10, dtype=bool)},
            TypeError,
            r"y must hold integer class labels.*dtype bool.*astype",
        ),
        ({"y": list(range(10))}, TypeError, "y must be a NumPy array"),
        (
            {"y": np.zeros(9, dtype=np.int64)},
            ValueError,
            r"y has shape \(9,\) but X has 10 rows.*X\[:k\] with y\[:k\]",
        ),
        ({"test_size": 0}, ValueError, "0 < test_size < 1"),
        ({"test_size": 1.0}, ValueError, "0 < test_size < 1"),
        ({"test_size": -0.2}, ValueError, "0 < test_size < 1"),
        ({"test_size": 3}, ValueError, r"test_size=3 / len\(X\)"),
        ({"test_size": "0.2"}, TypeError, "test_size must be a number"),
        ({"seed": -1}, ValueError, "seed must be at least 0"),
        ({"stratify": "yes"}, TypeError, "stratify must be True or False"),
    ],
)
def test_split_rejects_bad_input(kwargs, error, pattern):
    args = {"X": np.zeros((10, 2)), "y": np.array([0, 1] * 5)} | kwargs
    with pytest.raises(error, match=pattern):
        train_test_split(**args)


def test_split_nan_says_where_and_how_to_fix():
    X, y = tracked(20)
    X[3, 1] = np.nan
    X[7, 1] = np.nan
    X[7, 2] = np.inf
    with pytest.raises(ValueError) as info:
        train_test_split(X, y)
    message = str(info.value)
    assert "X has 2 NaN and 1 infinite value(s)" in message
    assert "2 row(s) and 2 column(s)" in message
    assert "X[3, 1]" in message
    assert "np.isfinite(X).all(axis=1)" in message


def test_split_needs_two_of_each_class_to_stratify():
    X = np.zeros((11, 2))
    y = np.array([0] * 5 + [1] * 5 + [2])
    with pytest.raises(ValueError, match=r"only one example of class\(es\) \[2\].*stratify=False"):
        train_test_split(X, y)
    X_train, X_test, _, _ = train_test_split(X, y, stratify=False)
    assert len(X_train) + len(X_test) == 11


def test_split_needs_two_rows():
    with pytest.raises(ValueError, match=r"X has shape \(1, 2\).*at least 2 rows"):
        train_test_split(np.zeros((1, 2)), np.array([0]))
    with pytest.raises(ValueError, match=r"X has shape \(0, 2\).*at least 2 rows"):
        train_test_split(np.zeros((0, 2)), np.zeros(0, dtype=np.int64))


def test_split_refuses_an_empty_part():
    X = np.zeros((3, 1))
    y = np.array([0, 1, 0])
    with pytest.raises(ValueError, match="leaves the test set empty"):
        train_test_split(X, y, test_size=0.1, stratify=False)


# ---------------------------------------------------------------------------------------------
# standardize
# ---------------------------------------------------------------------------------------------


def test_standardize_training_set_gets_mean_0_std_1():
    rng = np.random.default_rng(0)
    X = rng.normal(loc=[5.0, -3.0, 100.0], scale=[2.0, 0.1, 30.0], size=(200, 3))
    (Z,) = standardize(X)
    assert Z.dtype == np.float64 and Z.shape == X.shape
    np.testing.assert_allclose(Z.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(Z.std(axis=0), 1.0)


def test_standardize_applies_training_statistics_to_the_others():
    rng = np.random.default_rng(1)
    X_train = rng.normal(loc=2.0, scale=3.0, size=(100, 4))
    X_val = rng.normal(loc=2.0, scale=3.0, size=(30, 4))
    X_test = X_train[:40] + 5.0  # shifted: with the training statistics its mean is not 0
    result = standardize(X_train, X_val, X_test)
    assert isinstance(result, tuple) and len(result) == 3
    Z_train, Z_val, Z_test = result
    mean, std = X_train.mean(axis=0), X_train.std(axis=0)
    np.testing.assert_allclose(Z_val, (X_val - mean) / std)
    np.testing.assert_allclose(Z_test, (X_test - mean) / std)
    np.testing.assert_allclose(Z_test - Z_train[:40], np.broadcast_to(5.0 / std, (40, 4)))
    assert np.all(np.abs(Z_test.mean(axis=0)) > 1.0)  # not standardized on its own statistics


def test_standardize_digits_test_set_mean_is_not_zero():
    X, y = load_digits()
    X_train, X_test, _, _ = train_test_split(X, y)
    Z_train, Z_test = standardize(X_train, X_test)
    assert np.abs(Z_train.mean(axis=0)).max() < 1e-12
    assert np.abs(Z_test.mean(axis=0)).max() > 0.01
    assert np.isfinite(Z_train).all() and np.isfinite(Z_test).all()


def test_standardize_constant_columns_are_only_centred():
    X_train = np.array([[1.0, 7.0, 0.0], [3.0, 7.0, 0.0], [5.0, 7.0, 0.0]])
    X_test = np.array([[3.0, 9.0, 2.0]])
    Z_train, Z_test = standardize(X_train, X_test)
    np.testing.assert_array_equal(Z_train[:, 1:], 0.0)
    np.testing.assert_allclose(Z_test[0], [0.0, 2.0, 2.0])  # divided by 1, not by ~0


def test_standardize_digit_blank_pixels():
    X, _ = load_digits()
    (Z,) = standardize(X)
    assert np.isfinite(Z).all()
    np.testing.assert_array_equal(Z[:, DIGITS_BLANK_PIXELS], 0.0)
    np.testing.assert_allclose(np.delete(Z, DIGITS_BLANK_PIXELS, axis=1).std(axis=0), 1.0)


def test_standardize_eps_is_the_constant_column_threshold():
    X = np.array([[0.0, 1.0], [1e-10, 3.0]])
    (Z,) = standardize(X)  # std of column 0 is 5e-11 <= 1e-8: treated as constant
    np.testing.assert_allclose(Z[:, 0], [-5e-11, 5e-11])
    (Z,) = standardize(X, eps=0.0)
    np.testing.assert_allclose(Z[:, 0], [-1.0, 1.0])


def test_standardize_leaves_inputs_alone():
    X_train = np.arange(12, dtype=np.float64).reshape(4, 3)
    X_test = np.ones((2, 3))
    before = X_train.copy(), X_test.copy()
    Z_train, Z_test = standardize(X_train, X_test)
    np.testing.assert_array_equal(X_train, before[0])
    np.testing.assert_array_equal(X_test, before[1])
    assert not np.shares_memory(Z_train, X_train)


def test_standardize_integer_input_gives_float64():
    X = np.array([[1, 2], [3, 4], [5, 9]], dtype=np.int64)
    X_test = np.array([[3, 4]], dtype=np.int32)
    Z, Z_test = standardize(X, X_test)
    assert Z.dtype == np.float64 and Z_test.dtype == np.float64
    np.testing.assert_allclose(Z_test[0, 0], 0.0)


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "pattern"),
    [
        ((np.zeros(5),), {}, ValueError, r"X_train must have shape \(N, D\), got shape \(5,\)"),
        ((np.zeros((1, 3)),), {}, ValueError, r"X_train has shape \(1, 3\).*at least 2 rows"),
        (([[1.0, 2.0], [3.0, 4.0]],), {}, TypeError, "X_train must be a NumPy array"),
        ((np.ones((4, 3)), np.ones((2, 4))), {}, ValueError, r"others\[0\].*\(2, 4\).*\(4, 3\)"),
        (
            (np.ones((4, 3)), np.ones((2, 3)), np.ones(3)),
            {},
            ValueError,
            r"others\[1\] must have shape \(M, 3\), got shape \(3,\)",
        ),
        ((np.ones((4, 3)),), {"eps": -1.0}, ValueError, "eps must be >= 0"),
        ((np.ones((4, 3)),), {"eps": "tiny"}, TypeError, "eps must be a real number"),
    ],
)
def test_standardize_rejects_bad_input(args, kwargs, error, pattern):
    with pytest.raises(error, match=pattern):
        standardize(*args, **kwargs)


def test_standardize_nan_names_the_array():
    X_train = np.ones((5, 3))
    X_test = np.ones((2, 3))
    X_test[1, 2] = np.nan
    with pytest.raises(ValueError, match=r"others\[0\].*1 NaN.*1 row\(s\) and 1 column\(s\)"):
        standardize(X_train, X_test)
    X_train[0, 0] = np.nan
    with pytest.raises(ValueError, match=r"X_train has 1 NaN value\(s\)"):
        standardize(X_train)
    X_train[0, 0] = -np.inf
    with pytest.raises(ValueError, match=r"X_train has 1 infinite value\(s\)"):
        standardize(X_train)
