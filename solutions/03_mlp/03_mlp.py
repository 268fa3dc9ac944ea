# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lesson 3 · A multi-layer perceptron in matrix form
#
# In lesson 2 a single neuron learned AND and OR, but not XOR: one neuron can only draw a straight line through
# the plane, and no straight line separates XOR's two classes. The cure is a **hidden layer**: a row of neurons
# between the inputs and the output, whose outputs the last layer combines. Stack such layers and you have a
# **multi-layer perceptron** (MLP), the network this lesson builds.
#
# A network this size has thousands of weights and sees many examples at a time, so we stop working number by
# number. Every layer becomes a matrix product that handles a whole **batch** of examples at once, and every
# backward pass becomes a few matrix products too. You write each piece yourself, check the whole network with a
# gradient check, watch it bend its decision boundary around XOR, moons and spirals, and finally train it on real
# handwritten digits, to above 95 % accuracy on digits it has never seen.
#
# **By the end you will be able to**
# - write a fully connected (affine) layer for a whole batch, $\text{out} = XW + b$;
# - derive its backward pass, use the shapes to decide where each transpose goes, and explain why `db` sums over
#   the batch;
# - state the general rule behind `db` (sum the gradient over the axes that were broadcast) and implement it;
# - see a backward pass as a **vector-Jacobian product**, and measure why nobody builds the Jacobian;
# - derive the backward pass of the ReLU, and say what it does at its kink;
# - derive the gradient of the softmax cross-entropy loss from the softmax's Jacobian, and compute the loss in a
#   way that doesn't overflow;
# - assemble a two-layer network and confirm all its gradients with a gradient check;
# - explain mini-batches, and why one matrix product beats a Python loop over the samples;
# - train the network on XOR, moons, spirals and 8×8 digits, and measure how well it does on held-out data.
#
# **Time needed:** about 100 minutes in all. The **core path** (everything except the parts marked *Going
# further (optional)*) takes about 85 minutes: you derive five backward passes and one rule on paper before coding
# them. The three *Going further* parts (the Jacobian measured, the network rebuilt from your layers, too large a
# learning rate) take about 15 minutes more; nothing later depends on them, so skip them on a first pass if time
# is short. In a workshop, plan a 90-minute slot for the core path.
#
# **Prerequisites:** lessons 1 and 2: the chain rule, the `(out, cache)` / `backward(dout, cache)` convention,
# gradient checking, and gradient descent. NumPy: the matrix product `A @ B`, the transpose `A.T`,
# `A.sum(axis=0)`, and broadcasting (adding a vector of shape `(H,)` to every row of an `(N, H)` array).
#
# **How this notebook works.** Run the cells from top to bottom (Shift+Enter). Each exercise is a function whose
# body says `raise NotImplementedError()`: replace that line with your code, run the cell, then run the test cell
# right below it. A test prints a ✓ line when your function is right; otherwise it tells you what looks wrong and
# what to try. When the notebook is graded, the same checks run again with more inputs. There are 6 exercises
# (16 points) and 6 short questions at the end (6 points): 22 points in all.
#
# **Derive first.** Each exercise states the forward computation, the shapes and what to return; the backward
# pass is yours to derive, on paper first, then in code. The cell right under each check holds its hints,
# folded: open them one level at a time, only when you are stuck. The formulas appear in the text *after* each
# check.

# %%
# %matplotlib inline
import time

import matplotlib.pyplot as plt
import numpy as np

from backprop.data import load_digits, logic_gate, make_moons, make_spirals, standardize, train_test_split
from backprop.gradcheck import grad_check, rel_error
from backprop.grading import check, hints
from backprop.models import MLP
from backprop.plots import plot_decision_boundary, plot_history, plot_losses, show_digits
from backprop.quiz import check_choice, check_shape, self_check
from backprop.train import Trainer, TrainingDiverged
from backprop.widgets import playground

# One seeded generator for the whole notebook, so every run sees the same "random" numbers.
rng = np.random.default_rng(0)

# %% [markdown]
# ## 1. From one neuron to a layer, from one example to a batch
#
# A neuron with $D$ inputs computes $z = x_1 w_1 + \dots + x_D w_D + b$. A **layer** of $H$ neurons looks at the
# same input, each neuron with its own weights and bias. Put neuron $h$'s weights in column $h$ of a matrix $W$
# of shape $(D, H)$ and the biases in a vector $b$ of shape $(H,)$: the layer's $H$ outputs are then one row
# vector,
#
# $$z_h = \sum_{d=1}^{D} x_d\, W_{dh} + b_h, \qquad\text{that is,}\qquad z = xW + b.$$
#
# Now take a **batch** of $N$ examples and stack them as the rows of $X$, shape $(N, D)$. One matrix product
# computes every neuron for every example:
#
# $$\text{out} = XW + b, \qquad \underbrace{(N, H)}_{\text{out}} = \underbrace{(N, D)}_{X}\,
#   \underbrace{(D, H)}_{W} + \underbrace{(H,)}_{b}.$$
#
# Row $n$ of `out` is the layer's output for example $n$. The bias has one entry per neuron, and NumPy
# **broadcasts** it: `X @ W + b` adds the same $b$ to every row. This is a **fully connected** or **affine**
# layer (linear, plus a shift). Throughout the course, $N$ is the batch size, $D$ the number of input features,
# $H$ the number of units in the layer and $C$ the number of classes.
#
# **Worked example.** Two examples with three features each, into a layer of two units:
#
# $$X = \begin{pmatrix} 1 & 2 & 0 \\ 0 & -1 & 3 \end{pmatrix},\quad
#   W = \begin{pmatrix} 1 & 0 \\ 0 & 1 \\ 2 & -1 \end{pmatrix},\quad b = (0.5,\ -1).$$
#
# Row 1 of $XW$ is $(1\cdot 1 + 2 \cdot 0 + 0 \cdot 2,\ 1 \cdot 0 + 2 \cdot 1 + 0 \cdot(-1)) = (1, 2)$; row 2 is
# $(6, -4)$. Adding $b$ to each row gives $\text{out} = \begin{pmatrix} 1.5 & 1 \\ 6.5 & -5 \end{pmatrix}$.

# %%
X_ex = np.array([[1.0, 2.0, 0.0], [0.0, -1.0, 3.0]])
W_ex = np.array([[1.0, 0.0], [0.0, 1.0], [2.0, -1.0]])
b_ex = np.array([0.5, -1.0])
print("X @ W + b =")
print(X_ex @ W_ex + b_ex)
print(f"shapes: X {X_ex.shape} @ W {W_ex.shape} + b {b_ex.shape} -> {(X_ex @ W_ex + b_ex).shape}")


# %% [markdown]
# ### Exercise 1 · `affine_forward` (2 points)
#
# Write `affine_forward(x, W, b)`, the forward pass of an affine layer, following the course's convention: it
# returns the pair `(out, cache)`.
#
# - `x` has shape `(N, D)`, `W` shape `(D, H)`, `b` shape `(H,)`; `out = x @ W + b` has shape `(N, H)`.
# - `cache` is what the backward pass will need. The check compares `out` only, but exercise 2's check passes
#   `affine_backward` exactly `cache = (x, W, b)`, so keep that tuple.
# - **Trap:** the affine layer is *linear*. Don't apply a ReLU (or anything else) here: the activation is a layer
#   of its own, with its own backward pass.
# - **Trap:** `b` is added, once per row, not subtracted; broadcasting does the "once per row" for you.

# %% nbgrader={"grade": false, "grade_id": "ex1-affine-forward", "locked": false, "schema_version": 3, "solution": true, "task": false}
def affine_forward(x, W, b):
    """Forward pass of a fully connected (affine) layer, for a whole batch.

    Args:
        x: Inputs of shape (N, D), one example per row.
        W: Weights of shape (D, H), one column per unit.
        b: Biases of shape (H,), one per unit.

    Returns:
        out: x @ W + b, of shape (N, H).
        cache: The tuple (x, W, b), for affine_backward.
    """
    ### BEGIN SOLUTION
    out = x @ W + b  # (N, D) @ (D, H) -> (N, H); b is broadcast over the N rows
    cache = (x, W, b)
    return out, cache
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex1-test", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false} tags=["raises-exception"]
"""Check that affine_forward returns (out, cache) with out = x @ W + b."""
check("affine_forward", affine_forward)
### BEGIN HIDDEN TESTS
check("affine_forward", affine_forward, hidden=True)
### END HIDDEN TESTS

# %%
hints("affine_forward")

# %% [markdown]
# A batch is only a stack of examples: feeding the rows one at a time must give the same rows as feeding them
# all at once. The next cell checks this with your `affine_forward` on a batch of 5.

# %% tags=["raises-exception"]
X_batch, W_layer, b_layer = rng.normal(size=(5, 3)), rng.normal(size=(3, 4)), rng.normal(size=4)
out_batch, _ = affine_forward(X_batch, W_layer, b_layer)
out_rows = np.vstack([affine_forward(X_batch[n : n + 1], W_layer, b_layer)[0] for n in range(5)])
print(f"one batch of 5: out has shape {out_batch.shape}")
print(f"5 batches of 1, stacked: the largest difference is {np.max(np.abs(out_batch - out_rows)):.1e}")

