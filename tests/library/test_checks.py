"""Tests for backprop._checks: the shared input checks and their trusted mode."""

import numpy as np
import pytest

from backprop._checks import as_array, as_labels, as_scalar, no_nan, scalar_arg, trusted


def test_no_nan_tells_inf_from_nan():
    no_nan(np.array([np.inf, -np.inf, 1.0]), "x")  # inf - inf in the sum is NaN: not a NaN input
    message = r"x contains 2 NaN value\(s\) \(the first at index \(1,\)\)"
    with pytest.raises(ValueError, match=message):
        no_nan(np.array([1.0, np.nan, np.nan]), "x")


def test_trusted_skips_only_the_nan_scan_and_is_restored():
    bad = np.array([[np.nan, 1.0]])
    with trusted():
        as_array(bad, "x", 2, "(N, D)")
        with pytest.raises(ValueError, match="must have shape"):
            as_array(bad[0], "x", 2, "(N, D)")
    with pytest.raises(ValueError, match="NaN"):
        as_array(bad, "x", 2, "(N, D)")


def test_trusted_is_restored_after_an_error():
    with pytest.raises(RuntimeError), trusted():
        raise RuntimeError
    with pytest.raises(ValueError, match="NaN"):
        no_nan(np.array([np.nan]), "x")


def test_labels():
    as_labels(np.array([0, 2, 1]), "y", 3, 3)
    with pytest.raises(TypeError, match="use y.astype"):
        as_labels(np.array([0.0, 1.0]), "y", 2)
    with pytest.raises(TypeError, match="got list"):
        as_labels([0, 1], "y", 2)


def test_labels_keep_the_array_and_accept_any_integer_dtype():
    y = np.array([0, 2, 1], dtype=np.uint8)
    assert as_labels(y, "y", 3, 3) is y
    assert as_labels(np.zeros(0, dtype=np.int64), "y", 0, 3).shape == (0,)
    assert as_labels(np.array([5, 0]), "y").tolist() == [5, 0]  # no n, no classes: any >= 0


@pytest.mark.parametrize(
    ("y", "message"),
    [
        (np.array([0.0, 1.0]), r"y must hold integer class labels.*dtype float64.*"
                               r"y\.astype\(np\.int64\).*y\.argmax\(axis=1\)"),
        (np.array([True, False]), r"dtype bool.*y\.astype\(np\.int64\)"),
        (np.array(["cat", "dog"]), r"dtype <U3.*np\.unique\(y, return_inverse=True\)\[1\]"),
        ([0, 1], r"y must be a NumPy array of integer class labels, shape \(N,\), got list"),
    ],
)
def test_labels_dtype_errors_say_how_to_convert(y, message):
    with pytest.raises(TypeError, match=message):
        as_labels(y, "y", 2)


def test_labels_bool_is_accepted_only_when_allowed():
    out = as_labels(np.array([True, False, True]), "pred", 3, allow_bool=True)
    assert out.dtype == np.int64 and out.tolist() == [1, 0, 1]


@pytest.mark.parametrize("y", [np.zeros((4, 1), dtype=int), np.eye(4, 3, dtype=int)])
def test_labels_that_are_not_1d_get_the_ravel_and_argmax_hints(y):
    message = (rf"y has shape \({y.shape[0]}, {y.shape[1]}\), expected \(N,\).*"
               r"column \(N, 1\), use y\.ravel\(\).*one-hot rows \(N, C\), use y\.argmax\(axis=1\)")
    with pytest.raises(ValueError, match=message):
        as_labels(y, "y", 4)


def test_labels_of_the_wrong_length_name_both_arguments():
    message = r"y has shape \(9,\) but X has 10 rows: expected \(10,\).*X\[:k\] with y\[:k\]"
    with pytest.raises(ValueError, match=message):
        as_labels(np.zeros(9, dtype=int), "y", 10, of="X")
    with pytest.raises(ValueError, match=r"y has shape \(9,\) but there are 10 samples"):
        as_labels(np.zeros(9, dtype=int), "y", 10)


def test_labels_out_of_range():
    message = (r"y holds the label 4, but there are 4 classes \(labels 0\.\.3\)\. "
               r"Does the last layer have one output per class\?")
    with pytest.raises(ValueError, match=message):
        as_labels(np.array([0, 4, 5]), "y", 3, 4)
    message = r"y holds the label -1, but class labels are never negative.*\(y > 0\)\.astype"
    with pytest.raises(ValueError, match=message):
        as_labels(np.array([1, -1, -2]), "y", 3)  # checked even without `classes`
    with pytest.raises(ValueError, match=r"label -1.*they run 0\.\.3 \(4 classes\)"):
        as_labels(np.array([1, -1]), "y", 2, 4)


