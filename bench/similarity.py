"""Measure the similarity report on a synthetic class of lessons 1-3.

    python bench/similarity.py [--lessons 01_chain_rule,02_single_neuron,03_mlp]
                               [--k 7] [--w 4] [--threshold 0.85]

For each lesson it builds a class in a temporary course (`submitted/<student>/...`) from
the real lesson notebooks, each answer cell filled in as one of these students does:

- indep1, indep2, indep3: three independent correct answers of every exercise, written
  differently on purpose (below; each is checked with `backprop.grading.check` first).
  With the instructor's solution and the package's reference, these are the *independent*
  answers: no pair of them should be flagged;
- renamed: indep1's answers with every name the cell binds renamed;
- reformatted: indep2's answers with comments and blank lines added, and each
  assignment and return split over lines in parentheses;
- disguised: indep3's answers renamed and reformatted;
- refcopy: the package's reference pasted in (its name changed to the exercise's), renamed
  and reformatted (the instructor's solution where the reference has no source);
- leaked: the instructor's solution, renamed and reformatted;
- edited: indep1's answers renamed, with a statement added in the middle, and reformatted.

It runs `backprop.course.similarity.compare` (what `backprop-course similarity` runs) and
prints, per kind of pair, the min / median / max score and how many pairs were too short
to compare, then the true and false positives at a range of thresholds. A copy pair is
an answer and the one it was made from; every pair of answers of different origins is
independent.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import io
import math
import re
import shutil
import statistics
import tempfile
import textwrap
import time
from collections import defaultdict
from pathlib import Path

import nbformat
import numpy as np

from backprop import grading
from backprop.course import similarity
from backprop.course.folders import release_notebook, source_notebook
from backprop.course.notebooks import grade_id
from backprop.course.winnow import _bindings, fingerprint

ROOT = Path(__file__).resolve().parent.parent

# The lesson's own helpers that answers call (lesson 1's gates), as its notebook defines them.
HELPERS = {"01_chain_rule": '''
from backprop.activations import tanh_forward
def add_forward(x, y):
    return x + y, None
def add_backward(dout, cache):
    return dout * 1.0, dout * 1.0
def mul_forward(x, y):
    return x * y, (x, y)
'''}

# Three independent correct bodies of each exercise (the function's docstring comes from
# the stub). Scalar's are whole classes.
VARIANTS: dict[str, list[str]] = {
    "numerical_derivative": [
        "return (f(x + h) - f(x - h)) / (2 * h)",
        "right = f(x + h)\nleft = f(x - h)\nslope = (right - left) / (h + h)\nreturn slope",
        "ahead, behind = x + h, x - h\nreturn 0.5 * (f(ahead) - f(behind)) / h",
    ],
    "dsin_square": [
        "return 2 * x * math.cos(x ** 2)",
        "inner = x ** 2\nouter_slope = math.cos(inner)\ninner_slope = 2.0 * x\n"
        "return outer_slope * inner_slope",
        "return float(np.cos(x * x) * (x + x))",
    ],
    "mul_backward": [
        "x, y = cache\nreturn dout * y, dout * x",
        "a = cache[0]\nb = cache[1]\ngrad_a = b * dout\ngrad_b = a * dout\n"
        "return grad_a, grad_b",
        "x, y = cache\ndx = y * dout\ndy = x * dout\nreturn dx, dy",
    ],
    "tanh_backward": [
        "return dout * (1 - cache ** 2)",
        "t = cache\nlocal = 1.0 - t * t\nreturn local * dout",
        "return dout - dout * cache * cache",
    ],
    "neuron_backward": [
        "n = x1 * w1 + x2 * w2 + b\no = math.tanh(n)\ndn = 1 - o ** 2\n"
        "return o, dn * x1, dn * x2, dn",
        "a, ca = mul_forward(x1, w1)\nc, cc = mul_forward(x2, w2)\nt, ct = add_forward(a, c)\n"
        "n, cn = add_forward(t, b)\no, co = tanh_forward(n)\ndn = tanh_backward(1.0, co)\n"
        "dt, db = add_backward(dn, cn)\nda, dc = add_backward(dt, ct)\n"
        "dw1 = mul_backward(da, ca)[1]\ndw2 = mul_backward(dc, cc)[1]\n"
        "return o, dw1, dw2, db",
        "z = b\nfor xi, wi in ((x1, w1), (x2, w2)):\n    z += xi * wi\nout = math.tanh(z)\n"
        "slope = 1.0 - out * out\ngrads = [slope * xi for xi in (x1, x2)]\n"
        "return out, grads[0], grads[1], slope",
    ],
    "neuron_forward": [
        "return 1 / (1 + np.exp(-(x @ w) - b))",
        "z = np.dot(x, w) + b\ne = np.exp(-z)\nreturn 1.0 / (e + 1.0)",
        "logits = (x * w).sum(axis=1) + b\nreturn np.exp(-np.logaddexp(0.0, -logits))",
    ],
    "sigmoid_backward": [
        "return dout * cache * (1 - cache)",
        "s = cache\nlocal = s - s ** 2\nreturn local * dout",
        "y = cache\ndz = dout * y\ndz = dz * (1.0 - y)\nreturn dz",
    ],
    "mse_gradients": [
        "z = x @ w + b\ny_hat = 1 / (1 + np.exp(-z))\nerr = y_hat - y\nloss = (err ** 2).mean()\n"
        "dz = 2 * err * y_hat * (1 - y_hat) / len(y)\nreturn loss, x.T @ dz, np.sum(dz)",
        "n = x.shape[0]\npred = 1.0 / (1.0 + np.exp(-(np.dot(x, w) + b)))\n"
        "diff = pred - y\nloss = np.sum(diff * diff) / n\nslope = pred * (1.0 - pred)\n"
        "g = (2.0 / n) * diff * slope\ndw = np.dot(g, x)\ndb = float(np.sum(g))\n"
        "return loss, dw, db",
        "probs = np.exp(-np.logaddexp(0.0, -(x.dot(w) + b)))\nresid = probs - y\n"
        "loss = np.mean(np.square(resid))\nupstream = 2.0 * resid / resid.size\n"
        "through = upstream * probs * (1 - probs)\n"
        "dw = np.einsum('n,nd->d', through, x)\nreturn loss, dw, through.sum()",
    ],
    "gd_step": [
        "return w - learning_rate * dw, b - learning_rate * db",
        "step_w = learning_rate * dw\nstep_b = learning_rate * db\nnew_w = w.copy()\n"
        "new_w -= step_w\nreturn new_w, b - step_b",
        "lr = learning_rate\nreturn np.subtract(w, lr * dw), float(b - lr * db)",
    ],
    "bce_gradients": [
        "z = x @ w + b\np = 1 / (1 + np.exp(-z))\n"
        "loss = -(y * np.log(p) + (1 - y) * np.log(1 - p)).mean()\n"
        "dz = (p - y) / len(y)\nreturn loss, x.T @ dz, dz.sum()",
        "n = x.shape[0]\nlogits = np.dot(x, w) + b\ny_hat = 1.0 / (1.0 + np.exp(-logits))\n"
        "per_sample = y * np.log(y_hat) + (1.0 - y) * np.log(1.0 - y_hat)\n"
        "loss = -np.sum(per_sample) / n\nerror = (y_hat - y) / n\n"
        "return loss, np.dot(error, x), float(np.sum(error))",
        "s = x.dot(w) + b\nloss = np.mean(np.logaddexp(0.0, s) - y * s)\n"
        "prob = np.exp(-np.logaddexp(0.0, -s))\ng = (prob - y) / s.shape[0]\n"
        "dw = np.einsum('n,nd->d', g, x)\nreturn loss, dw, g.sum()",
    ],
    "affine_forward": [
        "return x @ W + b, (x, W, b)",
        "out = np.dot(x, W)\nout = out + b[None, :]\ncache = x, W, b\nreturn out, cache",
        "y = np.einsum('nd,dh->nh', x, W) + b\nreturn y, (x, W, b)",
    ],
    "affine_backward": [
        "x, W, b = cache\nreturn dout @ W.T, x.T @ dout, dout.sum(axis=0)",
        "inputs, weights, _ = cache\ndx = np.dot(dout, weights.T)\n"
        "dW = np.dot(inputs.T, dout)\ndb = np.sum(dout, axis=0)\nreturn dx, dW, db",
        "x, W, _ = cache\ngrad_x = np.einsum('nh,dh->nd', dout, W)\n"
        "grad_W = np.einsum('nd,nh->dh', x, dout)\ngrad_b = dout.sum(0)\n"
        "return grad_x, grad_W, grad_b",
    ],
    "sum_to_shape": [
        "out = dout\nwhile out.ndim > len(shape):\n    out = out.sum(axis=0)\n"
        "for axis, size in enumerate(shape):\n    if size == 1:\n"
        "        out = out.sum(axis=axis, keepdims=True)\nreturn out.reshape(shape)",
        "extra = dout.ndim - len(shape)\npadded = (1,) * extra + tuple(shape)\n"
        "axes = tuple(i for i, n in enumerate(padded) if n == 1 and dout.shape[i] != 1)\n"
        "total = np.sum(dout, axis=axes, keepdims=True) if axes else dout\n"
        "return np.reshape(total, shape)",
        "g = np.asarray(dout, dtype=float)\ntarget = (1,) * (g.ndim - len(shape)) + tuple(shape)\n"
        "for axis in reversed(range(g.ndim)):\n"
        "    if target[axis] == 1 and g.shape[axis] > 1:\n"
        "        g = np.add.reduce(g, axis=axis, keepdims=True)\nreturn g.reshape(shape)",
    ],
    "relu_backward": [
        "return dout * (cache > 0)",
        "mask = cache > 0\ndx = np.zeros_like(dout)\ndx[mask] = dout[mask]\nreturn dx",
        "return np.where(cache > 0, dout, 0.0)",
    ],
    "softmax_cross_entropy": [
        "n = scores.shape[0]\nz = scores - np.max(scores, axis=1, keepdims=True)\n"
        "e = np.exp(z)\np = e / e.sum(axis=1, keepdims=True)\n"
        "loss = -np.log(p[np.arange(n), y]).mean()\ndscores = p.copy()\n"
        "dscores[np.arange(n), y] -= 1\nreturn loss, dscores / n",
        "count, classes = scores.shape\nstable = scores - scores.max(axis=1)[:, None]\n"
        "log_z = np.log(np.sum(np.exp(stable), axis=1))\n"
        "picked = stable[np.arange(count), y]\nloss = np.mean(log_z - picked)\n"
        "onehot = np.eye(classes)[y]\nprobs = np.exp(stable - log_z[:, None])\n"
        "return loss, (probs - onehot) / count",
        "rows = []\nlosses = []\nfor s, label in zip(scores, y):\n    m = s.max()\n"
        "    w = np.exp(s - m)\n    total = w.sum()\n"
        "    losses.append(np.log(total) + m - s[label])\n"
        "    g = w / total\n    g[label] -= 1.0\n    rows.append(g)\n"
        "return float(np.mean(losses)), np.array(rows) / len(y)",
    ],
    "two_layer_loss": [
        "a1 = X @ W1 + b1\nh = np.maximum(0, a1)\nscores = h @ W2 + b2\n"
        "loss, ds = softmax_cross_entropy(scores, y)\ndh = ds @ W2.T\ndh[a1 <= 0] = 0\n"
        "return loss, X.T @ dh, dh.sum(0), h.T @ ds, ds.sum(0)",
        "hidden_in = np.dot(X, W1) + b1\nhidden = hidden_in * (hidden_in > 0)\n"
        "out = np.dot(hidden, W2) + b2\nloss, d_out = softmax_cross_entropy(out, y)\n"
        "grad_W2 = np.dot(hidden.T, d_out)\ngrad_b2 = np.sum(d_out, axis=0)\n"
        "d_hidden = np.dot(d_out, W2.T) * (hidden_in > 0)\n"
        "grad_W1 = np.dot(X.T, d_hidden)\ngrad_b1 = np.sum(d_hidden, axis=0)\n"
        "return loss, grad_W1, grad_b1, grad_W2, grad_b2",
        "z1 = np.einsum('nd,dh->nh', X, W1) + b1\nr = np.where(z1 > 0, z1, 0.0)\n"
        "z2 = np.einsum('nh,hc->nc', r, W2) + b2\nloss, g2 = softmax_cross_entropy(z2, y)\n"
        "gr = np.einsum('nc,hc->nh', g2, W2)\ng1 = np.where(z1 > 0, gr, 0.0)\n"
        "return (loss, np.einsum('nd,nh->dh', X, g1), g1.sum(axis=0),\n"
        "        np.einsum('nh,nc->hc', r, g2), g2.sum(axis=0))",
    ],
}

SCALAR = [
    '''class Scalar:
    made = 0

    def __init__(self, data, parents=()):
        Scalar.made += 1
        self.born = Scalar.made
        self.data = float(data)
        self.grad = 0.0
        self.parents = parents
        self.push = None

    def __add__(self, other):
        result = Scalar(self.data + other.data, (self, other))
        def push():
            self.grad += result.grad
            other.grad += result.grad
        result.push = push
        return result

    def __mul__(self, other):
        result = Scalar(self.data * other.data, (self, other))
        def push():
            self.grad += other.data * result.grad
            other.grad += self.data * result.grad
        result.push = push
        return result

    def tanh(self):
        value = math.tanh(self.data)
        result = Scalar(value, (self,))
        def push():
            self.grad += (1 - value ** 2) * result.grad
        result.push = push
        return result

    def backward(self):
        # Every node is made after its inputs: creation order is a topological order.
        found = {id(self): self}
        frontier = [self]
        while frontier:
            node = frontier.pop()
            for parent in node.parents:
                if id(parent) not in found:
                    found[id(parent)] = parent
                    frontier.append(parent)
        order = sorted(found.values(), key=lambda n: n.born)
        for node in order:
            if node.parents:
                node.grad = 0.0
        self.grad = 1.0
        for node in order[::-1]:
            if node.push is not None:
                node.push()

    def __repr__(self):
        return f"Scalar(data={self.data:.4g}, grad={self.grad:.4g})"
''',
    '''class Scalar:
    def __init__(self, data):
        self.data = float(data)
        self.grad = 0.0
        self.op = None
        self.inputs = []
        self.local = []

    def _make(self, value, inputs, local):
        node = Scalar(value)
        node.op = True
        node.inputs = inputs
        node.local = local
        return node

    def __add__(self, other):
        return self._make(self.data + other.data, [self, other], [1.0, 1.0])

    def __mul__(self, other):
        return self._make(self.data * other.data, [self, other], [other.data, self.data])

    def tanh(self):
        t = math.tanh(self.data)
        return self._make(t, [self], [1.0 - t * t])

    def backward(self):
        indegree = {}
        stack = [self]
        nodes = {id(self): self}
        while stack:
            n = stack.pop()
            for child in n.inputs:
                indegree[id(child)] = indegree.get(id(child), 0) + 1
                if id(child) not in nodes:
                    nodes[id(child)] = child
                    stack.append(child)
        for n in nodes.values():
            if n.inputs:
                n.grad = 0.0
        self.grad = 1.0
        ready = [self]
        while ready:
            n = ready.pop()
            for child, d in zip(n.inputs, n.local):
                child.grad += d * n.grad
                indegree[id(child)] -= 1
                if indegree[id(child)] == 0:
                    ready.append(child)

    def __repr__(self):
        return f"Scalar(data={self.data:.4g}, grad={self.grad:.4g})"
''',
    '''class Scalar:
    def __init__(self, data):
        self.data, self.grad = float(data), 0.0
        self.edges = ()

    def __add__(self, other):
        out = Scalar(self.data + other.data)
        out.edges = ((self, lambda g: g), (other, lambda g: g))
        return out

    def __mul__(self, other):
        out = Scalar(self.data * other.data)
        a, b = self.data, other.data
        out.edges = ((self, lambda g: g * b), (other, lambda g: g * a))
        return out

    def tanh(self):
        y = math.tanh(self.data)
        out = Scalar(y)
        out.edges = ((self, lambda g: g * (1 - y * y)),)
        return out

    def backward(self):
        topo, done = [], set()
        todo = [(self, iter(self.edges))]
        done.add(id(self))
        while todo:
            node, rest = todo[-1]
            step = next(rest, None)
            if step is None:
                topo.append(node)
                todo.pop()
            elif id(step[0]) not in done:
                done.add(id(step[0]))
                todo.append((step[0], iter(step[0].edges)))
        for node in topo:
            if node.edges:
                node.grad = 0.0
        self.grad = 1.0
        for node in reversed(topo):
            for parent, rule in node.edges:
                parent.grad += rule(node.grad)

    def __repr__(self):
        return f"Scalar(data={self.data:.4g}, grad={self.grad:.4g})"
''',
]

STUB = re.compile(r"^([ \t]*)# YOUR CODE HERE\n[ \t]*raise NotImplementedError\(\)\n?", re.M)


def _answer(stub: str, exercise: str, i: int) -> str:
    """The stub with independent body number i put in (Scalar: its whole class)."""
    if exercise == "Scalar":
        return SCALAR[i]
    indent = STUB.search(stub).group(1)
    return STUB.sub(lambda m: textwrap.indent(VARIANTS[exercise][i], indent) + "\n", stub, 1)


def rename(source: str, stub: str = "") -> str:
    """Every name the cell binds renamed, but those the tests use (the stub's interface)."""
    bound = _bindings(source)
    names = sorted(bound.names | bound.attributes, key=len, reverse=True) if bound else []
    # What the test calls: the graded function or class, its methods and attributes.
    graded = set(re.findall(r"^(?:def|class) (\w+)", source, re.M)) | set(
        re.findall(r"(?:\bdef |\.)(\w+)", stub))
    for n, name in enumerate(names):
        if name.startswith("__") or name in graded:
            continue  # a dunder method, like the graded function, works only under its name
        new = f"q{n}_{name[::-1].strip('_') or 'v'}"

        def swap(m: re.Match, new: str = new) -> str:
            before, after = m.string[:m.start()].rstrip(), m.string[m.end():]
            line = m.string[m.string.rfind("\n", 0, m.start()) + 1:m.start()]
            keyword = (before.endswith(("(", ",")) and re.match(r"\s*=(?!=)", after)
                       and line.count("(") > line.count(")")
                       and not line.lstrip().startswith("def "))
            return m.group(0) if keyword else new  # `f(axis=...)` names f's parameter

        source = re.sub(rf"\b{re.escape(name)}\b", swap, source)
    return source


_ASSIGN = re.compile(r"^(\s*)(return |[\w, .\[\]]+ [-+*/]?= )(.+)$")


def reformat(source: str) -> str:
    """Comments and blank lines added, each assignment and return split over lines."""
    out, in_doc = [], False
    for line in source.splitlines():
        if line.count('"""') == 1:
            in_doc = not in_doc
        m = None if in_doc or '"""' in line or "#" in line else _ASSIGN.match(line)
        if m and not m.group(3).rstrip().endswith((":", ",", "(", "[")):
            indent, head, expr = m.groups()
            out += ["", f"{indent}# the next step, spelled out", f"{indent}{head}(",
                    f"{indent}    {expr}  # this value", f"{indent})"]
        else:
            out.append(line.replace(", ", " ,  ").rstrip())
    return "\n".join(out) + "\n"


def edit(source: str) -> str:
    """One statement added after the first line of the body, as a copier hiding a copy."""
    lines = source.splitlines()
    body = [i for i, line in enumerate(lines) if line.startswith("    ") and line.strip()
            and not line.strip().startswith(("#", '"""')) and i > 0
            and not lines[i - 1].rstrip().endswith(("(", ",", "\\"))
            and '"""' not in "".join(lines[:i]).rsplit('"""', 1)[-1]]
    if not body:
        return source
    at = body[len(body) // 2]  # the middle of the answer: no k-gram across it survives
    indent = lines[at][:len(lines[at]) - len(lines[at].lstrip())]
    lines.insert(at, f"{indent}checked = True")
    return "\n".join(lines) + "\n"


def _reference_answer(exercise: str, fallback: str) -> str:
    ex = grading.REGISTRY[exercise]
    try:
        import inspect

        source = textwrap.dedent(inspect.getsource(ex.reference))
    except OSError:
        return fallback
    return re.sub(r"^def \w+\(", f"def {exercise}(", source, count=1, flags=re.M)


def _verify(lesson: str, answers: list[str]) -> None:
    """Run one student's answers in order and check each on the hidden cases."""
    space: dict = {"np": np, "math": math}
    exec(HELPERS.get(lesson, ""), space)  # noqa: S102 - our own bench code
    for source in answers:
        exec(source, space)  # noqa: S102
        name = re.search(r"^(?:def|class) (\w+)", source, re.M).group(1)
        with contextlib.redirect_stdout(io.StringIO()):  # the ✓ lines
            grading.check(name, space[name], hidden=True)


def build_class(course: Path, lesson: str) -> dict[str, dict[str, str]]:
    """Write the lesson's class into course/submitted; return student -> exercise -> origin."""
    source = nbformat.read(source_notebook(course, lesson), as_version=4)
    solutions = {grade_id(c): c.source for c in source.cells}
    cells, _ = similarity._cells_and_solutions(course, lesson)
    made: dict[str, dict[str, str]] = defaultdict(dict)  # student -> answer_id -> source
    origin: dict[str, dict[str, str]] = defaultdict(dict)
    for cell in cells:
        indep = [_answer(cell.stub, cell.exercise, i) for i in range(3)]
        solution = solutions[cell.answer_id]
        ref = _reference_answer(cell.exercise, solution)
        main_ref = next((a.who for a in similarity._references(cell)), "solution")
        for student, text, where in (
                ("indep1", indep[0], "v1"), ("indep2", indep[1], "v2"),
                ("indep3", indep[2], "v3"),
                ("renamed", rename(indep[0], cell.stub), "v1"),
                ("reformatted", reformat(indep[1]), "v2"),
                ("disguised", reformat(rename(indep[2], cell.stub)), "v3"),
                ("refcopy", reformat(rename(ref, cell.stub)),
                 main_ref if ref != solution else "solution"),
                ("leaked", reformat(rename(solution, cell.stub)), "solution"),
                ("edited", reformat(edit(rename(indep[0], cell.stub))), "v1")):
            made[student][cell.answer_id] = text
            origin[student][cell.exercise] = where
    for student, answers in made.items():
        if student != "refcopy":  # the package's own code, which check() refuses as such
            _verify(lesson, [answers[c.answer_id] for c in cells])
        nb = nbformat.read(release_notebook(course, lesson), as_version=4)
        for c in nb.cells:
            if grade_id(c) in answers:
                c.source = answers[grade_id(c)]
        folder = course / "submitted" / student / lesson
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{lesson}.ipynb")
    return origin


KINDS = {"renamed": "renamed copy", "reformatted": "reformatted copy",
         "disguised": "renamed+reformatted copy", "refcopy": "reference copy",
         "leaked": "solution copy", "edited": "edited copy"}


def _origin_of(who: str, exercise: str, origin: dict[str, dict[str, str]]) -> str:
    if who == similarity.SOLUTION:
        return "solution"
    if who.startswith("reference"):
        return who  # the exercise's reference, or one of its equivalents
    return origin[who][exercise]


def classify(p: similarity.Pair, origin: dict[str, dict[str, str]]) -> str:
    """The kind of a pair: a copy and what it was made from (or two copies of it), else
    independent."""
    oa, ob = (_origin_of(x.who, p.cell.exercise, origin) for x in (p.a, p.b))
    if oa != ob:
        return "independent"
    copier = next((x.who for x in (p.a, p.b) if x.who in KINDS), None)
    if copier is None:
        return "independent"  # e.g. the reference and the solution are separate texts
    if all(x.who in KINDS for x in (p.a, p.b)):
        return "two copies of one answer"
    return KINDS[copier]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lessons", default="01_chain_rule,02_single_neuron,03_mlp")
    parser.add_argument("--k", type=int, default=None)
    parser.add_argument("--w", type=int, default=None)
    parser.add_argument("--threshold", type=float, default=similarity.THRESHOLD)
    parser.add_argument("--min-fingerprints", type=int, default=similarity.MIN_FINGERPRINTS)
    args = parser.parse_args()
    options = {k: v for k, v in (("k", args.k), ("w", args.w)) if v is not None}
    if options:
        similarity.fingerprint = functools.partial(fingerprint, **options)
    similarity.MIN_FINGERPRINTS = args.min_fingerprints
    scores: dict[str, list[float]] = defaultdict(list)
    short: dict[str, int] = defaultdict(int)
    sizes: dict[str, list[int]] = defaultdict(list)
    took: dict[str, tuple[float, int, int]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        course = Path(tmp)
        shutil.copy2(ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
        lessons = args.lessons.split(",")
        for lesson in lessons:
            for folder in ("solutions", "lessons"):
                shutil.copytree(ROOT / folder / lesson, course / folder / lesson)
        for lesson in lessons:
            origin = build_class(course, lesson)
            start = time.perf_counter()
            result = similarity.compare(course, lesson, threshold=args.threshold)
            took[lesson] = (time.perf_counter() - start, len(result.students), len(result.pairs))
            for p in result.pairs:
                kind = classify(p, origin)
                if p.score is None:
                    short[kind] += 1
                else:
                    scores[kind].append(p.score)
                if p.b.who == similarity.SOLUTION and p.a.who == "indep1":
                    sizes[p.cell.exercise] = [len(p.b.prints), len(p.a.prints)]
    k = options.get("k", "default")
    w = options.get("w", "default")
    print(f"lessons {args.lessons}; k={k}, w={w}; too short below {args.min_fingerprints} "
          "fingerprints")
    print("compare(): " + ", ".join(f"{lesson} {t:.2f} s ({n} notebooks, {p} pairs)"
                                    for lesson, (t, n, p) in took.items()))
    print("fingerprints (instructor's solution, indep1) per exercise: " + ", ".join(
        f"{ex} {a}/{b}" for ex, (a, b) in sizes.items()))
    print(f"{'pairs':26s} {'n':>5s} {'short':>6s} {'min':>6s} {'median':>7s} {'max':>6s}")
    for kind in sorted(set(scores) | set(short), key=lambda k: k != "independent"):
        got = scores[kind]
        line = (f"{min(got):6.2f} {statistics.median(got):7.2f} {max(got):6.2f}" if got
                else "     -       -      -")
        print(f"{kind:26s} {len(got):5d} {short[kind]:6d} {line}")
    copies = [s for kind, got in scores.items() if kind != "independent" for s in got]
    indep = scores["independent"]
    print("threshold: true positives (copies flagged) / false positives (independent flagged)")
    for t in (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95):
        tp = sum(s >= t for s in copies)
        fp = sum(s >= t for s in indep)
        mark = "  <- chosen" if math.isclose(t, args.threshold) else ""
        print(f"  {t:.2f}: {tp}/{len(copies)} copies, {fp}/{len(indep)} independent{mark}")


if __name__ == "__main__":
    main()