# %% [markdown]
# ## 2. The backward pass of an affine layer
#
# The backward pass receives `dout` $= \partial L/\partial\,\text{out}$, of shape $(N, H)$ like `out`, and
# returns the gradient of the loss with respect to each input of the layer. Two tools do all the work.
#
# - **Work entry by entry, then collect.** Write one entry of the output as a sum of numbers, and apply lesson 1's
#   rule for a value used in several places: its gradient is the **sum**, over every place it is used, of
#   upstream × local derivative. Then find the NumPy expression that computes all those sums at once.
# - **A gradient has the shape of its variable.** `dx` has the shape of `x`, `dW` that of `W`. When only one
#   product of the arrays at hand has that shape, the shapes tell you where the transposes go.
#
# **Worked example, on a different layer.** A *scaling* layer multiplies column $h$ of $x$, shape $(N, H)$, by
# its own factor $s_h$, with $s$ of shape $(H,)$: $\;\text{out}_{nh} = x_{nh}\, s_h$, `out = x * s`.
#
# - $x_{nh}$ appears in one entry of the output only, $\text{out}_{nh}$, with local derivative $s_h$. So
#   $\partial L/\partial x_{nh} = \texttt{dout}_{nh}\, s_h$: `dx = dout * s`, shape $(N, H)$ like `x`. ✓
# - $s_h$ appears in $\text{out}_{nh}$ for **every** example $n$, with local derivative $x_{nh}$. So
#   $\partial L/\partial s_h = \sum_n \texttt{dout}_{nh}\, x_{nh}$: `ds = (dout * x).sum(axis=0)`, shape
#   $(H,)$ like `s`. ✓ The sum is over the batch because the same $s$ serves every example.
#
# A gradient check confirms both in the next cell (lesson 1's `grad_check`, with the upstream gradient `dout`).

# %%
x_sc, s_sc, dout_sc = rng.normal(size=(4, 3)), rng.normal(size=3), rng.normal(size=(4, 3))
print(grad_check(lambda x, s: x * s, {"x": x_sc, "s": s_sc},
                 {"x": dout_sc * s_sc, "s": (dout_sc * x_sc).sum(axis=0)}, dout=dout_sc))


# %% [markdown]
# ### Exercise 2 · `affine_backward` (3 points)
#
# Write `affine_backward(dout, cache)`. The forward pass was $\text{out}_{nh} = \sum_{d} x_{nd} W_{dh} + b_h$,
# that is `out = x @ W + b`.
#
# - `dout` has shape `(N, H)`; `cache = (x, W, b)`, with `x` `(N, D)`, `W` `(D, H)`, `b` `(H,)`.
# - Return `(dx, dW, db)`, in that order, with the shapes of `x`, `W` and `b`.
#
# **Derive it on paper first**, as in the worked example: for each of $x_{nd}$, $W_{dh}$ and $b_h$, in which
# entries of `out` does it appear, and with what local derivative? Write each gradient as a sum, then find the
# NumPy expression with the right shape.
#
# To test by hand: with `X_ex`, `W_ex`, `b_ex` of section 1 and `dout` $= \begin{pmatrix} 1 & 0 \\ 0 & 2
# \end{pmatrix}$, the right answer is $\texttt{dx} = \begin{pmatrix} 1 & 0 & 2 \\ 0 & 2 & -2 \end{pmatrix}$,
# $\texttt{dW} = \begin{pmatrix} 1 & 0 \\ 2 & -2 \\ 0 & 6 \end{pmatrix}$, $\texttt{db} = (1,\ 2)$.
#
# - **Trap:** don't divide by $N$ here. If the loss is a mean over the batch, its own backward pass puts the
#   $1/N$ into `dout` (section 4); the layers below only multiply and add.
# - **Trap:** the gradients are $\partial L/\partial x$, $\partial L/\partial W$, $\partial L/\partial b$ as
#   they are: the minus sign of gradient descent belongs to the update, not here.

# %% nbgrader={"grade": false, "grade_id": "ex2-affine-backward", "locked": false, "schema_version": 3, "solution": true, "task": false}
def affine_backward(dout, cache):
    """Backward pass of the affine layer out = x @ W + b.

    Args:
        dout: The upstream gradient dL/dout, of shape (N, H).
        cache: The tuple (x, W, b) saved by affine_forward: x (N, D), W (D, H), b (H,).

    Returns:
        dx: dL/dx, of shape (N, D).
        dW: dL/dW, of shape (D, H).
        db: dL/db, of shape (H,).
    """
    ### BEGIN SOLUTION
    x, W, b = cache
    dx = dout @ W.T  # (N, H) @ (H, D) -> (N, D)
    dW = x.T @ dout  # (D, N) @ (N, H) -> (D, H): the sum over the batch of outer products
    db = dout.sum(axis=0)  # b was added to every row, so every row's gradient adds up
    return dx, dW, db
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex2-test", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false} tags=["raises-exception"]
"""Check that affine_backward returns (dx, dW, db)."""
check("affine_backward", affine_backward)
### BEGIN HIDDEN TESTS
check("affine_backward", affine_backward, hidden=True)
### END HIDDEN TESTS

# %%
hints("affine_backward")

# %% [markdown]
# **What you derived.** Entry by entry, $\partial L/\partial x_{nd} = \sum_h \texttt{dout}_{nh} W_{dh}$,
# $\partial L/\partial W_{dh} = \sum_n x_{nd}\, \texttt{dout}_{nh}$ and $\partial L/\partial b_h =
# \sum_n \texttt{dout}_{nh}$. Each sum is the *only* product of the arrays at hand with the right shape:
#
# | gradient | must have the shape of | built from | the one product that fits |
# |---|---|---|---|
# | `dx` | `x`: $(N, D)$ | `dout` $(N, H)$ and `W` $(D, H)$ | `dout @ W.T`: $(N, H)(H, D)$ |
# | `dW` | `W`: $(D, H)$ | `x` $(N, D)$ and `dout` $(N, H)$ | `x.T @ dout`: $(D, N)(N, H)$ |
# | `db` | `b`: $(H,)$ | `dout` $(N, H)$ | `dout.sum(axis=0)` |
#
# **Why `db` sums over the batch.** The same bias $b_h$ is added to the output of *every* example in the batch.
# Nudge $b_h$ by $\varepsilon$ and all $N$ outputs in column $h$ move by $\varepsilon$, so the loss changes by the
# sum of their $N$ effects: lesson 1's "a value used in several places collects the sum of the gradients of all
# its uses", with $N$ uses. `dW` sums over the batch too, hidden inside the matrix product:
# $X^{\top}\texttt{dout} = \sum_n x_n^{\top}\,\texttt{dout}_n$ adds up one outer product per example. A sum,
# not a mean: the $1/N$ of a mean loss is already inside `dout`.
#
# The check compared your function with a reference. You can also check it with no reference at all, as in
# lesson 1: a layer's backward pass computes the gradient of $\sum_{n,h} \text{out}_{nh}\,\texttt{dout}_{nh}$, and
# `grad_check(..., dout=dout)` compares your three gradients with central differences of exactly that. Every
# relative error should be far below $10^{-7}$.

# %% tags=["raises-exception"]
x_gc, W_gc, b_gc = rng.normal(size=(4, 3)), rng.normal(size=(3, 5)), rng.normal(size=5)
dout_gc = rng.normal(size=(4, 5))
dx, dW, db = affine_backward(dout_gc, (x_gc, W_gc, b_gc))
report = grad_check(lambda x, W, b: x @ W + b, {"x": x_gc, "W": W_gc, "b": b_gc},
                    {"x": dx, "W": dW, "b": db}, dout=dout_gc)
print(report)

# %% [markdown]
# **Practice question** (not graded): pick an answer and press *Check*.

# %%
self_check(
    "A batch of 64 images with 784 pixels each goes into a layer of 100 units: x is (64, 784) and W is "
    "(784, 100). What are the shapes of dW and db?",
    ["dW (100, 784), db (64, 100)", "dW (784, 100), db (100,)", "dW (64, 100), db (100,)",
     "dW (784, 100), db (64, 100)"],
    answer=1,
    explanation=(
        "A gradient always has the shape of its variable: dW is (784, 100) like W, and db is (100,) like b. "
        "The batch size 64 disappears in both, because dW = x.T @ dout and db = dout.sum(axis=0) add up "
        "the contributions of the 64 images."
    ),
)


