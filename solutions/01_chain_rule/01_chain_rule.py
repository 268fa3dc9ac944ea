# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lesson 1 · The chain rule and backpropagation
#
# A neural network learns by nudging each of its weights a little, in whichever direction makes its error smaller.
# To know that direction it needs, for every weight, the derivative of the error with respect to that weight.
# **Backpropagation** is the algorithm that delivers all of those derivatives in one sweep, by applying the chain
# rule from the output back towards the inputs. In this lesson you build it from the ground up, one small function
# at a time, then as a small class of your own, and check every step with numbers.
#
# **By the end you will be able to**
# - estimate a derivative numerically, and explain why the central difference beats the one-sided one;
# - differentiate a composition of functions with the chain rule ("rates multiply");
# - break an expression into a computational graph and run its forward and backward passes;
# - derive and write the backward pass of the multiply and tanh gates with the `(out, cache)` /
#   `backward(dout, cache)` convention used for the rest of the course;
# - backpropagate through a neuron by hand;
# - build your own small autodiff class, with a backward pass that handles values used twice and graphs
#   10,000 nodes deep;
# - catch a wrong gradient with a gradient check;
# - explain why the gradients are computed from the output backward.
#
# **Time needed:** about 95 minutes in all. The **core path** (about 80 minutes; in a workshop, plan a 90-minute
# slot) is sections 1 to 5, then 7 and the questions of section 8. **Going further** (about 15 minutes): section 6,
# gradient checking, and the two measurements at the end of section 7; nothing graded depends on them.
#
# **Prerequisites:** Python (functions, tuples, loops, a first class with `__init__`), a little NumPy (arrays,
# `np.linspace`), and high-school derivatives ($\frac{d}{dx}x^n = n x^{n-1}$, $\frac{d}{dx}\sin x = \cos x$,
# $\frac{d}{dx}e^x = e^x$, the quotient rule).
#
# **How this notebook works.** Run the cells from top to bottom (Shift+Enter). Each exercise is a function (or, in
# exercise 6, a class) whose body says `raise NotImplementedError()`: replace that line with your code, run the
# cell, then run the test cell right below it. **Derive first:** each exercise tells you what is computed going
# forward and what to return; work out the backward pass on paper before you write code. A test prints a ✓ line
# when your answer is right; otherwise it tells you what looks wrong. Under each test, a cell holds up to three
# hints, folded: open them one at a time, only as far as you need. The formula you derived is discussed right after
# each test. When the notebook is graded, the same checks run again with more inputs. There are 6 exercises
# (14 points) and 5 short questions at the end (5 points).

# %%
# %matplotlib inline
import math
import sys
import time

import matplotlib.pyplot as plt
import numpy as np

from backprop.activations import tanh_forward
from backprop.gradcheck import grad_check, numerical_gradient, rel_error
from backprop.grading import check, hints
from backprop.graph import draw_graph
from backprop.quiz import check_choice, check_number, self_check
from backprop.scalar import Value  # backprop's own autodiff class; in exercise 6 you write yours, `Scalar`

# One seeded generator for the whole notebook, so every run sees the same "random" numbers.
rng = np.random.default_rng(0)


# %% [markdown]
# ## 1. The derivative is a slope
#
# The derivative $f'(x)$ answers one question: *if I nudge $x$ a little, how far does $f(x)$ move, per unit of
# nudge?* On the graph of $f$, that is the slope of the tangent line at $x$.
#
# You can sneak up on the tangent with **secant lines**. Choose a step $h$, join the points of the graph at $x$
# and at $x + h$, and take that line's slope, rise over run:
#
# $$\frac{f(x+h) - f(x)}{h}.$$
#
# As $h$ shrinks, the secant pivots towards the tangent, and its slope approaches $f'(x)$. That limit is exactly
# how the derivative is defined.
#
# **Worked example.** Take $f(x) = x^3 - 2x$ at $x_0 = 1$. The power rule gives $f'(x) = 3x^2 - 2$, so the true
# slope there is $f'(1) = 1$. The next cell prints the secant slope for shrinking steps; the one after draws three
# secants and the tangent.

# %%
def f(x):
    """The example function x**3 - 2x (works on numbers and on NumPy arrays)."""
    return x**3 - 2 * x


x0, true_slope = 1.0, 1.0  # f'(x) = 3x² - 2, so f'(1) = 1

for h in [1.0, 0.1, 0.01, 0.001]:
    secant = (f(x0 + h) - f(x0)) / h
    print(f"h = {h:<6g}  secant slope = {secant:.6f}   error = {secant - true_slope:.1e}")

# %%
xs = np.linspace(-0.6, 2.3, 200)
fig, ax = plt.subplots(figsize=(6.5, 4))
ax.plot(xs, f(xs), color="black", lw=2, label="$f(x) = x^3 - 2x$")
for h, colour in [(1.0, "#c53030"), (0.5, "#dd6b20"), (0.2, "#b7791f")]:
    slope = (f(x0 + h) - f(x0)) / h
    ax.plot(xs, f(x0) + slope * (xs - x0), color=colour, lw=1,
            label=f"secant, h = {h:g}: slope {slope:.3g}")
    ax.plot([x0 + h], [f(x0 + h)], "o", color=colour)
ax.plot(xs, f(x0) + true_slope * (xs - x0), "--", color="#2b6cb0", lw=2, label="tangent: slope 1")
ax.plot([x0], [f(x0)], "ko")
ax.set_ylim(-3, 6)
ax.set_xlabel("x")
ax.set_title("As h shrinks, the secant pivots towards the tangent")
ax.legend(fontsize=8, loc="upper left")
plt.show()


# %% [markdown]
# The printed errors shrink roughly in proportion to $h$: $0.31$, $0.030$, $0.0030$. A Taylor expansion says why:
#
# $$f(x \pm h) = f(x) \pm h\,f'(x) + \frac{h^2}{2} f''(x) \pm \frac{h^3}{6} f'''(x) + \dots$$
#
# so the **forward difference** is off by a term proportional to $h$:
#
# $$\frac{f(x+h) - f(x)}{h} = f'(x) + \frac{h}{2} f''(x) + \dots$$
#
# Now look on **both** sides of $x$: take the secant through the two points of the graph at $x - h$ and at
# $x + h$. Subtract the two expansions above and the even-power terms cancel:
#
# $$f(x+h) - f(x-h) = 2h\,f'(x) + \frac{h^3}{3} f'''(x) + \dots$$
#
# Divide this rise by the run between the two points and the first error term left over is proportional to
# $h^2$, not $h$. This secant's slope is the **central difference**.

# %% [markdown]
# ### Exercise 1 · `numerical_derivative` (2 points)
#
# Write `numerical_derivative(f, x, h=1e-5)`, which returns the central-difference estimate of $f'(x)$: the slope
# of the secant through the points of the graph at $x - h$ and $x + h$. On paper first: what is the rise between
# those two points, and what is the run?
#
# - `f` is any Python function of one number; `x` and `h` are numbers. Return a number.
# - **Trap:** Python reads `a / b * c` as `(a / b) * c`.
#
# This little function is the referee for the rest of the lesson: every derivative you work out by hand will be
# compared with it.

# %% nbgrader={"grade": false, "grade_id": "ex1-numerical-derivative", "locked": false, "schema_version": 3, "solution": true, "task": false}
def numerical_derivative(f, x, h=1e-5):
    """Estimate the derivative f'(x) with the central difference.

    Args:
        f: A function of one real number that returns a real number.
        x: The point where the slope is wanted.
        h: The step taken on each side of x. The default, 1e-5, suits float64 arithmetic.

    Returns:
        The slope of the secant through (x - h, f(x - h)) and (x + h, f(x + h)), a float.
    """
    ### BEGIN SOLUTION
    # The two sample points are 2h apart: rise over run.
    return (f(x + h) - f(x - h)) / (2 * h)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex1-test", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false} tags=["raises-exception"]
"""Check that numerical_derivative returns the central-difference slope."""
check("numerical_derivative", numerical_derivative)
### BEGIN HIDDEN TESTS
check("numerical_derivative", numerical_derivative, hidden=True)
### END HIDDEN TESTS

# %%
hints("numerical_derivative")


# %% [markdown]
# **What you derived.** The two points are $2h$ apart, so the central difference is
#
# $$\frac{f(x+h) - f(x-h)}{2h} = f'(x) + \frac{h^2}{6} f'''(x) + \dots$$
#
# By hand, for our example with $h = 0.1$: $f(1.1) = -0.869$ and $f(0.9) = -1.071$, so the slope is
# $\frac{-0.869 - (-1.071)}{0.2} = 1.01$. Its error is $0.01$, against $0.31$ for the forward difference with the
# same step. Halve $h$ and the central error drops four-fold; the forward one only halves.

