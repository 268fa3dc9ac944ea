"""Time each solution notebook from kernel start to the last cell, against its budget.

    python bench/notebook_times.py [LESSON ...]

Prints one line per notebook: seconds, budget, and the ratio (below 1.0 is within budget).
Exits non-zero if a notebook fails to execute; over-budget runs are reported, not failed.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
BUDGET_S = 15.0  # per lesson notebook, on 2 cores
BUDGETS_S = {"07_review": 30.0}  # the capstone trains a deep network three times


def time_notebook(path: Path) -> float:
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    start = time.perf_counter()
    client.execute()
    return time.perf_counter() - start


def main(argv: list[str]) -> int:
    paths = sorted((ROOT / "solutions").glob("*/*.ipynb"))
    if argv:
        paths = [p for p in paths if p.parent.name in argv]
    print(f"{'notebook':<28} {'seconds':>8} {'budget':>7} {'ratio':>6}")
    for path in paths:
        seconds = time_notebook(path)
        budget = BUDGETS_S.get(path.parent.name, BUDGET_S)
        print(f"{path.parent.name:<28} {seconds:8.2f} {budget:7.1f} {seconds / budget:6.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
