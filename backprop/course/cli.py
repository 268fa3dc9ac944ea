"""`backprop-course`: the instructor's command line.

    backprop-course release [LESSON ...]   regenerate lessons/ from solutions/ (nbgrader)
    backprop-course strip [NOTEBOOK ...]   remove outputs from notebooks (solutions/ by default)
                                           and rewrite each solution's .py twin
    backprop-course sync [LESSON ...]      a solution's notebook from its edited .py twin
    backprop-course autograde [LESSON]     grade submitted/ in a sandbox, in parallel
    backprop-course feedback [LESSON]      feedback/ HTML: scores and messages, no hidden test
    backprop-course report LESSON          per-student CSV and a summary of the hard exercises
    backprop-course similarity LESSON      answers that look alike, ranked, side by side
                                           (for the instructor to read; changes no grade)
    backprop-course validate NOTEBOOK      for learners: run the checks before submitting

Run `backprop-course COMMAND --help` for the options of a command.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from backprop.course.folders import CONFIG_FILE, RELEASE, SOURCE, CourseError, find_course

__all__ = ["main"]


def _release(args: argparse.Namespace) -> int:
    from backprop.course import startpage
    from backprop.course.release import release

    root = find_course(args.course)
    dest = Path(args.dest).resolve() if args.dest else None
    changed = release(root, dest=dest, lessons=args.lessons or None)
    where = dest or root / RELEASE
    if changed:
        for path in changed:
            print(f"  updated {path.relative_to(where) if path.is_relative_to(where) else path}")
        print(f"released into {where}: {len(changed)} file(s) changed.")
    else:
        print(f"released into {where}: already up to date.")
    if dest is None and startpage.write(root):  # the start page lists the lessons' headers
        print(f"  updated {startpage.FILENAME} (the start page)")
    return 0


def _strip(args: argparse.Namespace) -> int:
    import nbformat

    from backprop.course.notebooks import clean_notebook, write_notebook

    if args.notebooks:
        paths = [Path(p) for p in args.notebooks]
    else:
        root = find_course(args.course)
        paths = sorted((root / SOURCE).rglob("*.ipynb"))
    paths = [p for p in paths if ".ipynb_checkpoints" not in p.parts]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise CourseError(f"no such notebook: {', '.join(missing)}")
    n = 0
    for path in paths:
        nb = clean_notebook(nbformat.read(path, as_version=4))
        changed = write_notebook(nb, path)
        if _is_solution(path):  # a solution notebook's text twin follows it
            from backprop.course.twins import write_twin

            changed |= write_twin(nb, path)
        if changed:
            print(f"  stripped {path}")
            n += 1
    print(f"{n} of {len(paths)} notebook(s) changed.")
    return 0


def _is_solution(path: Path) -> bool:
    """Whether a notebook is a lesson's source notebook, solutions/LESSON/LESSON.ipynb."""
    path = path.resolve()
    return (path.parent.parent.name == SOURCE and path.stem == path.parent.name
            and (path.parent.parent.parent / CONFIG_FILE).is_file())


def _sync(args: argparse.Namespace) -> int:
    from backprop.course.folders import lesson_ids, source_notebook
    from backprop.course.twins import sync

    root = find_course(args.course)
    available = lesson_ids(root)
    unknown = [lesson for lesson in args.lessons if lesson not in available]
    if unknown:
        raise CourseError(f"no such lesson: {', '.join(unknown)}. Available: "
                          f"{', '.join(available)}.")
    for lesson in args.lessons or available:
        print(f"  {lesson}: {sync(source_notebook(root, lesson))}")
    return 0


def _autograde(args: argparse.Namespace) -> int:
    from backprop.course.autograde import autograde
    from backprop.course.sandbox.bubblewrap import Limits

    root = find_course(args.course)
    limits = Limits(cell_timeout=args.cell_timeout, memory_bytes=args.memory_mb * 2**20,
                    output_bytes=args.output_mb * 2**20, processes=args.processes)
    results = autograde(root, args.lesson, student=args.student, jobs=args.jobs,
                        unsafe=args.unsafe, limits=limits)
    broken = [r for r in results if r.grader_error]
    graded = [r for r in results if not r.grader_error]
    failed = [r for r in graded if r.error]
    total = sum(r.score for r in graded)
    print(f"graded {len(graded)} submission(s): {total:g} points in all; "
          f"{len(failed)} could not be graded automatically"
          + (f" ({', '.join(f'{r.student}/{r.lesson}' for r in failed)})" if failed else "")
          + ". Scores are in the gradebook; next: backprop-course feedback")
    if broken:
        print(f"\nNOT GRADED: {len(broken)} submission(s), because the grader failed, not the "
              "student; nothing was written to the gradebook for them:", file=sys.stderr)
        for r in broken:
            print(f"  {r.student}/{r.lesson}: {r.grader_error}", file=sys.stderr)
        print("Fix the cause on this machine and run autograde again (--student NAME for one). "
              "If the sandbox or the kernel could not start: check that `bwrap --unshare-user "
              "--ro-bind / / true` works for you, and that your account is not at its process "
              "limit (`ulimit -u`); see docs/grading.md, \"Troubleshooting\".", file=sys.stderr)
        return 3
    return 0


def _feedback(args: argparse.Namespace) -> int:
    from backprop.course.feedback import feedback

    root = find_course(args.course)
    written = feedback(root, [args.lesson] if args.lesson else None, args.student)
    print(f"{len(written)} feedback file(s) in {root / 'feedback'}.")
    return 0