# %% [markdown]
# ### Broadcasting in the backward pass
#
# `db` summed over the batch because NumPy **broadcast** `b`, shape $(H,)$, to every row of `out`. Broadcasting
# shows up everywhere in later lessons (batch norm's $\gamma$ and $\beta$, of shape $(D,)$, scale and shift
# every row), and each time the backward pass must undo it. Recall NumPy's rule: it lines the two shapes up
# **from the right**; where an axis is missing on the left, or has size 1, the operand is copied along it. For
# example, `b` of shape `(3, 1)` added to an array of shape `(2, 3, 4)` is copied along axis 0 (missing) and
# along the last axis (size 1).
#
# ### Exercise 2b · `sum_to_shape` (2 points)
#
# Write `sum_to_shape(dout, shape)`. The forward pass was `out = x + b`, where `b`, of shape `shape` (a tuple,
# such as `(3,)`, `(1, 4)`, `(3, 1)` or `()` for a scalar), was broadcast to `out.shape`; `dout` is
# $\partial L/\partial\,\text{out}$, of shape `out.shape`. Return `db`, a float array of shape exactly `shape`.
#
# **Derive it first:** each entry of `b` is copied into several entries of `out`. With what local derivative?
# So what is its gradient? Which axes of `dout` hold the copies? Work out the examples above by hand, then write
# the general case: it must work for any `shape` that broadcasts to `dout.shape`.
#
# - Useful NumPy: `dout.ndim`, `len(shape)`, `dout.sum(axis=(0, 2))` (a tuple of axes), the `keepdims=True`
#   option of `sum`, and `db.reshape(shape)`.
# - **Trap:** the result must have exactly `shape`, including its axes of size 1. An array of shape `(3,)` is not
#   one of shape `(3, 1)`: added to an `(N, 3)` array, the two broadcast in different ways.

# %% nbgrader={"grade": false, "grade_id": "ex6-sum-to-shape", "locked": false, "schema_version": 3, "solution": true, "task": false}
def sum_to_shape(dout, shape):
    """Gradient of an operand that was broadcast: out = x + b, with b of shape `shape`.

    Args:
        dout: The upstream gradient dL/dout, a float array of out's shape.
        shape: The shape of b, a tuple that broadcasts to dout.shape, e.g. (H,), (1, H) or ().

    Returns:
        db: dL/db, a float array of shape `shape`.
    """
    ### BEGIN SOLUTION
    lead = dout.ndim - len(shape)  # the axes that broadcasting added on the left
    db = dout.sum(axis=tuple(range(lead)))  # every copy along them adds up
    ones = tuple(i for i, size in enumerate(shape) if size == 1)  # copied along these too
    db = db.sum(axis=ones, keepdims=True)  # ... and they stay, with size 1
    return db.reshape(shape)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex6-test", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false} tags=["raises-exception"]
"""Check that sum_to_shape returns db of the given shape."""
check("sum_to_shape", sum_to_shape)
### BEGIN HIDDEN TESTS
check("sum_to_shape", sum_to_shape, hidden=True)
### END HIDDEN TESTS

# %%
hints("sum_to_shape")

# %% [markdown]
# **The rule.** A value that broadcasting copied collects the sum of the gradients of all its copies: sum `dout`
# over the leading axes that the operand doesn't have (they disappear), and over the axes where it has size 1
# (they stay, with size 1, `keepdims=True`). The affine layer's `db = dout.sum(axis=0)` is the case
# `dout` $(N, H)$, `shape` $(H,)$. Your function agrees with it, and a gradient check of `x + b` with a `b` of
# shape `(3, 1)` confirms the general case:

# %% tags=["raises-exception"]
dout_bc = rng.normal(size=(2, 3, 4))
same = np.allclose(sum_to_shape(dout_bc[0], (4,)), dout_bc[0].sum(axis=0))
print(f"for a bias of shape (4,), the same as dout.sum(axis=0): {same}")
x_bc, b_bc = rng.normal(size=(2, 3, 4)), rng.normal(size=(3, 1))
print(grad_check(lambda x, b: x + b, {"x": x_bc, "b": b_bc},
                 {"x": dout_bc, "b": sum_to_shape(dout_bc, b_bc.shape)}, dout=dout_bc))

# %% [markdown]
# ### Going further (optional): a backward pass is a vector-Jacobian product
#
# Flatten the layer's input $x$ into a vector of $ND$ numbers and its output into one of $NH$. The layer's
# **Jacobian** $J$ is then the $(NH) \times (ND)$ matrix of every partial derivative
# $\partial\,\text{out}_{nh} / \partial x_{md}$, and the chain rule says
# $\texttt{dx} = \texttt{dout} \cdot J$: the upstream gradient, a row vector, times the Jacobian. That is a
# **vector-Jacobian product** (VJP), and it is what every backward function computes, *without ever forming J*.
# Your `dout @ W.T` is the affine layer's VJP; the ReLU's Jacobian is diagonal, so its VJP is an element-wise
# product; `sum_to_shape` is the VJP of broadcasting.
#
# Why not build $J$? For the affine layer, $J$ is mostly zeros: $\partial\,\text{out}_{nh}/\partial x_{md}$
# is $W_{dh}$ when $m = n$ and 0 otherwise, so $J$ is $N$ copies of $W^{\top}$ along a block diagonal. The next
# cell builds it for a batch of $N = 32$ with $D = H = 64$, multiplies `dout` by it, and compares time and memory
# with your `affine_backward`. (It takes under a second.)

# %% tags=["raises-exception"]
rng_vjp = np.random.default_rng(3)
N_v, D_v, H_v = 32, 64, 64
x_v, W_v, b_v = rng_vjp.normal(size=(N_v, D_v)), rng_vjp.normal(size=(D_v, H_v)), np.zeros(H_v)
dout_v = rng_vjp.normal(size=(N_v, H_v))

start = time.perf_counter()
J = np.kron(np.eye(N_v), W_v.T)  # (N*H, N*D): row (n, h), column (m, d) holds d out[n, h] / d x[m, d]
dx_full = (dout_v.reshape(1, -1) @ J).reshape(N_v, D_v)  # dout (as a row vector) times J
time_full = time.perf_counter() - start

times_vjp = []
for _ in range(20):
    start = time.perf_counter()
    dx_vjp, _, _ = affine_backward(dout_v, (x_v, W_v, b_v))  # your VJP
    times_vjp.append(time.perf_counter() - start)
time_vjp = min(times_vjp)

print(f"Jacobian J: shape {J.shape}, {J.nbytes / 1e6:.1f} MB, {np.mean(J == 0):.1%} zeros")
print(f"the VJP needs only W: shape {W_v.shape}, {W_v.nbytes / 1e3:.1f} kB")
print(f"time: build J and multiply {1e3 * time_full:.1f} ms, your affine_backward {1e3 * time_vjp:.3f} ms")
print(f"same dx: rel_error = {rel_error(dx_full, dx_vjp):.1e}")
print(f"for N = 64, D = H = 256, J would hold {(64 * 256) ** 2:.2e} numbers, "
      f"{(64 * 256) ** 2 * 8 / 1e9:.1f} GB")
del J


# %% [markdown]
# The Jacobian grows with the *square* of the layer's size, the VJP only with the size itself. Reverse-mode
# automatic differentiation, in every deep-learning library, is exactly this: each operation supplies its VJP, and
# backpropagation chains them from the loss down, one upstream vector at a time.

# %% [markdown]
# ## 3. The ReLU layer
#
# Stack two affine layers with nothing in between and you gain nothing: $(XW_1 + b_1)W_2 + b_2$ is again one
# affine map, $XW' + b'$, and draws straight boundaries only. Between the layers goes a non-linear **activation**.
# This lesson uses the **ReLU** (rectified linear unit), applied to every entry:
#
# $$\text{relu}(x) = \max(0, x).$$
#
# As a gate in the graph it acts on each entry separately: $\text{out}_i$ depends on $x_i$ alone. So its
# backward pass is element-wise too, $\texttt{dx}_i = \texttt{dout}_i \cdot (\text{local slope at } x_i)$, and
# its forward pass caches the input `x`, from which the slope is read.
#
# **At the kink.** At $x = 0$ exactly the ReLU has a corner, and no derivative: the slopes on the two sides
# differ. Any number between them is a valid *subgradient* there, and a convention has to pick one. This course,
# like PyTorch, uses **0** at $x = 0$. With real data a ReLU input of exactly 0.0 is rare, but it happens (an input
# of all zeros with a bias that starts at 0: XOR's $(0, 0)$ in section 6 starts every hidden unit exactly at the
# kink), so the check tests it. A gradient check near the kink can also show a much larger relative error, up to
# order 1 for the entries involved: a central difference whose two points straddle 0 mixes the two slopes.
#
# **Worked example, on a different gate.** The absolute value $|x|$ has slope $-1$ for $x < 0$ and $+1$ for
# $x > 0$ (and, by the same kind of convention, 0 at its kink), that is $\operatorname{sign}(x)$. Its backward
# pass is therefore `dx = dout * np.sign(x)`: with $x = (-1.5,\ 0,\ 2)$ and
# $\texttt{dout} = (0.3,\ -0.7,\ 0.4)$, $\texttt{dx} = (-0.3,\ 0,\ 0.4)$.

