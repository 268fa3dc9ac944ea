"""Scalar reverse-mode autodiff: the `Value` class (lesson 1, the chain rule).

Every operation builds a node that remembers its inputs and a small `_backward`
closure. The closure holds the *local* derivative of that one operation, written
right next to its forward computation, and multiplies it by the upstream gradient
(the chain rule). `backward()` visits the nodes in reverse topological order, so
each node's gradient is complete before it is passed on to its inputs.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from numbers import Real

__all__ = ["Value"]


def _as_float(data: object, what: str) -> float:
    """Turn a Python or NumPy real number into a float, or explain why not."""
    if getattr(data, "shape", None) == () and getattr(data, "dtype", None) is not None:
        data = data.item()  # a 0-d NumPy array holds exactly one number
    if isinstance(data, bool) or not isinstance(data, Real):
        shape = getattr(data, "shape", None)
        hint = (
            f" of shape {shape}; Value holds a single number: wrap each element, or use the array "
            "layers of backprop.layers (lesson 3)"
            if shape not in (None, ())
            else "; pass an int or a float"
        )
        raise TypeError(f"{what} must be a real number, got {type(data).__name__}{hint}.")
    value = float(data)
    if math.isnan(value):
        raise ValueError(
            f"{what} is NaN. A NaN usually comes from 0/0, inf - inf or the log of a negative "
            "number earlier in the computation: find the first operation that produced it."
        )
    return value


class Value:
    """A scalar that records how it was computed, so gradients can flow back through it.

    Introduced in lesson 1 (chain rule). Supports `+ - * /`, `**` with a constant
    exponent, `exp`, `log`, `tanh`, `sigmoid` and `relu`, and mixes freely with
    plain Python numbers (`2 * Value(3.0)` works).

    Attributes:
        data: The number this node holds (the forward value).
        grad: d(output)/d(this node), filled in by `backward()`. Gradients
            *accumulate*: a node used twice receives the sum of both contributions.
            The leaves (inputs and parameters) also keep what earlier `backward()`
            calls gave them, as in PyTorch, so call `zero_grad()` between steps.
        label: An optional name, shown by `backprop.graph.draw_graph`.

    Example:
        >>> x, w = Value(2.0, label="x"), Value(-0.5, label="w")
        >>> y = (x * w).tanh()
        >>> y.backward()
        >>> round(w.grad, 6)  # dy/dw = (1 - tanh(xw)^2) * x = (1 - tanh(-1)^2) * 2
        0.839949
    """

    __slots__ = ("data", "grad", "label", "_op", "_prev", "_backward")

    def __init__(
        self,
        data: float,
        _children: tuple[Value, ...] = (),
        _op: str = "",
        label: str = "",
    ) -> None:
        self.data = _as_float(data, f"Value(...) from '{_op}'" if _op else "Value(data)")
        self.grad = 0.0
        self.label = label
        self._op = _op
        self._prev = _children
        self._backward: Callable[[], None] = lambda: None

    # -- forward operations, each with its local derivative -----------------------

    def __add__(self, other: Value | float) -> Value:
        other = _lift(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward() -> None:
            # d(a+b)/da = 1 and d(a+b)/db = 1: addition passes the gradient through unchanged.
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other: Value | float) -> Value:
        other = _lift(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward() -> None:
            # d(ab)/da = b and d(ab)/db = a: each input gets the *other* input, times upstream.
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __pow__(self, exponent: float) -> Value:
        if isinstance(exponent, Value):
            raise TypeError(
                "Value ** Value is not supported: the exponent must be a constant number. "
                "For a variable exponent write (b.log() * e).exp()."
            )
        k = _as_float(exponent, "the exponent")
        if self.data == 0.0 and k < 1.0 and k != 0.0:
            raise ZeroDivisionError(
                f"0 ** {k:g} has no finite derivative at 0; move the input away from zero."
            )
        if self.data < 0.0 and not k.is_integer():
            raise ValueError(
                f"({self.data:g}) ** {k:g} is not a real number: a negative base needs an "
                "integer exponent."
            )
        try:
            result = self.data**k
        except OverflowError:
            raise OverflowError(
                f"({self.data:g}) ** {k:g} is too large for a float. Scale the inputs down."
            ) from None
        out = Value(result, (self,), f"**{k:g}")

        def _backward() -> None:
            # d(a^k)/da = k a^(k-1): the power rule (a^0 is constant, so k = 0 adds nothing).
            if k != 0.0:
                self.grad += k * self.data ** (k - 1) * out.grad

        out._backward = _backward
        return out

    def exp(self) -> Value:
        """Return e**self; its local derivative is e**self again."""
        try:
            e = math.exp(self.data)
        except OverflowError:
            raise OverflowError(
                f"exp({self.data:g}) is too large for a float (the limit is about exp(709)). "
                "Scale the inputs down, or use a smaller learning rate."
            ) from None
        out = Value(e, (self,), "exp")

        def _backward() -> None:
            # d(e^a)/da = e^a, which the forward pass already computed.
            self.grad += out.data * out.grad

        out._backward = _backward
        return out

    def log(self) -> Value:
        """Return the natural logarithm; its local derivative is 1/self."""
        if self.data <= 0.0:
            raise ValueError(
                f"log({self.data:g}) is undefined: log needs a positive input. If this is a "
                "probability, clip it away from 0 first."
            )
        out = Value(math.log(self.data), (self,), "log")

        def _backward() -> None:
            # d(ln a)/da = 1/a.
            self.grad += out.grad / self.data

        out._backward = _backward
        return out

    def tanh(self) -> Value:
        """Return the hyperbolic tangent; its local derivative is 1 - out**2."""
        t = math.tanh(self.data)
        out = Value(t, (self,), "tanh")

        def _backward() -> None:
            # d(tanh a)/da = 1 - tanh(a)^2: reuse the output instead of recomputing.
            self.grad += (1.0 - t * t) * out.grad

        out._backward = _backward
        return out

    def sigmoid(self) -> Value:
        """Return 1 / (1 + e**-self); its local derivative is s * (1 - s)."""
        a = self.data
        # Two algebraically equal forms, each used where its exp cannot overflow.
        s = 1.0 / (1.0 + math.exp(-a)) if a >= 0 else math.exp(a) / (1.0 + math.exp(a))
        out = Value(s, (self,), "sigmoid")

        def _backward() -> None:
            # d(sigma(a))/da = sigma(a) (1 - sigma(a)).
            self.grad += s * (1.0 - s) * out.grad

        out._backward = _backward
        return out

    def relu(self) -> Value:
        """Return max(0, self); its local derivative is 1 where self > 0, else 0."""
        out = Value(self.data if self.data > 0 else 0.0, (self,), "relu")

        def _backward() -> None:
            # The kink at 0 gets derivative 0, the usual convention.
            self.grad += (1.0 if self.data > 0 else 0.0) * out.grad

        out._backward = _backward
        return out

    # -- everything else is built from the operations above -----------------------

    def __neg__(self) -> Value:
        return self * -1.0

    def __sub__(self, other: Value | float) -> Value:
        return self + (-_lift(other))

    def __truediv__(self, other: Value | float) -> Value:
        other = _lift(other)
        if other.data == 0.0:
            raise ZeroDivisionError(
                f"division by zero: {self.data:g} / 0. Add a small epsilon to the denominator."
            )
        return self * other**-1

    def __radd__(self, other: float) -> Value:
        return self + other

    def __rsub__(self, other: float) -> Value:
        return _lift(other) - self

    def __rmul__(self, other: float) -> Value:
        return self * other

    def __rtruediv__(self, other: float) -> Value:
        return _lift(other) / self

    # -- the backward pass --------------------------------------------------------

    def topological_order(self) -> list[Value]:
        """Return every node of the graph below `self`, inputs before the nodes that use them.

        Iterative depth-first search, so a graph 10,000 nodes deep does not hit
        Python's recursion limit.
        """
        order: list[Value] = []
        visited: set[int] = set()
        stack: list[tuple[Value, bool]] = [(self, False)]
        while stack:
            node, children_done = stack.pop()
            if children_done:
                order.append(node)
                continue
            if id(node) in visited:
                continue
            visited.add(id(node))
            stack.append((node, True))
            stack.extend((child, False) for child in node._prev if id(child) not in visited)
        return order

    def backward(self) -> None:
        """Add d(self)/d(leaf) to the `.grad` of every leaf below `self`.

        Seeds d(self)/d(self) = 1, then applies each node's local rule in reverse
        topological order. Intermediate nodes are recomputed from zero on every
        call; leaves accumulate, so a second call without `zero_grad()` adds the
        same gradients again.
        """
        order = self.topological_order()
        for node in order:
            if node._prev:  # an intermediate result: its gradient belongs to this pass only
                node.grad = 0.0
        self.grad += 1.0
        for node in reversed(order):
            node._backward()

    def zero_grad(self) -> None:
        """Set `.grad` to 0 on this node and every node below it."""
        for node in self.topological_order():
            node.grad = 0.0

    def __repr__(self) -> str:
        name = f"{self.label}: " if self.label else ""
        return f"Value({name}data={self.data:.4g}, grad={self.grad:.4g})"


def _lift(x: Value | float) -> Value:
    """Wrap a plain number as a constant `Value` leaf."""
    return x if isinstance(x, Value) else Value(x)


def nodes(roots: Iterable[Value]) -> list[Value]:
    """Return the union of the graphs below several roots (used by `backprop.graph`)."""
    seen: dict[int, Value] = {}
    for root in roots:
        for node in root.topological_order():
            seen.setdefault(id(node), node)
    return list(seen.values())