# %% [markdown]
# ### How fast does the error shrink?
#
# The claim above was: forward error $\propto h$, central error $\propto h^2$. On a log-log plot, $\text{error} \propto
# h^p$ is a straight line of slope $p$, so the two estimates should show up as lines of slope 1 and 2. The next
# cell measures both for $f = \sin$ at $x = 1$ (the true slope is $\cos 1$), with **your** `numerical_derivative`
# as the central estimate.

# %% tags=["raises-exception"]
def forward_difference(f, x, h):
    """The one-sided estimate (f(x + h) - f(x)) / h, kept here only for comparison."""
    return (f(x + h) - f(x)) / h


hs = np.logspace(-10, 0, 41)
exact = math.cos(1.0)
err_forward = np.array([abs(forward_difference(math.sin, 1.0, h) - exact) for h in hs])
err_central = np.array([abs(numerical_derivative(math.sin, 1.0, h) - exact) for h in hs])

# Fit the slope of log(error) against log(h) where rounding is still negligible (1e-4 <= h <= 1e-1).
fit = (hs >= 1e-4) & (hs <= 1e-1)
p_forward = np.polyfit(np.log10(hs[fit]), np.log10(err_forward[fit]), 1)[0]
p_central = np.polyfit(np.log10(hs[fit]), np.log10(err_central[fit]), 1)[0]
print(f"forward difference: error ~ h^{p_forward:.2f}")
print(f"central difference: error ~ h^{p_central:.2f}")

fig, ax = plt.subplots(figsize=(6.5, 4.2))
ax.loglog(hs, err_forward, "o-", ms=3, label="forward: (f(x+h) - f(x)) / h")
ax.loglog(hs, err_central, "s-", ms=3, label="central: your numerical_derivative")
ax.loglog(hs, 0.4 * hs, ":", color="gray", label="slope 1 (error ∝ h)")
ax.loglog(hs, 0.1 * hs**2, "--", color="gray", label="slope 2 (error ∝ h²)")
ax.axvline(1e-5, color="#2b6cb0", lw=0.8)
ax.text(1.3e-5, 1e-1, "h = 1e-5", color="#2b6cb0", fontsize=8)
ax.set_ylim(1e-13, 1)
ax.set_xlabel("step h")
ax.set_ylabel("|estimate − cos(1)|")
ax.set_title("Error of the two difference quotients for sin at x = 1")
ax.legend(fontsize=8, loc="lower right")
plt.show()

# %% [markdown]
# Read the plot from right to left:
#
# - **Large $h$** (right half): straight lines of slope 1 and 2, as the Taylor expansion predicted. Making $h$ ten
#   times smaller gains one digit of accuracy for the forward difference, and two for the central one.
# - **Tiny $h$** (left half): both errors climb again. A float64 number carries only about 16 significant digits,
#   so $f(x+h) - f(x-h)$ loses more and more of them as the two values get closer; dividing by a tiny $2h$ then
#   blows that rounding error up, roughly like $10^{-16}/h$.
#
# The best step balances the two effects. For the central difference that is around $h = 10^{-5}$, with an error
# near $10^{-11}$: this is why `numerical_derivative` uses `h=1e-5` by default.

# %% [markdown]
# ## 2. The chain rule: rates multiply
#
# The functions inside a network are **compositions**: the output of one step is the input of the next. Say
# $u = g(x)$ and $y = f(u)$. If $u$ moves 2 units per unit of $x$, and $y$ moves 3 units per unit of $u$, then $y$
# moves $3 \times 2 = 6$ units per unit of $x$. Along a chain, rates **multiply**:
#
# $$\frac{dy}{dx} = \frac{dy}{du}\cdot\frac{du}{dx} = f'\big(g(x)\big)\cdot g'(x).$$
#
# Mind where the outer derivative is evaluated: at the inner value $u = g(x)$, the number the outer function
# actually receives, not at $x$.
#
# **Worked example.** Differentiate $y = (2x + 1)^3$. Call the inner function $u = 2x + 1$, so that $y = u^3$.
#
# | link | its local derivative |
# |---|---|
# | $u = 2x + 1$ | $\dfrac{du}{dx} = 2$ |
# | $y = u^3$ | $\dfrac{dy}{du} = 3u^2$ |
#
# Multiply the links: $\dfrac{dy}{dx} = 3u^2 \cdot 2 = 6\,(2x+1)^2$. At $x = 1$, $u = 3$ and the slope is
# $6 \cdot 9 = 54$.
#
# A longer chain simply has more factors. $y = e^{\sin(3x)}$ has three links ($3x$, then $\sin$, then $\exp$), so
#
# $$\frac{dy}{dx} = \underbrace{e^{\sin(3x)}}_{\exp' \text{ at } \sin(3x)} \cdot \underbrace{\cos(3x)}_{\sin' \text{ at } 3x} \cdot \underbrace{3}_{(3x)'}.$$
#
# The next cell compares both answers with your `numerical_derivative`.

# %% tags=["raises-exception"]
x = 1.0
by_chain_rule = 6 * (2 * x + 1) ** 2
numerically = numerical_derivative(lambda t: (2 * t + 1) ** 3, x)
print(f"(2x + 1)^3    at x = {x}:  chain rule {by_chain_rule:.6f}   numerical {numerically:.6f}")

x = 0.4
by_chain_rule = math.exp(math.sin(3 * x)) * math.cos(3 * x) * 3
numerically = numerical_derivative(lambda t: math.exp(math.sin(3 * t)), x)
print(f"exp(sin(3x))  at x = {x}:  chain rule {by_chain_rule:.6f}   numerical {numerically:.6f}")


# %% [markdown]
# ### Exercise 2 · `dsin_square` (2 points)
#
# Write `dsin_square(x)`, which returns the exact derivative
#
# $$\frac{d}{dx}\,\sin\!\left(x^2\right),$$
#
# worked out on paper with the chain rule, as in the worked example: name the links (which function is inside,
# which outside?), find each link's local derivative, and combine them. Use `math.sin` / `math.cos`; `x` is a
# number and the result is a number.
#
# - **Trap:** the outer derivative is evaluated at the value the outer function receives.

# %% nbgrader={"grade": false, "grade_id": "ex2-dsin-square", "locked": false, "schema_version": 3, "solution": true, "task": false}
def dsin_square(x):
    """Return the derivative of sin(x**2) with respect to x, by the chain rule.

    Args:
        x: A real number.

    Returns:
        d/dx sin(x**2) at x, a float.
    """
    ### BEGIN SOLUTION
    u = x * x  # the inner value: the outer function sees u, not x
    return math.cos(u) * 2 * x  # outer derivative at u, times the inner derivative du/dx = 2x
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex2-test", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false} tags=["raises-exception"]
"""Check that dsin_square returns d/dx sin(x**2)."""
check("dsin_square", dsin_square)
### BEGIN HIDDEN TESTS
check("dsin_square", dsin_square, hidden=True)
### END HIDDEN TESTS

# %%
hints("dsin_square")

# %% [markdown]
# **What you derived.** The inner link is $u = x^2$ with $\frac{du}{dx} = 2x$; the outer link is $y = \sin u$
# with $\frac{dy}{du} = \cos u$, taken at $u = x^2$. So $\frac{d}{dx}\sin(x^2) = \cos(x^2)\cdot 2x$.
#
# Two independent routes to the same slope should agree everywhere, not just at one point. The plot shows
# $\sin(x^2)$, your derivative as a curve, and your `numerical_derivative` as dots on top of it.

# %% tags=["raises-exception"]
xs = np.linspace(-3, 3, 301)
analytic = np.array([dsin_square(x) for x in xs])
numeric = np.array([numerical_derivative(lambda t: math.sin(t * t), x) for x in xs[::10]])
print(f"largest |dsin_square - numerical_derivative| on [-3, 3]: "
      f"{np.max(np.abs(analytic[::10] - numeric)):.1e}")

fig, ax = plt.subplots(figsize=(6.5, 3.8))
ax.plot(xs, np.sin(xs**2), color="gray", lw=1, label="$\\sin(x^2)$")
ax.plot(xs, analytic, color="#2b6cb0", lw=2, label="your dsin_square (chain rule)")
ax.plot(xs[::10], numeric, "o", color="#c53030", ms=4, label="your numerical_derivative")
ax.axhline(0, color="black", lw=0.5)
ax.set_xlabel("x")
ax.legend(fontsize=8, loc="lower left")
ax.set_title("The chain rule and the numerical slope agree")
plt.show()


