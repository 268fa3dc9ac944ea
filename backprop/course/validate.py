"""`validate NOTEBOOK`: a learner's check of their notebook before they hand it in.

It runs the notebook on the learner's own machine with nbclient (their code, their
computer: no sandbox needed), then, in the same kernel, checks every exercise with the
*visible* cases of `backprop.grading` (never the hidden ones) and the format of every quiz
answer. It also compares the notebook with the lesson's release, as nbgrader will:
duplicated or missing grade_ids, edited or retyped test cells, a wrong kernel, invalid
cell ids. `Report.exit_code` is 0 only when every visible check passes and nbgrader will
accept the notebook.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from backprop.course.folders import CourseError, find_course, lesson_ids, release_notebook
from backprop.course.notebooks import GradedCell, grade_id, graded_cells

__all__ = ["CheckResult", "Report", "validate", "verdict"]

_MARKER = "BACKPROP-VALIDATE "


# ---------------------------------------------------------------------------------
# One check, in the learner's kernel
# ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckResult:
    """The verdict of one test cell's visible check.

    Attributes:
        grade_id: The test cell's grade_id, e.g. "ex3-test".
        name: The exercise id ("mul_backward") or quiz variable ("q1").
        passed: Whether it passed.
        message: The ✓ line, or why it failed.
        mistake: The known mistake's name, when one matched.
    """

    grade_id: str
    name: str
    passed: bool
    message: str
    mistake: str | None = None


def verdict(exercise_id: str, fn: Any, *, hidden: bool = False) -> CheckResult:
    """Check a function against a registered exercise, returning the verdict instead of raising.

    Args:
        exercise_id: The registered exercise, e.g. "mul_backward".
        fn: The learner's function (anything: a non-function fails with a message).
        hidden: Use the hidden cases. `validate` never does.

    Returns:
        A `CheckResult` whose grade_id is empty.
    """
    from backprop import grading

    v = grading.judge(exercise_id, grading.collect(exercise_id, fn, hidden=hidden),
                      hidden=hidden)
    return CheckResult("", exercise_id, bool(v.passed), str(v.message), v.mistake)


def _quiz_verdict(name: str, value: Any, form: str) -> CheckResult:
    from backprop.grading import quiz_verdict

    v = quiz_verdict(form, name, value)  # the format only: validate never knows the answer
    return CheckResult("", name, v.passed, v.message)


def kernel_check(grade_id: str, kind: str, name: str, variable: str, namespace: dict,
                 form: str = "choice") -> None:
    """Check one test cell's target in the learner's namespace and print the verdict as JSON.

    Runs inside the learner's kernel (`validate` sends one call per test cell), so one
    function that loops forever costs only its own cell's timeout.
    """
    if variable not in namespace:
        result = CheckResult(grade_id, name, False,
                             f"{variable} is not defined: run its exercise cell, and check that "
                             "it runs without an error.")
    elif kind == "quiz":
        result = _quiz_verdict(name, namespace[variable], form)
    else:
        result = verdict(name, namespace[variable])
    print(_MARKER + json.dumps({"passed": result.passed, "message": result.message,
                                "mistake": result.mistake}))


# ---------------------------------------------------------------------------------
# The report
# ---------------------------------------------------------------------------------


@dataclass
class Report:
    """What `validate` found in one notebook.

    Attributes:
        notebook: The notebook checked.
        lesson: The lesson it belongs to, or None if that couldn't be told.
        checks: One result per test cell of the lesson, in notebook order.
        problems: What nbgrader would reject or override (grade_ids, test cells, kernel).
        errors: Cells other than test cells that raised, as "cell N: ErrorName" (N counted
            from 1, markdown cells included, as a learner counts them in JupyterLab).
        notes: What the learner should know but that doesn't stop the hand-in (no course
            folder to compare the notebook with, say).
    """

    notebook: Path
    lesson: str | None = None
    checks: list[CheckResult] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every visible check passes and nbgrader will accept the notebook."""
        return not self.problems and bool(self.checks) and all(c.passed for c in self.checks)

    @property
    def exit_code(self) -> int:
        """0 when `ok`, else 1."""
        return 0 if self.ok else 1

    def text(self) -> str:
        """The report as the learner reads it in a terminal."""
        lines = [f"{self.notebook}" + (f" (lesson {self.lesson})" if self.lesson else "")]
        if self.checks:
            lines.append("Visible checks (the grader also runs hidden ones):")
        for c in self.checks:
            mark = "✓" if c.passed else "✗"
            first, *rest = c.message.splitlines() or [""]
            lines.append(f"  {mark} {c.grade_id} [{c.name}]: {first.removeprefix('✓ ')}")
            lines.extend(f"      {line}" for line in rest)
        if self.errors:
            lines.append("Cells that raised an error:")
            lines.extend(f"  - {e}" for e in self.errors)
        if self.problems:
            lines.append("Problems nbgrader will have with this notebook:")
            lines.extend(f"  - {p}" for p in self.problems)
        lines.extend(f"Note: {n}" for n in self.notes)
        passed = sum(c.passed for c in self.checks)
        verdict_line = "ready to hand in." if self.ok else "not ready yet."
        lines.append(f"{passed} of {len(self.checks)} checks pass, "
                     f"{len(self.problems)} problem(s): {verdict_line}")
        return "\n".join(lines)