# %% [markdown]
# ### Exercise 3 · `relu_backward` (2 points)
#
# Write `relu_backward(dout, cache)` for the forward pass `out = np.maximum(0, x)`. `cache` is the forward input
# `x` (any shape, the same as `dout`). Return `dx` $= \partial L/\partial x$, a float array of that shape.
#
# **Derive it first:** sketch $\max(0, x)$; what is its slope on each side of 0? Then apply the chain rule entry
# by entry, as in the worked example. At $x = 0$ exactly, use the course's convention, slope 0.
#
# - **Trap:** don't change `dout` in place (as in `dout[...] = 0`): the caller may still need it. Build a new
#   array.

# %% nbgrader={"grade": false, "grade_id": "ex3-relu-backward", "locked": false, "schema_version": 3, "solution": true, "task": false}
def relu_backward(dout, cache):
    """Backward pass of the ReLU out = max(0, x), applied element-wise.

    Args:
        dout: The upstream gradient dL/dout, any shape.
        cache: The forward input x, the same shape as dout.

    Returns:
        dx: dL/dx, the same shape as dout (the slope at x = 0 is taken as 0).
    """
    ### BEGIN SOLUTION
    x = cache
    return dout * (x > 0)  # the gate is open where the input was positive; 0 at the kink
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex3-test", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false} tags=["raises-exception"]
"""Check that relu_backward returns dL/dx."""
check("relu_backward", relu_backward)
### BEGIN HIDDEN TESTS
check("relu_backward", relu_backward, hidden=True)
### END HIDDEN TESTS

# %%
hints("relu_backward")

# %% [markdown]
# **What you derived.** The slope is 1 where $x > 0$ and 0 where $x < 0$ (and 0 at the kink, by convention), so
# `dx = dout * (x > 0)`: the ReLU is a switch that lets the upstream gradient through where its input was
# positive and blocks it elsewhere. The mask comes from the forward input `x`, never from the sign of `dout`.

# %% [markdown]
# The ReLU and its slope, the slope taken from your `relu_backward` with `dout = 1`. Unlike tanh in lesson 1, the
# slope doesn't fade for large inputs: it is exactly 1 on the whole positive side. Lesson 4 comes back to why
# that matters.

# %% tags=["raises-exception"]
xs = np.linspace(-3, 3, 301)
slope = relu_backward(np.ones_like(xs), xs)

fig, ax = plt.subplots(figsize=(6.5, 3.4))
ax.plot(xs, np.maximum(xs, 0), color="gray", lw=2, label="relu(x) = max(0, x)")
ax.plot(xs, slope, color="#2b6cb0", lw=2, label="your relu_backward(1, x)")
ax.plot([0], [0], "o", color="#c53030", ms=6, label="at the kink: slope 0 by convention")
ax.axhline(0, color="black", lw=0.5)
ax.set_xlabel("x")
ax.legend(fontsize=8, loc="upper left")
ax.set_title("ReLU and its local gradient")
plt.show()


# %% [markdown]
# ## 4. Softmax and the cross-entropy loss
#
# The last layer outputs $C$ **scores** per example, one per class: any real numbers. To train a classifier we
# turn them into probabilities with the **softmax** of each row,
#
# $$p_{nc} = \frac{e^{s_{nc}}}{\sum_{k=1}^{C} e^{s_{nk}}},$$
#
# which are positive and sum to 1. The **cross-entropy** loss asks for a high probability on the true class
# $y_n$, and averages over the batch:
#
# $$L = -\frac{1}{N}\sum_{n=1}^{N} \log p_{n\,y_n}.$$
#
# A confident right answer ($p_{ny_n} \to 1$) costs almost nothing, a confident wrong one a lot.
#
# **Don't let exp overflow.** $e^{1000}$ is `inf` in float64, and `inf / inf` is `nan`. Subtracting the same
# number $m$ from every score of a row changes nothing, since
# $\frac{e^{s_c - m}}{\sum_k e^{s_k - m}} = \frac{e^{-m} e^{s_c}}{e^{-m}\sum_k e^{s_k}}$. Take $m$ as the row's
# maximum: every exponent is then $\le 0$, so every `exp` lies in $(0, 1]$, and in floating point in $[0, 1]$:
# `np.exp(-1000.0)` underflows to `0.0`. The row's sum is still at least 1 (the maximum contributes $e^0 = 1$),
# but a probability can round to 0. So for the loss, compute the log of the probabilities directly,
# $\log p_{nc} = (s_{nc} - m) - \log\sum_k e^{s_{nk} - m}$, which never takes the log of a probability that
# rounded to 0.
#
# **Worked example (forward).** One example ($N = 1$) with scores $(2, 1, 0)$ and true class 0. The exponentials
# are $(7.389, 2.718, 1)$, their sum is $11.107$, so $p = (0.665, 0.245, 0.090)$, and the loss is
# $-\log 0.665 = 0.408$.
#
# **Worked example (a Jacobian, on a different function).** The softmax's outputs each depend on *every*
# score, so its derivative is a matrix, the Jacobian $\partial p_i / \partial s_j$. Here is the same kind of
# computation for a simpler function: normalising positive numbers to sum to 1, $q_i = x_i / S$ with
# $S = \sum_k x_k$. Since $\partial S/\partial x_j = 1$, the quotient rule gives two cases:
#
# $$\frac{\partial q_i}{\partial x_j} = \frac{[i = j]\,S - x_i}{S^2} = \frac{[i = j] - q_i}{S},$$
#
# where $[i = j]$ (also written $\delta_{ij}$) is 1 if $i = j$ and 0 otherwise. With $x = (1, 3)$: $S = 4$,
# $q = (0.25, 0.75)$, $\partial q_1/\partial x_1 = (1 - 0.25)/4 = 0.1875$ and
# $\partial q_1/\partial x_2 = -0.25/4 = -0.0625$.

# %% [markdown]
# ### Exercise 4 · `softmax_cross_entropy` (3 points)
#
# Write `softmax_cross_entropy(scores, y)`, which returns the pair `(loss, dscores)`:
#
# - `scores` has shape `(N, C)`; `y` holds the integer labels, shape `(N,)`, each in `0 .. C-1`;
# - `loss` is the mean cross-entropy $L$ above, a number;
# - `dscores` $= \partial L/\partial\,\text{scores}$, shape `(N, C)`.
#
# **Derive `dscores` on paper first**, for one example $n$ (drop the index $n$; write $p_i$ for its
# probabilities, $s_j$ for its scores and $y$ for its label), in three steps:
#
# 1. the softmax's Jacobian $\partial p_i / \partial s_j$, by the quotient rule as in the worked example
#    (two cases, $i = j$ and $i \ne j$; note that $\partial e^{s_i}/\partial s_j$ is 0 unless $i = j$);
# 2. $\partial L_n / \partial p_i$ for $L_n = -\log p_y$;
# 3. the chain rule, $\partial L_n / \partial s_j = \sum_i \frac{\partial L_n}{\partial p_i}
#    \frac{\partial p_i}{\partial s_j}$: simplify it as far as it goes. Finally, $L$ is the *mean* of the $L_n$.
#
# The hints under the check walk through these steps, one level at a time. To test step 1, the next cell
# estimates the softmax's Jacobian at the worked example's scores $(2, 1, 0)$ by central differences, with no
# formula: entry $(i, j)$ is $\partial p_i/\partial s_j$. Your formula should give the same numbers.
#
# Useful NumPy: `scores.max(axis=1, keepdims=True)` keeps the shape `(N, 1)`, so that it broadcasts against
# `(N, C)`; `probs[np.arange(N), y]` picks each row's entry at its label (and can be assigned to).
#
# - **Required:** subtract each row's maximum from its scores before `np.exp`. Without it, large scores (the
#   check includes some around 1000) overflow to `inf` and the result is `nan`.
# - **Trap:** the loss is averaged over the batch, not summed.
# - **Trap:** don't subtract the maximum in place (`scores -= ...`): the caller's scores would change. Build a new
#   array.

# %%
def softmax_row(s):
    e = np.exp(s - s.max())
    return e / e.sum()


s_jac, h_jac = np.array([2.0, 1.0, 0.0]), 1e-6
jacobian = np.column_stack([(softmax_row(s_jac + h_jac * e) - softmax_row(s_jac - h_jac * e)) / (2 * h_jac)
                            for e in np.eye(3)])  # column j: the change of p when s_j moves
print(f"p = {np.round(softmax_row(s_jac), 4)}")
print("numerical Jacobian dp_i/ds_j (row i, column j):")
print(np.round(jacobian, 4))


