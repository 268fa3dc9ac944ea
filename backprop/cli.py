"""`backprop-course`: the instructor's command line.

    backprop-course release [LESSON ...]   regenerate lessons/ from solutions/ (nbgrader)
    backprop-course strip [NOTEBOOK ...]   remove outputs from notebooks (solutions/ by default)

Run `backprop-course COMMAND --help` for the options of a command.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from backprop import course

__all__ = ["main"]


def _release(args: argparse.Namespace) -> int:
    root = course.find_course(args.course)
    dest = Path(args.dest).resolve() if args.dest else None
    changed = course.release(root, dest=dest, lessons=args.lessons or None)
    where = dest or root / course.RELEASE
    if changed:
        for path in changed:
            print(f"  updated {path.relative_to(where) if path.is_relative_to(where) else path}")
        print(f"released into {where}: {len(changed)} file(s) changed.")
    else:
        print(f"released into {where}: already up to date.")
    return 0


def _strip(args: argparse.Namespace) -> int:
    import nbformat

    if args.notebooks:
        paths = [Path(p) for p in args.notebooks]
    else:
        root = course.find_course(args.course)
        paths = sorted((root / course.SOURCE).rglob("*.ipynb"))
    paths = [p for p in paths if ".ipynb_checkpoints" not in p.parts]
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise course.CourseError(f"no such notebook: {', '.join(missing)}")
    n = 0
    for path in paths:
        nb = course.clean_notebook(nbformat.read(path, as_version=4))
        if course.write_notebook(nb, path):
            print(f"  stripped {path}")
            n += 1
    print(f"{n} of {len(paths)} notebook(s) changed.")
    return 0


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
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the process exit code."""
    args = _parser().parse_args(argv)
    try:
        return args.run(args)
    except course.CourseError as exc:
        print(f"backprop-course {args.command}: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