# %% [markdown]
# ## 3. Computational graphs: the forward and the backward pass
#
# One formula for the whole derivative is fine for $\sin(x^2)$, but a network is thousands of operations deep.
# The way out is to never differentiate the whole thing at once. Cut the computation into **elementary
# operations** (add, multiply, tanh, ...). Each becomes a node of a **computational graph**, and the edges carry
# numbers from one node to the next.
#
# - **Forward pass:** evaluate the nodes from the inputs to the output, like ordinary code. Each node keeps
#   what it will need later, its **cache**.
# - **Backward pass:** walk from the output back to the inputs. Each node receives the **upstream gradient**
#   $\frac{\partial L}{\partial\,\text{out}}$ (how much the final result $L$ changes per unit of this node's
#   output), multiplies it by its own **local gradient** $\frac{\partial\,\text{out}}{\partial\,\text{in}}$, and
#   hands the product to its input:
#
# $$\underbrace{\frac{\partial L}{\partial\,\text{in}}}_{\text{passed further back}} \;=\;
#   \underbrace{\frac{\partial L}{\partial\,\text{out}}}_{\text{upstream}} \cdot
#   \underbrace{\frac{\partial\,\text{out}}{\partial\,\text{in}}}_{\text{local}}$$
#
# This is the chain rule of Section 2, applied one node at a time. The walk starts at the output with
# $\frac{\partial L}{\partial L} = 1$.
#
# The pleasant part: a node needs to know nothing about the rest of the graph. It knows its own local derivative,
# and whoever used its output tells it the upstream gradient.
#
# ### The convention for the rest of the course
#
# Every operation comes as a pair of functions:
#
# ```python
# out, cache = op_forward(inputs)   # compute the output, and keep what the backward pass will need
# d_inputs = op_backward(dout, cache)   # dout = ∂L/∂out  ->  ∂L/∂(each input)
# ```
#
# We write `dout` for $\partial L/\partial\,\text{out}$, `dx` for $\partial L/\partial x$, and so on, whatever
# the final quantity $L$ is.
#
# ### Worked example: the add gate
#
# For $\text{out} = x + y$ the local gradients are $\frac{\partial\,\text{out}}{\partial x} = 1$ and
# $\frac{\partial\,\text{out}}{\partial y} = 1$. So the add gate passes the upstream gradient to both inputs
# unchanged: it *distributes* the gradient. Its local gradients don't depend on $x$ or $y$, so its cache is empty.

# %%
def add_forward(x, y):
    """Forward pass of the add gate.

    Args:
        x: A number.
        y: A number.

    Returns:
        out: x + y.
        cache: None, because the local gradients (1 and 1) need nothing from the forward pass.
    """
    return x + y, None


def add_backward(dout, cache):
    """Backward pass of the add gate out = x + y.

    Args:
        dout: The upstream gradient ∂L/∂out.
        cache: Unused (None).

    Returns:
        dx: ∂L/∂x = dout · 1.
        dy: ∂L/∂y = dout · 1.
    """
    return dout * 1.0, dout * 1.0  # upstream × local, and both local gradients are 1


# %% [markdown]
# Suppose `out = x + y` feeds into $L = \text{out}^2$. Then the upstream gradient is
# $\frac{\partial L}{\partial\,\text{out}} = 2\,\text{out}$, and the add gate forwards it to both inputs. By hand,
# with $x = 2$, $y = -5$: $\text{out} = -3$, $\texttt{dout} = -6$, so $\texttt{dx} = \texttt{dy} = -6$. Indeed
# $L = (x + y)^2$ gives $\frac{\partial L}{\partial x} = 2(x + y) = -6$.

# %%
x, y = 2.0, -5.0
out, cache = add_forward(x, y)
dout = 2 * out  # the upstream gradient dL/dout, for L = out**2
dx, dy = add_backward(dout, cache)
print(f"out = {out}, dout = {dout}  ->  dx = {dx}, dy = {dy}")


# %% [markdown]
# ### Exercise 3 · `mul_backward` (2 points)
#
# The multiply gate computes $\text{out} = x \cdot y$; its forward pass is given below and caches both inputs.
#
# Write `mul_backward(dout, cache)`, which unpacks `cache = (x, y)` and returns the pair `(dx, dy)`, in that order,
# with $\texttt{dx} = \frac{\partial L}{\partial x}$ and $\texttt{dy} = \frac{\partial L}{\partial y}$. On paper
# first, as for the add gate: work out the two local gradients $\frac{\partial\,\text{out}}{\partial x}$ and
# $\frac{\partial\,\text{out}}{\partial y}$, then combine each with the upstream gradient `dout`.

# %%
def mul_forward(x, y):
    """Forward pass of the multiply gate.

    Args:
        x: A number.
        y: A number.

    Returns:
        out: x * y.
        cache: The pair (x, y), kept for the backward pass.
    """
    return x * y, (x, y)


# %% nbgrader={"grade": false, "grade_id": "ex3-mul-backward", "locked": false, "schema_version": 3, "solution": true, "task": false}
def mul_backward(dout, cache):
    """Backward pass of the multiply gate out = x * y.

    Args:
        dout: The upstream gradient ∂L/∂out, a number.
        cache: The pair (x, y) saved by mul_forward.

    Returns:
        dx: ∂L/∂x, a number.
        dy: ∂L/∂y, a number.
    """
    ### BEGIN SOLUTION
    x, y = cache
    dx = dout * y  # upstream × local, with ∂out/∂x = y
    dy = dout * x  # upstream × local, with ∂out/∂y = x
    return dx, dy
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex3-test", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false} tags=["raises-exception"]
"""Check that mul_backward returns (dx, dy)."""
check("mul_backward", mul_backward)
### BEGIN HIDDEN TESTS
check("mul_backward", mul_backward, hidden=True)
### END HIDDEN TESTS

# %%
hints("mul_backward")

# %% [markdown]
# **What you derived.** Holding $y$ fixed, $x \cdot y$ changes by $y$ per unit of $x$, so
# $\frac{\partial\,\text{out}}{\partial x} = y$ and likewise $\frac{\partial\,\text{out}}{\partial y} = x$. The mul
# gate *swaps*: each input's gradient is the other input times `dout`, $\texttt{dx} = \texttt{dout}\cdot y$ and
# $\texttt{dy} = \texttt{dout}\cdot x$. With $x = 3$, $y = -2$ and $\texttt{dout} = 0.5$: $\texttt{dx} = -1$,
# $\texttt{dy} = 1.5$.
#
# Gates snap together. Take $L = (x + y)\cdot z$ as a graph of two gates: $q = x + y$, then $L = q \cdot z$. Run
# the forward pass gate by gate, then the backward pass in reverse order, feeding each gate's input gradient to
# the gate before it. By hand: $\frac{\partial L}{\partial x} = \frac{\partial L}{\partial y} = z$ and
# $\frac{\partial L}{\partial z} = x + y$. The cell uses your `mul_backward`.

# %% tags=["raises-exception"]
x, y, z = 3.0, -1.0, 2.5

# Forward pass: inputs to output, keeping each gate's cache.
q, cache_add = add_forward(x, y)
L, cache_mul = mul_forward(q, z)

# Backward pass: output to inputs. It starts from dL/dL = 1.
dq, dz = mul_backward(1.0, cache_mul)
dx, dy = add_backward(dq, cache_add)

print(f"L = {L}")
print(f"dx = {dx}, dy = {dy}   (by hand: z = {z})")
print(f"dz = {dz}             (by hand: x + y = {x + y})")



# %% [markdown]
# ### Worked example: the exp gate
#
# A gate whose local derivative is easiest to write with its **output**: $\text{out} = e^{x}$ has
# $\frac{d}{dx}e^x = e^x = \text{out}$. So the forward pass caches its output, and the backward pass needs nothing
# else. At $x = 0.5$: $\text{out} = e^{0.5} \approx 1.6487$, and with an upstream gradient $\texttt{dout} = 2$ the
# gate passes back $\texttt{dx} = 2 \times 1.6487 \approx 3.2974$.

# %%
def exp_forward(x):
    """Forward pass of the exp gate: returns (out, cache) with out = cache = e**x."""
    out = math.exp(x)
    return out, out


def exp_backward(dout, cache):
    """Backward pass of the exp gate: dx = dout · e**x, and e**x is the cached output."""
    return dout * cache  # upstream × local, with the local derivative e**x = out


# %% tags=["raises-exception"]
out, cache = exp_forward(0.5)
print(f"out = {out:.4f}, dx = {exp_backward(2.0, cache):.4f}")
print(f"numerically: {2.0 * numerical_derivative(math.exp, 0.5):.4f}")


# %% [markdown]
# ### Exercise 4 · `tanh_backward` (2 points)
#
# The **tanh** gate squashes any number into $(-1, 1)$:
#
# $$\text{out} = \tanh x = \frac{\sinh x}{\cosh x} = \frac{e^{x} - e^{-x}}{e^{x} + e^{-x}}.$$
#
# Like the exp gate, its forward pass caches only its **output**: `tanh_forward(x)` (imported from
# `backprop.activations`) returns `(out, cache)` with `cache = out = tanh(x)`.
#
# Write `tanh_backward(dout, cache)`, returning $\texttt{dx} = \frac{\partial L}{\partial x}$, a number. On paper
# first: differentiate $\tanh x$ (the quotient rule, with $\frac{d}{dx}\sinh x = \cosh x$ and
# $\frac{d}{dx}\cosh x = \sinh x$), and write the result with $\tanh x$ itself, so that the cached output is all
# you need.
#
# - **Trap:** the cache already *is* $\tanh(x)$.