def test_array_allow_int_accepts_integers_and_returns_them_unconverted():
    X = np.arange(6).reshape(3, 2)
    assert as_array(X, "X", 2, "(N, D)", allow_int=True) is X
    with pytest.raises(TypeError, match=r"X has dtype int64, expected a float array"):
        as_array(X, "X", 2, "(N, D)")
    with pytest.raises(TypeError, match=r"X has dtype bool, expected real numbers.*astype"):
        as_array(X > 2, "X", 2, "(N, D)", allow_int=True)
    with pytest.raises(TypeError, match=r"X must be a NumPy array of shape \(N, D\), got list"):
        as_array(X.tolist(), "X", 2, "(N, D)", allow_int=True)


@pytest.mark.parametrize(
    ("x", "hint"),
    [
        (np.zeros(5), r"got shape \(5,\)\..*x\.reshape\(-1, 1\).*x\.reshape\(1, -1\)"),
        (np.zeros((5, 8, 8)), r"got shape \(5, 8, 8\)\..*x\.reshape\(len\(x\), -1\)"),
        (np.array(1.0), r"got shape \(\)\..*np\.array\(\[\[x\]\]\)"),
    ],
)
def test_array_shape_errors_suggest_the_reshape(x, hint):
    with pytest.raises(ValueError, match=r"x must have shape \(N, D\), " + hint):
        as_array(x, "x", 2, "(N, D)")


def test_array_finite_rejects_nan_and_inf_with_counts_and_the_first_position():
    X = np.ones((5, 3))
    X[3, 1] = np.nan
    X[4, 1] = np.nan
    X[4, 2] = -np.inf
    with pytest.raises(ValueError) as info:
        as_array(X, "X", 2, "(N, D)", finite=True)
    message = str(info.value)
    assert "X has 2 NaN and 1 infinite value(s), in 2 row(s) and 2 column(s)" in message
    assert "the first is X[3, 1] = nan" in message
    assert "keep = np.isfinite(X).all(axis=1)" in message
    with pytest.raises(ValueError, match=r"x has 1 infinite value\(s\); the first is x\[1\] = inf"):
        as_array(np.array([0.0, np.inf]), "x", 1, "(N,)", finite=True)


def test_array_without_finite_lets_inf_through_and_trusted_skips_the_scans():
    inf = np.array([[np.inf, -np.inf]])
    assert as_array(inf, "x", 2, "(N, D)") is inf  # e.g. sigmoid(inf) is legitimate
    huge = np.full((2, 2), 1e308)  # the sum overflows, the values are finite
    assert as_array(huge, "X", 2, "(N, D)", finite=True) is huge
    with trusted():
        as_array(inf, "X", 2, "(N, D)", finite=True)
    with pytest.raises(ValueError, match="infinite"):
        as_array(inf, "X", 2, "(N, D)", finite=True)


@pytest.mark.parametrize("x", [0.25, 1, np.float32(0.25), np.float16(0.25), np.float64(0.25),
                               np.int32(1), np.array(0.25), np.array(0.25, dtype=np.float32),
                               np.array(3)])
def test_scalar_accepts_any_real_number_and_returns_a_python_float(x):
    value = as_scalar(x)
    assert type(value) is float and value == float(x)


@pytest.mark.parametrize(("x", "says"), [
    (True, "True, a bool"),
    (np.True_, "a bool"),
    (np.array(True), "dtype bool"),
    ("0.1", "the string '0.1': use the number itself"),
    (None, "got None"),
    (float("nan"), "nan: a NaN usually comes from"),
    (np.float32("nan"), "NaN"),
    (np.array([0.1]), "an array of shape (1,): pass the number itself, float(...) or .item()"),
    (np.array([0.1, 0.2]), "an array of shape (2,) and dtype float64: it takes one number"),
    (np.array(1 + 2j), "dtype complex128"),
    (1 + 2j, "complex"),
])
def test_scalar_arg_refuses_what_is_not_one_real_number_and_says_what_arrived(x, says):
    assert as_scalar(x) is None
    with pytest.raises(ValueError) as info:
        scalar_arg(x, "lr", "a positive number", lambda v: v > 0, "Try 0.01.")
    message = str(info.value)
    assert message.startswith("lr must be a positive number, got "), message
    assert says in message and message.endswith("Try 0.01."), message


def test_scalar_arg_checks_the_range_on_the_number():
    assert scalar_arg(np.float32(0.5), "p", "in [0, 1)", lambda v: 0 <= v < 1) == 0.5
    with pytest.raises(ValueError, match=r"p must be in \[0, 1\), got np.float32\(1.0\)"):
        scalar_arg(np.float32(1.0), "p", "in [0, 1)", lambda v: 0 <= v < 1)
