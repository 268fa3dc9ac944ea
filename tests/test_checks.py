"""Tests for backprop._checks: the shared input checks and their trusted mode."""

import numpy as np
import pytest

from backprop._checks import as_array, as_labels, no_nan, trusted


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
