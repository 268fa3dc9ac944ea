"""Scores from the plain data a sandboxed run hands back: decided here, outside student code.

`judge_results(plan, results, nb)` turns what the sandbox wrote (untrusted plain data:
each exercise's outcomes, each quiz answer) into one `CellScore` per graded cell:

- an exercise gets its points when `backprop.grading.judge` passes both its visible and
  its hidden cases, run on the grader's own inputs against the reference, unless reading
  the submitted code found that it reaches the package's answer (`backprop.course.reach`);
- a quiz gets its points when the answer is the one in the source's hidden test: the
  letter, the number within its tolerance, or the shape (`backprop.grading.quiz_verdict`);
- a written answer goes to a human, unless it is exactly as it was handed out (0).

Nothing here runs learner code, and malformed data always means 0 with a reason, never an
exception.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from nbformat import NotebookNode

from backprop import grading
from backprop.course.gradebook import CellScore
from backprop.course.notebooks import GradedCell, grade_id

__all__ = ["LessonPlan", "failed_scores", "judge_results"]


@dataclass
class LessonPlan:
    """A lesson's graded cells, its release notebook and its locked cells, read once per batch.

    Attributes:
        lesson: The lesson, e.g. "01_chain_rule".
        release: The release notebook (what learners were given).
        cells: The source notebook's graded cells, in order.
        locked: The release's locked cells by grade_id (tests, setup): they run as released.
        hidden_seeds: Exercise id -> the seed of its hidden cases, from the course secret
            (`backprop.course.secret`); an exercise not listed uses the package's own.
    """

    lesson: str
    release: NotebookNode
    cells: list[GradedCell]
    locked: dict[str, NotebookNode] = field(default_factory=dict)
    hidden_seeds: dict[str, int] = field(default_factory=dict)

    @property
    def graded_ids(self) -> set[str]:
        """The grade_ids of the graded cells."""
        return {c.grade_id for c in self.cells}

    @property
    def exercises(self) -> list[GradedCell]:
        """The test cells that check a registered exercise: scored from its outcomes."""
        return [c for c in self.cells if c.kind == "exercise" and c.target in grading.REGISTRY]

    @property
    def quizzes(self) -> list[GradedCell]:
        """The quiz cells whose answer the source gives: scored from the learner's answer."""
        return [c for c in self.cells if c.kind == "quiz" and c.answer is not None]

    def scored_automatically(self, cell: GradedCell) -> bool:
        """Whether the grader scores this cell (else a human does, or it is 0 untouched)."""
        return cell in self.exercises or cell in self.quizzes


def _outcomes(raw: Any) -> list[grading.Outcome] | None:
    """Turn the plain data of one exercise's cases back into Outcomes (None if malformed)."""
    if not isinstance(raw, list | tuple):
        return None
    try:
        return [grading.outcome_from_data(item) for item in raw]
    except ValueError:
        return None


def _judge_exercise(cell: GradedCell, raw: Any, hidden_seed: int | None) -> CellScore:
    if not isinstance(raw, dict) or "missing" in raw:
        why = raw.get("missing") if isinstance(raw, dict) else None
        message = (f"{cell.target}: {why}" if isinstance(why, str)
                   else f"{cell.target}: no result came back from your notebook.")
        return CellScore(cell.grade_id, 0.0, cell.points, message)
    for hidden in (False, True):
        outcomes = _outcomes(raw.get("hidden" if hidden else "visible"))
        if outcomes is None:
            return CellScore(cell.grade_id, 0.0, cell.points,
                             f"{cell.target}: the values your function returned could not be "
                             "read back.")
        verdict = grading.judge(cell.target, outcomes, hidden=hidden,
                                seed=hidden_seed if hidden else None)
        if not verdict.passed:
            return CellScore(cell.grade_id, 0.0, cell.points, verdict.message, verdict.mistake)
    return CellScore(cell.grade_id, cell.points, cell.points, verdict.message)


def _judge_quiz(cell: GradedCell, answers: Any) -> CellScore:
    value = answers.get(cell.target) if isinstance(answers, dict) else None
    if isinstance(value, list):
        value = tuple(value)  # a shape crosses the wire as a list of sizes
    if value is not None and type(value) not in (str, int, float, bool, tuple):
        value = None  # plain data only: anything else is judged as missing
    verdict = grading.quiz_verdict(cell.form, cell.target, value, answer=cell.answer,
                                   choices=cell.choices, rtol=cell.rtol, atol=cell.atol,
                                   reread=cell.reread)
    return CellScore(cell.grade_id, cell.points if verdict.passed else 0.0, cell.points,
                     verdict.message)


def _manual_score(plan: LessonPlan, cell: GradedCell, nb: NotebookNode | None) -> CellScore:
    """A written answer goes to a human, unless it is still exactly as it was released."""
    released = next((c.source for c in plan.release.cells if grade_id(c) == cell.grade_id),
                    None)
    answer = None if nb is None else next(
        (c.source for c in nb.cells if grade_id(c) == cell.grade_id), None)
    if answer is None or (released is not None and answer.strip() == released.strip()):
        # As nbgrader does: an untouched answer cell is 0, with nothing for a human to read.
        return CellScore(cell.grade_id, 0.0, cell.points,
                         "not answered: the cell is as it was handed out")
    return CellScore(cell.grade_id, 0.0, cell.points, "graded by hand by your instructor",
                     manual=True)


def judge_results(plan: LessonPlan, results: Any, nb: NotebookNode | None = None,
                  refused: Mapping[str, tuple[str, str]] | None = None) -> list[CellScore]:
    """Score every graded cell from the plain data the sandbox handed back.

    Args:
        plan: The lesson's graded cells.
        results: What the sandbox wrote (untrusted plain data).
        nb: The submitted notebook after preflight, whose written answers go to a human.
        refused: Exercise id -> (message, diagnosis): it earns nothing whatever it
            returned, because the submitted code reaches the package's answer
            (`backprop.course.reach`).
    """
    exercises = results.get("exercises") if isinstance(results, dict) else None
    quiz = results.get("quiz") if isinstance(results, dict) else None
    scores = []
    for cell in plan.cells:
        if cell in plan.exercises and refused and cell.target in refused:
            message, diagnosis = refused[cell.target]
            scores.append(CellScore(cell.grade_id, 0.0, cell.points, message, diagnosis))
        elif cell in plan.exercises:
            raw = exercises.get(cell.target) if isinstance(exercises, dict) else None
            scores.append(_judge_exercise(cell, raw, plan.hidden_seeds.get(cell.target)))
        elif cell in plan.quizzes:
            scores.append(_judge_quiz(cell, quiz))
        else:
            scores.append(_manual_score(plan, cell, nb))
    return scores


def failed_scores(plan: LessonPlan, reason: str,
                  nb: NotebookNode | None = None) -> list[CellScore]:
    """0 on every automatically scored cell, with the reason; written answers still go on."""
    # Written answers don't depend on the code running: they still go to a human.
    return [_manual_score(plan, c, nb) if not plan.scored_automatically(c) and nb is not None
            else CellScore(c.grade_id, 0.0, c.points, f"not graded: {reason}")
            for c in plan.cells]