# ---------------------------------------------------------------------------------
# Structure: what nbgrader will see
# ---------------------------------------------------------------------------------


def _lesson_of(path: Path, nb: nbformat.NotebookNode | None, course: Path) -> str | None:
    """Tell which lesson a notebook is: by its name, its folder, or its grade_ids."""
    lessons = lesson_ids(course)
    for candidate in (path.stem, path.parent.name):
        if candidate in lessons:
            return candidate
    if nb is None:
        return None
    ids = {c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells} - {None}
    best, overlap = None, 0
    for lesson in lessons:
        release = release_notebook(course, lesson)
        if release.is_file():
            theirs = {c.metadata.get("nbgrader", {}).get("grade_id")
                      for c in nbformat.read(release, as_version=4).cells}
            if len(ids & theirs) > overlap:
                best, overlap = lesson, len(ids & theirs)
    return best


def _structure_problems(path: Path, nb: nbformat.NotebookNode,
                        release: nbformat.NotebookNode, lesson: str) -> list[str]:
    """Compare a learner's notebook with the release as nbgrader's autograde would."""
    problems = []
    if path.name != f"{lesson}.ipynb":
        problems.append(f"the file is called {path.name}; nbgrader looks for {lesson}.ipynb. "
                        "Rename it before handing it in.")
    try:
        nbformat.validate(nb)
    except nbformat.ValidationError as exc:
        problems.append(f"the notebook's format is invalid: {str(exc).splitlines()[0]}")
    want = release.metadata.get("kernelspec", {}).get("name", "python3")
    got = nb.metadata.get("kernelspec", {}).get("name")
    if got != want:
        problems.append(f"the notebook uses the kernel {got!r}, not {want!r}: choose "
                        "Kernel → Change Kernel… → Python 3 (ipykernel), then save.")

    where: dict[str, list[int]] = {}
    for i, cell in enumerate(nb.cells):
        if grade_id(cell):
            where.setdefault(grade_id(cell), []).append(i)
    theirs = {grade_id(c): c for c in release.cells if grade_id(c)}
    for gid, cells in where.items():
        if len(cells) > 1:
            problems.append(
                f"the cell {gid!r} appears {len(cells)} times (cells "
                f"{', '.join(map(str, cells))}): nbgrader refuses the notebook. Keep only one: "
                "delete the copies (or merge your code into one of them).")
        if gid not in theirs:
            problems.append(f"cell {cells[0]} has grade_id {gid!r}, which the lesson "
                            "doesn't have: was it copied from another notebook? Delete it.")
    for gid, original in theirs.items():
        if gid not in where:
            problems.append(f"the cell {gid!r} is missing (deleted?): copy it back from "
                            "a fresh download of the lesson.")
            continue
        mine = nb.cells[where[gid][0]]
        if mine.cell_type != original.cell_type:
            problems.append(f"the cell {gid!r} was changed from {original.cell_type} to "
                            f"{mine.cell_type}: change it back.")
        elif (original.metadata["nbgrader"].get("locked")
              and mine.source.rstrip() != original.source.rstrip()):
            problems.append(f"the read-only cell {gid!r} was edited: the grader puts the "
                            "original back, so your change won't count. Undo it to check "
                            "what the grader will see.")
    return problems