# %% nbgrader={"grade": false, "grade_id": "ex4-tanh-backward", "locked": false, "schema_version": 3, "solution": true, "task": false}
def tanh_backward(dout, cache):
    """Backward pass of the tanh gate out = tanh(x).

    Args:
        dout: The upstream gradient ∂L/∂out, a number.
        cache: The forward output out = tanh(x), as returned by tanh_forward.

    Returns:
        dx: ∂L/∂x, a number.
    """
    ### BEGIN SOLUTION
    out = cache
    return dout * (1.0 - out * out)  # upstream × local, with the local derivative 1 - tanh(x)²
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex4-test", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false} tags=["raises-exception"]
"""Check that tanh_backward returns dL/dx."""
check("tanh_backward", tanh_backward)
### BEGIN HIDDEN TESTS
check("tanh_backward", tanh_backward, hidden=True)
### END HIDDEN TESTS

# %%
hints("tanh_backward")

# %% [markdown]
# **What you derived.** The quotient rule gives $\frac{d}{dx}\tanh x = \frac{\cosh^2 x - \sinh^2 x}{\cosh^2 x} =
# 1 - \tanh^2 x$, so $\texttt{dx} = \texttt{dout}\cdot(1 - \text{out}^2)$. At $x = 0.5$: $\text{out} \approx
# 0.4621$ and the local derivative is $1 - 0.4621^2 \approx 0.7864$.
#
# The plot shows tanh, its slope from your `tanh_backward` (with `dout = 1`, the backward pass returns the local
# derivative itself), and your `numerical_derivative` as dots. Notice the flat tails: for $|x| > 3$ the slope is
# below $0.01$, so a saturated tanh passes almost no gradient back. Lesson 4 returns to this.

# %% tags=["raises-exception"]
xs = np.linspace(-4, 4, 161)
slope = np.array([tanh_backward(1.0, tanh_forward(x)[1]) for x in xs])
dots = xs[::8]
numeric = np.array([numerical_derivative(math.tanh, x) for x in dots])

fig, ax = plt.subplots(figsize=(6.5, 3.8))
ax.plot(xs, np.tanh(xs), color="gray", lw=1, label="tanh(x)")
ax.plot(xs, slope, color="#2b6cb0", lw=2, label="your tanh_backward(1, tanh(x))")
ax.plot(dots, numeric, "o", color="#c53030", ms=4, label="your numerical_derivative")
ax.axhline(0, color="black", lw=0.5)
ax.set_xlabel("x")
ax.legend(fontsize=8, loc="upper left")
ax.set_title("tanh and its local gradient 1 − tanh²")
plt.show()

# %% [markdown]
# ## 4. Backpropagation through a neuron
#
# Gates combine into bigger graphs, and the backward pass through them is always the same walk: start at the output
# with a gradient of 1, and at every node multiply the upstream gradient by the node's local gradient.
#
# **Worked example, by hand.** A one-input "exp unit" $q = e^{x w + b}$, as a graph of three gates:
#
# | node | gate | computes |
# |---|---|---|
# | $p$ | mul | $x \cdot w$ |
# | $n$ | add | $p + b$ |
# | $q$ | exp | $e^{n}$ |
#
# Take $x = 2$, $w = -0.5$, $b = 0.25$. *Forward* (top to bottom): $p = -1$, $n = -0.75$, $q = e^{-0.75} \approx
# 0.4724$. *Backward* (bottom to top), always upstream × local:
#
# | gradient | upstream × local | value |
# |---|---|---|
# | $\partial q / \partial q$ | start | $1$ |
# | $\partial q / \partial n$ | $1 \cdot e^{n} = 1 \cdot q$ (exp gate) | $\approx 0.4724$ |
# | $\partial q / \partial p$ and $\partial q / \partial b$ | $0.4724 \cdot 1$ (add gate) | $\approx 0.4724$ |
# | $\partial q / \partial w$ | $0.4724 \cdot x$ (mul gate) | $\approx 0.9447$ |
# | $\partial q / \partial x$ | $0.4724 \cdot w$ (mul gate) | $\approx -0.2362$ |
#
# How to read it: nudging $w$ up by a small $\varepsilon$ raises $q$ by about $0.94\,\varepsilon$. Notice that
# every gradient below $n$ reuses the same number $\partial q/\partial n$: it is computed once and shared. The
# same walk, with the gate functions (it uses your `mul_backward`):

# %% tags=["raises-exception"]
x, w, b = 2.0, -0.5, 0.25
p, cache_p = mul_forward(x, w)
n, cache_n = add_forward(p, b)
q, cache_q = exp_forward(n)

dn = exp_backward(1.0, cache_q)  # dq/dq = 1 to start
dp, db = add_backward(dn, cache_n)
dx, dw = mul_backward(dp, cache_p)
print(f"q = {q:.4f}:  dq/dw = {dw:.4f}, dq/db = {db:.4f}, dq/dx = {dx:.4f}")


# %% [markdown]
# ### Exercise 5 · `neuron_backward` (3 points)
#
# A neuron with two inputs weighs each input, adds a bias and squashes the sum with tanh:
#
# $$o = \tanh(x_1 w_1 + x_2 w_2 + b).$$
#
# As a graph of the gates you now know, one node per line:
#
# | node | gate | computes |
# |---|---|---|
# | $p_1$ | mul | $x_1 \cdot w_1$ |
# | $p_2$ | mul | $x_2 \cdot w_2$ |
# | $s$ | add | $p_1 + p_2$ |
# | $n$ | add | $s + b$ |
# | $o$ | tanh | $\tanh(n)$ |
#
# Here the quantity we differentiate is the neuron's output itself ($L = o$), so the backward pass starts with
# $\frac{\partial o}{\partial o} = 1$.
#
# Write `neuron_backward(x1, x2, w1, w2, b)` (five numbers), which runs the forward pass of the neuron and then
# its backward pass, and returns four numbers `(o, dw1, dw2, db)`: the output $o$ and
#
# $$\texttt{dw1} = \frac{\partial o}{\partial w_1},\qquad \texttt{dw2} = \frac{\partial o}{\partial w_2},\qquad
# \texttt{db} = \frac{\partial o}{\partial b}.$$
#
# On paper first: make a backward table like the worked example's for this graph, with symbols, then with the
# numbers $x_1 = 2$, $x_2 = -1$, $w_1 = 0.5$, $w_2 = 0.25$, $b = -0.25$. Then code it, either way:
# - chain the gates: `mul_forward`, `add_forward` and `tanh_forward` going forward, then your `tanh_backward`,
#   `add_backward` and your `mul_backward` in reverse order, starting from an upstream gradient of `1.0`;
# - or write your table's chain of local derivatives out directly.
#
# If you reuse your gates, make sure their own tests pass first: a bug in `mul_backward` would show up here too.

# %% nbgrader={"grade": false, "grade_id": "ex5-neuron-backward", "locked": false, "schema_version": 3, "solution": true, "task": false}
def neuron_backward(x1, x2, w1, w2, b):
    """Forward and backward pass of the neuron o = tanh(x1*w1 + x2*w2 + b).

    Args:
        x1: The first input, a number.
        x2: The second input, a number.
        w1: The weight of x1.
        w2: The weight of x2.
        b: The bias.

    Returns:
        o: The neuron's output, tanh(x1*w1 + x2*w2 + b).
        dw1: ∂o/∂w1.
        dw2: ∂o/∂w2.
        db: ∂o/∂b.
    """
    ### BEGIN SOLUTION
    # Forward pass, gate by gate, keeping every cache.
    p1, cache_p1 = mul_forward(x1, w1)
    p2, cache_p2 = mul_forward(x2, w2)
    s, cache_s = add_forward(p1, p2)
    n, cache_n = add_forward(s, b)
    o, cache_o = tanh_forward(n)
    # Backward pass, the same gates in reverse order, starting from do/do = 1.
    dn = tanh_backward(1.0, cache_o)
    ds, db = add_backward(dn, cache_n)
    dp1, dp2 = add_backward(ds, cache_s)
    _, dw1 = mul_backward(dp1, cache_p1)  # the gradient for x1 isn't asked for
    _, dw2 = mul_backward(dp2, cache_p2)
    return o, dw1, dw2, db
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex5-test", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false} tags=["raises-exception"]
"""Check that neuron_backward returns (o, dw1, dw2, db)."""
check("neuron_backward", neuron_backward)
### BEGIN HIDDEN TESTS
check("neuron_backward", neuron_backward, hidden=True)
### END HIDDEN TESTS

# %%
hints("neuron_backward")

