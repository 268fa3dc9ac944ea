"""Regex pieces shared by the per-lesson answer patterns (tests/lessons/answers_lessonNN.py)."""

_ = r"\s*"
MINUS = r"[-−]"
TIMES = r"(?:\*|·|\\cdot|×)?"
