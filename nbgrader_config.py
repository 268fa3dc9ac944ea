"""nbgrader configuration of Backprop Workbook.

`solutions/` is nbgrader's source folder (the instructor's notebooks, with solutions and
hidden tests) and `lessons/` its release folder (what learners open). Regenerate the
lessons with `backprop-course release`, which runs nbgrader's generate_assignment.
"""

import os

c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)

root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.root = root
c.CourseDirectory.course_id = "backprop-workbook"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "lessons"
# Never copied into a release or a submission: nbgrader's defaults, and each solution's
# jupytext twin (solutions/NN_topic/NN_topic.py holds the solutions).
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback",
                            "[0-9][0-9]_*.py"]
# Course-local working files (all git-ignored): the default exchange is not writable.
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(root, "gradebook.db")
c.Exchange.root = os.path.join(root, "exchange")
# exchange/ is in the repository (empty but for its .gitkeep), so that formgrader on a fresh
# clone doesn't warn "exchange directory does not exist"; what a class hands in is git-ignored.
# The course secret the grader's hidden cases are drawn from: by default grading-secret.txt
# beside the gradebook, created by the first `backprop-course autograde` (git-ignored). Keep
# it with the gradebook's backups; point to another file with:
# c.BackpropWorkbook.secret_file = "/path/outside/the/repository/grading-secret.txt"

# Per-cell timeout while autograding. Keep interrupt_on_timeout at its default (True): a
# looping cell is then interrupted and the rest of the notebook is still graded.
c.Execute.timeout = 60

# Feedback shows scores and check messages, never hidden tests: ScrubHiddenTests removes
# them from traceback text, ClearHiddenTests from the cell sources.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "backprop.course.scrub.ScrubHiddenTests",
    "nbgrader.preprocessors.ClearHiddenTests",
    "backprop.course.scrub.EscapeUnsafeMarkdown",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
# Feedback pages show what a learner's code printed or displayed as inert text: HTML
# outputs are cleaned of scripts and on*= attributes and JavaScript outputs left out
# (sanitize_html; `backprop-course feedback` sets it too), and a markdown cell holding such
# markup is shown escaped (EscapeUnsafeMarkdown, above). PNG plots and check messages stay.
c.HTMLExporter.sanitize_html = True