# %% nbgrader={"grade": false, "grade_id": "ex4-softmax-cross-entropy", "locked": false, "schema_version": 3, "solution": true, "task": false}
def softmax_cross_entropy(scores, y):
    """Softmax cross-entropy loss, averaged over the batch, and its gradient.

    Args:
        scores: Class scores of shape (N, C).
        y: Integer labels of shape (N,), each in 0 .. C-1.

    Returns:
        loss: -mean_n log softmax(scores_n)[y_n], a number.
        dscores: dL/dscores, of shape (N, C).
    """
    ### BEGIN SOLUTION
    N = scores.shape[0]
    shifted = scores - scores.max(axis=1, keepdims=True)  # every exponent <= 0: no overflow
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_probs[np.arange(N), y].mean()
    dscores = np.exp(log_probs)  # the probabilities P
    dscores[np.arange(N), y] -= 1.0  # P - Y
    dscores /= N  # the mean over the batch
    return loss, dscores
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex4-test", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false} tags=["raises-exception"]
"""Check that softmax_cross_entropy returns (loss, dscores)."""
check("softmax_cross_entropy", softmax_cross_entropy)
### BEGIN HIDDEN TESTS
check("softmax_cross_entropy", softmax_cross_entropy, hidden=True)
### END HIDDEN TESTS

# %%
hints("softmax_cross_entropy")

# %% [markdown]
# **What you derived.** The softmax's Jacobian is $\partial p_i/\partial s_j = p_i(\delta_{ij} - p_j)$, and
# $\partial L_n/\partial p_i$ is $-1/p_y$ for $i = y$ and 0 otherwise. In the chain rule only $i = y$ survives:
# $\partial L_n/\partial s_j = -\frac{1}{p_y}\, p_y(\delta_{yj} - p_j) = p_j - \delta_{yj}$. With the mean
# over the batch,
#
# $$\frac{\partial L}{\partial s_{nc}} = \frac{1}{N}\left(p_{nc} - [c = y_n]\right), \qquad\text{that is}\qquad
#   \texttt{dscores} = \frac{P - Y}{N},$$
#
# where $Y$ is the **one-hot** matrix of the labels: row $n$ is all zeros except a 1 in column $y_n$. The whole
# Jacobian collapsed into a subtraction, so the backward pass never forms it (a vector-Jacobian product again).
# The true class's score is pushed up (its gradient $p - 1$ is negative) and every other score is pushed down,
# each in proportion to the probability it wrongly received. The $1/N$ comes from the mean: this is where the
# batch average enters the backward pass, and every layer below inherits it. In the worked example,
# $\texttt{dscores} = p - (1, 0, 0) = (-0.335, 0.245, 0.090)$.
#
# Two quick experiments with your function. The worked example first; then the same scores plus 1000, which
# should change nothing at all (the softmax only sees differences between scores) and must not produce `nan`.
# Finally, four examples where the network knows nothing yet (all scores equal): every class gets $p = 1/C$, so
# the loss is $\log C$. That is a handy sanity check for the first step of any training run.

# %% tags=["raises-exception"]
loss, dscores = softmax_cross_entropy(np.array([[2.0, 1.0, 0.0]]), np.array([0]))
print(f"worked example:   loss = {loss:.3f}, dscores = {np.round(dscores, 3)}")
loss, dscores = softmax_cross_entropy(np.array([[1002.0, 1001.0, 1000.0]]), np.array([0]))
print(f"scores + 1000:    loss = {loss:.3f}, dscores = {np.round(dscores, 3)}")
loss, _ = softmax_cross_entropy(np.zeros((4, 10)), np.array([3, 1, 4, 1]))
print(f"all scores equal: loss = {loss:.4f}, log(10) = {np.log(10):.4f}")


# %% [markdown]
# ## 5. The whole network
#
# Here is the complete two-layer network, its forward pass top to bottom. Every line is one of the pieces you
# wrote; the shapes are on the right.
#
# | | forward | shape |
# |---|---|---|
# | 1 | $a_1 = XW_1 + b_1$ | $(N, H)$ |
# | 2 | $h = \text{relu}(a_1)$ | $(N, H)$ |
# | 3 | $\text{scores} = hW_2 + b_2$ | $(N, C)$ |
# | 4 | $L = \text{softmax CE}(\text{scores}, y)$ | number |
#
# In the forward pass, information flows one way: from $X$ through the hidden layer to the scores. No layer feeds
# its output back to itself or to an earlier one. Such a network is called **feedforward**. (The backward pass
# runs the other way, but it carries gradients, not the network's outputs.)

# %% [markdown]
# ### Exercise 5 · `two_layer_loss` (4 points)
#
# Write `two_layer_loss(X, y, W1, b1, W2, b2)`: the forward pass of the network above, its loss, and the backward
# pass. Return `(loss, dW1, db1, dW2, db2)`, each gradient with the shape of its parameter.
#
# - `X` is `(N, D)`, `y` holds `N` integer labels, `W1` is `(D, H)`, `b1` `(H,)`, `W2` `(H, C)`, `b2` `(C,)`.
#
# **Derive the backward pass first:** copy the table on paper and add a backward column, filled from row 4 up
# to row 1. For each row: which gradient comes in from below, which gradients go out, and with what shapes?
# Every row is a layer whose backward pass you have already derived, so you may reuse your functions of
# exercises 1–4 or write each line in NumPy. Note that the second layer produces *two* kinds of gradient: those
# of its parameters, which the update will use, and that of its input, which it passes down.
#
# If you reuse your functions, make sure their own tests pass first: a bug in one would show up here too. The
# check uses square sizes ($N = D = H = C$), so that a transpose in the wrong place gives wrong numbers, which the
# check can name, rather than a shape error; the gradient check after it uses sizes that all differ.

# %% nbgrader={"grade": false, "grade_id": "ex5-two-layer-loss", "locked": false, "schema_version": 3, "solution": true, "task": false}
def two_layer_loss(X, y, W1, b1, W2, b2):
    """Loss and gradients of the network affine → ReLU → affine → softmax cross-entropy.

    Args:
        X: Inputs of shape (N, D).
        y: Integer labels of shape (N,), each in 0 .. C-1.
        W1: First-layer weights, (D, H).
        b1: First-layer biases, (H,).
        W2: Second-layer weights, (H, C).
        b2: Second-layer biases, (C,).

    Returns:
        loss: The mean softmax cross-entropy, a number.
        dW1: dL/dW1, (D, H).
        db1: dL/db1, (H,).
        dW2: dL/dW2, (H, C).
        db2: dL/db2, (C,).
    """
    ### BEGIN SOLUTION
    # Forward pass, one row of the table per line.
    a1 = X @ W1 + b1  # (N, H)
    h = np.maximum(a1, 0.0)  # (N, H)
    scores = h @ W2 + b2  # (N, C)
    loss, dscores = softmax_cross_entropy(scores, y)  # your exercise 4; dscores is (N, C)
    # Backward pass, the same rows in reverse order.
    dW2 = h.T @ dscores  # (H, C)
    db2 = dscores.sum(axis=0)  # (C,)
    dh = dscores @ W2.T  # (N, H)
    da1 = dh * (a1 > 0)  # (N, H): through the ReLU gate
    dW1 = X.T @ da1  # (D, H)
    db1 = da1.sum(axis=0)  # (H,)
    return loss, dW1, db1, dW2, db2
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex5-test", "locked": true, "points": 4, "schema_version": 3, "solution": false, "task": false} tags=["raises-exception"]
"""Check that two_layer_loss returns (loss, dW1, db1, dW2, db2)."""
check("two_layer_loss", two_layer_loss)
### BEGIN HIDDEN TESTS
check("two_layer_loss", two_layer_loss, hidden=True)
### END HIDDEN TESTS

# %%
hints("two_layer_loss")

# %% [markdown]
# **What you derived**, the backward column of the table, from row 4 up ($\odot$ is the element-wise product,
# `*` in NumPy):
#
# | | backward | shape |
# |---|---|---|
# | 4 | $\texttt{dscores} = (P - Y)/N$ | $(N, C)$ |
# | 3 | $\texttt{dW}_2 = h^{\top} \texttt{dscores},\quad \texttt{db}_2 = \sum_n \texttt{dscores},\quad \texttt{dh} = \texttt{dscores}\, W_2^{\top}$ | $(H, C),\ (C,),\ (N, H)$ |
# | 2 | $\texttt{da}_1 = \texttt{dh} \odot [a_1 > 0]$ | $(N, H)$ |
# | 1 | $\texttt{dW}_1 = X^{\top} \texttt{da}_1,\quad \texttt{db}_1 = \sum_n \texttt{da}_1$ | $(D, H),\ (H,)$ |

# %% [markdown]
# ### A gradient check of the whole network
#
# The strongest test of a backward pass needs no reference at all: nudge each of the network's parameters, one
# at a time, and watch the loss, as in lesson 1. With $N = 5$ examples, $D = 3$ features, $H = 6$ hidden units and
# $C = 4$ classes, the network has $3 \cdot 6 + 6 + 6 \cdot 4 + 4 = 52$ parameters, so `grad_check` runs 104
# forward passes and compares the result with your four gradients. All four relative errors should be far below
# $10^{-7}$. (The points are random, so none sits exactly on a ReLU kink.)

# %%
X_net = rng.normal(size=(5, 3))
y_net = rng.integers(0, 4, size=5)
params_net = {"W1": rng.normal(size=(3, 6)) / np.sqrt(3), "b1": rng.normal(0, 0.1, size=6),
              "W2": rng.normal(size=(6, 4)) / np.sqrt(6), "b2": rng.normal(0, 0.1, size=4)}

