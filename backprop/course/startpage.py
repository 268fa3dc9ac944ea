r"""The course's start page, `START_HERE.ipynb`, generated from the lessons' own headers.

`jupyter lab START_HERE.ipynb`, run in the course folder, opens JupyterLab on this page. It
links every lesson of `lessons/` in order, with the time it needs and its learning goals,
all read from the first markdown cell of each lesson notebook:

- the title, from the first line: `# Lesson 3 · A multi-layer perceptron in matrix form`;
- the goals, from the bulleted list under `**By the end you will be able to**`;
- the time, from the paragraph `**Time needed:** about 60 minutes ...`.

The page is generated, never edited by hand. After adding a lesson or changing a lesson's
header, regenerate it from the course folder: `backprop-course release` does it after every
release, and on its own::

    python -m backprop.course.startpage           # rewrite START_HERE.ipynb if out of date
    python -m backprop.course.startpage --check   # exit 1 if it is out of date

The links are relative links in markdown cells: JupyterLab opens them in a new tab of the
same window. The notebook has no code, so it runs nothing.

Why the README passes the file name rather than relying on a config file: Jupyter no longer
reads `jupyter_*_config.py` from the working directory (jupyter_core removed that for
security, advisory GHSA-pq7m-3gw7-gq5x), so a `c.LabApp.default_url` in the course folder
would be ignored. `jupyter lab FILE` is the documented way to open a file at start: the
server writes a page for the browser that opens `/lab/tree/FILE` with the token.

Example:
    >>> header = parse_header(
    ...     "# Lesson 9 · Example\n\nIntro.\n\n**By the end you will be able to**\n"
    ...     "- do one thing;\n- do another,\n  over two lines.\n\n"
    ...     "**Time needed:** about 40 minutes (or more).\n", "09_example")
    >>> header.number, header.title, header.minutes
    (9, 'Example', 40)
    >>> header.goals
    ['do one thing;', 'do another, over two lines.']
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from backprop.course.folders import RELEASE, SOURCE

__all__ = [
    "FILENAME",
    "LessonHeader",
    "StartPageError",
    "build",
    "is_up_to_date",
    "main",
    "parse_header",
    "read_headers",
    "write",
]

FILENAME = "START_HERE.ipynb"

_KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
_TITLE = re.compile(r"^#\s+Lesson\s+(\d+)\s*[·:.\-–—]\s*(.+?)\s*$")
_GOALS = "**By the end you will be able to**"
_TIME = re.compile(r"\*\*Time needed:\*\*\s*(?:about\s+)?(\d+)\s*min", re.IGNORECASE)


class StartPageError(ValueError):
    """A lesson's header lacks what the start page needs (title, goals or time)."""


@dataclass(frozen=True)
class LessonHeader:
    """What the start page shows of one lesson.

    Attributes:
        lesson: The lesson's id, e.g. "03_mlp" (its folder under lessons/).
        number: The lesson's number, from its title.
        title: The title without "Lesson N ·".
        goals: The learning goals, one markdown string each.
        minutes: The time needed, in minutes.
    """

    lesson: str
    number: int
    title: str
    goals: list[str]
    minutes: int

    @property
    def link(self) -> str:
        """The notebook's path relative to the course folder, with forward slashes."""
        return f"{RELEASE}/{self.lesson}/{self.lesson}.ipynb"


def parse_header(markdown: str, lesson: str) -> LessonHeader:
    """Read the title, goals and time from a lesson's first markdown cell.

    Args:
        markdown: The cell's source.
        lesson: The lesson's id, used for the link and in error messages.

    Returns:
        The lesson's header.

    Raises:
        StartPageError: If the title line, the goals list or the time is missing, naming
            what was expected.
    """
    lines = markdown.splitlines()
    title = _TITLE.match(lines[0]) if lines else None
    if title is None:
        raise StartPageError(
            f"{lesson}: the first markdown cell must start with a title such as "
            f"'# Lesson 3 · A multi-layer perceptron', not {lines[0] if lines else ''!r}."
        )
    goals: list[str] = []
    try:
        start = next(i for i, line in enumerate(lines) if line.strip().startswith(_GOALS))
    except StopIteration:
        start = None
    if start is not None:
        for line in lines[start + 1:]:
            if not line.strip():
                if goals:
                    break
                continue
            if line.startswith(("- ", "* ")):
                goals.append(line[2:].strip())
            elif goals and line.startswith(" "):
                goals[-1] += " " + line.strip()
            else:
                break
    if not goals:
        raise StartPageError(
            f"{lesson}: the first markdown cell needs a bulleted list of goals under "
            f"'{_GOALS}'."
        )
    time = _TIME.search(markdown)
    if time is None:
        raise StartPageError(
            f"{lesson}: the first markdown cell needs a line such as "
            "'**Time needed:** about 60 minutes'."
        )
    return LessonHeader(lesson=lesson, number=int(title.group(1)), title=title.group(2),
                        goals=goals, minutes=int(time.group(1)))


