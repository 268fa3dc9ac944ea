# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lesson 2 · A single neuron learns
#
# In lesson 1 you computed the gradient of a neuron's output with respect to its weights. Now the neuron gets a
# job. It sees the four rows of a logic gate's truth table, predicts the output, is told how wrong it was, and
# changes its weights a little against the gradient. Repeat that a few hundred times and it has learned the gate.
# This loop (forward pass, loss, backward pass, update) is how every network in this course learns; here it is
# small enough to write and check in full, one function at a time.
#
# **By the end you will be able to**
# - compute the output of a sigmoid neuron, $\hat{y} = \sigma(\mathbf{w}\cdot\mathbf{x} + b)$, for a whole batch at
#   once;
# - derive the sigmoid's local gradient on paper, and write its backward pass;
# - measure the neuron's error with the mean squared error and with the binary cross-entropy, and derive the
#   gradients of either loss with respect to $\mathbf{w}$ and $b$ by the chain rule, then code them;
# - explain why the cross-entropy's gradient does not vanish when the neuron is confidently wrong;
# - train the neuron with gradient descent on the AND and OR gates, using only your own functions;
# - tell when a learning rate is too small or too large, from the loss curve;
# - translate between the two ways tutorials write the same update (with the gradient, or with an "error"),
#   without losing a sign or a factor 2;
# - explain why one neuron cannot learn XOR, and what a hidden layer adds.
#
# **Time needed:** about 85 minutes in all. The **core path** (everything except the optional part of section 7)
# takes about 75 minutes: some 30 of reading, 35 for the five exercises with their derivations on paper, and 10
# for the quiz. **Going further**, the optional part of section 7 ("where 0.63, 0.57 and 0.0625 come from"), adds
# about 10 minutes. In a workshop, plan a 75-minute slot and leave the optional part for later.
#
# **Prerequisites:** lesson 1 (the chain rule, upstream × local, the `(out, cache)` convention, gradient checking),
# and a little more NumPy: array shapes such as `(N, D)`, the matrix product `@`, `.T`, `.sum()` and `np.exp`.
#
# **How this notebook works.** Run the cells from top to bottom (Shift+Enter). Each exercise is a function whose
# body says `raise NotImplementedError()`: replace that line with your code, run the cell, then run the test cell
# right below it. A test prints a ✓ line when your function is right; otherwise it tells you what looks wrong and
# what to try. When the notebook is graded, the same checks run again with more inputs. There are 5 exercises
# (12 points) and 7 short questions at the end (7 points): 19 points in all.
#
# **Derive first.** For each exercise the text gives the forward computation, the shapes and what to return; the
# backward pass is yours to derive, **on paper first**, then in code. Each worked example uses a *different*
# function, so that you can see the steps without being handed the answer. Under each test cell, `hints(...)`
# shows up to three folded hints, from a nudge to the full formula: open one level at a time, only when you are
# stuck. After each check passes, a short note says what you derived.

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import numpy as np

from backprop.activations import sigmoid_forward
from backprop.data import logic_gate
from backprop.gradcheck import grad_check
from backprop.grading import check, hints
from backprop.losses import binary_cross_entropy, mse_loss
from backprop.plots import plot_decision_boundary, plot_losses
from backprop.quiz import check_choice, check_number, self_check
from backprop.widgets import learning_rate_explorer

# One seeded generator for the whole notebook, so every run sees the same "random" numbers.
rng = np.random.default_rng(0)

# %% [markdown]
# ## 1. One neuron
#
# A neuron with $D$ inputs $x_1, \dots, x_D$ has one **weight** $w_j$ per input and a **bias** $b$. It weighs its
# inputs, adds the bias, and squashes the sum with an **activation function**, here the **sigmoid** $\sigma$. For
# one sample $\mathbf{x}$:
#
# $$z = \mathbf{w}\cdot\mathbf{x} + b = \sum_{j=1}^{D} w_j x_j + b, \qquad \hat{y} = \sigma(z) = \frac{1}{1 + e^{-z}}.$$
#
# The sigmoid maps any number to the open interval $(0, 1)$: very negative $z$ gives almost 0, very positive $z$
# almost 1, and $\sigma(0) = \tfrac12$. So we read $\hat{y}$ ("y hat") as the neuron's **probability that the label
# is 1**, and it predicts class 1 when $\hat{y} > \tfrac12$, which is exactly when $z > 0$.
#
# **A batch at once.** Rather than one sample at a time, stack $N$ samples as the rows of a matrix $X$ of shape
# $(N, D)$; then one matrix-vector product gives all $N$ weighted sums, and the bias is added to each of them
# (NumPy broadcasting):
#
# | name | meaning | shape |
# |---|---|---|
# | `x` (the batch $X$ of the formulas) | $N$ samples, one per row | `(N, D)` |
# | `w` | one weight per input feature | `(D,)` |
# | `b` | the bias, one number | a float |
# | `z = x @ w + b` | one weighted sum per sample | `(N,)` |
# | `y_hat` | $\sigma(z)$, one probability per sample | `(N,)` |
#
# **Worked example.** The AND gate as a data set: four samples with $D = 2$ inputs each, and the label 1 only for
# $(1, 1)$. Take the hand-picked weights $\mathbf{w} = (1, 1)$ and $b = -1.5$. By hand, the four weighted sums are
# $z = -1.5, -0.5, -0.5, 0.5$, so $\hat{y} = \sigma(z) \approx 0.182, 0.378, 0.378, 0.622$. Only $(1, 1)$ lands
# above $\tfrac12$: this neuron already computes AND, if not very confidently. The next cell does the same with
# NumPy, using the package's `sigmoid_forward`, which returns `(out, cache)` like every forward pass of lesson 1.

# %%
X_and, y_and = logic_gate("and")  # X: (4, 2) float64 inputs; y: (4,) int64 labels
print("X =\n", X_and)
print("y =", y_and)

w_hand, b_hand = np.array([1.0, 1.0]), -1.5
z = X_and @ w_hand + b_hand  # shape (4,): one weighted sum per row
y_hat, _ = sigmoid_forward(z)
for x_row, z_i, p, label in zip(X_and, z, y_hat, y_and, strict=True):
    print(f"x = {x_row}   z = {z_i:+.1f}   y_hat = {p:.3f}   label {label}")


# %% [markdown]
# ### Exercise 1 · `neuron_forward` (2 points)
#
# Write `neuron_forward(x, w, b)`, which returns the neuron's output for every sample of a batch:
#
# $$\hat{y} = \sigma(X\mathbf{w} + b) = \frac{1}{1 + e^{-(X\mathbf{w} + b)}}.$$
#
# - `x` has shape `(N, D)`, `w` shape `(D,)`, and `b` is a number. Return an array of shape `(N,)`.
# - Write the sigmoid yourself with `np.exp`, which works element by element on arrays.
# - **Trap:** the minus sign inside the exponential. $1/(1 + e^{+z})$ is $\sigma(-z)$, a sigmoid running backwards.
# - **Trap:** the bias goes *inside* the sigmoid, with the weighted sum.
# - **Trap:** lesson 1 used tanh; this neuron uses the sigmoid.
#
# Check yourself with the worked example: `neuron_forward(X_and, np.array([1.0, 1.0]), -1.5)` should give about
# `[0.182, 0.378, 0.378, 0.622]`.

# %% nbgrader={"grade": false, "grade_id": "ex1-neuron-forward", "locked": false, "schema_version": 3, "solution": true, "task": false}
def neuron_forward(x, w, b):
    """Forward pass of one sigmoid neuron on a batch.

    Args:
        x: The inputs, shape (N, D): one sample per row.
        w: The weights, shape (D,).
        b: The bias, a number.

    Returns:
        y_hat: the neuron's output for each sample, shape (N,): its probability of class 1.
    """
    ### BEGIN SOLUTION
    z = x @ w + b  # one weighted sum per sample, plus the bias: shape (N,)
    return 1.0 / (1.0 + np.exp(-z))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex1-test", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false} tags=["raises-exception"]
"""Check that neuron_forward returns the neuron's output y_hat."""
check("neuron_forward", neuron_forward)
### BEGIN HIDDEN TESTS
check("neuron_forward", neuron_forward, hidden=True)
### END HIDDEN TESTS

# %%
hints("neuron_forward")

# %% [markdown]
# With a single input, weight 1 and bias 0, your neuron *is* the sigmoid: $\hat{y} = \sigma(z)$. The plot draws it,
# with the four AND samples of the worked example on the curve. The further a sample's $z$ is from 0, the more
# confident the neuron is about it.

# %% tags=["raises-exception"]
zs = np.linspace(-7, 7, 281)
curve = neuron_forward(zs[:, None], np.array([1.0]), 0.0)  # a (281, 1) batch of single inputs
y_hat_hand = neuron_forward(X_and, w_hand, b_hand)

fig, ax = plt.subplots(figsize=(6.5, 3.6))
ax.plot(zs, curve, color="#2b6cb0", lw=2, label="your neuron_forward: σ(z)")
ax.axhline(0.5, color="gray", lw=0.8, ls="--")
ax.axvline(0.0, color="gray", lw=0.8, ls="--")
for label, colour, note in [(0, "black", " (w = (1, 1), b = −1.5)"), (1, "#c53030", "")]:
    on = y_and == label
    ax.scatter(X_and[on] @ w_hand + b_hand, y_hat_hand[on], color=colour, zorder=3,
               label=f"AND samples with label {label}{note}")