# %% [markdown]
# **What you derived.** With $x_1 = 2$, $x_2 = -1$, $w_1 = 0.5$, $w_2 = 0.25$, $b = -0.25$, the forward pass gives
# $p_1 = 1$, $p_2 = -0.25$, $s = 0.75$, $n = 0.5$, $o = \tanh 0.5 \approx 0.4621$, and the backward table is
#
# | gradient | upstream × local | value |
# |---|---|---|
# | $\partial o / \partial o$ | start | $1$ |
# | $\partial o / \partial n$ | $1 \cdot (1 - o^2)$ (tanh gate) | $\approx 0.7864$ |
# | $\partial o / \partial s$ and $\partial o / \partial b$ | $0.7864 \cdot 1$ (add gate) | $\approx 0.7864$ |
# | $\partial o / \partial p_1$ and $\partial o / \partial p_2$ | $0.7864 \cdot 1$ (add gate) | $\approx 0.7864$ |
# | $\partial o / \partial w_1$ | $0.7864 \cdot x_1$ (mul gate) | $\approx 1.5729$ |
# | $\partial o / \partial x_1$ | $0.7864 \cdot w_1$ (mul gate) | $\approx 0.3932$ |
# | $\partial o / \partial w_2$ | $0.7864 \cdot x_2$ (mul gate) | $\approx -0.7864$ |
# | $\partial o / \partial x_2$ | $0.7864 \cdot w_2$ (mul gate) | $\approx 0.1966$ |
#
# Nudging $w_2$ up *lowers* $o$, because $x_2$ is negative.

# %% tags=["raises-exception"]
o, dw1, dw2, db = neuron_backward(2.0, -1.0, 0.5, 0.25, -0.25)
print(f"o = {o:.4f}, dw1 = {dw1:.4f}, dw2 = {dw2:.4f}, db = {db:.4f}")


# %% [markdown]
# ## 5. Build your own autograd
#
# Doing this by hand for every network would be tiring. Instead, let every number **remember how it was computed**.
# An operation on such numbers returns a new node that keeps its inputs and a small function, its *backward rule*,
# which applies upstream × local for that one operation. One call then walks the whole graph backward for you.
# This is how PyTorch's autograd works, and in this section you write a small version of it yourself.
#
# ### A value used twice: gradients add up
#
# First, one more rule. In a network, one value often feeds several later nodes (an input goes to every neuron of
# the next layer). A change in such a value reaches the output along **every** path, and the total effect is the
# sum of the effects along each path. This is the multivariable chain rule:
#
# $$\frac{\partial L}{\partial a} = \sum_{c \,\text{ uses }\, a} \frac{\partial L}{\partial c}\cdot
# \frac{\partial c}{\partial a}.$$
#
# **Worked example.** Take $a = 3$, $b = 2$ and build $y = p \cdot q$ from $p = a \cdot b$ and $q = a + b$. Both
# $a$ and $b$ feed two nodes. The two paths from $a$ to $y$ contribute
#
# - through $p$: $\frac{\partial y}{\partial p}\cdot\frac{\partial p}{\partial a} = q \cdot b = 5 \cdot 2 = 10$,
# - through $q$: $\frac{\partial y}{\partial q}\cdot\frac{\partial q}{\partial a} = p \cdot 1 = 6$,
#
# so $\frac{\partial y}{\partial a} = 10 + 6 = 16$. (Check with algebra: $y = a^2 b + a b^2$, so
# $\frac{\partial y}{\partial a} = 2ab + b^2 = 16$.) The same holds for a node that takes one value in **both** of
# its input slots, such as $a \cdot a$: both slots send their share back to $a$.
#
# So a node's backward rule must never *overwrite* an input's `grad`: it **adds** its share to it (`+=`), and the
# input's gradient is complete once every node that uses it has added its share.
#
# ### Worked example: a node class with one operation, exp
#
# Here is the whole pattern for a class that knows a single operation, $e^x$. Each `Node` holds its number
# `data`, its gradient `grad` (0 to start), the nodes it was computed from (`_prev`; none for a leaf, a number you
# create yourself), and its backward rule `_backward`, a *closure* defined right next to the forward computation,
# so that it can use the numbers of this very operation. Below, we run the rules by hand, from the output back.

# %%
class Node:
    """A worked example: a scalar node with one operation, exp. (Your class will have +, * and tanh.)"""

    def __init__(self, data):
        self.data = data
        self.grad = 0.0
        self._prev = ()  # the nodes this one was computed from: none for a leaf
        self._backward = lambda: None  # its backward rule: a leaf has nothing to pass on

    def exp(self):
        out = Node(math.exp(self.data))  # the forward computation
        out._prev = (self,)

        def _backward():
            # d(e^a)/da = e^a = out.data: upstream × local, ADDED to the input's grad.
            self.grad += out.data * out.grad

        out._backward = _backward  # the closure remembers self and out
        return out


x = Node(0.5)
y = x.exp()
z = y.exp()  # z = exp(exp(x))

z.grad = 1.0  # dz/dz = 1 to start
z._backward()  # z's rule fills y.grad
y._backward()  # only now is y.grad complete, so y may pass it on to x
print(f"z = {z.data:.4f}, dz/dx = {x.grad:.4f}")
print(f"chain rule, by hand: {math.exp(math.exp(0.5)) * math.exp(0.5):.4f}")

# %% [markdown]
# ### `backward()`: every node, in the right order
#
# Running the rules by hand only works for tiny graphs. A `backward()` method has to find every node below the
# output and run their rules in an order where **a node runs its rule only after every node that uses it has run
# its own** (otherwise it would pass on an incomplete `grad`). A list of the nodes where every node comes after all
# of its inputs is called a **topological order**; for the neuron of exercise 5, one is `x1, w1, p1, x2, w2, p2, s,
# b, n, o`. Think about which way through such a list the backward rules must run.
#
# One more constraint: networks are deep, and a long chain of operations is a deep graph. The natural way to walk a
# graph is a recursive function, but Python gives each call a stack frame and stops at its **recursion limit**,
# a few thousand calls deep. Watch it happen on a chain of 10,000 nodes:

# %%
print(f"Python's recursion limit here: {sys.getrecursionlimit()}")


def depth(node):
    """How many nodes lie below this one along _prev[0], counted recursively."""
    return 0 if not node._prev else 1 + depth(node._prev[0])


chain = Node(0.0)
for _ in range(10_000):
    nxt = Node(0.0)
    nxt._prev = (chain,)
    chain = nxt

try:
    print(depth(chain))
except RecursionError:
    print("RecursionError: a recursive walk of a chain 10,000 nodes deep overflows the stack")
del chain, nxt


# %% [markdown]
# So your walk of the graph needs a loop and a stack of your own (a Python list), not recursion.
#
# **What happens to old gradients?** The leaves (the numbers you created yourself, such as the inputs and the
# weights) **accumulate**: each `backward()` adds to their `grad`, as in PyTorch and in backprop's `Value`. Call it
# twice and each leaf holds twice its gradient; a training loop resets the leaves itself, between steps (lesson
# 2). Every other node's `grad` belongs to one pass only: `backward()` starts each of them from 0.
#
# ### Exercise 6 · your own `Scalar` class (3 points)
#
# Write the class `Scalar`:
#
# - `Scalar(data)` makes a leaf: `.data` is the number, `.grad` is `0.0`.
# - `a + b` and `a * b` (both `Scalar`s) and `a.tanh()` each return a **new** `Scalar` with the result in `.data`,
#   which remembers its inputs and carries its own backward rule, a closure written next to the forward
#   computation, like `Node.exp` above. The local gradients are the ones you derived in exercises 3 and 4 (and the
#   add gate's). A rule adds to its inputs' `grad`, never overwrites it.
# - `out.backward()` fills in `.grad` of every node below `out` with $\partial\,\text{out}/\partial\,\text{node}$:
#   it starts every non-leaf node's `grad` from 0, sets the output's own `grad` to 1, and runs every node's rule,
#   each one only after all the nodes that use it. It walks the graph **without recursion**, so a chain 10,000
#   nodes deep works (and fast: well under a second). The leaves accumulate across calls.
#
# Build it from scratch: don't subclass or wrap backprop's `Value`. Don't worry about plain numbers (`Scalar(2.0) *
# 3`) or other operations; the check only uses `+`, `*`, `tanh`, `backward`, `.data` and `.grad`. The check builds
# small graphs with your class, such as a neuron, values used twice, `backward()` called twice and a chain 10,000
# nodes deep, and compares the output's `data` and the leaves' `grad` with the right ones.
#
# On paper first: for $y = (a \cdot b)\cdot(a + b)$, list the nodes in the order your `backward()` will run their
# rules, and check that you get $16$ for $a$.

