"""Data sets for the course: toy problems, real digits, splitting and scaling (lessons 2 and 3).

Every loader follows one convention: it returns `(X, y)`, where `X` is a float64 array of
shape (N, D), one row per example, and `y` an int64 array of shape (N,) holding the class
labels 0..C-1. The generators are seeded (`np.random.default_rng(seed)`), so the same
arguments always give the same data, and their rows come in a random order, not grouped by
class. The real data set, the 8x8 handwritten digits, ships inside the package and loads
offline.
"""

from __future__ import annotations

import functools
import io
import math
from importlib import resources
from numbers import Integral, Real

import numpy as np

from backprop._checks import as_array, as_labels

__all__ = [
    "load_digits",
    "logic_gate",
    "make_circles",
    "make_moons",
    "make_spirals",
    "standardize",
    "train_test_split",
]

# The four inputs of a two-input gate, in truth-table order, and each gate's outputs.
_GATE_INPUTS = ((0, 0), (0, 1), (1, 0), (1, 1))
_GATES = {
    "and": (0, 0, 0, 1),
    "or": (0, 1, 1, 1),
    "xor": (0, 1, 1, 0),
    "nand": (1, 1, 1, 0),
}

_DIGITS_FILE = "digits.npz"
_DIGITS_SAMPLES = 1797


# ---------------------------------------------------------------------------------------------
# Argument checks
# ---------------------------------------------------------------------------------------------


def _check_int(value: object, name: str, minimum: int, why: str = "") -> int:
    """Return `value` as an int if it is a whole number >= minimum, else raise."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(
            f"{name} must be a whole number (int), got {type(value).__name__} {value!r}. "
            f"Pass e.g. {name}=int({name})."
        )
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}{why}, got {value}.")
    return int(value)


def _check_seed(seed: object) -> int:
    return _check_int(
        seed, "seed", 0, " (any non-negative int; the same seed always gives the same data)"
    )


def _check_real(value: object, name: str) -> float:
    """Return `value` as a float if it is a finite real number, else raise."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(
            f"{name} must be a real number, got {type(value).__name__} {value!r}. "
            f"Pass e.g. {name}=0.1."
        )
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value}.")
    return value


def _check_noise(noise: object) -> float:
    value = _check_real(noise, "noise")
    if value < 0:
        raise ValueError(
            f"noise is the standard deviation of the added Gaussian noise, so it must be >= 0, "
            f"got {value}. Use noise=0 for noise-free data."
        )
    return value


def _check_bool(value: object, name: str) -> bool:
    if not isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__} {value!r}.")
    return bool(value)


# ---------------------------------------------------------------------------------------------
# Toy data
# ---------------------------------------------------------------------------------------------


def logic_gate(name: str) -> tuple[np.ndarray, np.ndarray]:
    """Return the truth table of a two-input logic gate as a tiny data set.

    Introduced in lesson 2 (a single neuron): AND, OR and NAND are linearly separable,
    so one neuron learns them; XOR is not, which is why lesson 3 adds a hidden layer.

    Args:
        name: One of "and", "or", "xor", "nand" (any case).

    Returns:
        X: float64 array of shape (4, 2), the inputs in truth-table order:
            [0, 0], [0, 1], [1, 0], [1, 1].
        y: int64 array of shape (4,), the gate's output (0 or 1) for each row of X.

    Raises:
        TypeError: If name is not a string.
        ValueError: If name is not one of the gates above.

    Example:
        >>> X, y = logic_gate("xor")
        >>> print(X)
        [[0. 0.]
         [0. 1.]
         [1. 0.]
         [1. 1.]]
        >>> print(y)
        [0 1 1 0]
    """
    if not isinstance(name, str):
        raise TypeError(
            f"name must be a string such as 'xor', got {type(name).__name__} {name!r}."
        )
    key = name.strip().lower()
    if key not in _GATES:
        valid = ", ".join(repr(gate) for gate in _GATES)
        raise ValueError(f"name must be one of {valid} (any case), got {name!r}.")
    X = np.array(_GATE_INPUTS, dtype=np.float64)
    y = np.array(_GATES[key], dtype=np.int64)
    return X, y


