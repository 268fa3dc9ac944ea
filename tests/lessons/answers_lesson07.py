"""Lesson 7's answers, as a lesson might write them (tests/lessons/test_derive_first.py)."""

LESSON = "07_review"
# The capstone is open-ended: no formula to hand over. Its "where to start" gives the ideas,
# not the reference's recipe (tests/grading/test_lesson07.py checks that the recipe's numbers
# appear only in the last hint).
ANSWERS: dict[str, list[str]] = {}
NO_FORMULA = {"train_capstone"}