# %% nbgrader={"grade": false, "grade_id": "ex6-scalar", "locked": false, "schema_version": 3, "solution": true, "task": false}
class Scalar:
    """A number that records how it was computed, so that gradients can flow back through it.

    Scalar(data) is a leaf. a + b, a * b and a.tanh() return new Scalars; out.backward() fills
    in node.grad = d(out)/d(node) for every node below out. Leaves accumulate across calls.

    Attributes:
        data: The number this node holds (the forward value), a float.
        grad: d(output)/d(this node) after a backward(); 0.0 to start.
    """

    def __init__(self, data):
        ### BEGIN SOLUTION
        self.data = float(data)
        self.grad = 0.0
        self._prev = ()  # the inputs this node was computed from: none for a leaf
        self._backward = lambda: None
        ### END SOLUTION

    def __add__(self, other):
        ### BEGIN SOLUTION
        out = Scalar(self.data + other.data)
        out._prev = (self, other)

        def _backward():
            # Both local gradients are 1: the add gate distributes.
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out
        ### END SOLUTION

    def __mul__(self, other):
        ### BEGIN SOLUTION
        out = Scalar(self.data * other.data)
        out._prev = (self, other)

        def _backward():
            # Each input's local gradient is the other input: the mul gate swaps.
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out
        ### END SOLUTION

    def tanh(self):
        ### BEGIN SOLUTION
        t = math.tanh(self.data)
        out = Scalar(t)
        out._prev = (self,)

        def _backward():
            self.grad += (1.0 - t * t) * out.grad  # the local derivative, from the output

        out._backward = _backward
        return out
        ### END SOLUTION

    def backward(self):
        ### BEGIN SOLUTION
        # A topological order (inputs before the nodes that use them), with a stack of our own.
        order, seen, stack = [], set(), [(self, False)]
        while stack:
            node, inputs_done = stack.pop()
            if inputs_done:
                order.append(node)
            elif id(node) not in seen:
                seen.add(id(node))
                stack.append((node, True))
                stack.extend((child, False) for child in node._prev)
        for node in order:
            if node._prev:  # a non-leaf: its grad belongs to this pass only
                node.grad = 0.0
        self.grad = 1.0  # d(out)/d(out)
        for node in reversed(order):  # each node after all the nodes that use it
            node._backward()
        ### END SOLUTION

    def __repr__(self):
        return f"Scalar(data={self.data:.4g}, grad={self.grad:.4g})"


# %% nbgrader={"grade": true, "grade_id": "ex6-test", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false} tags=["raises-exception"]
"""Check that the class Scalar computes data and grads like an autodiff class should."""
check("Scalar", Scalar)
### BEGIN HIDDEN TESTS
check("Scalar", Scalar, hidden=True)
### END HIDDEN TESTS

# %%
hints("Scalar")

# %% [markdown]
# **What you built.** Each operation's rule is upstream × local, added into its inputs: `+` gives both inputs
# `out.grad`, `*` gives each input the *other* input's `data` times `out.grad`, and `tanh` gives its input
# $(1 - t^2)\cdot$`out.grad`, with $t$ the output. `backward()` lists the nodes in a topological order with a loop
# and a stack, resets the non-leaf grads, seeds the output with 1, and runs the rules in **reverse** topological
# order: then every node that uses a value has added its share before that value's own rule runs.
#
# ### The neuron again, with your `Scalar`
#
# Build the neuron of exercise 5 from `Scalar`s and let your `backward()` do the work, then compare with your
# hand-written `neuron_backward`:

# %% tags=["raises-exception"]
x1, x2 = Scalar(2.0), Scalar(-1.0)
w1, w2, bias = Scalar(0.5), Scalar(0.25), Scalar(-0.25)
o = (x1 * w1 + x2 * w2 + bias).tanh()
o.backward()

o_hand, dw1_hand, dw2_hand, db_hand = neuron_backward(2.0, -1.0, 0.5, 0.25, -0.25)
print(f"{'':5}{'neuron_backward':>17}{'your Scalar':>13}")
for name, hand, auto in [("o", o_hand, o.data), ("dw1", dw1_hand, w1.grad),
                         ("dw2", dw2_hand, w2.grad), ("db", db_hand, bias.grad)]:
    print(f"{name:5}{hand:17.6f}{auto:13.6f}")

# %% [markdown]
# The worked example of values used twice, $y = (a \cdot b)\cdot(a + b)$ and $y = a \cdot a$, with your class:

# %% tags=["raises-exception"]
a, b = Scalar(3.0), Scalar(2.0)
y = (a * b) * (a + b)
y.backward()
print(f"y = (a*b)*(a+b):  a.grad = {a.grad}   (by hand: 10 + 6 = 16)")
print(f"                  b.grad = {b.grad}   (by hand: q·a + p·1 = 15 + 6 = 21)")

a = Scalar(3.0)
y = a * a
y.backward()
print(f"y = a * a at a = 3:  a.grad = {a.grad}   (power rule: 2a = 6)")

# %% [markdown]
# And the flip side of accumulating: a second `backward()` *adds* to what the leaves already hold, so `a.grad`
# becomes $6 + 6 = 12$, which is no gradient of anything. Reset the leaves before a new pass. Finally, the chain
# 10,000 nodes deep that broke the recursive walk:

# %% tags=["raises-exception"]
y.backward()  # a second backward pass on top of the first
print(f"after a second backward():       a.grad = {a.grad}  (the two passes were added)")
a.grad = 0.0  # reset the leaf
y.backward()
print(f"after a.grad = 0.0, backward():  a.grad = {a.grad}   (right again)")

v, k = Scalar(0.5), Scalar(1.0)
for _ in range(10_000):
    v = v * k
start = time.perf_counter()
v.backward()
print(f"a chain 10,001 nodes deep: backward() took {1e3 * (time.perf_counter() - start):.1f} ms, "
      f"dv/dk = {k.grad:g}")

# %% [markdown]
# ### backprop's `Value`: the same design, with more operations
#
# The package's `Value` (from `backprop.scalar`), which the rest of the course uses, is your class with more
# operations (`-`, `/`, `**`, `exp`, `log`, `sigmoid`, `relu`), plain numbers mixed in (`2 * Value(3.0)`),
# labels for drawing, and `zero_grad()`, which sets the `grad` of every node in the graph back to 0; from lesson 2
# on, a training loop calls it before every backward pass. Its `backward()` has the same rules as yours: the
# non-leaf nodes start from zero on each call, the leaves accumulate. In PyTorch, leaf tensors accumulate their
# `.grad` the same way; PyTorch also frees a graph's intermediate results after a backward pass, so a second
# `backward()` through the same graph needs `retain_graph=True` on the first.
#
# `draw_graph` shows a `Value` computation: each box is a node with its `data` (forward pass, left to right) and
# its `grad` (backward pass, right to left); each circle is an operation. Blue boxes have a positive gradient
# (raising them raises $o$), red ones a negative gradient. Check a few boxes against the table of exercise 5.

# %%
x1, x2 = Value(2.0, label="x1"), Value(-1.0, label="x2")
w1, w2 = Value(0.5, label="w1"), Value(0.25, label="w2")
bias = Value(-0.25, label="b")

# The forward pass builds the graph; labels only make the drawing readable.
p1 = x1 * w1
p1.label = "p1"
p2 = x2 * w2
p2.label = "p2"
s = p1 + p2
s.label = "s"
n = s + bias
n.label = "n"
o = n.tanh()
o.label = "o"

o.backward()
draw_graph(o)
plt.show()

# %% [markdown]
# **Practice question** (not graded): pick an answer and press *Check*.

# %%
self_check(
    "x = Value(3.0); f = x * x * x; f.backward(). What is x.grad?",
    ["9.0", "27.0", "3.0", "18.0"],
    answer=1,
    explanation=(
        "f = (x * x) * x uses x three times. The inner product sends x·1 to each of its two slots, "
        "scaled by the upstream x: 2·x·x; the outer product sends x·x. Together 3x² = 27, as the "
        "power rule says."
    ),
)

# %% [markdown]
# ## 6. Gradient checking (going further)
#
# A backward pass can be wrong in quiet ways (a sign, a missing factor, a swapped input) and still produce
# plausible-looking numbers. The cure is cheap: compare the **analytic** gradient (from your backward pass) with a
# **numerical** one (central differences) at a few random points. This is how every gradient in this course is
# tested, including the checks of your exercises.
#
# Compare them with the **relative error**, not the plain difference, since gradients can be $10^{-6}$ or $10^{3}$:
#
# $$\text{rel\_error}(a, b) = \max_i \frac{|a_i - b_i|}{\max\left(10^{-8},\ |a_i| + |b_i|\right)}.$$
#
# Rules of thumb, in float64 with $h = 10^{-5}$:
#
# | relative error | verdict |
# |---|---|
# | below $10^{-7}$ | the gradient is right |
# | $10^{-7}$ to $10^{-4}$ | probably right, but look again, especially for a small expression |
# | $10^{-4}$ to $10^{-2}$ | suspicious: a kink (such as ReLU at 0) near the point, or a subtle bug |
# | above $10^{-2}$, up to $1$ | wrong |
#
# Two tools from `backprop.gradcheck` do the work:
# - `rel_error(a, b)` computes the formula above for two numbers or arrays;
# - `grad_check(f, inputs, analytic)` computes the numerical gradient of `f` with respect to each input by itself,
#   compares it with your analytic one, and returns a report: `inputs` maps each name to a float64 array,
#   `f(**inputs)` must return a number, and `analytic` maps names to your gradients, of the same shapes.
#
# Check at **random** points, not at tidy ones such as 0 or 1, where a wrong formula can be right by accident: at
# $x_1 = 0$ the right $\partial o/\partial w_1$ is 0, and so is every wrong formula that ends with "$\cdot\, x_1$",
# such as one that forgets the tanh gate.
#
# First, `rel_error` between your `dsin_square` and your `numerical_derivative`, at a few random points:

