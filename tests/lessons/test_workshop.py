"""docs/workshop.md, the workshop guide, stays in step with the course.

- every lesson in solutions/ (and in the README's table) has a section, and the section of a
  lesson whose solution notebook exists is written, not a placeholder;
- every registered exercise (staged ones too) appears in its lesson's section, with a table of
  usual mistakes that names exactly the exercise's known mistakes, each quoting words of its
  real message;
- each plan's rows are contiguous, start at 0:00, use the four kinds of block, and add up to
  the lesson's time in the README;
- every relative link points to a file that exists.

`guide_problems` returns the problems as sentences; the tests below also feed it broken
copies of the guide, so that each check is shown to fail when it should.
"""

import re
from pathlib import Path

import pytest

from backprop.grading import REGISTRY

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "workshop.md"
README = ROOT / "README.md"
PLACEHOLDER = "To be written by the lead"
PARTS = {"explain", "live-code", "exercise", "debrief"}

_README_ROW = re.compile(
    r"^\|\s*\d+\s*\|[^|]*?`(\d\d_[a-z_]+)`[^|]*\|\s*~?\s*(\d+)\s*min\s*\|", re.M)
_SECTION = re.compile(r"^## Lesson \d+ · `(\d\d_[a-z_]+)` \((\d+) min\)\s*$", re.M)
_PLAN_HEADING = re.compile(r"^### Plan \((\d+) min\)\s*$", re.M)
_PLAN_ROW = re.compile(r"^\|\s*(\d+):(\d\d)–(\d+):(\d\d)\s*\|\s*(\d+)\s*\|\s*([a-z-]+)\s*\|")
_MISTAKE_ROW = re.compile(r"^\|\s*`([A-Za-z0-9_]+)`\s*\|\s*“([^”]*)”\s*\|")
_LINK = re.compile(r"\]\(([^)\s]+)\)")


def readme_times(readme: str) -> dict[str, int]:
    """Lesson folder -> minutes, from the README's table of lessons."""
    return {lesson: int(minutes) for lesson, minutes in _README_ROW.findall(readme)}


def solution_lessons(root: Path = ROOT) -> list[str]:
    """The lessons that have a solution notebook."""
    return sorted(p.parent.name for p in (root / "solutions").glob("[0-9][0-9]_*/*.ipynb")
                  if p.stem == p.parent.name)


def sections(guide: str) -> dict[str, tuple[int, str]]:
    """Lesson folder -> (minutes in its heading, the section's text up to the next '## ')."""
    found = {}
    matches = list(_SECTION.finditer(guide))
    for match in matches:
        rest = guide[match.end():]
        end = re.search(r"^## ", rest, re.M)
        found[match.group(1)] = (int(match.group(2)), rest[: end.start()] if end else rest)
    return found


def plan_problems(lesson: str, text: str, minutes: int) -> list[str]:
    """Check a section's plan table against the lesson's time."""
    heading = _PLAN_HEADING.search(text)
    if heading is None:
        return [f"{lesson}: no '### Plan (N min)' table"]
    problems = []
    if int(heading.group(1)) != minutes:
        problems.append(f"{lesson}: the plan says {heading.group(1)} min, the README {minutes} min")
    rows = []
    for line in text[heading.end():].lstrip("\n").splitlines():
        if not line.startswith("|"):
            break
        row = _PLAN_ROW.match(line)
        if row:
            h0, m0, h1, m1, length, part = row.groups()
            rows.append((int(h0) * 60 + int(m0), int(h1) * 60 + int(m1), int(length), part))
    if not rows:
        example = "| 0:00–0:05 | 5 | explain |"
        return problems + [f"{lesson}: the plan table has no rows like '{example}'"]
    clock = 0
    for start, end, length, part in rows:
        if start != clock:
            problems.append(f"{lesson}: a plan row starts at minute {start}, expected {clock}")
        if end - start != length:
            problems.append(f"{lesson}: the row {start}–{end} says {length} min")
        if part not in PARTS:
            problems.append(f"{lesson}: unknown part {part!r} in the plan (use {sorted(PARTS)})")
        clock = end
    total = sum(length for *_, length, _ in rows)
    if total != minutes:
        problems.append(f"{lesson}: the plan adds up to {total} min, the README says {minutes}")
    missing = PARTS - {part for *_, part in rows}
    if missing:
        problems.append(f"{lesson}: the plan has no {', '.join(sorted(missing))} block")
    return problems


def mistake_tables(text: str) -> dict[str, list[tuple[str, str]]]:
    """Exercise id -> [(mistake name, quoted words)], from the tables under a line `id`."""
    tables: dict[str, list[tuple[str, str]]] = {}
    current = None
    for line in text.splitlines():
        alone = re.fullmatch(r"`([A-Za-z0-9_]+)`", line.strip())
        if alone:
            current = alone.group(1)
            tables[current] = []
            continue
        row = _MISTAKE_ROW.match(line)
        if row and current is not None:
            tables[current].append((row.group(1), row.group(2)))
    return tables