ax.set_xlabel("z = w · x + b")
ax.set_ylabel("y_hat = σ(z)")
ax.set_ylim(-0.05, 1.05)
ax.set_title("The sigmoid: class 1 is predicted where z > 0")
ax.legend(fontsize=8, loc="upper left")
plt.show()


# %% [markdown]
# ## 2. The sigmoid's local gradient
#
# To learn, the neuron will need the gradient of the loss with respect to $\mathbf{w}$ and $b$, and on the way
# back from the loss it has to pass through the sigmoid. So, first, the sigmoid gate's local derivative
# $\frac{d\sigma}{dz}$, which you will derive yourself in exercise 2. As with tanh in lesson 1, it can be written
# with the gate's **output** $\text{out} = \sigma(z)$ alone, so the forward pass only caches its output:
# `sigmoid_forward(z)` returns `(out, cache)` with `cache = out`.
#
# **Worked example, on another function.** Take the gate $g(z) = \dfrac{1}{1 + z^2}$, a bump whose top is
# $g(0) = 1$. It has the same shape of formula as the sigmoid, one over something, so the chain rule applies the
# same way: write $g = u^{-1}$ with the inner function $u = 1 + z^2$. Then
#
# $$\frac{dg}{dz} = \frac{dg}{du}\cdot\frac{du}{dz} = -u^{-2}\cdot 2z = \frac{-2z}{(1 + z^2)^2} = -2z\,g(z)^2.$$
#
# The last step writes the result with the gate's output $g(z)$ where it can. For this gate, $z$ is still needed
# too, so its forward pass would have to cache $z$ (or both). At $z = 1$: $g = 0.5$, the local derivative is
# $-2 \times 1 \times 0.25 = -0.5$, and with an upstream gradient $\texttt{dout} = 2$ the gate passes back
# $\texttt{dx} = 2 \times (-0.5) = -1$. The cell checks the local derivative against central differences, as in
# lesson 1.

# %%
def bump(z):
    """The worked example's gate g(z) = 1 / (1 + z**2)."""
    return 1.0 / (1.0 + z**2)


h = 1e-5
for z0 in (1.0, 2.0):
    by_hand = -2 * z0 * bump(z0) ** 2
    numeric = (bump(z0 + h) - bump(z0 - h)) / (2 * h)
    print(f"z = {z0}: g = {bump(z0):.2f}, dg/dz by hand = {by_hand:.4f}, central differences = {numeric:.4f}")


# %% [markdown]
# ### Exercise 2 · `sigmoid_backward` (2 points)
#
# Write `sigmoid_backward(dout, cache)`, the backward pass of the sigmoid gate
#
# $$\text{out} = \sigma(z) = \frac{1}{1 + e^{-z}}, \qquad \texttt{cache} = \text{out}.$$
#
# It returns `dx`, which means $\partial L/\partial z$: as in lesson 1, a gate's gradient is named after its input,
# which was called $x$ there and is $z$ here.
#
# **On paper first:** derive $\frac{d\sigma}{dz}$ with the chain rule, as in the worked example, then write it with
# $\text{out}$ only (no $z$, no $e^{-z}$): the cache is all the backward pass gets. Check your formula at one
# point, e.g. by central differences on `sigmoid_forward`, before you code it.
#
# - `dout` and `cache` are arrays of the same shape (any shape); work element by element. Return an array of that
#   shape.
# - **Trap:** the cache already *is* $\sigma(z)$. Don't apply the sigmoid to it again.
# - **Trap:** lesson 1's tanh had its own local derivative; the sigmoid's is different.
# - **Trap:** upstream × local: don't forget the factor `dout`.

# %% nbgrader={"grade": false, "grade_id": "ex2-sigmoid-backward", "locked": false, "schema_version": 3, "solution": true, "task": false}
def sigmoid_backward(dout, cache):
    """Backward pass of the sigmoid gate out = sigmoid(z).

    Args:
        dout: The upstream gradient dL/dout, an array of any shape.
        cache: The forward output out = sigmoid(z), as returned by sigmoid_forward; the shape of dout.

    Returns:
        dx: dL/dz, the shape of dout.
    """
    ### BEGIN SOLUTION
    out = cache
    return dout * out * (1.0 - out)  # upstream × local, with the local derivative out · (1 − out)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex2-test", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false} tags=["raises-exception"]
"""Check that sigmoid_backward returns dL/dz."""
check("sigmoid_backward", sigmoid_backward)
### BEGIN HIDDEN TESTS
check("sigmoid_backward", sigmoid_backward, hidden=True)
### END HIDDEN TESTS

# %%
hints("sigmoid_backward")

# %% [markdown]
# **What you derived.** With $u = 1 + e^{-z}$, the chain rule gives
#
# $$\frac{d\sigma}{dz} = -u^{-2}\cdot\left(-e^{-z}\right) = \frac{1}{1 + e^{-z}}\cdot\frac{e^{-z}}{1 + e^{-z}}
#   = \sigma(z)\,\bigl(1 - \sigma(z)\bigr),$$
#
# because $1 - \sigma(z) = \frac{e^{-z}}{1 + e^{-z}}$. So $\texttt{dx} = \texttt{dout}\cdot\text{out}\cdot(1 -
# \text{out})$. Two facts about this slope matter all through the course:
# - It is largest at $z = 0$, where $\text{out} = \tfrac12$ and the slope is $\tfrac12\cdot\tfrac12 = \tfrac14$. A
#   sigmoid never passes back more than a quarter of the gradient it receives.
# - For large $|z|$ the sigmoid is flat (it **saturates**): at $z = 5$ the slope is already below $0.007$. A
#   saturated neuron passes almost no gradient back, whatever its error.
#
# With `dout = 1`, the backward pass returns the local derivative itself. The plot compares your
# `sigmoid_backward` with central differences of the sigmoid (the dots), and shows how quickly the slope dies away
# on both sides.

# %% tags=["raises-exception"]
zs = np.linspace(-7, 7, 281)
out, cache = sigmoid_forward(zs)
slope = sigmoid_backward(np.ones_like(zs), cache)
h = 1e-5
dots = zs[::14]
numeric = (sigmoid_forward(dots + h)[0] - sigmoid_forward(dots - h)[0]) / (2 * h)

fig, ax = plt.subplots(figsize=(6.5, 3.6))
ax.plot(zs, out, color="gray", lw=1, label="σ(z)")
ax.plot(zs, slope, color="#2b6cb0", lw=2, label="your sigmoid_backward(1, σ(z))")
ax.plot(dots, numeric, "o", color="#c53030", ms=4, label="central differences")
ax.axhline(0.25, color="gray", lw=0.8, ls=":")
ax.text(-6.8, 0.27, "at most 1/4", fontsize=8, color="gray")
ax.set_xlabel("z")
ax.set_title("The sigmoid's local gradient out · (1 − out)")
ax.legend(fontsize=8, loc="upper left")
plt.show()

# %% [markdown]
# **Practice question** (not graded): pick an answer and press *Check*.

# %%
self_check(
    "A sigmoid gate's forward pass gave out = 0.9. With dout = 1, what does its backward pass return?",
    ["0.9", "0.1", "0.09", "0.19"],
    answer=2,
    explanation=(
        "The local derivative is out · (1 − out) = 0.9 × 0.1 = 0.09, and upstream × local = 1 × 0.09. "
        "You don't need z itself: the output is all the backward pass uses. (0.19 = 1 − 0.9² is tanh's rule.)"
    ),
)