# %% tags=["raises-exception"]
points = rng.uniform(-2, 2, size=5)  # drawn first, so the sequence of rng draws never depends on your code
for x in points:
    err = rel_error(dsin_square(x), numerical_derivative(lambda t: math.sin(t * t), x))
    print(f"x = {x:+.3f}   rel_error = {err:.1e}")


# %% [markdown]
# All far below $10^{-7}$, except one point that comes close: near $x = 1.25$, where $x^2 \approx \pi/2$ and the
# true derivative $\cos(x^2)\cdot 2x$ is almost 0. When both numbers being compared are tiny, the small rounding
# error of the numerical estimate weighs more in the ratio. Keep it in mind when a check fails only where a
# gradient is close to zero.

# %% [markdown]
# Now the neuron, with `grad_check`. We write the neuron once more on NumPy arrays, so that `grad_check` can
# perturb $w$ and $b$ one element at a time, and take the analytic gradients from your `neuron_backward`.

# %%
def neuron_np(x, w, b):
    """The neuron o = tanh(x · w + b), with x and w of shape (2,) and b of shape (1,); returns a float."""
    return float(np.tanh(x @ w + b[0]))


# A random point, shared by the next two cells.
x_gc, w_gc, b_gc = rng.normal(size=2), rng.normal(size=2), rng.normal(size=1)
inputs = {"x": x_gc, "w": w_gc, "b": b_gc}

# %% tags=["raises-exception"]
_, dw1, dw2, db = neuron_backward(x_gc[0], x_gc[1], w_gc[0], w_gc[1], b_gc[0])
report = grad_check(neuron_np, inputs, {"w": np.array([dw1, dw2]), "b": np.array([db])})
print(report)


# %% [markdown]
# And here is a gradient check doing its real job: catching a bug. The version below forgets the tanh gate's
# local derivative on the way back, a classic slip. Every number it returns looks reasonable; the report says
# otherwise, and even suggests what kind of mistake it is.

# %%
def neuron_backward_buggy(x1, x2, w1, w2, b):
    """A deliberately wrong neuron_backward: it skips the tanh gate's local derivative."""
    o = math.tanh(x1 * w1 + x2 * w2 + b)
    dn = 1.0  # BUG: should be 1 - o**2
    return o, dn * x1, dn * x2, dn


_, dw1_bad, dw2_bad, db_bad = neuron_backward_buggy(x_gc[0], x_gc[1], w_gc[0], w_gc[1], b_gc[0])
report = grad_check(neuron_np, inputs, {"w": np.array([dw1_bad, dw2_bad]), "b": np.array([db_bad])})
print(report)
print(f"\npassed: {report.ok}")


# %% [markdown]
# ## 7. Why trace the error backward?
#
# ### Backprop inside a training step
#
# So far we differentiated a neuron's output. In training, the quantity at the end of the graph is the **loss**
# $L$: one number saying how wrong the network's prediction is. One training step has four parts:
#
# 1. **Forward pass:** compute the prediction from the inputs and the current weights, caching along the way.
# 2. **Compute the error:** compare the prediction with the target, giving the loss $L$.
# 3. **Backward pass (backpropagation):** starting from $\frac{\partial L}{\partial L} = 1$, send gradients back
#    through the graph, layer by layer, to get $\frac{\partial L}{\partial w}$ for every weight $w$.
# 4. **Update the weights:** move each weight a small step *against* its gradient,
#    $w \leftarrow w - \eta\,\frac{\partial L}{\partial w}$, so the loss goes down. ($\eta$ is the learning rate.)
#
# Then repeat with the next example. Backpropagation is step 3: it is what tells each weight how it should change
# to reduce the error. Step 4 is **gradient descent**, the subject of lesson 2.
#
# Let's run one such step on a small network built with backprop's `Value` (your `Scalar` would need `-` and
# `**` too): three inputs, a layer of $H$ tanh neurons, and an
# output $\hat{y} = \sum_j v_j \tanh(\mathbf{w}_j \cdot \mathbf{x} + b_j)$, with the squared error
# $L = (\hat{y} - t)^2$ as the loss. It has $P = 5H$ parameters.

# %%
def tiny_net_loss(params, x, target):
    """Build the graph of L = (sum_j v_j tanh(w_j · x + b_j) - target)**2 and return L.

    Args:
        params: A list of 5H Values: the 3H weights w (row by row), then H biases b, then H output weights v.
        x: A list of 3 numbers, the input.
        target: A number, the desired output.

    Returns:
        L: The loss, a Value.
    """
    H = len(params) // 5
    w, b, v = params[: 3 * H], params[3 * H : 4 * H], params[4 * H :]
    y_hat = 0.0
    for j in range(H):
        n = b[j]
        for i in range(3):
            n = n + w[3 * j + i] * x[i]
        y_hat = y_hat + v[j] * n.tanh()
    return (y_hat - target) ** 2


H = 8
theta = rng.normal(0.0, 0.5, size=5 * H)  # P = 40 parameters, as plain floats
x_in, target = [0.5, -1.0, 2.0], 0.8
learning_rate = 0.05

params = [Value(float(t)) for t in theta]
loss = tiny_net_loss(params, x_in, target)  # steps 1 and 2: forward pass, then the error
loss.backward()                              # step 3: every dL/dparameter in one backward pass
grads = np.array([p.grad for p in params])
theta_next = theta - learning_rate * grads   # step 4: a small step against the gradient

loss_next = tiny_net_loss([Value(float(t)) for t in theta_next], x_in, target)
print(f"loss before the step: {loss.data:.4f}")
print(f"loss after the step:  {loss_next.data:.4f}")

# %% [markdown]
# One small step against the gradient already lowers the loss. Lesson 2 turns this single step into a loop and
# looks closely at how big the step should be.

# %% [markdown]
# ### One backward pass gives every gradient
#
# How expensive is step 3? Compare two ways of getting all $P$ gradients of a graph with $N$ nodes.
#
# - **Numerically**, each parameter needs its own pair of forward passes,
#   $\frac{L(\theta_i + h) - L(\theta_i - h)}{2h}$: that is $2P$ forward passes, about $2PN$ node evaluations.
# - **Backpropagation** needs one forward pass and one backward pass. The backward pass visits each node once and
#   does a small, fixed amount of work there, so it costs a small constant multiple of the forward pass: here we
#   count it as another $N$ node evaluations, about $2N$ in all.
#
# $N$ itself grows with the network: more parameters mean more nodes, so both costs grow. What does *not* grow is
# the number of passes. One backward pass gives the gradient of every parameter, so its cost is independent of
# how many parameters you want gradients for, while the numerical route needs one pair of forward passes per
# parameter.
#
# Why does going **backward** make this possible? Look at the multivariable chain rule again:
#
# $$\frac{\partial L}{\partial v} = \sum_{c \,\text{ uses }\, v} \frac{\partial L}{\partial c}\cdot\frac{\partial c}{\partial v}.$$
#
# The gradient of a node needs the gradients of the nodes that *use* it, which lie between it and the output.
# Walking from the output back, those are always ready when we arrive, and each is computed **once** and then
# reused by everything below it: in the neuron, $\partial o/\partial n$ served $w_1$, $w_2$, $b$, $x_1$ and $x_2$
# alike. Going the other way, from the inputs forward, you would have to carry $\frac{\partial v}{\partial
# \theta_i}$ through the graph for one parameter $\theta_i$ at a time: $P$ sweeps instead of one. A loss is a
# single number that depends on very many parameters, so the backward direction wins by a factor of about $P$,
# and for a network with millions of weights that is the difference between feasible and hopeless.
#
# **Going further** (the rest of this section): the next cell gets the 40 gradients of our little network both
# ways, counting the forward passes and timing them. It uses `numerical_gradient` from `backprop.gradcheck`, the array version of your `numerical_derivative`.

# %%
forward_passes = 0


def loss_at(th):
    """The loss as a plain number at parameters th, counting every forward pass."""
    global forward_passes
    forward_passes += 1
    return tiny_net_loss([Value(float(t)) for t in th], x_in, target).data


n_nodes = len(loss.topological_order())
P = theta.size

start = time.perf_counter()
params = [Value(float(t)) for t in theta]
loss = tiny_net_loss(params, x_in, target)
loss.backward()
grads_backprop = np.array([p.grad for p in params])
time_backprop = time.perf_counter() - start

start = time.perf_counter()
grads_numerical = numerical_gradient(loss_at, theta.copy())
time_numerical = time.perf_counter() - start