def guide_problems(guide: str, readme: str, lessons: list[str], registry=REGISTRY,
                   docs: Path = GUIDE.parent) -> list[str]:
    """Every way the guide is out of step with the course, as sentences (empty when fine)."""
    problems = []
    times = readme_times(readme)
    found = sections(guide)
    wanted = sorted(set(lessons) | set(times) | {e.lesson for e in registry.values()})
    for lesson in wanted:
        if lesson not in found:
            problems.append(f"{lesson}: no section '## Lesson N · `{lesson}` (M min)'")
            continue
        minutes, text = found[lesson]
        if lesson in times and minutes != times[lesson]:
            problems.append(f"{lesson}: the heading says {minutes} min, the README {times[lesson]}")
        if PLACEHOLDER in text:
            if lesson in lessons:
                problems.append(
                    f"{lesson}: the lesson exists but its section is still a placeholder")
        else:
            problems += plan_problems(lesson, text, times.get(lesson, minutes))
        # Registered exercises need their mistakes in the guide even before the lesson lands.
        tables = mistake_tables(text)
        for exercise in (e for e in registry.values() if e.lesson == lesson):
            if f"`{exercise.id}`" not in text:
                problems.append(f"{lesson}: exercise `{exercise.id}` is not mentioned")
            if exercise.id not in tables:
                problems.append(
                    f"{lesson}: no table of usual mistakes under a line `{exercise.id}`")
                continue
            names = [name for name, _ in tables[exercise.id]]
            known = {m.name: m.message for m in exercise.mistakes}
            for name in sorted(set(known) - set(names)):
                problems.append(f"{exercise.id}: known mistake `{name}` is not in the guide")
            for name in sorted(set(names) - set(known)):
                problems.append(f"{exercise.id}: the guide lists `{name}`, which is not registered")
            for name, quote in tables[exercise.id]:
                words = " ".join(quote.removesuffix("…").split())
                if name in known and words not in " ".join(known[name].split()):
                    problems.append(f"{exercise.id}: `{name}` quotes words its message doesn't "
                                    f"contain: {quote!r}")
    for target in _LINK.findall(guide):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue
        if not (docs / target.split("#")[0]).exists():
            problems.append(f"broken link: {target}")
    return problems


@pytest.fixture(scope="module")
def texts():
    return GUIDE.read_text(encoding="utf-8"), README.read_text(encoding="utf-8")


def test_the_guide_is_in_step_with_the_course(texts):
    guide, readme = texts
    assert guide_problems(guide, readme, solution_lessons()) == []


def test_the_parsers_find_what_is_there(texts):
    guide, readme = texts
    times = readme_times(readme)
    assert set(solution_lessons()) <= set(times) and len(times) >= 7
    found = sections(guide)
    assert set(solution_lessons()) <= set(found)
    for lesson in solution_lessons():
        assert mistake_tables(found[lesson][1]), lesson


def _replace(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def _lesson1_row(guide: str) -> str:
    return next(line for line in guide.splitlines() if line.startswith("| 0:08–0:13 |"))


@pytest.mark.parametrize("break_it, expected", [
    (lambda g: _replace(g, "## Lesson 3 · `03_mlp` (100 min)", "## Lesson 3 · 03_mlp"),
     "03_mlp: no section"),
    (lambda g: _replace(g, _lesson1_row(g), _lesson1_row(g).replace("| 5 |", "| 6 |")),
     "01_chain_rule: the row"),
    (lambda g: _replace(g, "| 1:20–1:25 | 5 | debrief |", "| 1:20–1:24 | 4 | debrief |"),
     "02_single_neuron: the plan adds up to 84 min"),
    (lambda g: _replace(g, "| 1:10–1:15 | 5 | debrief |", "| 1:10–1:15 | 5 | chat |"),
     "unknown part 'chat'"),
    (lambda g: _replace(g, "### Plan (75 min)", "### Plan (70 min)"),
     "the plan says 70 min"),
    (lambda g: g.replace("`he_init`", "`he`"),
     "04_relu_vs_sigmoid: exercise `he_init` is not mentioned"),
    (lambda g: _replace(g, "| `lr_twice` |", "| `lr_thrice` |"),
     "sgd_momentum: known mistake `lr_twice` is not in the guide"),
    (lambda g: _replace(g, "“dx and dy are swapped”", "“dx and dy are the wrong way round”"),
     "mul_backward: `swapped` quotes words"),
    (lambda g: _replace(g, "[docs/grading.md](grading.md)", "[docs/grading.md](grading-old.md)"),
     "broken link: grading-old.md"),
])
def test_a_broken_guide_is_caught(texts, break_it, expected):
    guide, readme = texts
    problems = guide_problems(break_it(guide), readme, solution_lessons())
    assert any(expected in p for p in problems), problems


def test_a_placeholder_fails_once_its_lesson_exists(texts):
    guide, readme = texts
    heading = "## Lesson 7 · `07_review` (45 min)\n"
    broken = _replace(guide, heading, f"{heading}\n**{PLACEHOLDER}:** this section.\n")
    problems = guide_problems(broken, readme, [*solution_lessons(), "07_review"])
    assert "07_review: the lesson exists but its section is still a placeholder" in problems


def test_a_readme_time_change_is_caught(texts):
    guide, readme = texts
    changed = re.sub(r"(`01_chain_rule`[^|]*\|\s*)~95 min", r"\g<1>~90 min", readme)
    assert changed != readme
    problems = guide_problems(guide, changed, solution_lessons())
    assert "01_chain_rule: the heading says 95 min, the README 90" in problems


def test_a_staged_exercise_needs_its_mistakes_under_a_placeholder(texts):
    guide, readme = texts
    staged = [e for e in REGISTRY.values() if e.lesson == "06_normalization"]
    if not staged:
        pytest.skip("no exercise of lesson 6 is registered yet")
    name = staged[0].mistakes[0].name
    broken = _replace(guide, f"| `{name}` |", "| `not_a_mistake` |")
    problems = guide_problems(broken, readme, solution_lessons())
    assert f"{staged[0].id}: known mistake `{name}` is not in the guide" in problems
