"""Numerical gradients and gradient checking (lesson 1, used in every lesson after it).

A backward pass is easy to get subtly wrong; central differences are slow but
almost impossible to get wrong. Comparing the two is how every gradient in this
course is tested.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

__all__ = [
    "GradCheckReport",
    "diagnose",
    "grad_check",
    "numerical_derivative",
    "numerical_gradient",
    "rel_error",
]


def numerical_derivative(f: Callable[[float], float], x: float, h: float = 1e-5) -> float:
    """Estimate f'(x) with the central difference (f(x + h) - f(x - h)) / 2h.

    Introduced in lesson 1. The error of the central difference shrinks like h**2,
    against h for the one-sided (f(x + h) - f(x)) / h.

    Args:
        f: A function of one real number.
        x: Where to take the derivative.
        h: The step; 1e-5 balances truncation and rounding error in float64.

    Returns:
        The estimated slope of f at x.
    """
    return (f(x + h) - f(x - h)) / (2 * h)


def _require_float64(x: object, name: str) -> np.ndarray:
    if not isinstance(x, np.ndarray):
        raise TypeError(
            f"{name} must be a NumPy array, got {type(x).__name__}. For one number use "
            "numerical_derivative, or wrap it: np.array([x], dtype=np.float64)."
        )
    if x.dtype != np.float64:
        raise TypeError(
            f"{name} has dtype {x.dtype}, but gradient checks need float64: a step of h=1e-5 is "
            f"lost in {x.dtype}'s rounding. Convert it with {name}.astype(np.float64)."
        )
    return x


def numerical_gradient(
    f: Callable[[np.ndarray], float | np.ndarray],
    x: np.ndarray,
    dout: np.ndarray | None = None,
    h: float = 1e-5,
) -> np.ndarray:
    """Estimate the gradient of f at x, one element at a time, by central differences.

    Introduced in lesson 1. `x` is changed in place while f is evaluated and put
    back afterwards, so `f` may ignore its argument and read `x` through a closure
    (handy for a model's parameters).

    Args:
        f: Called as f(x). Returns a scalar, or an array when `dout` is given.
        x: float64 array of any shape (D1, ..., Dk).
        dout: The upstream gradient, with the shape of f(x). When given, this
            returns the gradient of sum(f(x) * dout), which is what a layer's
            backward pass computes.
        h: The step.

    Returns:
        An array of the shape of x.

    Raises:
        TypeError: If x is not a float64 array.
        ValueError: If f returns NaN, or the shape of f(x) differs from dout's.
    """
    x = _require_float64(x, "x")
    if not x.flags.writeable:
        raise ValueError(
            "x is read-only, but numerical_gradient nudges it in place (and restores it). "
            "Pass a writable copy: x.copy()."
        )
    grad = np.zeros_like(x)

    def objective() -> float:
        out = np.asarray(f(x), dtype=np.float64)
        if dout is None:
            if out.size != 1:
                raise ValueError(
                    f"f returned an array of shape {out.shape}; without dout it must return one "
                    "number. Pass dout (the upstream gradient, shape of f(x)) to check a layer."
                )
            value = float(out.reshape(()))
        else:
            if out.shape != np.shape(dout):
                raise ValueError(
                    f"f(x) has shape {out.shape} but dout has shape {np.shape(dout)}; "
                    "they must match."
                )
            value = float(np.sum(out * dout))
        if np.isnan(value):
            raise ValueError("f returned NaN during the numerical gradient: check f at this x.")
        return value

    it = np.nditer(x, flags=["multi_index"], op_flags=[["readwrite"]])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + h
        plus = objective()
        x[i] = old - h
        minus = objective()
        x[i] = old  # put it back: f may read x through a closure
        grad[i] = (plus - minus) / (2 * h)
    return grad


def rel_error(a: np.ndarray | float, b: np.ndarray | float) -> float:
    """Return max |a - b| / max(1e-8, |a| + |b|), the worst element-wise relative error.

    Introduced in lesson 1. As a rule of thumb in float64, below 1e-7 means the
    gradient is right; 1e-4 to 1e-2 points to a kink (ReLU) or a subtle bug; near 1
    means it is wrong.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"rel_error needs equal shapes, got {a.shape} and {b.shape}.")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def diagnose(actual: np.ndarray | float, expected: np.ndarray | float) -> str | None:
    """Name a common pattern behind a wrong gradient, or return None.

    Spots a flipped sign, an all-zero answer, a transposed matrix and a constant
    factor (a missing or extra 1/N, a 2 from a square). Shapes must match.
    """
    a, e = np.asarray(actual, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    if a.shape != e.shape or a.size == 0 or not np.all(np.isfinite(a)):
        return None
    scale = max(float(np.max(np.abs(e))), 1e-12)
    close = lambda u, v: bool(np.allclose(u, v, rtol=1e-6, atol=1e-9 * scale))  # noqa: E731
    if close(a, e):
        return None
    if not np.any(a) and np.any(e):
        return "it is all zeros: is the computation filled in, and the result returned?"
    if close(a, -e):
        return "it has the wrong sign everywhere: check the sign of each local derivative."
    if a.ndim == 2 and a.shape[0] == a.shape[1] and close(a, e.T):
        return "it is the transpose of the right answer: check the order of the matrix product."
    mask = np.abs(e) > 1e-9 * scale
    if mask.sum() >= 2:  # one number is always "a constant times" another
        ratios = a[mask] / e[mask]
        k = float(np.median(ratios))
        if np.isfinite(k) and abs(k) > 1e-12 and close(a, k * e):
            return (
                f"it is the right answer times {k:.4g}: a constant factor is missing or extra "
                "(a 1/N from averaging, a 2 from a square?)."
            )
    return None


@dataclass(frozen=True)
class _Row:
    name: str
    shape: tuple[int, ...]
    error: float
    worst: tuple[int, ...]
    analytic: float
    numeric: float
    hint: str | None


@dataclass(frozen=True)
class GradCheckReport:
    """The outcome of `grad_check`: one row per input, and a readable summary.

    Attributes:
        rows: Per input: its name, shape, relative error and worst element.
        tol: The relative error below which an input passes.
        h: The step used for the central differences.
    """

    rows: tuple[_Row, ...]
    tol: float
    h: float

    @property
    def ok(self) -> bool:
        """Whether every input's relative error is below `tol`."""
        return all(row.error < self.tol for row in self.rows)

    @property
    def max_rel_error(self) -> float:
        """The largest relative error over all inputs."""
        return max((row.error for row in self.rows), default=0.0)

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        lines = [f"gradient check: central differences, h={self.h:g}, pass below {self.tol:g}"]
        width = max([4] + [len(r.name) for r in self.rows])
        lines.append(f"  {'name':<{width}}  {'shape':<10}  {'rel. error':>10}  result")
        for r in self.rows:
            mark = "✓" if r.error < self.tol else "✗"
            lines.append(
                f"  {r.name:<{width}}  {str(r.shape):<10}  {r.error:>10.2e}  {mark}"
            )
            if r.error >= self.tol:
                at = f"[{', '.join(map(str, r.worst))}]" if r.worst else ""
                lines.append(
                    f"      worst at {r.name}{at}: analytic {r.analytic:.6g}, "
                    f"numerical {r.numeric:.6g}"
                )
                if r.hint:
                    lines.append(f"      {r.name}: {r.hint}")
        return "\n".join(lines)

    def _repr_pretty_(self, p, cycle) -> None:  # IPython shows the report, not a dataclass dump
        p.text(str(self))


def grad_check(
    f: Callable[..., float | np.ndarray],
    inputs: Mapping[str, np.ndarray],
    analytic: Mapping[str, np.ndarray],
    *,
    dout: np.ndarray | None = None,
    h: float = 1e-5,
    tol: float = 1e-7,
) -> GradCheckReport:
    """Compare analytic gradients with central differences, input by input.

    Introduced in lesson 1. Example for a layer `out = layer(x, W)`::

        report = grad_check(lambda x, W: layer(x, W), {"x": x, "W": W},
                            {"x": dx, "W": dW}, dout=dout)
        print(report)

    Args:
        f: Called as f(**inputs); returns a scalar loss, or an array when `dout`
            is given (then the gradient of sum(f * dout) is checked).
        inputs: Name -> float64 array. Each is perturbed in place, then restored.
        analytic: Name -> your gradient, same shape as the input of that name.
            Names missing here are not checked.
        dout: Upstream gradient with the shape of f's output, for layers.
        h: The central-difference step.
        tol: Relative error below which an input passes.

    Returns:
        A `GradCheckReport`; `print` it for a table, or test `report.ok`.

    Raises:
        KeyError: If `analytic` names an input that `inputs` lacks.
        ValueError: If an analytic gradient's shape differs from its input's.
    """
    rows = []
    for name, grad in analytic.items():
        if name not in inputs:
            raise KeyError(
                f"analytic has a gradient for {name!r} but inputs has no such entry; "
                f"inputs has {sorted(inputs)}."
            )
        x = _require_float64(inputs[name], f"inputs[{name!r}]")
        grad = np.asarray(grad, dtype=np.float64)
        if grad.shape != x.shape:
            raise ValueError(
                f"the gradient for {name!r} has shape {grad.shape}, but {name} has shape "
                f"{x.shape}: a gradient always has the shape of what it is the gradient of."
            )
        num = numerical_gradient(lambda _: f(**inputs), x, dout=dout, h=h)
        err = np.abs(grad - num) / np.maximum(1e-8, np.abs(grad) + np.abs(num))
        worst = np.unravel_index(int(np.argmax(err)), err.shape) if err.size else ()
        rows.append(
            _Row(
                name=name, shape=x.shape, error=rel_error(grad, num),
                worst=tuple(int(i) for i in worst),
                analytic=float(grad[worst]) if err.size else 0.0,
                numeric=float(num[worst]) if err.size else 0.0,
                hint=diagnose(grad, num),
            )
        )
    return GradCheckReport(rows=tuple(rows), tol=tol, h=h)
