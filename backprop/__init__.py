"""backprop: the helper package of Backprop Workbook.

Its modules follow the course, lesson by lesson:

- lesson 1, the chain rule: `scalar` (Value), `graph` (draw_graph), `gradcheck`,
  `activations` (tanh);
- every lesson: `grading` (the exercise registry and check) and `quiz`;
- the instructor's side: `course` and `cli` (the `backprop-course` command).

Import what a lesson needs explicitly, e.g. `from backprop.scalar import Value`.
"""

__version__ = "0.1.0"