# %% [markdown]
# ## 3. How wrong is the neuron? The mean squared error
#
# To improve, the neuron needs one number that says how wrong it is on the data: the **loss** $L$. A natural first
# choice is the **mean squared error** (MSE), the average of the squared differences between prediction and label:
#
# $$L = \frac{1}{N}\sum_{i=1}^{N}\left(\hat{y}_i - y_i\right)^2.$$
#
# Training means making $L$ small by changing $\mathbf{w}$ and $b$, so we need $\frac{\partial L}{\partial
# \mathbf{w}}$ and $\frac{\partial L}{\partial b}$. Each sample is a little chain, $\mathbf{w}, b \to z_i \to
# \hat{y}_i \to L$, and the backward pass walks it from the loss back, upstream × local at each link:
#
# | gradient | what it is | shape |
# |---|---|---|
# | $\dfrac{\partial L}{\partial \hat{y}_i}$ | how the mean of squares changes with one prediction | `(N,)` |
# | $\dfrac{\partial L}{\partial z_i}$ | one step further back, through the sigmoid gate | `(N,)` |
# | $\dfrac{\partial L}{\partial w_j}$ | `dw`, one entry per weight | `(D,)` |
# | $\dfrac{\partial L}{\partial b}$ | `db`, for the one bias | a number |
#
# You will fill in the middle column yourself, in exercise 3. The worked example shows every step on a different
# neuron and a different loss.
#
# **Worked example, on another neuron.** A **tanh** neuron, $\hat{y} = \tanh(X\mathbf{w} + b)$, with the
# **mean fourth-power loss** $L = \frac{1}{N}\sum_i(\hat{y}_i - y_i)^4$, which punishes big errors even harder than
# the MSE. Two samples ($N = 2$): $X = \begin{pmatrix}1 & 0\\ 1 & 1\end{pmatrix}$, $y = (1, 0)$, $\mathbf{w} =
# (0.5, 0.5)$, $b = 0$.
#
# | step | computes | value |
# |---|---|---|
# | forward | $z = X\mathbf{w} + b$ | $(0.5, 1.0)$ |
# | | $\hat{y} = \tanh z$ | $\approx (0.4621, 0.7616)$ |
# | loss | $L = \frac{1}{2}\bigl((-0.5379)^4 + 0.7616^4\bigr)$ | $\approx 0.2101$ |
# | backward | $\partial L/\partial\hat{y}_i = \frac{4}{N}(\hat{y}_i - y_i)^3$: the power rule, and $\frac{1}{N}$ from the mean | $\approx (-0.3112, 0.8835)$ |
# | | $\partial L/\partial z_i = \partial L/\partial\hat{y}_i\cdot(1 - \hat{y}_i^2)$: tanh's local derivative (lesson 1) | $\approx (-0.2448, 0.3710)$ |
# | | $\partial L/\partial w_j = \sum_i \partial L/\partial z_i\cdot x_{ij}$, that is `dw = x.T @ dz` | $\approx (0.1263, 0.3710)$ |
# | | $\partial L/\partial b = \sum_i \partial L/\partial z_i\cdot 1$, that is `db = dz.sum()` | $\approx 0.1263$ |
#
# Why **sums** over the batch in the last two rows? Every sample uses the same $\mathbf{w}$ and the same $b$. In
# lesson 1 you saw that a value used in several places collects the *sum* of the gradients from all its uses: here
# each sample is one use. (The $\frac{1}{N}$ of the mean is already inside $\frac{\partial L}{\partial z_i}$, so
# `dw` and `db` are plain sums, not means.) The matrix product `x.T @ dz`, shape $(D, N) \times (N,) \to (D,)$, does
# the sum for every weight at once. How to read the result: $\partial L/\partial w_2 > 0$, so *lowering* $w_2$
# lowers the loss; that makes sense, since $w_2$ only feeds the second sample, whose $\hat{y}$ is too high.

# %%
x_t, y_t = np.array([[1.0, 0.0], [1.0, 1.0]]), np.array([1.0, 0.0])
w_t, b_t = np.array([0.5, 0.5]), 0.0
y_hat_t = np.tanh(x_t @ w_t + b_t)  # a tanh neuron
loss_t = np.mean((y_hat_t - y_t) ** 4)  # the mean fourth-power loss
dy_hat_t = 4 * (y_hat_t - y_t) ** 3 / len(y_t)  # power rule, and 1/N from the mean
dz_t = dy_hat_t * (1 - y_hat_t**2)  # through the tanh gate: upstream × local
print(f"L = {loss_t:.4f}, dL/dy_hat = {np.round(dy_hat_t, 4)}, dL/dz = {np.round(dz_t, 4)}")
print(f"dw = {np.round(x_t.T @ dz_t, 4)}, db = {dz_t.sum():.4f}")


# %% [markdown]
# ### Exercise 3 · `mse_gradients` (3 points)
#
# Write `mse_gradients(x, w, b, y)`, which runs the forward pass $\hat{y} = \sigma(X\mathbf{w} + b)$, computes the
# MSE $L = \frac{1}{N}\sum_i(\hat{y}_i - y_i)^2$, runs the backward pass, and returns `(loss, dw, db)`.
#
# **On paper first:** derive $\partial L/\partial\hat{y}_i$, then $\partial L/\partial z_i$, then
# $\partial L/\partial\mathbf{w}$ and $\partial L/\partial b$, following the worked example link by link. Then code
# them.
#
# - `x`: shape `(N, D)`; `w`: shape `(D,)`; `b`: a number; `y`: the labels as floats 0.0 or 1.0, shape `(N,)`.
# - `loss` is a number, `dw` has the shape of `w`, and `db` is **one number**.
# - Compute $\hat{y}$ and the sigmoid's slope right here. (Calling your `neuron_forward` or `sigmoid_backward`
#   works too, but then a slip in those shows up here as well.)
# - **Trap:** the sigmoid gate sits between $\hat{y}$ and $z$: don't skip it on the way back.
# - **Trap:** the sign (does $L$ grow or shrink when $\hat{y}_i$ rises above $y_i$?) and the constants: where does
#   a 2 come from, and where a $\frac{1}{N}$?
#
# Check yourself with one sample: `mse_gradients(np.array([[1.0, 1.0]]), np.array([1.0, 1.0]), -1.5,
# np.array([1.0]))` should give about `(0.1425, [-0.1774, -0.1774], -0.1774)`.

# %% nbgrader={"grade": false, "grade_id": "ex3-mse-gradients", "locked": false, "schema_version": 3, "solution": true, "task": false}
def mse_gradients(x, w, b, y):
    """Loss and gradients of one sigmoid neuron under the mean squared error.

    Args:
        x: The inputs, shape (N, D).
        w: The weights, shape (D,).
        b: The bias, a number.
        y: The labels, 0.0 or 1.0, shape (N,).

    Returns:
        loss: mean((y_hat - y)**2) with y_hat = sigmoid(x @ w + b), a number.
        dw: dL/dw, shape (D,).
        db: dL/db, a number.
    """
    ### BEGIN SOLUTION
    N = x.shape[0]
    y_hat = 1.0 / (1.0 + np.exp(-(x @ w + b)))  # forward pass, shape (N,)
    loss = np.mean((y_hat - y) ** 2)
    dy_hat = 2.0 * (y_hat - y) / N  # dL/dy_hat: the 2 from the square, the 1/N from the mean
    dz = dy_hat * y_hat * (1.0 - y_hat)  # through the sigmoid: upstream × local
    dw = x.T @ dz  # every sample uses w: sum over the batch
    db = dz.sum()  # and b
    return loss, dw, db
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex3-test", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false} tags=["raises-exception"]
"""Check that mse_gradients returns (loss, dw, db)."""
check("mse_gradients", mse_gradients)
### BEGIN HIDDEN TESTS
check("mse_gradients", mse_gradients, hidden=True)
### END HIDDEN TESTS

# %%
hints("mse_gradients")

# %% [markdown]
# **What you derived.** The mean of squares gives $\frac{\partial L}{\partial \hat{y}_i} = \frac{2}{N}(\hat{y}_i -
# y_i)$: the 2 from the square, the $\frac{1}{N}$ from the mean. The sigmoid gate multiplies by its local
# derivative, $\frac{\partial L}{\partial z_i} = \frac{2}{N}(\hat{y}_i - y_i)\,\hat{y}_i(1 - \hat{y}_i)$, and the
# shared parameters sum over the batch: `dw = x.T @ dz`, `db = dz.sum()`. The package's `mse_loss(pred, y)` returns
# the loss together with $\partial L/\partial \hat{y}$, which is where this backward pass starts. By hand, for the
# one sample of the "check yourself" line ($\mathbf{x} = (1, 1)$, $y = 1$, the hand-picked $\mathbf{w} = (1, 1)$,
# $b = -1.5$): $z = 0.5$, $\hat{y} \approx 0.6225$, $L \approx 0.1425$, $\partial L/\partial\hat{y} \approx
# -0.7551$, $\partial L/\partial z \approx -0.7551 \times 0.6225 \times 0.3775 \approx -0.1774$. The gradients are
# negative, so *raising* the weights or the bias *lowers* the loss: it pushes $\hat{y}$ up towards the label 1.

# %%
x1, y1 = np.array([[1.0, 1.0]]), np.array([1.0])  # one sample, as a batch of N = 1
y_hat1, _ = sigmoid_forward(x1 @ w_hand + b_hand)
loss1, dy_hat1 = mse_loss(y_hat1, y1)  # L and dL/dy_hat = 2 (y_hat - y) / N
dz1 = dy_hat1 * y_hat1 * (1 - y_hat1)  # through the sigmoid gate
print(f"y_hat = {y_hat1[0]:.4f}, L = {loss1:.4f}, dL/dy_hat = {dy_hat1[0]:.4f}, dL/dz = {dz1[0]:.4f}")
print(f"dw = {x1.T @ dz1}, db = {dz1.sum():.4f}")

# %% [markdown]
# ### Check the gradients numerically
#
# The test compares your function with a reference. Outside a course there is no reference, but there is always
# the gradient check of lesson 1: nudge each weight and the bias by $\pm h$, watch the loss, and compare the slopes
# with your `dw` and `db`, at a random point. (`grad_check` wants every input as a float64 array, so the bias
# travels as an array of one number, `b[0]`.)

# %%
# A random point, drawn before any of your code runs, so the rng sequence never depends on it.
x_gc = rng.normal(size=(5, 3))
w_gc = rng.normal(size=3)
b_gc = rng.normal(size=1)
y_gc = np.array([0.0, 1.0, 1.0, 0.0, 1.0])

