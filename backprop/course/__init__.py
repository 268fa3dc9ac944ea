"""The instructor's side of Backprop Workbook: the `backprop-course` command and what it runs.

This is the only wing of the package that imports nbgrader or nbclient (import-linter
contracts in pyproject.toml keep it so). Learners never need it, except for `validate`.
Where each concern lives, one processing step per file:

    cli.py           `backprop-course COMMAND`: one small function per command
    folders.py       the course folder and every folder name in it (solutions/, lessons/, ...)
    notebooks.py     one parser of graded cells (`GradedCell`); the canonical notebook form
    gradebook.py     the one door to nbgrader's gradebook and apps; reads db_url and the
                     course id from nbgrader_config.py
    diagnostics.py   how a verdict is kept in the gradebook's comments (encode, decode)
    release.py       lessons/ from solutions/ with nbgrader's generate_assignment
    twins.py         each solution notebook's jupytext twin, LESSON.py (strip, sync)
    startpage.py     START_HERE.ipynb from the lessons' headers
    submissions.py   finding and reading submitted/ (preflight restores locked cells)
    sandbox/         bubblewrap.py runs a job in the sandbox; runner.py runs the notebook
                     inside it; wire.py carries plain data across the wall
    coderead.py      a notebook's code read without running it: what each statement uses,
                     binds and changes, scope by scope
    reach.py         what each exercise's function reaches: the package's answer to it, the
                     grader, or code that can't be followed (0 for that exercise)
    secret.py        the course secret the hidden cases are drawn from, beside the gradebook
    scoring.py       scores from the sandbox's plain data, judged outside student code
    autograde.py     the batch: plan, sandbox, score, write the gradebook and autograded/
    scrub.py         the feedback preprocessor that keeps hidden tests out of outputs
    feedback.py      feedback/ HTML with nbgrader's generate_feedback
    report.py        the class report, read-only: CSVs and a summary of the hard exercises
    winnow.py        winnowing fingerprints of Python source (normalised tokens, MOSS-style)
    similarity.py    the similarity report: look-alike answers ranked, side by side, per
                     exercise; against the class, the reference and the instructor's solution
    validate.py      a learner's check of their notebook before handing it in

Nothing is imported here, so that `python -m backprop.course.sandbox.runner` (inside the
sandbox) and `backprop.course.validate` (in a learner's kernel) stay light.
"""
