"""backprop: the helper package of Backprop Workbook, in three wings.

**The learner's library** (`backprop/*.py`): NumPy code the lessons build on, its modules in
course order. Each module's docstring, and each public function's, names the lesson that
introduces it; it imports nothing but numpy, matplotlib and tqdm.

- lesson 1, the chain rule: `scalar` (Value), `graph` (draw_graph), `gradcheck`,
  `activations` (tanh);
- lesson 2, the single neuron: `activations` (sigmoid), `losses` (MSE, binary
  cross-entropy), `optim` (sgd), `data` (logic gates), `plots`;
- lesson 3, the MLP: `layers` (affine and sandwiches), `losses` (softmax cross-entropy),
  `activations` (ReLU), `models` (MLP), `train` (Trainer), `data` (moons, spirals,
  circles, the 8x8 digits in `_datasets/`);
- lesson 4, ReLU vs sigmoid: `activations` (leaky ReLU), `models` (init_weights,
  layer_gradient_norms, MLP.hidden_activations), `plots` (gradient norms, activations);
- lesson 5, momentum: `optim` (sgd_momentum, nesterov, rmsprop, adam, schedules),
  `train` (schedules), `surfaces` (2-D loss surfaces, descend), `plots` (trajectories);
- lesson 6, normalisation: `normalization` (batch norm, layer norm), `regularization`
  (L2, dropout), `models` (MLP with normalization=, dropout=, l2=);
- lesson 7, review: the capstone trains the deepest MLP of the course with all of the above;
- every lesson: `_checks` (the input checks that name the argument and the fix) and
  `_style` (the palette of every plot and widget).

**Beside it**, two packages the notebooks use, each importing the library only:

- `widgets/`: the explorers (lessons 2, 4, 5), the Backprop Playground (lessons 3-7) and
  the self-check questions, drawn through one rendering module;
- `grading/`: the check library, `check` and `check_choice`, with each lesson's exercises
  (references, cases, known mistakes) in `grading/exercises/lessonNN_topic.py`; it runs in
  a learner's kernel and in the grader alike.

`quiz` is the notebooks' door to `check_choice` (grading) and `self_check` (widgets).

**The instructor's side**, `course/`: the `backprop-course` command (release, strip, sync,
autograde in a sandbox, feedback, report, validate); the only wing that imports nbgrader.

The rules between the wings are import-linter contracts in pyproject.toml. Import what a
lesson needs explicitly, e.g. `from backprop.layers import affine_forward`.
"""

__version__ = "0.5.0"