# %% tags=["raises-exception"]
loss_gc, dw_gc, db_gc = mse_gradients(x_gc, w_gc, b_gc[0], y_gc)
report = grad_check(lambda w, b: mse_gradients(x_gc, w, b[0], y_gc)[0],
                    {"w": w_gc, "b": b_gc}, {"w": dw_gc, "b": np.array([db_gc])})
print(report)


# %% [markdown]
# ## 4. Gradient descent
#
# The gradient $\frac{\partial L}{\partial \mathbf{w}}$ points in the direction in which the loss grows fastest,
# and its size says how steeply. To make the loss *smaller*, each step moves the parameters a little, by an
# amount proportional to the gradient. The factor is the step size $\eta$ (eta), the **learning rate**,
# `learning_rate` in the code (tutorials often shorten it to `lr`). Section 7 is about choosing it.
#
# **Worked example, on another function.** One parameter $u$ and the function $f(u) = (u - 3)^2$, lowest at
# $u = 3$; start at $u = 1$ with $\eta = 0.25$. The slope there is $f'(1) = 2(1 - 3) = -4$: negative, so $f$
# *falls* as $u$ grows, and the step goes to the right, against the sign of the slope, by $\eta$ times its size,
# $0.25 \times 4 = 1$. Now $u = 2$ and $f$ fell from $4$ to $1$. The next slope is $f'(2) = -2$, a step of $0.5$,
# to $u = 2.5$ and $f = 0.25$: the steps shrink as the slope flattens near the bottom.

# %% [markdown]
# ### Exercise 4 · `gd_step` (2 points)
#
# Write `gd_step(w, b, dw, db, learning_rate)`, which takes one step of gradient descent from `(w, b)`, given the
# gradients `dw` $= \partial L/\partial\mathbf{w}$ and `db` $= \partial L/\partial b$, and returns the updated
# parameters `(w_new, b_new)`.
#
# **On paper first:** write the update of $\mathbf{w}$ and of $b$, as in the worked example but for every
# parameter at once: which way, and how far?
#
# - `w` and `dw` have shape `(D,)`; `b`, `db` and `learning_rate` are numbers.
# - **Return a new array** for `w_new`, and leave `w` as it was: `w_new = w + (something)` builds a new array, but
#   `w += ...` or `w -= ...` changes the caller's array in place (the test catches that).
# - **Trap:** the direction. The gradient points uphill.
# - **Trap:** the bias is a parameter too: update it.

# %% nbgrader={"grade": false, "grade_id": "ex4-gd-step", "locked": false, "schema_version": 3, "solution": true, "task": false}
def gd_step(w, b, dw, db, learning_rate):
    """One step of gradient descent on a neuron's parameters.

    Args:
        w: The weights, shape (D,). Not changed.
        b: The bias, a number.
        dw: dL/dw, shape (D,).
        db: dL/db, a number.
        learning_rate: The step size, a positive number.

    Returns:
        w_new: The weights after the step, a new array of shape (D,).
        b_new: The bias after the step, a number.
    """
    ### BEGIN SOLUTION
    w_new = w - learning_rate * dw  # a new array: the caller's w is left alone
    b_new = b - learning_rate * db
    return w_new, b_new
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex4-test", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false} tags=["raises-exception"]
"""Check that gd_step returns (w_new, b_new)."""
check("gd_step", gd_step)
### BEGIN HIDDEN TESTS
check("gd_step", gd_step, hidden=True)
### END HIDDEN TESTS

# %%
hints("gd_step")


# %% [markdown]
# **What you derived.** Against the gradient, by $\eta$ times it:
#
# $$\mathbf{w} \leftarrow \mathbf{w} - \eta\,\frac{\partial L}{\partial \mathbf{w}}, \qquad
#   b \leftarrow b - \eta\,\frac{\partial L}{\partial b}.$$
#
# Continue the one-sample example of exercise 3 with $\eta = 0.5$: $\mathbf{w} \leftarrow (1, 1) - 0.5 \cdot
# (-0.1774, -0.1774) = (1.0887, 1.0887)$ and $b \leftarrow -1.5 - 0.5 \cdot (-0.1774) = -1.4113$. Now $z = 0.766$
# and $\hat{y} = \sigma(0.766) \approx 0.683$, up from $0.6225$: the loss fell from $0.1425$ to about $0.101$. One
# step in, the neuron is already a little less wrong.

# %% [markdown]
# ### The training loop
#
# Now put the pieces together. One **training step** is the whole cycle:
#
# 1. **forward pass**: $\hat{y} = \sigma(X\mathbf{w} + b)$;
# 2. **loss**: how wrong $\hat{y}$ is;
# 3. **backward pass**: $\partial L/\partial \mathbf{w}$ and $\partial L/\partial b$ by the chain rule;
# 4. **update**: a gradient-descent step.
#
# Steps 1–3 happen inside your `mse_gradients`, step 4 is your `gd_step`. The function `train` below repeats them
# and records the loss of every step. It takes the gradient function as an argument, so that the same loop can
# train with another loss later.
#
# The losses need the labels as floats: `logic_gate` returns integer labels (the plots want those), so we keep a
# float copy `t_and` of them: the training **targets**, which are just the labels as floats, 0.0 and 1.0.

# %%
def train(gradients, X, y, w, b, learning_rate, steps):
    """Run `steps` steps of gradient descent from (w, b).

    Args:
        gradients: A function (X, w, b, y) -> (loss, dw, db), such as mse_gradients.
        X: The inputs, shape (N, D).
        y: The float targets, shape (N,).
        w: The starting weights, shape (D,); not changed.
        b: The starting bias, a number.
        learning_rate: The step size.
        steps: How many steps to take.

    Returns:
        w, b: The parameters after the last step.
        losses: The loss before each step, a list of `steps` floats.
    """
    losses = []
    for _ in range(steps):
        loss, dw, db = gradients(X, w, b, y)  # forward pass, loss, backward pass
        losses.append(float(loss))
        w, b = gd_step(w, b, dw, db, learning_rate)  # update
    return w, b, losses


t_and = y_and.astype(np.float64)  # the targets 0.0 / 1.0, for the losses
w_start = rng.normal(0.0, 0.5, size=2)  # a small random start, shared by the runs below
b_start = 0.0

# %% tags=["raises-exception"]
w_mse, b_mse, losses_mse = train(mse_gradients, X_and, t_and, w_start, b_start,
                                 learning_rate=5.0, steps=500)
print("before:", np.round(neuron_forward(X_and, w_start, b_start), 3))
print("after: ", np.round(neuron_forward(X_and, w_mse, b_mse), 3), "  labels:", y_and)
print(f"w = {np.round(w_mse, 2)}, b = {b_mse:.2f}")

plot_losses(losses_mse, title="Your neuron learns AND (MSE, learning rate 5)")
plt.show()


# %% [markdown]
# The loss falls and the predictions move towards the labels: your four functions, chained, make a neuron learn.
# The MSE has a weakness, though, which this gentle start hides. The next section provokes it, and fixes it with a
# different loss.

# %% [markdown]
# ## 5. A better loss for probabilities: the binary cross-entropy
#
# Look at $\frac{\partial L}{\partial z}$ under the MSE again: it carries the factor $\hat{y}(1 - \hat{y})$, the
# sigmoid's slope. Now take a neuron that is **confidently wrong**, say $\hat{y} = 0.98$ for a sample whose label
# is 0. It deserves a big correction, but
#
# $$\frac{\partial L}{\partial z} = 2\,(0.98 - 0)\cdot 0.98\cdot 0.02 \approx 0.038 \qquad (N = 1):$$
#
# the saturated sigmoid smothers the gradient exactly where the mistake is worst, and learning crawls.
#
# The **binary cross-entropy** (BCE) is the loss made for probabilities. For each sample it charges $-\log$ of the
# probability that the neuron gave to the *right* label: $-\log\hat{y}$ when $y = 1$, and $-\log(1 - \hat{y})$ when
# $y = 0$. Both cases fit in one formula:
#
# $$L = -\frac{1}{N}\sum_{i=1}^{N}\Bigl(y_i \log\hat{y}_i + (1 - y_i)\log(1 - \hat{y}_i)\Bigr).$$
#
# A right and confident prediction costs almost 0; a confidently wrong one costs a lot ($-\log 0.02 \approx 3.9$),
# and the cost grows without bound as $\hat{y}$ approaches the wrong end. Does its gradient also stay large there?
# That is what you will find out in exercise 5.
#
# **Worked example, on another function: a log through a gate.** Take the gate $\hat{y} = z^2$ and the cost
# $\ell = -\log\hat{y}$ (for $z \ne 0$). Split the chain at $\hat{y}$, as for the MSE:
#
# $$\frac{\partial \ell}{\partial \hat{y}} = -\frac{1}{\hat{y}}, \qquad \frac{\partial \hat{y}}{\partial z} = 2z,
#   \qquad \frac{\partial \ell}{\partial z} = -\frac{1}{\hat{y}}\cdot 2z = -\frac{2z}{z^2} = -\frac{2}{z}.$$
#
# The last step writes $\hat{y}$ in terms of $z$ and simplifies: a product of two factors can be much simpler than
# either of them. (Check: $\ell = -\log z^2 = -2\log|z|$, whose derivative is indeed $-2/z$.) At $z = 0.5$:
# $\hat{y} = 0.25$, $\ell = -\log 0.25 \approx 1.386$, $\partial\ell/\partial\hat{y} = -4$, the local derivative is
# $1$, and $\partial\ell/\partial z = -4 = -2/0.5$.
#
# One caution for your own code: the logs need $0 < \hat{y} < 1$ exactly. When $z$ is above about 37, $\hat{y}$
# rounds to exactly 1 in float64, and for a sample whose label is 0, $\log(1 - \hat{y})$ becomes $-\infty$. That
# doesn't happen in this lesson; libraries avoid it by computing the loss from $z$ directly, like the package's
# `binary_cross_entropy_with_logits`.