# %% tags=["raises-exception"]
loss, dW1, db1, dW2, db2 = two_layer_loss(X_net, y_net, **params_net)
report = grad_check(lambda W1, b1, W2, b2: two_layer_loss(X_net, y_net, W1, b1, W2, b2)[0],
                    params_net, {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2})
print(f"loss = {loss:.4f}")
print(report)

# %% [markdown]
# ### Going further (optional): the same network, from your layers, and the package's `MLP`
#
# Nothing later depends on this part: skip it on a first pass if time is short. Every network in the rest of the
# course is built from layer functions chained forward, and their backward passes chained in reverse. The next
# cell does exactly that with your exercises 1 to 4 and compares the result with your `two_layer_loss`.

# %% tags=["raises-exception"]
a1, cache1 = affine_forward(X_net, params_net["W1"], params_net["b1"])
h = np.maximum(a1, 0.0)
scores, cache2 = affine_forward(h, params_net["W2"], params_net["b2"])
loss_layers, dscores = softmax_cross_entropy(scores, y_net)
dh, dW2_layers, db2_layers = affine_backward(dscores, cache2)
da1 = relu_backward(dh, a1)
_, dW1_layers, db1_layers = affine_backward(da1, cache1)

print(f"loss: layer by layer {loss_layers:.6f}, two_layer_loss {loss:.6f}")
for name, a, b in [("dW1", dW1_layers, dW1), ("db1", db1_layers, db1),
                   ("dW2", dW2_layers, dW2), ("db2", db2_layers, db2)]:
    print(f"{name}: rel_error = {rel_error(a, b):.1e}")

# %% [markdown]
# From here on, bigger networks come from the package: `backprop.models.MLP(sizes)` builds one for any list of
# layer sizes, such as `MLP([64, 64, 10])` (64 inputs, 64 hidden units, 10 classes). It is built from exactly the
# functions you just wrote: its forward pass calls `affine_forward` and `relu_forward` layer by layer, its loss is
# `softmax_cross_entropy`, and its backward pass calls `relu_backward` and `affine_backward`, from the last layer
# to the first, as in the cell above. (Read it with `MLP.backward??`.) The package keeps its own copies of these
# functions, the ones the checks compare yours with, so `MLP` runs even before you have solved the exercises.
#
# Give an `MLP([3, 6, 4])` the same weights as our little network, and `net.loss(X, y)` returns the loss and a
# dict with the gradient of every parameter, under the parameter's own name. They should be your numbers.

# %% tags=["raises-exception"]
net_check = MLP([3, 6, 4])
for name, value in params_net.items():
    net_check.params[name] = value.copy()
loss_mlp, grads_mlp = net_check.loss(X_net, y_net)
print(f"MLP([3, 6, 4]).loss: {loss_mlp:.6f}   your two_layer_loss: {loss:.6f}")
for name, yours in [("W1", dW1), ("b1", db1), ("W2", dW2), ("b2", db2)]:
    print(f"d{name}: rel_error = {rel_error(grads_mlp[name], yours):.1e}")

# %% [markdown]
# ## 6. Training: XOR, moons and spirals
#
# Training is lesson 2's loop with more parameters: compute the loss and all the gradients, move every parameter
# a small step against its gradient, $W \leftarrow W - \eta\,\texttt{dW}$ with the learning rate $\eta$
# (`learning_rate` in the code), and repeat. First XOR, the gate a single neuron could not learn, with your own
# `two_layer_loss`: 4 examples, 8 hidden units, 500 steps of gradient descent on the whole data set.

# %%
X_xor, y_xor = logic_gate("xor")
# The starting weights are drawn from their own seeded generator, so re-running earlier cells doesn't change them.
rng_xor = np.random.default_rng(0)
W1, b1 = rng_xor.normal(0.0, 1.0, size=(2, 8)), np.zeros(8)
W2, b2 = rng_xor.normal(0.0, 0.5, size=(8, 2)), np.zeros(2)
print("XOR inputs and labels:")
print(np.column_stack([X_xor, y_xor]))

# %% tags=["raises-exception"]
learning_rate = 0.5
xor_losses = []
for step in range(500):
    loss, dW1, db1, dW2, db2 = two_layer_loss(X_xor, y_xor, W1, b1, W2, b2)
    xor_losses.append(loss)
    W1, b1 = W1 - learning_rate * dW1, b1 - learning_rate * db1
    W2, b2 = W2 - learning_rate * dW2, b2 - learning_rate * db2

xor_scores, _ = affine_forward(np.maximum(affine_forward(X_xor, W1, b1)[0], 0.0), W2, b2)
print(f"loss after {len(xor_losses)} steps: {xor_losses[-1]:.4f}")
print(f"predicted classes: {xor_scores.argmax(axis=1)}   true classes: {y_xor}")

# %% [markdown]
# The left panel shows the loss, on a log scale. The right panel shades the plane by the class the trained
# network predicts, computed with your `affine_forward`. The hidden layer lets the boundary bend: $(0, 0)$ and
# $(1, 1)$ get one class, $(0, 1)$ and $(1, 0)$ the other, which no single straight line can do.

# %% tags=["raises-exception"]
fig, (ax_loss, ax_map) = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
plot_losses(xor_losses, ax=ax_loss, log=True, title="XOR: loss per step")
plot_decision_boundary(
    lambda P: affine_forward(np.maximum(affine_forward(P, W1, b1)[0], 0.0), W2, b2)[0],
    X_xor, y_xor, ax=ax_map, resolution=150, title="XOR: what the two-layer network predicts")
plt.show()

# %% [markdown]
# ### Mini-batches
#
# XOR has 4 examples, so every step used all of them. The digits data later in this lesson has over a thousand,
# and real data sets have millions. The loss is a mean over the training examples, and so is its gradient; a
# **mini-batch** of $B$ examples drawn at random gives an *estimate* of that mean, noisy but unbiased, for a
# fraction of the cost. Training then goes
#
# 1. shuffle the training set;
# 2. cut it into mini-batches of $B$ examples (32 to 256 are common);
# 3. for each mini-batch: forward pass, loss, backward pass, update every parameter;
# 4. one pass over all the batches is an **epoch**; repeat for several epochs.
#
# One epoch therefore makes $\lceil(\text{training examples})/B\rceil$ updates instead of one (the last batch may
# be smaller). Inside the layers, $B$ plays the role of sections 1–5's $N$: it is the number of rows of $X$. In
# practice, many cheap and noisy steps get further than a few exact ones. The batch size trades one against the
# other: a larger $B$ gives a better estimate per step, a smaller $B$ more steps per epoch.
#
# ### The price of a loop
#
# Within a mini-batch, everything is done for all $B$ examples at once, with matrix products. That is not just
# tidier, it is much faster. Take the weight gradient of one layer: it is the sum over the batch of one outer
# product per example, $\texttt{dW} = \sum_n x_n^{\top}\,\texttt{dout}_n$. The next cell computes it twice for a
# mini-batch of 64 examples and a layer with $64 \times 64$ weights, the size of the digits network below: once
# with a Python loop over the examples, and once as the single product `x.T @ dout` of your `affine_backward`.
# Each is timed 50 times and the best time is kept, the usual way to time code: other programs running at the
# same moment can only slow a run down.

# %%
x_mb, dout_mb = rng.normal(size=(64, 64)), rng.normal(size=(64, 64))
times_loop, times_matrix = [], []
for _ in range(50):
    start = time.perf_counter()
    dW_loop = np.zeros((64, 64))
    for n in range(len(x_mb)):  # one example at a time
        dW_loop += np.outer(x_mb[n], dout_mb[n])
    times_loop.append(time.perf_counter() - start)

    start = time.perf_counter()
    dW_matrix = x_mb.T @ dout_mb  # the whole mini-batch in one product
    times_matrix.append(time.perf_counter() - start)

time_loop, time_matrix = min(times_loop), min(times_matrix)
print(f"loop over 64 examples: {1e3 * time_loop:7.3f} ms")
print(f"one matrix product:    {1e3 * time_matrix:7.3f} ms")
print(f"speed-up: {time_loop / time_matrix:.0f}x, same result: rel_error = {rel_error(dW_loop, dW_matrix):.1e}")

# %% [markdown]
# Both do the same $64 \times 64 \times 64 \approx 262{,}000$ multiplications. The loop pays Python's overhead for
# every example; the matrix product hands all of them to optimised, compiled code that runs them in one go (and
# uses the processor's vector units). Every step of training updates *all* the parameters at once in this way:
# for the digits network below, about 5,000 of them, in a handful of matrix products per mini-batch.
#
# ### Moons and spirals, with the package's `MLP` and `Trainer`
#
# `backprop.models.MLP(sizes)` builds a network for any list of layer sizes, such as `MLP([2, 32, 2])` (2 inputs,
# 32 hidden ReLU units, 2 classes), from the same layer functions you wrote; its `loss(X, y)` returns the loss
# and the gradient of every parameter. `backprop.train.Trainer` runs the mini-batch loop above: it shuffles, cuts
# the batches, calls the model's `loss(X, y)` for the gradients, updates every parameter with plain gradient
# descent (`update_rule="sgd"`), and keeps a history of the loss and the accuracy. Two harder data sets, of 200
# and 300 points:
#
# - **moons**: two interleaved half circles, with some noise;
# - **spirals**: three arms winding around each other, three classes.
#
# Each gets its own network with one hidden layer. The spirals need more hidden units and more epochs: their
# boundary must wind around the centre.

