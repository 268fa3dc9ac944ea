"""The course covers, in lessons/, every concept the five seed explainers teach.

The seeds in ../shared/seeds/ are the material the course was designed from. Each concept
they teach is listed here with the seed that teaches it and a pattern that finds it in the
learner's notebooks (markdown and code). A concept no lesson mentions fails the test, with
the seed it came from: either teach it, or argue here why the course leaves it out.
"""

from __future__ import annotations

import re

import nbformat
import pytest

from tests.conftest import ROOT

# (concept, seeds that teach it, pattern searched case-insensitively in lessons/)
CONCEPTS = [
    ("backprop adjusts the weights from the error", "000 002 004", r"weights?"),
    ("the forward pass", "001 003 004", r"forward pass"),
    ("computing the error with a loss function", "001 003 004", r"loss function"),
    ("propagating the error backward, layer by layer", "000 002 003", r"backward pass"),
    ("the chain rule", "001 002 004", r"chain rule"),
    ("gradients of the loss with respect to each weight", "001 002", r"gradient"),
    ("gradient descent, steps downhill", "001 002 003 004", r"gradient descent"),
    ("the learning rate", "004", r"learning rate"),
    ("biases shift the activation", "004", r"bias"),
    ("activation functions add non-linearity", "001 004", r"non-?linear"),
    ("ReLU and sigmoid", "001", r"\brelu\b.*sigmoid|sigmoid.*\brelu\b"),
    ("neurons and connections in layers", "000 003 004", r"neuron"),
    ("feedforward networks: no cycles", "001", r"feed-?forward"),
    ("iterative training, repeated over the data", "000 003", r"epoch"),
    ("vanishing gradients", "001", r"vanishing"),
    ("exploding gradients", "001", r"exploding"),
    ("mini-batch gradient descent", "001", r"mini-?batch"),
    ("momentum", "001", r"momentum"),
    ("local minima (local optima)", "003", r"local minim"),
    ("the need for labelled data (supervised learning)", "003 004", r"label"),
    ("the cost of computing, slow convergence", "003", r"comput\w* cost|cost of comput"),
    ("batch normalisation", "001 003", r"batch norm"),
    ("residual connections", "001", r"residual"),
    ("dropout", "003", r"dropout"),
    ("overfitting", "003 004", r"overfit"),
    ("L1 and L2 penalties", "004", r"\bL1\b"),
    ("weight decay (L2)", "004", r"weight decay"),
    ("learning-rate schedules", "004", r"schedule"),
    ("generalisation to unseen data", "000 003", r"unseen"),
    ("transfer learning and pre-training", "003", r"transfer learning"),
    ("weight initialisation is not backprop", "002", r"initiali[sz]"),
    ("accuracy is measured, not backprop", "002", r"accuracy"),
    ("network design is separate from backprop", "002", r"architecture|network design"),
    ("genetic algorithms (evolutionary)", "004", r"genetic algorithm"),
    ("reinforcement learning (reward-based)", "004", r"reinforcement learning"),
    ("image recognition", "000 003 004", r"image"),
    ("natural language processing", "000 003 004", r"language"),
    ("self-driving cars / autonomous systems", "000 001 003", r"self-driving|autonomous"),
    ("finance: fraud, prices", "004", r"fraud|financ"),
    ("CNNs and RNNs with millions of parameters", "004", r"convolutional|recurrent"),
    ("frameworks: PyTorch, TensorFlow", "004", r"pytorch|tensorflow"),
    ("an everyday analogy for backprop", "000 002", r"analogy"),
    ("shallow networks use backprop too", "004", r"shallow"),
]


def _lesson_text() -> str:
    parts = []
    for path in sorted((ROOT / "lessons").glob("*/*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        parts += [cell.source for cell in nb.cells]
    return "\n".join(parts)


TEXT = _lesson_text()


@pytest.mark.parametrize(("concept", "seeds", "pattern"), CONCEPTS,
                         ids=[c[0] for c in CONCEPTS])
def test_the_lessons_teach_it(concept, seeds, pattern):
    found = re.search(pattern, TEXT, flags=re.IGNORECASE | re.DOTALL)
    assert found, f"no lesson mentions {concept!r} (taught by seed {seeds}): /{pattern}/"


def test_the_search_can_fail():
    assert not re.search(r"quantum annealing schedule", TEXT, flags=re.IGNORECASE)