# %% [markdown]
# ### Exercise 5 · `bce_gradients` (3 points)
#
# Write `bce_gradients(x, w, b, y)`, which returns `(loss, dw, db)` for the binary cross-entropy of the neuron
# $\hat{y} = \sigma(X\mathbf{w} + b)$, with the same arguments and shapes as `mse_gradients`:
#
# $$L = -\frac{1}{N}\sum_i\Bigl(y_i \log\hat{y}_i + (1 - y_i)\log(1 - \hat{y}_i)\Bigr).$$
#
# **On paper first:** for one sample, derive $\partial L/\partial\hat{y}_i$ and write it over one common
# denominator; then go through the sigmoid gate to $\partial L/\partial z_i$, and **simplify as far as you can**,
# as in the worked example. The result is short. From `dz` on, `dw` and `db` go as in exercise 3.
#
# - Use `np.log` for the loss.
# - Use `np.log(y_hat)` and `np.log(1 - y_hat)` directly, without clipping or adding an epsilon: the graded checks
#   include saturated neurons and compare the loss closely.
# - **Trap:** the minus sign in front of the loss (a log of a probability is never positive), and both terms, the
#   one for $y = 1$ and the one for $y = 0$.
# - **Trap:** the inner derivative of $\log(1 - \hat{y})$.
#
# Check yourself with one sample: `bce_gradients(np.array([[1.0, 1.0]]), np.array([1.0, 1.0]), -1.5,
# np.array([1.0]))` should give about `(0.4741, [-0.3775, -0.3775], -0.3775)`.

# %% nbgrader={"grade": false, "grade_id": "ex5-bce-gradients", "locked": false, "schema_version": 3, "solution": true, "task": false}
def bce_gradients(x, w, b, y):
    """Loss and gradients of one sigmoid neuron under the binary cross-entropy.

    Args:
        x: The inputs, shape (N, D).
        w: The weights, shape (D,).
        b: The bias, a number.
        y: The labels, 0.0 or 1.0, shape (N,).

    Returns:
        loss: The mean binary cross-entropy of y_hat = sigmoid(x @ w + b) against y, a number.
        dw: dL/dw, shape (D,).
        db: dL/db, a number.
    """
    ### BEGIN SOLUTION
    N = x.shape[0]
    y_hat = 1.0 / (1.0 + np.exp(-(x @ w + b)))  # forward pass
    loss = -np.mean(y * np.log(y_hat) + (1.0 - y) * np.log(1.0 - y_hat))
    dz = (y_hat - y) / N  # the sigmoid's slope cancelled: just the error, over N
    dw = x.T @ dz
    db = dz.sum()
    return loss, dw, db
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex5-test", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false} tags=["raises-exception"]
"""Check that bce_gradients returns (loss, dw, db)."""
check("bce_gradients", bce_gradients)
### BEGIN HIDDEN TESTS
check("bce_gradients", bce_gradients, hidden=True)
### END HIDDEN TESTS

# %%
hints("bce_gradients")

# %% [markdown]
# **What you derived.** Per sample, with the $\frac{1}{N}$ of the mean in front,
#
# $$\frac{\partial L}{\partial \hat{y}_i} = \frac{1}{N}\left(-\frac{y_i}{\hat{y}_i} + \frac{1 - y_i}{1 - \hat{y}_i}\right)
#   = \frac{1}{N}\cdot\frac{\hat{y}_i - y_i}{\hat{y}_i(1 - \hat{y}_i)}.$$
#
# Then through the sigmoid gate, upstream × local:
#
# $$\frac{\partial L}{\partial z_i} = \frac{1}{N}\cdot\frac{\hat{y}_i - y_i}{\hat{y}_i(1 - \hat{y}_i)}\cdot
#   \hat{y}_i(1 - \hat{y}_i) = \frac{\hat{y}_i - y_i}{N}.$$
#
# The sigmoid's slope **cancels**: what is left is the plain error, prediction minus label, and the $\frac{1}{N}$
# of the mean. From `dz` on, nothing changes: `dw = x.T @ dz` and `db = dz.sum()`, as before.
#
# **Why this matters.** Under the MSE, $\partial L/\partial z$ carries the factor $\hat{y}(1 - \hat{y})$, which
# vanishes when the sigmoid saturates, and it saturates precisely when the neuron is confidently wrong. Under the
# cross-entropy that factor is gone: the confidently wrong sample of the start of this section ($\hat{y} = 0.98$,
# $y = 0$) now gets $\frac{\partial L}{\partial z} = 0.98$, about 25 times more than the MSE's $0.038$, and the more
# wrong the neuron, the larger its correction. In the example of the "check yourself" line, $L = -\log 0.6225
# \approx 0.4741$ and $\frac{\partial L}{\partial z} = 0.6225 - 1 \approx -0.3775$: about twice the MSE's push. The
# package's `binary_cross_entropy(p, y)` returns the loss and $\partial L/\partial\hat{y}$; the cell checks that
# multiplying by the sigmoid's slope leaves just $\hat{y} - y$.

# %%
loss_bce1, dp1 = binary_cross_entropy(y_hat1, y1)
print(f"L = {loss_bce1:.4f}")
print(f"dL/dy_hat = {dp1[0]:.4f}, times the sigmoid's slope: {dp1[0] * y_hat1[0] * (1 - y_hat1[0]):.4f}")
print(f"y_hat - y  = {y_hat1[0] - y1[0]:.4f}")

# %% [markdown]
# **Practice question** (not graded): pick an answer and press *Check*.

# %%
self_check(
    "One sample (N = 1) with label y = 1 gets y_hat = 0.2. Under the binary cross-entropy, what is dL/dz?",
    ["-0.8", "0.8", "-0.256", "-0.128"],
    answer=0,
    explanation=(
        "dL/dz = (y_hat − y) / N = 0.2 − 1 = −0.8: negative, so raising z lowers the loss. −0.256 is the "
        "MSE's 2 (y_hat − y) · y_hat (1 − y_hat), and −0.128 multiplies the sigmoid's slope in a second time."
    ),
)

# %% [markdown]
# ### MSE against cross-entropy, from a bad start
#
# Start both losses from the same **confidently wrong** neuron, $\mathbf{w} = (-2, -2)$, $b = 2$: it says
# $\hat{y} \approx 0.88$ for $(0, 0)$, whose label is 0, and $\hat{y} \approx 0.12$ for $(1, 1)$, whose label is 1.
# Same learning rate, same number of steps, your functions throughout. (The two losses are measured on different
# scales, so each run gets its own panel; what matters is the shape of each curve.)

# %% tags=["raises-exception"]
w_bad, b_bad = np.array([-2.0, -2.0]), 2.0
runs = {"MSE": mse_gradients, "cross-entropy": bce_gradients}

fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), layout="constrained")
for ax, (name, gradients) in zip(axes, runs.items(), strict=True):
    w_k, b_k, losses = w_bad, b_bad, []
    for steps in (50, 550):  # 50 steps, then 550 more from there: 600 in all
        w_k, b_k, more = train(gradients, X_and, t_and, w_k, b_k, learning_rate=2.0, steps=steps)
        losses += more
        y_hat_k = np.round(neuron_forward(X_and, w_k, b_k), 2)
        print(f"{name:>13}, after {len(losses):3d} steps: y_hat = {y_hat_k}")
    plot_losses(losses, ax=ax, title=f"{name}, from a confidently wrong start")
plt.show()

# %% [markdown]
# Under the MSE the loss sinks onto a **plateau** and stays there for hundreds of steps: the neuron has pushed every
# prediction towards 0, and for the one sample it still gets wrong, $(1, 1)$, the sigmoid is so flat that the
# gradient is tiny. Only slowly does it climb out. The cross-entropy never stalls, because its gradient is the
# error itself. This is why a sigmoid output is trained with the cross-entropy from now on.
#
# ### AND and OR
#
# Train the neuron on both gates with your `bce_gradients`, from the same small random start. The decision boundary
# plots shade the plane by the class your `neuron_forward` predicts; the black line is where $\hat{y} = 0.5$, that
# is where $z = w_1 x_1 + w_2 x_2 + b = 0$. For a single neuron this is always a **straight line**.

# %% tags=["raises-exception"]
X_or, y_or = logic_gate("or")
t_or = y_or.astype(np.float64)