# ---------------------------------------------------------------------------------
# Running it
# ---------------------------------------------------------------------------------


def _probes(release: nbformat.NotebookNode) -> list[GradedCell]:
    """The test cells of the release that a probe can check in the kernel (exercise, quiz)."""
    return [c for c in graded_cells(release) if c.kind in ("exercise", "quiz")]


def _error_name(cell: nbformat.NotebookNode) -> str | None:
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return str(output.get("ename"))
    return None


def _probe_result(cell: nbformat.NotebookNode, grade_id: str, name: str,
                  timeout: float) -> CheckResult:
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream":
            for line in output.get("text", "").splitlines():
                if line.startswith(_MARKER):
                    data = json.loads(line.removeprefix(_MARKER))
                    return CheckResult(grade_id, name, bool(data["passed"]),
                                       str(data["message"]), data.get("mistake"))
    ename = _error_name(cell)
    if ename == "CellTimeout":
        why = (f"the check ran longer than {timeout:g} s and was stopped: does your function "
               "loop forever?")
    else:
        why = f"the check could not run ({ename or 'no answer from the kernel'})."
    return CheckResult(grade_id, name, False, f"{name}: {why}")


def _execute(nb: nbformat.NotebookNode, folder: Path, probes: list[GradedCell],
             timeout: float, log: Callable[[str], None]) -> tuple[list[CheckResult], list[str]]:
    """Run the notebook, then one probe cell per test cell, in one kernel."""
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError

    client = NotebookClient(
        nb, timeout=timeout, kernel_name="python3", allow_errors=True,
        interrupt_on_timeout=True,
        # The kernel runs on this machine for this command only: its warning that local TCP
        # isn't encrypted would only confuse a learner.
        extra_arguments=["--IPKernelApp.log_level=ERROR"],
        error_on_timeout={"ename": "CellTimeout",
                          "evalue": f"the cell ran longer than {timeout:g} s", "traceback": []},
        resources={"metadata": {"path": str(folder)}},
    )
    test_ids = {p.grade_id for p in probes}
    errors: list[str] = []
    results: list[CheckResult] = []
    with client.setup_kernel():
        try:
            code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
            for n, i in enumerate(code, 1):
                if n % 10 == 0 or n == len(code):
                    log(f"  ran {n} of {len(code)} code cells")
                cell = client.execute_cell(nb.cells[i], i)
                ename = _error_name(cell)
                # A failing test cell is reported by its probe below; other errors here.
                if ename and grade_id(cell) not in test_ids:  # counted from 1, as a learner
                    errors.append(f"cell {i + 1}{_label(cell)}: {ename}")  # counts them
            for cell in probes:
                probe = nbformat.v4.new_code_cell(
                    "from backprop.course.validate import kernel_check as __backprop_check\n"
                    f"__backprop_check({cell.grade_id!r}, {cell.kind!r}, {cell.target!r}, "
                    f"{cell.variable!r}, globals(), form={cell.form!r})"
                )
                nb.cells.append(probe)  # nbclient stores the executed cell at its index
                client.execute_cell(probe, len(nb.cells) - 1, store_history=False)
                results.append(_probe_result(probe, cell.grade_id, cell.target, timeout))
        except DeadKernelError:
            errors.append("the kernel died (out of memory, or os._exit?): the checks after "
                          "that could not run.")
            done = {r.grade_id for r in results}
            results.extend(CheckResult(c.grade_id, c.target, False,
                                       f"{c.target}: not checked: the kernel died.")
                           for c in probes if c.grade_id not in done)
    return results, errors