print(f"P = {P} parameters, N = {n_nodes} nodes in the graph")
print(f"backprop:  1 forward + 1 backward pass  ({2 * n_nodes:6d} node evaluations)  "
      f"{1e3 * time_backprop:6.2f} ms")
print(f"numerical: {forward_passes} forward passes          ({forward_passes * n_nodes:6d} node evaluations)  "
      f"{1e3 * time_numerical:6.2f} ms")
print(f"same gradients? rel_error = {rel_error(grads_backprop, grads_numerical):.1e}")

# %% [markdown]
# The gap grows with the network. The next plot counts node evaluations for wider and wider layers: the
# numerical cost grows like $P \cdot N$, roughly the square of the network's size, while backprop's grows like $N$.

# %%
widths = [1, 2, 4, 8, 16, 32, 64]
sizes, cost_numerical, cost_backprop = [], [], []
for width in widths:
    graph = tiny_net_loss([Value(0.1) for _ in range(5 * width)], x_in, target)  # build only, to count
    nodes_here = len(graph.topological_order())
    sizes.append(5 * width)
    cost_numerical.append(2 * 5 * width * nodes_here)  # 2 forward passes per parameter
    cost_backprop.append(2 * nodes_here)               # 1 forward + 1 backward pass

fig, ax = plt.subplots(figsize=(6.5, 4))
ax.loglog(sizes, cost_numerical, "o-", color="#c53030", label="numerical: 2P forward passes")
ax.loglog(sizes, cost_backprop, "s-", color="#2b6cb0", label="backprop: 1 forward + 1 backward")
ax.set_xlabel("number of parameters P")
ax.set_ylabel("node evaluations")
ax.set_title("Cost of all P gradients")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# ## 8. Check your understanding
#
# Five questions, one point each. Answer questions 1 to 4 with a single letter in quotes, and question 5 with a
# number: in each answer cell, replace the two lines `# YOUR CODE HERE` and `raise NotImplementedError()` with
# your answer, e.g. `q1 = "a"` or `q5 = 1.5`. The test under each answer only checks its format; whether it is
# right is checked when the notebook is graded.

# %% [markdown]
# **Question 1.** What does backpropagation contribute to the training of a neural network?
#
# a) It updates the weights: backpropagation is the step $w \leftarrow w - \eta\,\partial L/\partial w$ itself.
#
# b) It computes $\partial L/\partial w$ for every weight $w$.
#
# c) It estimates each weight's derivative by nudging that weight a little and running the network again.
#
# d) It sends the error back through the layers so that each layer can correct its inputs to match the target.

# %% nbgrader={"grade": false, "grade_id": "q1-answer", "locked": false, "schema_version": 3, "solution": true, "task": false} tags=["raises-exception"]
# Your answer: one of "a", "b", "c", "d".
q1 = None
### BEGIN SOLUTION
q1 = "b"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q1-test", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false} tags=["raises-exception"]
"""Check that q1 is one of the options."""
check_choice("q1", q1)
### BEGIN HIDDEN TESTS
check_choice("q1", q1, answer="b", reread="the section 'Backprop inside a training step'")
### END HIDDEN TESTS

# %% [markdown]
# **Question 2.** In which order does one training step with backpropagation happen?
#
# a) Backward pass, forward pass, update the weights, compute the error.
#
# b) Compute the error, forward pass, backward pass, update the weights.
#
# c) Forward pass, backward pass (it needs no error yet), compute the error, update the weights.
#
# d) Forward pass, compute the error, backward pass, update the weights.

# %% nbgrader={"grade": false, "grade_id": "q2-answer", "locked": false, "schema_version": 3, "solution": true, "task": false} tags=["raises-exception"]
# Your answer: one of "a", "b", "c", "d".
q2 = None
### BEGIN SOLUTION
q2 = "d"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q2-test", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false} tags=["raises-exception"]
"""Check that q2 is one of the options."""
check_choice("q2", q2)
### BEGIN HIDDEN TESTS
check_choice("q2", q2, answer="d", reread="the section 'Backprop inside a training step'")
### END HIDDEN TESTS

# %% [markdown]
# **Question 3.** Why are the gradients computed from the output backward, rather than from the inputs forward?
#
# a) A node's gradient is built from those of the nodes that use it; going backward, they are ready, and each is computed once and reused.
#
# b) Going backward, each parameter needs only one extra forward pass, instead of the two that a central difference needs for every parameter.
#
# c) Multiplying the local derivatives in the forward direction gives a different product: the chain rule only holds when it is applied from the output towards the inputs.
#
# d) The first layer's gradients can only be computed once the last layer's weights have been updated, so the last layer has to come first.

# %% nbgrader={"grade": false, "grade_id": "q3-answer", "locked": false, "schema_version": 3, "solution": true, "task": false} tags=["raises-exception"]
# Your answer: one of "a", "b", "c", "d".
q3 = None
### BEGIN SOLUTION
q3 = "a"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q3-test", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false} tags=["raises-exception"]
"""Check that q3 is one of the options."""
check_choice("q3", q3)
### BEGIN HIDDEN TESTS
check_choice("q3", q3, answer="a", reread="the section 'Why trace the error backward?'")
### END HIDDEN TESTS

# %% [markdown]
# **Question 4.** Consider `x = Value(4.0)`, then `y = x * x`, then `y.backward()`. What is `x.grad`?
#
# a) `4.0`: the second use of `x` overwrites what the first use gave it.
#
# b) `16.0`: with an upstream gradient of 1, the gradient equals the output `x * x`.
#
# c) `8.0`: each use of `x` contributes `4.0`, and they add up.
#
# d) `0.0`: `x` is a leaf, and `backward()` only fills in the gradients of the intermediate nodes.

# %% nbgrader={"grade": false, "grade_id": "q4-answer", "locked": false, "schema_version": 3, "solution": true, "task": false} tags=["raises-exception"]
# Your answer: one of "a", "b", "c", "d".
q4 = None
### BEGIN SOLUTION
q4 = "c"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q4-test", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false} tags=["raises-exception"]
"""Check that q4 is one of the options."""
check_choice("q4", q4)
### BEGIN HIDDEN TESTS
check_choice("q4", q4, answer="c", reread="the section 'A value used twice: gradients add up'")
### END HIDDEN TESTS

# %% [markdown]
# **Question 5.** Take $x = 2$ and $y = -3$, and $f = x \cdot y + x$. What is $\partial f/\partial x$? Work it out
# on paper and answer with the exact number, e.g. `q5 = 1.5`.

# %% nbgrader={"grade": false, "grade_id": "q5-answer", "locked": false, "schema_version": 3, "solution": true, "task": false} tags=["raises-exception"]
# Your answer: a number.
q5 = None
### BEGIN SOLUTION
q5 = -2.0
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q5-test", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false} tags=["raises-exception"]
"""Check that q5 is a number."""
check_number("q5", q5)
### BEGIN HIDDEN TESTS
check_number("q5", q5, answer=-2.0, reread="the section 'A value used twice: gradients add up'")
### END HIDDEN TESTS

# %% [markdown]
# ## 9. Summary
#
# - A derivative is a slope: how much the output moves per unit of nudge to the input. The central difference
#   $\frac{f(x+h) - f(x-h)}{2h}$ estimates it with an error $\propto h^2$ (the forward difference: $\propto h$);
#   $h = 10^{-5}$ balances that against rounding in float64.
# - **Chain rule:** along a chain of functions the rates multiply, each outer derivative taken at its inner value.
# - A computation is a **graph** of simple gates. The forward pass computes values and caches; the backward pass
#   starts from 1 at the output and applies **upstream × local** at each gate. Add distributes the gradient; mul
#   scales it by the other input; tanh scales it by $1 - \text{out}^2$; exp by $\text{out}$.
# - Every operation in this course is a pair `op_forward(...) -> (out, cache)` and
#   `op_backward(dout, cache) -> d_inputs`.
# - A value used in several places collects the **sum** of the gradients from all its uses, so backward rules add
#   (`+=`). An autodiff class such as your `Scalar` (or backprop's `Value`) stores a rule with every node and runs
#   the rules in reverse topological order, found with a loop rather than recursion so that deep graphs work. Its
#   leaves accumulate across `backward()` calls, which is why a training loop calls `zero_grad()` first.
# - **Gradient checking** compares analytic and numerical gradients with the relative error: below $10^{-7}$ is
#   right, above $10^{-2}$ is wrong. Check at random points.
# - Going **backward** reuses each node's gradient for everything below it, so one backward pass gives all the
#   gradients for a small constant multiple of the cost of one forward pass, however many parameters there are;
#   numerical gradients need $2P$ forward passes.
#
# ## What comes next
#
# You now have the gradient of a neuron's output with respect to its weights, and a class that computes such
# gradients for any graph of `+`, `*` and `tanh`. **Lesson 2** puts them to work: a single neuron, a loss function
# that measures its error on data, and **gradient descent**, which repeats the forward pass → loss → backward pass
# → update loop until the neuron has learned its task.