learned = {}  # gate name -> (w, b), kept for section 8
fig, axes = plt.subplots(1, 3, figsize=(13, 3.8), layout="constrained")
for name, X_gate, y_gate, t_gate, ax in [("AND", X_and, y_and, t_and, axes[1]),
                                         ("OR", X_or, y_or, t_or, axes[2])]:
    w_gate, b_gate, losses = train(bce_gradients, X_gate, t_gate, w_start, b_start,
                                   learning_rate=5.0, steps=500)
    learned[name] = (w_gate, b_gate)
    plot_losses(losses, ax=axes[0], label=name, log=True)
    line = f"{w_gate[0]:.1f} x1 {w_gate[1]:+.1f} x2 {b_gate:+.1f} = 0".replace("+", "+ ").replace("-", "− ")
    plot_decision_boundary(lambda P: neuron_forward(P, w_gate, b_gate), X_gate, y_gate, ax=ax,
                           title=f"{name}, boundary {line}")
    print(f"{name}: y_hat = {np.round(neuron_forward(X_gate, w_gate, b_gate), 3)}, labels {y_gate}")
axes[0].set_title("cross-entropy loss, learning rate 5")
plt.show()

# %% [markdown]
# Both gates are learned: the AND line cuts off the corner $(1, 1)$, the OR line cuts off $(0, 0)$. The loss keeps
# falling on the log scale because the cross-entropy rewards ever more confidence: for separable data like these,
# the weights keep growing slowly, while the line barely moves.

# %% [markdown]
# ## 6. Two ways to write the same step
#
# Tutorials and textbooks write the gradient-descent update in two different-looking ways, and mixing them up is one
# of the most common bugs in hand-written training code. To see both side by side, take the simplest neuron of all,
# a **linear** one (no sigmoid), $\hat{y} = X\mathbf{w} + b$, trained with the MSE.
#
# **The gradient form** (this course). With $L = \frac{1}{N}\sum_i(\hat{y}_i - y_i)^2$ and no sigmoid in the way,
#
# $$\frac{\partial L}{\partial \mathbf{w}} = \frac{2}{N}\,X^\top(\hat{y} - y), \qquad
#   \mathbf{w} \leftarrow \mathbf{w} - \eta\,\frac{\partial L}{\partial \mathbf{w}}.$$
#
# **The error form** (the "delta rule", common in tutorials). Define the error as label minus prediction,
# $e = y - \hat{y}$, and write
#
# $$\mathbf{w} \leftarrow \mathbf{w} + \eta'\,\frac{1}{N}\,X^\top e.$$
#
# Substitute the gradient into the first form and compare:
#
# $$\mathbf{w} - \eta\,\frac{2}{N}\,X^\top(\hat{y} - y) = \mathbf{w} + 2\eta\,\frac{1}{N}\,X^\top(y - \hat{y}).$$
#
# - **The sign.** $y - \hat{y} = -(\hat{y} - y)$: the error form has already absorbed the minus sign of *descent*
#   into its error, which is why it **adds**. "Minus with $\hat{y} - y$" and "plus with $y - \hat{y}$" are the same
#   step. Mixing the two, minus with $y - \hat{y}$ or plus with $\hat{y} - y$, is gradient **ascent**: the loss
#   grows at every step.
# - **The factor 2.** The error form has no 2: the steps agree when $\eta' = 2\eta$. Equivalently, the error form is
#   gradient descent on *half* the MSE, $\frac{1}{2N}\sum_i(\hat{y}_i - y_i)^2$, a popular definition precisely
#   because the 2 cancels. Neither is wrong, but a learning rate tuned for one is off by a factor 2 for the other.
# - **The $\frac{1}{N}$.** Many code snippets use the *sum* `X.T @ error` without dividing by $N$: that is the
#   gradient of the *summed* squared error. The step then grows with the batch size, and a learning rate that worked
#   on 4 samples can blow up on 4000.
#
# | the update as written | its error term | adds or subtracts | equals gradient descent on the MSE with rate |
# |---|---|---|---|
# | `w - lr * 2 * X.T @ (y_hat - y) / N` | $\hat{y} - y$ | subtracts | `lr` |
# | `w + lr * X.T @ (y - y_hat) / N` | $y - \hat{y}$ | adds | `lr / 2` |
# | `w + lr * X.T @ (y - y_hat)` | $y - \hat{y}$ | adds | `lr * N / 2` |
# | `w - lr * X.T @ (y - y_hat) / N` | $y - \hat{y}$ | subtracts | none: this is gradient **ascent** |
#
# **Worked example, by hand.** Two samples, $X = \begin{pmatrix}1 & 0\\ 1 & 1\end{pmatrix}$, $y = (0, 1)$,
# $\mathbf{w} = (0.5, -0.5)$, $b = 0$. Forward: $\hat{y} = (0.5, 0)$. Gradient form: $\hat{y} - y = (0.5, -1)$,
# $X^\top(\hat{y} - y) = (0.5 - 1,\; -1) = (-0.5, -1)$, so $\frac{\partial L}{\partial\mathbf{w}} = \frac{2}{2}
# (-0.5, -1) = (-0.5, -1)$, and with $\eta = 0.1$: $\mathbf{w} \leftarrow (0.5, -0.5) - 0.1\,(-0.5, -1) =
# (0.55, -0.4)$. Error form: $e = (-0.5, 1)$, $\frac{1}{2}X^\top e = (0.25, 0.5)$, and with $\eta' = 0.2$:
# $\mathbf{w} \leftarrow (0.5, -0.5) + 0.2\,(0.25, 0.5) = (0.55, -0.4)$. The same step. The cell repeats this, and
# adds the two mixed-up versions.

# %%
X_ex, y_ex = np.array([[1.0, 0.0], [1.0, 1.0]]), np.array([0.0, 1.0])
w_ex, N_ex = np.array([0.5, -0.5]), 2
y_hat_ex = X_ex @ w_ex  # linear neuron, b = 0
error = y_ex - y_hat_ex  # the error form's e = y - y_hat
dw_ex = 2 * X_ex.T @ (y_hat_ex - y_ex) / N_ex  # the gradient of the MSE

updates = {
    "w - 0.1 * dL/dw              ": w_ex - 0.1 * dw_ex,
    "w + 0.2 * X.T @ error / N    ": w_ex + 0.2 * X_ex.T @ error / N_ex,
    "w + 0.1 * X.T @ error        ": w_ex + 0.1 * X_ex.T @ error,  # no 1/N: the same step here, as N = 2
    "w - 0.2 * X.T @ error / N  ✗ ": w_ex - 0.2 * X_ex.T @ error / N_ex,  # signs mixed up: ascent
}
loss_before = np.mean((X_ex @ w_ex - y_ex) ** 2)
for written, w_new in updates.items():
    loss_after = np.mean((X_ex @ w_new - y_ex) ** 2)
    print(f"{written} -> w = {w_new},  loss {loss_before:.4f} -> {loss_after:.4f}")


# %% [markdown]
# The first three agree here (with $N = 2$, dropping the $\frac{1}{N}$ happens to cancel the factor 2); the last
# moves the other way and makes the loss worse. Below, the linear neuron gets a gradient function of the same shape
# as yours, `(x, w, b, y) -> (loss, dw, db)`, so that your `train` loop and `gd_step` can run it in the next section.

# %%
def linear_gradients(x, w, b, y):
    """Loss and gradients of a linear neuron y_hat = x @ w + b under the MSE; returns (loss, dw, db)."""
    N = x.shape[0]
    y_hat = x @ w + b  # no sigmoid
    loss = np.mean((y_hat - y) ** 2)
    dz = 2.0 * (y_hat - y) / N  # without a sigmoid, dL/dz is dL/dy_hat
    return loss, x.T @ dz, dz.sum()


# %% [markdown]
# ## 7. How big a step? The learning rate
#
# The gradient says which way is downhill, but not how far to go. Picture the loss along one direction as a
# parabola whose curvature (second derivative) is $\lambda$. A gradient step of size $\eta$ multiplies the distance
# to the bottom by $1 - \eta\lambda$:
#
# - $\eta\lambda$ **well below 1**: each step covers a small fraction of the way, and training **crawls**;
# - $\eta\lambda$ **near 1**: the step lands near the bottom at once, the fastest case for this one direction;
# - $1 < \eta\lambda < 2$: each step **overshoots** the bottom, but by less than it started; the loss still falls,
#   while the weights zigzag from side to side;
# - $\eta\lambda > 2$: each step lands *further* on the other side than it started, and the loss **diverges**,
#   growing without bound until the numbers overflow.
#
# With several parameters the loss curves more steeply in some directions than in others, and one rate must serve
# them all. The steep direction wants $\eta \approx 1/\lambda_\text{max}$, the flat one a rate as large as allowed,
# and the steep one allows at most $2/\lambda_\text{max}$. The best compromise accepts a zigzag in the steep
# direction, so that the flat one moves faster.
#
# The linear neuron's MSE is exactly such a bowl, in three parameters ($w_1, w_2, b$). On AND its curvatures run
# from about 0.31 in the flattest direction to about 3.19 in the steepest, so the limit is $\eta < 2/3.19 \approx
# 0.63$, and the best compromise is about 0.57. (The optional part at the end of this section computes these
# numbers.)
#
# The left panel trains the linear neuron on AND from $\mathbf{w} = 0$, $b = 0$ with four rates, using your
# `gd_step`. At $\eta = 0.55$ the steep direction overshoots ($0.55 \times 3.19 \approx 1.75$), yet this rate
# reaches the minimum fastest; $0.7$ is past the limit. The dashed line, at $\tfrac{1}{16} = 0.0625$, is the best a
# linear neuron can do on AND: the loss can approach it, never go below. The right panel does the same for the
# sigmoid neuron with your `mse_gradients`. The sigmoid's slope is at most $\tfrac14$, which flattens the loss and
# allows much larger rates, but a step that is too large hurts it in another way: the first step throws the neuron
# deep into the flat part of the sigmoid, where the MSE's gradient all but vanishes, and the loss stops moving.
# Different models have very different safe ranges, which is why the learning rate is tuned, not looked up.