def _label(cell: nbformat.NotebookNode) -> str:
    name = grade_id(cell)
    return f" ({name})" if name else ""


def validate(
    path: str | Path,
    course: str | Path | None = None,
    *,
    timeout: float = 60.0,
    log: Callable[[str], None] = lambda msg: None,
) -> Report:
    """Run a learner's notebook and check it as the grader will, with the visible cases only.

    Args:
        path: The notebook, e.g. lessons/01_chain_rule/01_chain_rule.ipynb.
        course: The course folder; by default the one holding the notebook, or the
            current folder's.
        timeout: Seconds allowed per cell (and per check).
        log: Progress messages go here.

    Returns:
        A `Report`; print `report.text()` and exit with `report.exit_code`.

    Raises:
        CourseError: If the notebook or the course folder is missing, or the lesson's
            release notebook can't be found.
    """
    path = Path(path)
    if not path.is_file():
        raise CourseError(f"no notebook at {path}: give the path of your .ipynb file.")
    try:
        root: Path | None = find_course(course or path.resolve().parent)
    except CourseError:
        if course is not None:
            raise
        try:
            root = find_course()
        except CourseError:  # a learner's copy, on a hub: the package's checks are enough
            root = None
    if root is None:
        return _validate_alone(path, timeout=timeout, log=log)
    report = Report(notebook=path)
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as exc:  # nbformat raises many kinds for a broken file
        report.lesson = _lesson_of(path, None, root)
        report.problems.append(f"this is not a notebook nbgrader can read: {exc}".strip())
        return report
    lesson = _lesson_of(path, nb, root)
    if lesson is None:
        raise CourseError(
            f"can't tell which lesson {path.name} is: name it after a lesson "
            f"({', '.join(lesson_ids(root))})."
        )
    report.lesson = lesson
    release_path = release_notebook(root, lesson)
    if not release_path.is_file():
        raise CourseError(f"no release notebook {release_path}: run backprop-course release.")
    release = nbformat.read(release_path, as_version=4)
    report.problems.extend(_structure_problems(path, nb, release, lesson))
    probes = _probes(release)
    log(f"running {path} ({lesson}), {timeout:g} s per cell at most")
    checks, errors = _execute(copy.deepcopy(nb), path.resolve().parent, probes, timeout, log)
    report.checks.extend(checks)
    report.errors.extend(errors)
    return report


def _validate_alone(path: Path, *, timeout: float, log: Callable[[str], None]) -> Report:
    """Validate a notebook with no course folder in sight (a learner's copy on a hub).

    The visible checks need only the package: they are read from the notebook's own test
    cells. Without the lesson's release, its structure (grade_ids, read-only cells) is not
    compared; the report says so.
    """
    report = Report(notebook=path)
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as exc:  # nbformat raises many kinds for a broken file
        report.problems.append(f"this is not a notebook nbgrader can read: {exc}".strip())
        return report
    stem = path.stem
    report.lesson = stem if stem[:2].isdigit() and "_" in stem else None
    report.notes.append("no course folder here (nbgrader_config.py, lessons/): the visible "
                        "checks ran, but the notebook was not compared with the lesson as "
                        "released; the grader does that when you hand it in.")
    log(f"running {path}, {timeout:g} s per cell at most")
    checks, errors = _execute(copy.deepcopy(nb), path.resolve().parent, _probes(nb), timeout,
                              log)
    report.checks.extend(checks)
    report.errors.extend(errors)
    return report