def _shuffled(
    X: np.ndarray, y: np.ndarray, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    order = rng.permutation(len(y))
    return X[order], y[order]


def make_moons(
    n: int = 200, noise: float = 0.1, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles: a small problem that no straight line separates.

    Introduced in lesson 3 (a multi-layer perceptron). Class 0 is the upper half of the
    unit circle, centred at (0, 0); class 1 the lower half, centred at (1, 0.5). Points
    are evenly spaced along each arc, then Gaussian noise is added to both coordinates.

    Args:
        n: Number of points, at least 2. Class 0 gets n // 2 of them, class 1 the rest.
        noise: Standard deviation of the Gaussian noise, >= 0.
        seed: Seed of the random generator; the same seed gives the same data.

    Returns:
        X: float64 array of shape (n, 2), the points, in a random (seeded) order.
        y: int64 array of shape (n,), the class of each point, 0 or 1.

    Raises:
        TypeError: If n or seed is not an int, or noise not a number.
        ValueError: If n < 2, noise < 0, or seed < 0.

    Example:
        >>> X, y = make_moons(n=7, seed=1)
        >>> X.shape, X.dtype, y.dtype, np.bincount(y).tolist()
        ((7, 2), dtype('float64'), dtype('int64'), [3, 4])
    """
    n = _check_int(n, "n", 2, " (one point of each class)")
    noise = _check_noise(noise)
    rng = np.random.default_rng(_check_seed(seed))
    n_outer = n // 2
    n_inner = n - n_outer
    t_outer = np.linspace(0.0, np.pi, n_outer)
    t_inner = np.linspace(0.0, np.pi, n_inner)
    X = np.concatenate(
        [
            np.column_stack([np.cos(t_outer), np.sin(t_outer)]),
            np.column_stack([1.0 - np.cos(t_inner), 0.5 - np.sin(t_inner)]),
        ]
    )
    y = np.concatenate([np.zeros(n_outer, np.int64), np.ones(n_inner, np.int64)])
    X = X + noise * rng.standard_normal(X.shape)
    return _shuffled(X, y, rng)


def make_circles(
    n: int = 200, noise: float = 0.05, factor: float = 0.5, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """A small circle inside a large one: separable by radius, not by any straight line.

    Introduced in lesson 3 (a multi-layer perceptron). Class 0 lies on the circle of
    radius 1 around the origin, class 1 on the circle of radius `factor`. Points are
    evenly spaced in angle, then Gaussian noise is added to both coordinates.

    Args:
        n: Number of points, at least 2. Class 0 (outer) gets n // 2, class 1 the rest.
        noise: Standard deviation of the Gaussian noise, >= 0.
        factor: Radius of the inner circle relative to the outer one, 0 <= factor < 1.
        seed: Seed of the random generator; the same seed gives the same data.

    Returns:
        X: float64 array of shape (n, 2), the points, in a random (seeded) order.
        y: int64 array of shape (n,), the class of each point: 0 outer, 1 inner.

    Raises:
        TypeError: If n or seed is not an int, or noise or factor not a number.
        ValueError: If n < 2, noise < 0, factor outside [0, 1), or seed < 0.

    Example:
        >>> X, y = make_circles(n=6, noise=0.0)
        >>> np.round(np.hypot(X[:, 0], X[:, 1]), 3).tolist() == np.where(y == 0, 1.0, 0.5).tolist()
        True
    """
    n = _check_int(n, "n", 2, " (one point of each class)")
    noise = _check_noise(noise)
    factor = _check_real(factor, "factor")
    if not 0.0 <= factor < 1.0:
        raise ValueError(
            f"factor is the inner circle's radius relative to the outer one (radius 1), so it "
            f"must satisfy 0 <= factor < 1, got {factor}. Try factor=0.5."
        )
    rng = np.random.default_rng(_check_seed(seed))
    n_outer = n // 2
    n_inner = n - n_outer
    t_outer = np.linspace(0.0, 2.0 * np.pi, n_outer, endpoint=False)
    t_inner = np.linspace(0.0, 2.0 * np.pi, n_inner, endpoint=False)
    X = np.concatenate(
        [
            np.column_stack([np.cos(t_outer), np.sin(t_outer)]),
            factor * np.column_stack([np.cos(t_inner), np.sin(t_inner)]),
        ]
    )
    y = np.concatenate([np.zeros(n_outer, np.int64), np.ones(n_inner, np.int64)])
    X = X + noise * rng.standard_normal(X.shape)
    return _shuffled(X, y, rng)


def make_spirals(
    n_per_class: int = 100, classes: int = 3, noise: float = 0.2, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Interleaved spiral arms, one per class: the spiral data of Stanford's CS231n.

    Introduced in lesson 3 (a multi-layer perceptron, softmax over C classes). Arm j
    has points at radii r evenly spaced in [0, 1] and angles t evenly spaced in
    [4j, 4(j + 1)] radians plus Gaussian noise; a point is (r sin t, r cos t). The
    noise is added to the angle, so it is measured in radians.

    Args:
        n_per_class: Points per arm, at least 1.
        classes: Number of arms (classes) C, at least 2.
        noise: Standard deviation of the noise on the angle, in radians, >= 0.
        seed: Seed of the random generator; the same seed gives the same data.

    Returns:
        X: float64 array of shape (n_per_class * classes, 2), the points, in a random
            (seeded) order; every point lies in the unit disc.
        y: int64 array of shape (n_per_class * classes,), the arm of each point, 0..C-1.

    Raises:
        TypeError: If n_per_class, classes or seed is not an int, or noise not a number.
        ValueError: If n_per_class < 1, classes < 2, noise < 0, or seed < 0.

    Example:
        >>> X, y = make_spirals(n_per_class=4, classes=3)
        >>> X.shape, np.bincount(y).tolist()
        ((12, 2), [4, 4, 4])
    """
    n_per_class = _check_int(n_per_class, "n_per_class", 1)
    classes = _check_int(classes, "classes", 2, " (a classification needs two classes)")
    noise = _check_noise(noise)
    rng = np.random.default_rng(_check_seed(seed))
    radius = np.linspace(0.0, 1.0, n_per_class)
    X = np.empty((n_per_class * classes, 2), dtype=np.float64)
    y = np.repeat(np.arange(classes, dtype=np.int64), n_per_class)
    for j in range(classes):
        theta = np.linspace(4.0 * j, 4.0 * (j + 1), n_per_class)
        theta = theta + noise * rng.standard_normal(n_per_class)
        rows = slice(j * n_per_class, (j + 1) * n_per_class)
        X[rows] = np.column_stack([radius * np.sin(theta), radius * np.cos(theta)])
    return _shuffled(X, y, rng)


# ---------------------------------------------------------------------------------------------
# Real data
# ---------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _digits_arrays() -> tuple[np.ndarray, np.ndarray]:
    """Read the bundled digits once: (data uint8 (1797, 64), target uint8 (1797,)), read-only."""
    resource = resources.files("backprop") / "_datasets" / _DIGITS_FILE
    try:
        raw = resource.read_bytes()
    except FileNotFoundError as err:
        raise FileNotFoundError(
            f"The bundled digits file backprop/_datasets/{_DIGITS_FILE} is missing from this "
            "installation of backprop. Reinstall the package (pip install -e . in the course "
            "folder); if you built it yourself, check that the wheel includes package data."
        ) from err
    with np.load(io.BytesIO(raw), allow_pickle=False) as archive:
        data = archive["data"]
        target = archive["target"]
    if data.shape != (_DIGITS_SAMPLES, 64) or target.shape != (_DIGITS_SAMPLES,):
        raise ValueError(
            f"The bundled digits file is damaged: data {data.shape}, target {target.shape}, "
            f"expected ({_DIGITS_SAMPLES}, 64) and ({_DIGITS_SAMPLES},). Reinstall backprop."
        )
    data.flags.writeable = False
    target.flags.writeable = False
    return data, target


def load_digits(return_images: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Load the 1,797 handwritten 8x8 digits, offline, from a file bundled with the package.

    Introduced in lesson 3 (an MLP on real data, 10 classes). Each image counts the "on"
    pixels in 4x4 blocks of a 32x32 bitmap, so every pixel is a whole number 0..16. Three
    pixels are 0 in every image; `standardize` copes with such constant columns.

    Source: "Optical Recognition of Handwritten Digits", E. Alpaydin and C. Kaynak, UCI
    Machine Learning Repository, 1998, https://doi.org/10.24432/C50P49, licensed
    CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/). Bundled is the 1,797-sample
    subset that scikit-learn distributes, in the same order, converted from CSV to a
    NumPy .npz file; no value was changed (see backprop/_datasets/README.md).

    Each call returns new arrays, so changing them never affects a later call.

    Args:
        return_images: If True, return the images as 8x8 arrays instead of rows of 64.

    Returns:
        X: float64 array of shape (1797, 64), each row an image read row by row, values
            0..16; or, with return_images=True, images: float64 array of shape
            (1797, 8, 8).
        y: int64 array of shape (1797,), the digit shown, 0..9 (about 180 of each).

    Raises:
        TypeError: If return_images is not a bool.

    Example:
        >>> X, y = load_digits()
        >>> X.shape, X.dtype, y.shape, y.dtype
        ((1797, 64), dtype('float64'), (1797,), dtype('int64'))
        >>> print(y[:12])
        [0 1 2 3 4 5 6 7 8 9 0 1]
        >>> images, _ = load_digits(return_images=True)
        >>> print(images[0].astype(int))
        [[ 0  0  5 13  9  1  0  0]
         [ 0  0 13 15 10 15  5  0]
         [ 0  3 15  2  0 11  8  0]
         [ 0  4 12  0  0  8  8  0]
         [ 0  5  8  0  0  9  8  0]
         [ 0  4 11  0  1 12  7  0]
         [ 0  2 14  5 10 12  0  0]
         [ 0  0  6 13 10  0  0  0]]
    """
    return_images = _check_bool(return_images, "return_images")
    data, target = _digits_arrays()
    X = data.astype(np.float64)  # astype copies: the cached arrays stay untouched
    y = target.astype(np.int64)
    if return_images:
        return X.reshape(-1, 8, 8), y
    return X, y


# ---------------------------------------------------------------------------------------------
# Preparing data
# ---------------------------------------------------------------------------------------------


def _check_test_size(test_size: object) -> float:
    if isinstance(test_size, bool) or not isinstance(test_size, Real):
        raise TypeError(
            f"test_size must be a number, the fraction of rows to hold out, got "
            f"{type(test_size).__name__} {test_size!r}. Try test_size=0.2."
        )
    value = float(test_size)
    if not 0.0 < value < 1.0:
        hint = (
            f" To hold out {test_size:g} rows, pass test_size={test_size:g} / len(X)."
            if value >= 1.0 and math.isfinite(value)
            else ""
        )
        raise ValueError(
            f"test_size is the fraction of rows to hold out, so it must satisfy "
            f"0 < test_size < 1, got {test_size!r}.{hint}"
        )
    return value


def _round_half_up(x: float) -> int:
    return math.floor(x + 0.5)


def _stratified_test_rows(
    y: np.ndarray, test_size: float, rng: np.random.Generator
) -> np.ndarray:
    """Pick test rows class by class, so that each class is split in the same proportion."""
    labels, counts = np.unique(y, return_counts=True)
    if counts.min() < 2:
        lonely = labels[counts < 2]
        raise ValueError(
            f"y has only one example of class(es) {lonely.tolist()}; stratify=True needs at "
            "least 2 of every class (one to train on, one to test on). Pass stratify=False, "
            "or gather more examples of that class."
        )
    # Largest remainder: every class gets floor(test_size * count) test rows, and the rows
    # left over to reach round(test_size * N) go to the classes with the largest fractions.
    exact = test_size * counts
    n_test = np.floor(exact).astype(np.int64)
    left_over = _round_half_up(test_size * len(y)) - int(n_test.sum())
    if left_over > 0:
        n_test[np.argsort(-(exact - n_test), kind="stable")[:left_over]] += 1
    n_test = np.minimum(n_test, counts - 1)  # keep at least one of each class for training
    picked = [
        rng.permutation(np.flatnonzero(y == label))[:k]
        for label, k in zip(labels, n_test, strict=True)
    ]
    return np.concatenate(picked)


def train_test_split(
    X: np.ndarray,
    y: np.ndarray,
    test_size: float = 0.2,
    seed: int = 0,
    stratify: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle the rows and hold out a fraction of them as a test set.

    Introduced in lesson 3 (measuring how well a network does on data it never saw).
    With stratify=True, each class is split in the same proportion (give or take one
    row), so the class balance of the training and the test set matches that of y;
    with a small test set that matters, as chance alone could leave a class out. In
    all, round(test_size * N) rows go to the test set.

    Args:
        X: Array of shape (N, D), real numbers without NaN; one row per example.
        y: Integer array of shape (N,), the class label of each row.
        test_size: Fraction of the rows to hold out, 0 < test_size < 1.
        seed: Seed of the random generator; the same seed gives the same split.
        stratify: Whether to split each class in the same proportion.

    Returns:
        X_train: Array of shape (N - N_test, D), dtype of X.
        X_test: Array of shape (N_test, D), dtype of X.
        y_train: Array of shape (N - N_test,), dtype of y.
        y_test: Array of shape (N_test,), dtype of y.
        All four are new arrays, in a random (seeded) order; every row of X lands in
        exactly one of X_train and X_test, with its label.

    Raises:
        TypeError: If X is not a real array, y not an integer array, or an option has the
            wrong type.
        ValueError: If X is not 2-D, holds NaN or infinity, y is not 1-D, X and y differ
            in length, test_size is outside (0, 1), either part would be empty, or (with
            stratify) a class has only one example.

    Example:
        >>> X, y = load_digits()
        >>> X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2)
        >>> X_train.shape, X_test.shape
        ((1438, 64), (359, 64))
    """
    X = as_array(X, "X", 2, "(N, D)", allow_int=True, finite=True)
    y = as_labels(y, "y", len(X), of="X")
    if len(y) < 2:
        raise ValueError(
            f"X has shape {X.shape}: a split needs at least 2 rows, one for each part."
        )
    test_size = _check_test_size(test_size)
    rng = np.random.default_rng(_check_seed(seed))
    stratify = _check_bool(stratify, "stratify")
    n = len(y)
    if stratify:
        test_rows = _stratified_test_rows(y, test_size, rng)
    else:
        test_rows = rng.permutation(n)[: _round_half_up(test_size * n)]
    is_test = np.zeros(n, dtype=bool)
    is_test[test_rows] = True
    n_test = int(is_test.sum())
    if n_test == 0 or n_test == n:
        part = "test" if n_test == 0 else "training"
        raise ValueError(
            f"test_size={test_size:g} of {n} rows leaves the {part} set empty. Use more rows, "
            f"or a test_size nearer 0.5."
        )
    train = rng.permutation(np.flatnonzero(~is_test))
    test = rng.permutation(np.flatnonzero(is_test))
    return X[train], X[test], y[train], y[test]


def standardize(
    X_train: np.ndarray, *others: np.ndarray, eps: float = 1e-8
) -> tuple[np.ndarray, ...]:
    """Scale every column to mean 0 and standard deviation 1, using the training set's statistics.

    Introduced in lesson 3 (inputs on one scale make gradient descent behave). The mean
    and standard deviation of each column are computed on X_train only, then applied to
    X_train and to each array in `others` (validation, test, new data). Computing them
    on test data would let the test set leak into training, "peeking" that makes the
    test score look better than the network will do on data it has never seen; it is
    also what happens to new data later, when only the training statistics exist. So
    the test set's columns come out with a mean near 0, not exactly 0.

    A column that is constant in X_train (standard deviation <= eps; the digits have
    pixels that are always blank) is only centred, i.e. divided by 1 rather than by ~0.

    Args:
        X_train: Array of shape (N, D), real numbers without NaN, at least 2 rows.
        *others: Arrays of shape (M_i, D), each with D columns like X_train.
        eps: Columns whose standard deviation is <= eps count as constant, >= 0.

    Returns:
        A tuple (X_train_std, *others_std): float64 arrays of the shapes of the inputs.
        The inputs are not changed.

    Raises:
        TypeError: If an array is not a real NumPy array, or eps not a number.
        ValueError: If an array is not 2-D or holds NaN or infinity, X_train has fewer than
            2 rows, an array of `others` has a different number of columns, or eps < 0.

    Example:
        >>> X_train = np.array([[1.0, 5.0], [3.0, 5.0]])
        >>> X_test = np.array([[2.0, 6.0]])
        >>> train_std, test_std = standardize(X_train, X_test)
        >>> print(train_std)
        [[-1.  0.]
         [ 1.  0.]]
        >>> print(test_std)
        [[0. 1.]]
    """
    X_train = as_array(X_train, "X_train", 2, "(N, D)", allow_int=True, finite=True)
    if len(X_train) < 2:
        raise ValueError(
            f"X_train has shape {X_train.shape}, but a standard deviation needs at least 2 rows. "
            "Pass the whole training set, not one example."
        )
    eps = _check_real(eps, "eps")
    if eps < 0:
        raise ValueError(f"eps must be >= 0, got {eps}. The default, 1e-8, suits float64 data.")
    checked = []
    for i, other in enumerate(others):
        name = f"others[{i}]"
        other = as_array(other, name, 2, f"(M, {X_train.shape[1]})", allow_int=True, finite=True)
        if other.shape[1] != X_train.shape[1]:
            raise ValueError(
                f"{name} has shape {other.shape} but X_train has shape {X_train.shape}; they "
                f"need the same number of columns ({other.shape[1]} != {X_train.shape[1]}). "
                "Was it prepared differently, e.g. images not flattened, or a column dropped?"
            )
        checked.append(other)
    train = X_train.astype(np.float64)  # a copy: the caller's array stays as it was
    mean = train.mean(axis=0)
    std = train.std(axis=0)
    scale = np.where(std > eps, std, 1.0)
    return tuple((array - mean) / scale for array in (train, *checked))