# %% tags=["raises-exception"]
best_loss = 1 / 16  # the lowest MSE a linear neuron can reach on AND (see "Going further" below)

fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), layout="constrained")
for rate, tag in [(0.02, "too small"), (0.2, "smooth, slower"),
                  (0.55, "zigzags in the steep direction, yet fastest here"), (0.7, "too big: diverges")]:
    _, _, losses = train(linear_gradients, X_and, t_and, np.zeros(2), 0.0, rate, steps=40)
    plot_losses(losses, ax=axes[0], label=f"η = {rate:g}: {tag}")
axes[0].axhline(best_loss, color="gray", lw=0.8, ls="--")
axes[0].text(40, best_loss - 0.012, f"best possible: {best_loss:.4f}", ha="right", fontsize=8, color="gray")
axes[0].set_ylim(0, 0.3)
axes[0].set_title("Linear neuron, MSE (limit η < 0.63)")
for rate, tag in [(0.3, "too small"), (10.0, "good"), (100.0, "too big: stuck")]:
    _, _, losses = train(mse_gradients, X_and, t_and, np.zeros(2), 0.0, rate, steps=300)
    plot_losses(losses, ax=axes[1], label=f"η = {rate:g}: {tag}", log=True)
axes[1].set_title("Sigmoid neuron, MSE, from w = 0, b = 0")
plt.show()


# %% [markdown]
# **Try it yourself.** The slider below reruns your training of the linear neuron at the learning rate you pick
# (40 steps from $\mathbf{w} = 0$, $b = 0$ each time) and redraws the loss curve; release the slider to rerun. Try
# 0.01, then 0.3 and 0.57, then 0.6 and 0.65 on either side of the limit, then 1. The axes stay fixed, so that you
# can compare runs: a curve that leaves through the top is diverging, and the line above the plot says how far it
# got. (The slider needs a live notebook; in a static view you see the first run only, at $\eta = 0.2$.)

# %%
def train_linear(learning_rate):
    """Train the linear neuron on AND for 40 steps from w = 0, b = 0; return the 40 losses."""
    _, _, losses = train(linear_gradients, X_and, t_and, np.zeros(2), 0.0, learning_rate, steps=40)
    return losses


# %% tags=["raises-exception"]
learning_rate_explorer(train_linear, rates=(0.005, 1.0), value=0.2, log=False, ylim=(0.0, 0.3))

# %% [markdown]
# ### Going further (optional): where 0.63, 0.57 and 0.0625 come from
#
# This part uses eigenvalues, which the rest of the course does not need: skip it if they are new to you. The
# curvatures of the linear neuron's loss are the eigenvalues of its matrix of second derivatives,
# $\frac{2}{N}A^\top A$, where $A$ is $X$ with a column of ones appended for the bias. The steepest one sets the
# limit $\eta < 2/\lambda_\text{max}$. Below that limit, a rate shrinks the distance in the flattest direction by
# the factor $1 - \eta\lambda_\text{min}$ per step and in the steepest by $|1 - \eta\lambda_\text{max}|$; the first
# falls as $\eta$ grows, the second rises once $\eta > 1/\lambda_\text{max}$, and the slower of the two is fastest
# where they are equal, at $\eta = 2/(\lambda_\text{min} + \lambda_\text{max})$. The best loss, the dashed line, can
# be found without any walking: least squares solves for the best $(w_1, w_2, b)$ directly.

# %%
A = np.column_stack([X_and, np.ones(len(X_and))])  # the inputs, plus a column of ones for the bias
curvatures = np.linalg.eigvalsh(2 / len(X_and) * A.T @ A)
print(f"curvatures of the linear neuron's loss on AND: {np.round(curvatures, 3)}")
print(f"largest stable learning rate: 2 / {curvatures.max():.3f} = {2 / curvatures.max():.3f}")
print(f"best single rate: 2 / ({curvatures.min():.3f} + {curvatures.max():.3f}) = "
      f"{2 / (curvatures.min() + curvatures.max()):.3f}")
theta_best, *_ = np.linalg.lstsq(A, t_and, rcond=None)  # the best (w1, w2, b), by least squares
lstsq_loss = np.mean((A @ theta_best - t_and) ** 2)
print(f"least squares: (w1, w2, b) = {np.round(theta_best, 3)}, loss {lstsq_loss:.4f}")

# %% tags=["raises-exception"]
for rate in (0.2, 0.5, 0.55, 0.57, 0.6):
    w_k, b_k, _ = train(linear_gradients, X_and, t_and, np.zeros(2), 0.0, rate, steps=40)
    excess = linear_gradients(X_and, w_k, b_k, t_and)[0] - lstsq_loss
    print(f"η = {rate:<4}: after 40 steps the loss is {excess:.1e} above the best")

# %% [markdown]
# ## 8. Why one neuron can't learn XOR
#
# XOR outputs 1 when exactly one input is 1. Give it to your neuron with the cross-entropy, the loss that learned AND
# and OR so easily:

# %% tags=["raises-exception"]
X_xor, y_xor = logic_gate("xor")
t_xor = y_xor.astype(np.float64)
w_xor, b_xor, losses_xor = train(bce_gradients, X_xor, t_xor, w_start, b_start, learning_rate=5.0, steps=500)
print(f"loss after 500 steps: {losses_xor[-1]:.4f}   (log 2 = {np.log(2):.4f})")
print(f"y_hat = {np.round(neuron_forward(X_xor, w_xor, b_xor), 3)}, labels {y_xor}")


# %% [markdown]
# The loss settles at $\log 2 \approx 0.693$, the cost of answering $\hat{y} = 0.5$ for every sample: the neuron
# gives up and shrugs. It is not the learning rate or the number of steps; no setting of $\mathbf{w}$ and $b$ can
# do better. The neuron predicts 1 where $z = w_1 x_1 + w_2 x_2 + b > 0$, on one side of a straight line, and XOR
# needs $(0, 1)$ and $(1, 0)$ on one side with $(0, 0)$ and $(1, 1)$ on the other. Suppose some line managed it:
#
# $$\underbrace{b \le 0}_{(0,0)\ \to\ 0}, \qquad \underbrace{w_2 + b > 0}_{(0,1)\ \to\ 1}, \qquad
#   \underbrace{w_1 + b > 0}_{(1,0)\ \to\ 1}, \qquad \underbrace{w_1 + w_2 + b \le 0}_{(1,1)\ \to\ 0}.$$
#
# Add the two middle inequalities: $w_1 + w_2 + 2b > 0$, so $w_1 + w_2 + b > -b \ge 0$, since $b \le 0$. That
# contradicts the last one. No line separates XOR's classes: the data are not **linearly separable**.
#
# **What a hidden layer adds.** XOR *is* "OR, but not AND": combine neurons. Put two neurons side by side, one
# computing OR and one NAND (not AND), and feed their two outputs into a third neuron that computes AND. Each of the
# first two draws its own line; the third keeps the strip between them. The weights below are set by hand (large,
# so that each sigmoid is almost a step), and every neuron is your `neuron_forward`.

# %%
def xor_network(P):
    """Two hidden neurons (OR, NAND), then an output neuron (AND) on their outputs: XOR. P: (M, 2)."""
    h_or = neuron_forward(P, np.array([20.0, 20.0]), -10.0)
    h_nand = neuron_forward(P, np.array([-20.0, -20.0]), 30.0)
    H = np.column_stack([h_or, h_nand])  # the hidden layer's output, shape (M, 2)
    return neuron_forward(H, np.array([20.0, 20.0]), -30.0)


# %% tags=["raises-exception"]
print(f"two-layer network on XOR: y_hat = {np.round(xor_network(X_xor), 3)}, labels {y_xor}")

fig, axes = plt.subplots(1, 3, figsize=(13, 3.8), layout="constrained")
plot_losses(losses_xor, ax=axes[0], title="One neuron on XOR: stuck at log 2")
axes[0].axhline(np.log(2), color="gray", lw=0.8, ls="--")
w_or, b_or = learned["OR"]  # the OR neuron of section 5, one of the best lines for XOR
right = int(np.sum((neuron_forward(X_xor, w_or, b_or) > 0.5) == y_xor))
plot_decision_boundary(lambda P: neuron_forward(P, w_or, b_or), X_xor, y_xor, ax=axes[1],
                       title=f"One neuron (your OR): {right} of 4 right")
plot_decision_boundary(xor_network, X_xor, y_xor, ax=axes[2],
                       title="Three neurons in two layers: XOR")
plt.show()