# %%
X_moons, y_moons = make_moons(n=200, noise=0.15, seed=0)
net_moons = MLP([2, 32, 2], seed=0)
Trainer(net_moons, X_moons, y_moons, optim_config={"learning_rate": 0.2}, batch_size=32, epochs=60,
        seed=0, progress=False).train()

X_spirals, y_spirals = make_spirals(n_per_class=100, classes=3, noise=0.2, seed=0)
net_spirals = MLP([2, 64, 3], seed=0)
Trainer(net_spirals, X_spirals, y_spirals, optim_config={"learning_rate": 0.5}, batch_size=32,
        epochs=150, seed=0, progress=False).train()

print(f"moons:   training accuracy {net_moons.accuracy(X_moons, y_moons):.1%}")
print(f"spirals: training accuracy {net_spirals.accuracy(X_spirals, y_spirals):.1%}")

# %%
fig, (ax_moons, ax_spirals) = plt.subplots(1, 2, figsize=(11, 4.6), layout="constrained")
plot_decision_boundary(net_moons.predict, X_moons, y_moons, ax=ax_moons, resolution=120,
                       title="moons: MLP [2, 32, 2]")
plot_decision_boundary(net_spirals.predict, X_spirals, y_spirals, ax=ax_spirals, resolution=120,
                       padding=0.2, title="spirals: MLP [2, 64, 3]")
plt.show()

# %% [markdown]
# Each hidden ReLU unit switches on along a straight line, where its input $a_1$ crosses 0, so the boundaries
# are made of straight pieces: with 32 or 64 units there are enough of them to follow a curve closely. These
# accuracies are measured on the training points, though, and a network with enough units can wrap its boundary
# around every noisy point. Whether it learned the *shape* of the data is only revealed on points it has never
# seen, which is how we measure it next.

# %% [markdown]
# ### Train it yourself: the Backprop Playground
#
# The panel below trains a small network on a 2-D data set while you watch. On the left, the plane is shaded by
# the class the network predicts (paler where it is less sure), with the training points on top; on the right is
# the loss of every step, on a log scale. Each step is one mini-batch: forward pass, softmax cross-entropy,
# backward pass, and a gradient-descent update of every parameter. The affine layers and the ReLU's backward
# pass are **yours**: the cell hands your `affine_forward`, `affine_backward` and `relu_backward` to the panel
# through `functions=`. If one of them raises or returns an array of the wrong shape, the panel stops and says
# which function, on which layer, and what shape it expected.
#
# - **Play** (▶) trains continuously, 10 steps per frame and then a redraw; pause (❚❚) stops it. **Step** trains
#   one frame; **Reset** starts again from the same initial weights (they are set by the **seed**).
# - Changing the data, the hidden layers, the activation, batch norm or the seed builds a new network. The
#   learning rate, momentum $\beta$ and batch size take effect from the next step.
# - The network here is 2 inputs → 16 ReLU units → 16 ReLU units → 3 classes, trained by plain gradient descent
#   (momentum $\beta = 0$). Momentum and batch norm are the topics of lessons 5 and 6: leave them for now, or
#   peek.
#
# Things to try:
#
# - Press Play and watch the boundary wind itself around the arms.
# - Empty the **hidden layers** box. With no hidden layer the network is a linear classifier (softmax
#   regression): its regions are separated by straight lines. How far does it get on the spirals?
# - One hidden layer of `2` units, then `4`, then `16`.
# - Raise the learning rate a little at a time: when does the loss curve turn ragged, and when does training
#   break down?
# - XOR, moons and circles: which needs the fewest hidden units?
#
# Before showing the panel, the cell trains 100 steps, so that its first picture is already partly trained, and
# prints what those steps achieved.

# %% tags=["raises-exception"]
# The playground calls the functions named in `functions` in place of the package's: here, your layers.
my_layers = {"affine_forward": affine_forward, "affine_backward": affine_backward,
             "relu_backward": relu_backward}
spirals_pg = playground("spirals", hidden=(16, 16), learning_rate=0.3, momentum=0.0, functions=my_layers)
spirals_pg.step(100)
print(spirals_pg.error or f"after {len(spirals_pg.history)} steps with your layers: "
      f"training accuracy {spirals_pg.train_accuracy():.1%}")
spirals_pg

# %% [markdown]
# ## 7. Real data: handwritten digits
#
# The **digits** data set holds 1,797 handwritten digits, each an $8 \times 8$ grey image with pixel values from
# 0 to 16, and its label, the digit shown. It is bundled with the package, so it loads offline.
#
# Learning from examples that come with the right answer, as here, is called **supervised learning**: the loss
# compares the network's output with each example's label, and backpropagation computes how every weight should
# change to lower that loss *on the training examples*. What we actually care about is how the network does on
# digits it has never seen, its **generalisation**. Training never measures that, so we hold out part of the
# data:
#
# - a **training set** (64 % of the digits) for the gradient steps;
# - a **validation set** (16 %) to watch during training, for example to choose the number of epochs;
# - a **test set** (20 %) that is used exactly once, at the very end, to report the accuracy.
#
# To feed an image to the network, its 64 pixels are read row by row into one vector of 64 inputs, so
# $D = 64$ and $C = 10$.

# %%
images, digits = load_digits(return_images=True)
print(f"images: {images.shape}, labels: {digits.shape}, pixel values {images.min():g} to {images.max():g}")
show_digits(images, digits, n=16)
plt.show()

# %% [markdown]
# Split, then **standardise**: shift and scale every pixel to mean 0 and standard deviation 1, so that all 64
# inputs are on one scale (gradient descent behaves much better that way). The means and standard deviations
# come from the training set only, and are then applied unchanged to the validation and test sets; computing
# them on the test set would let it leak into training.

# %%
X_digits = images.reshape(len(images), 64)  # each 8x8 image becomes a row of 64 pixels
X_rest, X_test_raw, y_rest, y_test = train_test_split(X_digits, digits, test_size=0.2, seed=0)
X_train_raw, X_val_raw, y_train, y_val = train_test_split(X_rest, y_rest, test_size=0.2, seed=1)
X_train, X_val, X_test = standardize(X_train_raw, X_val_raw, X_test_raw)
print(f"training {X_train.shape}, validation {X_val.shape}, test {X_test.shape}")

# %% [markdown]
# The network: 64 inputs, one hidden layer of 64 ReLU units, 10 scores, about 5,000 parameters. Twenty epochs of
# mini-batches of 32, with a progress bar this time: the 1,150 training digits make $\lceil 1150/32 \rceil = 36$
# steps per epoch, the last one a batch of 30. It takes about a second.

# %%
net_digits = MLP([64, 64, 10], seed=0)
trainer = Trainer(net_digits, X_train, y_train, X_val=X_val, y_val=y_val,
                  optim_config={"learning_rate": 0.2}, batch_size=32, epochs=20, seed=0)
history = trainer.train()
print(f"{sum(p.size for p in net_digits.params.values())} parameters, "
      f"{history['steps_per_epoch']} steps per epoch, {len(history['loss'])} steps in all")

# %%
plot_history(history)
plt.show()

# %% [markdown]
# The loss per mini-batch is noisy, as promised, but its average falls steadily. The training accuracy (measured
# after each epoch on a random 1,000 of the training digits, to save time) climbs to nearly 100 %, and the
# validation accuracy levels off a little lower: the network does slightly better on the digits it trained on
# than on new ones. Now, once, the test set:

# %%
test_accuracy = net_digits.accuracy(X_test, y_test)
print(f"test accuracy: {test_accuracy:.1%} on {len(y_test)} digits the network has never seen")
print(f"validation accuracy after the last epoch: {history['val_acc'][-1]:.1%}")

# %%
# A guard for the course's own tests: this lesson promises at least 95 % on the test set.
assert test_accuracy >= 0.95, f"the digits network reached only {test_accuracy:.1%} on the test set"

# %% [markdown]
# The two held-out scores need not agree: both sets are small (288 and 359 digits; one digit is worth
# about 0.3 %), and the test set, looked at only once, is the honest estimate of how the network will do on new
# digits.
#
# Here are the test digits it got wrong, titled "true label → prediction". Several are hard to read for a human
# too.

# %%
predicted = net_digits.predict(X_test)
wrong = np.flatnonzero(predicted != y_test)
print(f"{len(wrong)} of {len(y_test)} test digits are misclassified")
show_digits(X_test_raw[wrong], y_test[wrong], predicted[wrong], n=16)
plt.show()

