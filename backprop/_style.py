"""The course's palette, defined once: every colour the plots and widgets draw with, and why.

Lesson 1 introduces it with `graph.draw_graph` (blue: a gradient that raises the output, red:
one that lowers it); the plots of `backprop.plots` and the widgets of `backprop.widgets`
(lessons 2 to 7) draw with the same colours, so that red always means the same thing:
something went wrong. Import the names, never repeat the hex codes:
`from backprop._style import RED`. This module imports nothing, not even matplotlib.
"""

__all__ = [
    "AMBER",
    "BLUE",
    "DARK_GREY",
    "GREEN",
    "GREY",
    "LIGHT_GREY",
    "PALE_BLUE",
    "PALE_GREY",
    "RED",
]

RED = "#c53030"  # something went wrong: a run that blew up, a wrong answer; a negative gradient
GREEN = "#2f855a"  # it worked: the loss fell, the run reached the global minimum
AMBER = "#b7791f"  # not there yet: still on its way, or settled in a local minimum or saddle
BLUE = "#2b6cb0"  # the main line, e.g. a loss curve; in a graph, a positive gradient
PALE_BLUE = "#90cdf4"  # the noisy companion of a BLUE line: the raw per-step loss under its mean
GREY = "#718096"  # neutral: a node whose gradient is exactly zero
DARK_GREY = "#4a5568"  # secondary ink: operation nodes, their arrows, captions
LIGHT_GREY = "#a0aec0"  # faint lines that should not draw the eye: the edges of a graph
PALE_GREY = "#edf2f7"  # a fill behind text: the circle of an operation node