# %% [markdown]
# The trained neuron answers $\hat{y} \approx 0.5$ everywhere, so its boundary means nothing. The middle panel
# shows one of the best lines there are, your OR neuron from section 5: it gets three of the four points right, and
# no line gets all four. The right panel is the strip between two lines, which needs a **hidden layer**: neurons
# whose outputs are not the answer but new features for the next neuron. In lesson 3 you will stop setting such
# weights by hand: backpropagation through two layers learns them.

# %% [markdown]
# ## 9. Check your understanding
#
# Seven questions, one point each. In each answer cell, replace the two lines `# YOUR CODE HERE` and
# `raise NotImplementedError()` with your answer: a single letter in quotes, e.g. `q1 = "a"`, or for question 7 a
# number, e.g. `q7 = 0.5`. The test under each answer only checks that your answer has the right form (one of the
# options, or a finite number); whether it is right is checked when the notebook is graded.

# %% [markdown]
# **Question 1.** While your neuron trained on AND, what changed from one step to the next, and what decided the
# change?
#
# a) The weights and the bias, each moved by the learning rate times the loss, so a larger error gave a larger
# step.
#
# b) The weights and the bias, each moved against its gradient.
#
# c) The weights only, against their gradient: the bias multiplies no input, so it has no gradient.
#
# d) The predictions, moved towards the labels; the weights are then worked out from the predictions.

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
check_choice("q1", q1, answer="b", reread="the section 'The training loop'")
### END HIDDEN TESTS

# %% [markdown]
# **Question 2.** Here are the four parts of one training step, shuffled:
#
# 1. `w, b = gd_step(w, b, dw, db, learning_rate)`
# 2. `dz = (y_hat - y) / N`, then `dw = X.T @ dz` and `db = dz.sum()`
# 3. `y_hat = neuron_forward(X, w, b)`
# 4. `loss = -np.mean(y * np.log(y_hat) + (1 - y) * np.log(1 - y_hat))`
#
# In which order does a training step run them?
#
# a) 3, 4, 2, 1
#
# b) 4, 3, 2, 1
#
# c) 3, 1, 4, 2
#
# d) 3, 4, 1, 2

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
check_choice("q2", q2, answer="a", reread="the section 'The training loop'")
### END HIDDEN TESTS

# %% [markdown]
# **Question 3.** You train the linear neuron of section 7 three times for 40 steps. With $\eta = 0.01$ the loss
# falls steadily but ends far above its minimum; with $\eta = 0.3$ it gets within a hair of the minimum; with
# $\eta = 0.9$ it grows at every step, to about $10^{20}$. What happens with $\eta = 0.9$?
#
# a) The large steps jump out of the loss's lowest valley into a higher one, and gradient descent then climbs
# the walls of that valley.
#
# b) Rounding errors in the gradient grow with the learning rate, until they outweigh the gradient itself and
# each step goes a random way.
#
# c) The loss has no minimum on this data, so any learning rate diverges sooner or later; a larger one just
# diverges sooner.
#
# d) Each step overshoots the minimum and lands further from it, on the other side, than it started.

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
check_choice("q3", q3, answer="d", reread="the section 'How big a step? The learning rate'")
### END HIDDEN TESTS

# %% [markdown]
# **Question 4.** Why can't one neuron learn XOR, whatever the learning rate and the number of steps?
#
# a) Four samples are too few to learn from: with many noisy copies of each, the neuron would find the pattern.
#
# b) The cross-entropy cannot express XOR's labels; trained with the mean squared error instead, the neuron
# would learn it.
#
# c) Its boundary is a straight line, and no straight line separates XOR's two classes.
#
# d) On XOR the sigmoid saturates at once, so the gradients vanish and training stops before it can succeed.

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
check_choice("q4", q4, answer="c", reread="the section 'Why one neuron can't learn XOR'")
### END HIDDEN TESTS

# %% [markdown]
# **Question 5.** A tutorial trains a linear neuron with `error = y - y_hat`, then
# `w = w + lr * X.T @ error / N`. You use `w = w - lr * dw` with `dw = 2 * X.T @ (y_hat - y) / N`, the gradient of
# the MSE. Which statement is true?
#
# a) The two updates go in opposite directions, one adding and one subtracting, so one of them is gradient
# ascent.
#
# b) They go the same way: the tutorial's step with rate `lr` equals yours with rate `lr / 2`.
#
# c) They are identical for every learning rate, because the 2 and the 1/N cancel in the update.
#
# d) The tutorial's update is not gradient descent: it never takes a derivative, and it only works by luck on
# this data.

# %% nbgrader={"grade": false, "grade_id": "q5-answer", "locked": false, "schema_version": 3, "solution": true, "task": false} tags=["raises-exception"]
# Your answer: one of "a", "b", "c", "d".
q5 = None
### BEGIN SOLUTION
q5 = "b"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q5-test", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false} tags=["raises-exception"]
"""Check that q5 is one of the options."""
check_choice("q5", q5)
### BEGIN HIDDEN TESTS
check_choice("q5", q5, answer="b", reread="the section 'Two ways to write the same step'")
### END HIDDEN TESTS

# %% [markdown]
# **Question 6 (revisits lesson 1).** In your `mse_gradients`, `db` adds up the samples' `dz` instead of taking one
# of them or their mean. Which rule of lesson 1 is at work?
#
# a) Upstream × local: the bias's local derivative is 1, so its gradient is the upstream gradient of the last
# sample that used it.
#
# b) The add gate routes its upstream gradient unchanged to each of its inputs, so `db` is the mean of the `dz`.
#
# c) A value used in several places collects the sum of the gradients from all its uses.
#
# d) The gradient check: nudge the bias by $\pm h$ for each sample in turn, and add up the slopes that it measures.

# %% nbgrader={"grade": false, "grade_id": "q6-answer", "locked": false, "schema_version": 3, "solution": true, "task": false} tags=["raises-exception"]
# Your answer: one of "a", "b", "c", "d".
q6 = None
### BEGIN SOLUTION
q6 = "c"
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q6-test", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false} tags=["raises-exception"]
"""Check that q6 is one of the options."""
check_choice("q6", q6)
### BEGIN HIDDEN TESTS
check_choice("q6", q6, answer="c", reread="the worked example of section 3, and lesson 1 on values used twice")
### END HIDDEN TESTS

# %% [markdown]
# **Question 7.** A sigmoid neuron sees one sample ($N = 1$) whose label is $y = 0$, and outputs $\hat{y} = 0.9$.
# Under the **mean squared error**, what is $\partial L/\partial z$? Answer with a number, within $\pm 0.001$.

# %% nbgrader={"grade": false, "grade_id": "q7-answer", "locked": false, "schema_version": 3, "solution": true, "task": false} tags=["raises-exception"]
# Your answer: a number, e.g. q7 = 0.5.
q7 = None
### BEGIN SOLUTION
q7 = 0.162
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "q7-test", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false} tags=["raises-exception"]
"""Check that q7 is a number."""
check_number("q7", q7)
### BEGIN HIDDEN TESTS
check_number("q7", q7, answer=0.162, atol=1e-3, reread="exercise 3 and the note 'What you derived' under it")
### END HIDDEN TESTS

# %% [markdown]
# ## 10. Summary
#
# - A neuron computes $z = X\mathbf{w} + b$ for a whole batch with one matrix product, then $\hat{y} = \sigma(z)$, a
#   probability of class 1. It predicts class 1 where $z > 0$: on one side of a straight line.
# - The sigmoid's local derivative is $\text{out}\,(1 - \text{out})$, at most $\tfrac14$, and almost 0 where the
#   sigmoid saturates.
# - The gradient of a loss with respect to the parameters comes from the chain $\mathbf{w}, b \to z \to \hat{y} \to
#   L$. The weights and the bias are shared by every sample, so their gradients **sum** over the batch:
#   `dw = x.T @ dz`, `db = dz.sum()`.
# - Under the MSE, $\frac{\partial L}{\partial z} = \frac{2}{N}(\hat{y} - y)\,\hat{y}(1 - \hat{y})$: the sigmoid's
#   slope slows learning exactly when the neuron is confidently wrong. Under the binary cross-entropy it cancels,
#   and $\frac{\partial L}{\partial z} = \frac{1}{N}(\hat{y} - y)$.
# - **Gradient descent** repeats forward pass → loss → backward pass → update, with $\mathbf{w} \leftarrow
#   \mathbf{w} - \eta\,\partial L/\partial\mathbf{w}$. Too small a learning rate crawls; too large a one zigzags,
#   diverges, or (with a sigmoid) gets stuck where the gradient vanishes.
# - $\mathbf{w} - \eta\cdot\frac{2}{N}X^\top(\hat{y} - y)$ and $\mathbf{w} + \eta'\cdot\frac{1}{N}X^\top(y -
#   \hat{y})$ are the same step when $\eta' = 2\eta$. The sign lives either in the error or in the update, never in
#   both; the 2 and the $\frac{1}{N}$ only rescale the learning rate.
# - One neuron draws one straight boundary, so it learns AND and OR but never XOR. Several neurons in a **hidden
#   layer** can combine several lines.
#
# ## What comes next
#
# In **lesson 3** the single neuron becomes a **multi-layer perceptron**: layers of neurons written as matrix
# products, the backward pass through all of them, and a softmax output for more than two classes. It learns XOR
# by itself, and then real handwritten digits.