# %% [markdown]
# ### Going further (optional): when the steps are too big
#
# With a learning rate far too large, every step overshoots, as in lesson 2, and the loss soon grows without
# bound, to `inf` and then `nan` ("not a number"). Training on from there would only produce garbage, so the
# `Trainer` watches the loss at every step. When it becomes `nan` or `inf`, or grows a million-fold, training stops
# with a message that says where it happened and what to try:

# %%
try:
    Trainer(MLP([64, 64, 10], seed=0), X_train, y_train, optim_config={"learning_rate": 50.0},
            batch_size=32, epochs=5, seed=0, progress=False).train()
except TrainingDiverged as error:
    print(error)

# %% [markdown]
# The message suggests a learning rate 10 to 100 times smaller. For comparison, this lesson trained the same
# digits network with 0.2, 250 times smaller than 50.

# %% [markdown]
# ## 8. Check your understanding
#
# Six questions, one point each. In each answer cell, replace the two lines `# YOUR CODE HERE` and
# `raise NotImplementedError()` with your answer: a single letter in quotes, e.g. `q1 = "a"`, or for the last
# question a shape, a tuple such as `(3, 4)`. The test under each answer only checks the form of your answer;
# whether it is right is checked when the notebook is graded.

# %% [markdown]
# **Question 1.** The digits network was trained with backpropagation and gradient descent. Which statement is
# right?
#
# a) Backpropagation adjusts the weights to minimise the error on digits the network has never seen.
#
# b) Training lowers the loss on the training digits; new digits need their own, held-out measurement.
#
# c) A training accuracy near 100 % guarantees about the same accuracy on new digits.
#
# d) The test set should also be used to compute gradients, so that the network learns the digits it will be
# tested on.

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
check_choice("q1", q1, answer="b", reread="the introduction of section 7, 'Real data: handwritten digits'")
### END HIDDEN TESTS

# %% [markdown]
# **Question 2.** Training the digits network is an example of *supervised* learning. What makes it supervised?
#
# a) Each training image has a known answer, and the loss measures how far the prediction is from it.
#
# b) A person watches the loss curve during training and stops it when the validation accuracy looks good
# enough.
#
# c) The validation set supervises training: the network checks its answers on it and corrects itself after
# each epoch.
#
# d) The weights are set by hand before training starts, and gradient descent only fine-tunes them.

# %% nbgrader={"grade": false, "grade_id": "q2-answer", "locked": false, "schema_version": 3, "solution": true, "task": false} tags=["raises-exception"]
# Your answer: one of "a", "b", "c", "d".
q2 = None
### BEGIN SOLUTION
q2 = "a"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q2-test", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false} tags=["raises-exception"]
"""Check that q2 is one of the options."""
check_choice("q2", q2)
### BEGIN HIDDEN TESTS
check_choice("q2", q2, answer="a", reread="the introduction of section 7, 'Real data: handwritten digits'")
### END HIDDEN TESTS

# %% [markdown]
# **Question 3.** The MLP of this lesson is a *feedforward* network. What does that mean?
#
# a) Its gradients are computed from the inputs forward, layer by layer, rather than from the output backward.
#
# b) Each layer feeds its output back into its own input once per training step, so that it can refine it.
#
# c) It has exactly one hidden layer between the inputs and the outputs; with two it would be a deep network.
#
# d) Information flows one way, inputs → hidden layer → outputs, with no loops back.

# %% nbgrader={"grade": false, "grade_id": "q3-answer", "locked": false, "schema_version": 3, "solution": true, "task": false} tags=["raises-exception"]
# Your answer: one of "a", "b", "c", "d".
q3 = None
### BEGIN SOLUTION
q3 = "d"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q3-test", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false} tags=["raises-exception"]
"""Check that q3 is one of the options."""
check_choice("q3", q3)
### BEGIN HIDDEN TESTS
check_choice("q3", q3, answer="d", reread="section 5, 'The whole network'")
### END HIDDEN TESTS

# %% [markdown]
# **Question 4.** In `affine_backward`, why is `db` the sum of `dout` over the batch, `dout.sum(axis=0)`?
#
# a) The loss is a mean over the batch, and summing `dout` is how that mean is taken.
#
# b) Only to get shape `(H,)`; the exact gradient is `dout.mean(axis=0)`, and the learning rate absorbs the
# factor $N$.
#
# c) `b` is shared by all $N$ examples in the batch, so its gradient collects one term per example, and they
# add up.
#
# d) Each bias feeds every unit of the layer, so `db` adds up the gradients of all $H$ units.

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
check_choice("q4", q4, answer="c", reread="'Why db sums over the batch' in section 2")
### END HIDDEN TESTS

# %% [markdown]
# **Question 5 (revisits lesson 2).** Lesson 2's single neuron could not learn XOR; this lesson's network with 8
# hidden ReLU units learned it in 500 steps. What made the difference?
#
# a) More steps: trained for 500 steps instead of 100, the single sigmoid neuron would have learned XOR as well.
#
# b) The loss: lesson 2's neuron was trained on XOR with the mean squared error, which cannot fit its labels.
#
# c) The hidden layer: combining several units lets the boundary bend, where one neuron's is a line.
#
# d) The ReLU: a single neuron with a ReLU instead of a sigmoid already separates XOR's two classes.

# %% nbgrader={"grade": false, "grade_id": "q5-answer", "locked": false, "schema_version": 3, "solution": true, "task": false} tags=["raises-exception"]
# Your answer: one of "a", "b", "c", "d".
q5 = None
### BEGIN SOLUTION
q5 = "c"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q5-test", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false} tags=["raises-exception"]
"""Check that q5 is one of the options."""
check_choice("q5", q5)
### BEGIN HIDDEN TESTS
check_choice("q5", q5, answer="c", reread="lesson 2's section 8, 'Why one neuron can't learn XOR', and section 6 here")
### END HIDDEN TESTS

# %% [markdown]
# **Question 6.** The digits network `MLP([64, 64, 10])` trains on mini-batches of 32 images. In its backward
# pass, what is the shape of `dh`, the gradient of the loss with respect to the hidden layer's output $h$?
# Answer with a tuple, e.g. `q6 = (3, 4)`.

# %% nbgrader={"grade": false, "grade_id": "q6-answer", "locked": false, "schema_version": 3, "solution": true, "task": false} tags=["raises-exception"]
# Your answer: a shape, a tuple of ints such as (3, 4).
q6 = None
### BEGIN SOLUTION
q6 = (32, 64)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q6-test", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false} tags=["raises-exception"]
"""Check that q6 is a shape."""
check_shape("q6", q6)
### BEGIN HIDDEN TESTS
check_shape("q6", q6, answer=(32, 64), reread="section 5, 'The whole network' (a gradient has the shape of its variable)")
### END HIDDEN TESTS

# %% [markdown]
# ## 9. Summary
#
# - An **affine layer** computes $XW + b$ for a whole batch at once: $X$ is $(N, D)$, $W$ is $(D, H)$, and $b$,
#   of shape $(H,)$, is broadcast to every row.
# - Its backward pass is three products: $\texttt{dx} = \texttt{dout}\,W^{\top}$, $\texttt{dW} =
#   X^{\top}\texttt{dout}$, $\texttt{db} = \sum_n \texttt{dout}_n$. Every gradient has the shape of its variable,
#   which tells you where each transpose goes. `dW` and `db` **sum** over the batch, because $W$ and $b$ are used
#   by every example.
# - Broadcasting copies an operand along some axes; its gradient **sums** over exactly those axes
#   (`sum_to_shape`), and `db` is one case of that rule.
# - A backward function is a **vector-Jacobian product**: it returns $\texttt{dout}\cdot J$ without ever
#   building the Jacobian $J$, which would grow with the square of the layer's size.
# - The **ReLU** passes the gradient where its input was positive and blocks it elsewhere; at exactly 0 the
#   convention is to block it.
# - **Softmax cross-entropy** turns scores into probabilities. Through the softmax's Jacobian,
#   $p_i(\delta_{ij} - p_j)$, its gradient collapses to $(P - Y)/N$; the $1/N$ of the mean enters here and
#   nowhere else. Subtract each row's maximum before `exp`.
# - A network is its layers chained forward and their backward passes chained in reverse. A **gradient check**
#   of the whole network confirms every gradient at once. The package's `MLP` is built from the same functions.
# - One hidden layer already bends the decision boundary around XOR, moons and spirals.
# - Training uses **mini-batches**: a cheap, noisy estimate of the gradient, many updates per epoch. Within a
#   batch, one matrix product does the work of a Python loop over the examples many times faster.
# - Backpropagation lowers the loss on the training set. How well the network **generalises** is measured on
#   held-out data: our digits network reaches over 95 % on a test set it never saw.
#
# ## What comes next
#
# Our hidden layer used the ReLU, and one hidden layer was enough. **Lesson 4** stacks more layers and compares
# the ReLU with the sigmoid: why gradients can shrink to nothing (or blow up) on their way back through many
# layers, how the starting weights decide which happens, and why the ReLU's constant slope of 1 made deep
# networks trainable.