def _report(args: argparse.Namespace) -> int:
    from backprop.course.report import write_report

    root = find_course(args.course)
    paths = write_report(root, args.lesson, Path(args.dest) if args.dest else None)
    for name, path in paths.items():
        print(f"  {name}: {path}")
    return 0


def _similarity(args: argparse.Namespace) -> int:
    from backprop.course.similarity import write_similarity

    root = find_course(args.course)
    _, paths = write_similarity(root, args.lesson, Path(args.dest) if args.dest else None,
                                threshold=args.threshold)
    for name, path in paths.items():
        print(f"  {name}: {path}")
    return 0


def _threshold(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"a score between 0 and 1, not {text!r}")
    return value


def _validate(args: argparse.Namespace) -> int:
    from backprop.course.validate import validate

    report = validate(Path(args.notebook), Path(args.course) if args.course else None,
                      timeout=args.timeout)
    print(report.text())
    return report.exit_code


def _sandbox_error(exc: Exception) -> int:
    print(f"backprop-course: {exc}", file=sys.stderr)
    return 3


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="backprop-course",
        description="Instructor tools for Backprop Workbook (an nbgrader course).",
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--course", metavar="PATH",
        help="the course folder (default: the current folder or the nearest parent with "
             "nbgrader_config.py)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("release", parents=[common],
                       help="regenerate lessons/ from solutions/ with nbgrader")
    p.add_argument("lessons", nargs="*", metavar="LESSON", help="only these lessons (default: all)")
    p.add_argument("--dest", metavar="DIR", help="write the release here instead of lessons/")
    p.set_defaults(run=_release)

    p = sub.add_parser("strip", parents=[common],
                       help="remove outputs and execution counts from notebooks")
    p.add_argument("notebooks", nargs="*", metavar="NOTEBOOK",
                   help="notebooks to clean (default: every notebook in solutions/)")
    p.set_defaults(run=_strip)

    p = sub.add_parser("sync", parents=[common],
                       help="bring each solution notebook and its .py twin into step")
    p.add_argument("lessons", nargs="*", metavar="LESSON", help="only these lessons (default: all)")
    p.set_defaults(run=_sync)

    p = sub.add_parser("autograde", parents=[common],
                       help="grade submitted/<student>/<lesson>/ in a sandbox, in parallel")
    p.add_argument("lesson", nargs="?", metavar="LESSON", help="only this lesson (default: all)")
    p.add_argument("--student", metavar="S", help="only this student")
    p.add_argument("--jobs", type=int, metavar="N", help="submissions at once (default: cores)")
    p.add_argument("--unsafe", action="store_true",
                   help="grade without the bubblewrap sandbox (only where it can't be installed)")
    p.add_argument("--cell-timeout", type=float, default=60.0, metavar="S",
                   help="seconds per cell before it is interrupted (default: 60)")
    p.add_argument("--memory-mb", type=int, default=4096, metavar="MB",
                   help="address-space limit per process (default: 4096)")
    p.add_argument("--output-mb", type=int, default=2, metavar="MB",
                   help="output kept per notebook; the rest is dropped (default: 2)")
    p.add_argument("--processes", type=int, default=128, metavar="N",
                   help="processes (threads count) each job may start, on top of what your "
                        "account already runs (default: 128)")
    p.set_defaults(run=_autograde)

    p = sub.add_parser("feedback", parents=[common],
                       help="make feedback/ HTML from autograded/ (no hidden test shows)")
    p.add_argument("lesson", nargs="?", metavar="LESSON",
                   help="only this lesson (default: all autograded)")
    p.add_argument("--student", metavar="S", help="only this student")
    p.set_defaults(run=_feedback)

    p = sub.add_parser("report", parents=[common],
                       help="report.csv per student and exercise, and a summary PNG/HTML")
    p.add_argument("lesson", metavar="LESSON")
    p.add_argument("--dest", metavar="DIR", help="write here (default: reports/LESSON/)")
    p.set_defaults(run=_report)

    from backprop.course.winnow import THRESHOLD  # stdlib only: --help stays light

    p = sub.add_parser("similarity", parents=[common],
                       help="rank pairs of answers that look alike (never changes a grade)")
    p.add_argument("lesson", metavar="LESSON")
    p.add_argument("--threshold", type=_threshold, default=THRESHOLD, metavar="X",
                   help=f"flag pairs from this score on, 0 to 1 (default: {THRESHOLD:g})")
    p.add_argument("--dest", metavar="DIR", help="write here (default: reports/LESSON/)")
    p.set_defaults(run=_similarity)

    p = sub.add_parser("validate", parents=[common],
                       help="run a notebook's checks (visible ones) before submitting it")
    p.add_argument("notebook", metavar="NOTEBOOK")
    p.add_argument("--timeout", type=float, default=60.0, metavar="S",
                   help="seconds per cell (default: 60)")
    p.set_defaults(run=_validate)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the process exit code."""
    args = _parser().parse_args(argv)
    from backprop.course.sandbox.bubblewrap import SandboxUnavailable

    try:
        return args.run(args)
    except CourseError as exc:
        print(f"backprop-course {args.command}: {exc}", file=sys.stderr)
        return 2
    except SandboxUnavailable as exc:
        return _sandbox_error(exc)


if __name__ == "__main__":
    sys.exit(main())