def read_headers(course: Path) -> list[LessonHeader]:
    """Read the header of every lesson in `course/lessons/`, in course order.

    Raises:
        StartPageError: If there are no lessons, or a lesson's header is incomplete.
    """
    sources = Path(course) / SOURCE
    folders = sorted(p for p in (Path(course) / RELEASE).glob("*") if p.is_dir()
                     and not p.name.startswith(".") and (p / f"{p.name}.ipynb").is_file()
                     # a leftover release whose solution is gone is no longer a lesson
                     and (not sources.is_dir() or (sources / p.name).is_dir()))
    if not folders:
        raise StartPageError(f"no lesson notebooks in {Path(course) / RELEASE}")
    headers = []
    for folder in folders:
        nb = nbformat.read(folder / f"{folder.name}.ipynb", as_version=4)
        first = next((c.source for c in nb.cells if c.cell_type == "markdown"), "")
        headers.append(parse_header(first, folder.name))
    return headers


def _duration(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{minutes} minutes"
    text = "1 hour" if hours == 1 else f"{hours} hours"
    return f"{text} {rest} minutes" if rest else text


def _cell(cell_id: str, source: str) -> NotebookNode:
    cell = nbformat.v4.new_markdown_cell(source)
    cell.id = cell_id  # fixed ids: the page is regenerated byte for byte
    return cell


def build(course: Path) -> NotebookNode:
    """Return the start page of `course` as a notebook (markdown cells only)."""
    headers = read_headers(course)
    total = sum(h.minutes for h in headers)
    rows = "\n".join(
        f"| {h.number} | [{h.title}]({h.link}) | about {h.minutes} min |" for h in headers
    )
    intro = f"""# Backprop Workbook · start here

Welcome! This course teaches **backpropagation**, the algorithm that lets a neural network
learn, from the chain rule up to the layers of a deep network. You derive every gradient
yourself, code it in a notebook, and get specific feedback on it at once.

There are {len(headers)} lessons, about {_duration(total)} in all. Take them in order: each one
builds on the ones before. **Click a lesson's title to open it** (it opens in a new tab), then
run its cells from the top with Shift+Enter. The notebook tells you what to do in each
exercise, and a check right below it says whether your code is right and, if not, what to try.

| # | lesson | time |
|---|--------|------|
{rows}"""
    cells = [_cell("start-here", intro)]
    for h in headers:
        goals = "\n".join(f"- {goal}" for goal in h.goals)
        cells.append(_cell(
            f"lesson-{h.lesson}",
            f"## Lesson {h.number} · [{h.title}]({h.link})\n\n"
            f"*About {h.minutes} minutes.* By the end you will be able to:\n\n{goals}",
        ))
    cells.append(_cell("generated", (
        "*This page is generated from the lessons' first cells by "
        "`backprop-course release`; edit the lessons, not this page.*"
    )))
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata = {"kernelspec": dict(_KERNELSPEC), "language_info": {"name": "python"}}
    return nb


def _text(nb: NotebookNode) -> str:
    return nbformat.writes(nb) + "\n"


def is_up_to_date(course: Path) -> bool:
    """Return whether `course/START_HERE.ipynb` is exactly what `build` produces."""
    path = Path(course) / FILENAME
    return path.is_file() and path.read_text(encoding="utf-8") == _text(build(course))


def write(course: Path) -> bool:
    """Write `course/START_HERE.ipynb`; return whether the file changed."""
    path = Path(course) / FILENAME
    text = _text(build(course))
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    path.write_text(text, encoding="utf-8")
    return True


def main(argv: list[str] | None = None) -> int:
    """Command line: `python -m backprop.course.startpage [--check] [--course PATH]`."""
    parser = argparse.ArgumentParser(
        prog="python -m backprop.course.startpage",
        description=f"Regenerate {FILENAME} from the lessons' headers.",
    )
    parser.add_argument("--course", default=".", help="the course folder (default: .)")
    parser.add_argument("--check", action="store_true",
                        help="change nothing; exit 1 if the page is out of date")
    args = parser.parse_args(argv)
    course = Path(args.course).resolve()
    try:
        if args.check:
            if is_up_to_date(course):
                print(f"{FILENAME} is up to date.")
                return 0
            print(f"{FILENAME} is out of date: run `backprop-course release`.",
                  file=sys.stderr)
            return 1
        changed = write(course)
    except StartPageError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"{'wrote' if changed else 'already up to date:'} {course / FILENAME}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
