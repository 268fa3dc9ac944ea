"""The course secret: the hidden cases the grader uses are drawn from it, not from the package.

The package every learner installs holds each exercise's case generator and seeds, so with
the public seeds the hidden cases (and, with the references, their answers) could be
computed ahead. The grader instead seeds each exercise's hidden cases from a secret that
belongs to the course: `hidden_seed(secret, exercise_id)` is an HMAC of the exercise id, so
one exercise's seed says nothing about another's, or about the secret.

Where the secret is: the file `nbgrader_config.py` names with
`c.BackpropWorkbook.secret_file = "/path/to/file"` (relative to the course folder), or else
`grading-secret.txt` beside the gradebook (the course folder for a database server). The
first `backprop-course autograde` creates it (64 random hex digits, readable by its owner
only); `.gitignore` keeps it out of the repository. Keep it with the gradebook's backups:
a new secret gives new hidden cases, so a re-grade would no longer match old scores.

Learners' own checks (`check(..., hidden=True)` in the notebooks) keep the public seeds.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from backprop.course.folders import CourseError
from backprop.course.gradebook import course_config, db_url

__all__ = ["SECRET_FILE", "course_secret", "hidden_seed", "secret_path"]

SECRET_FILE = "grading-secret.txt"
_MIN_LENGTH = 16  # characters: anything shorter could be guessed


def secret_path(course: Path) -> Path:
    """Where the course secret is kept (it may not exist yet)."""
    config = course_config(course)
    if "secret_file" in config.get("BackpropWorkbook", {}):
        path = Path(str(config.BackpropWorkbook.secret_file)).expanduser()
        return path if path.is_absolute() else Path(course) / path
    url = db_url(course)
    if url.startswith("sqlite:///"):
        return Path(url.removeprefix("sqlite:///")).parent / SECRET_FILE
    return Path(course) / SECRET_FILE


def course_secret(course: Path, *, create: bool = False) -> str:
    """Read the course secret; with `create`, make one if there is none yet.

    Raises:
        CourseError: If there is no secret (and `create` is False), or it is too short or
            unreadable; the message says where it should be.
    """
    path = secret_path(course)
    if create and not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:  # O_EXCL: two graders starting at once can't write two different secrets
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(secrets.token_hex(32) + "\n")
    try:
        text = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise CourseError(f"no course secret at {path}: `backprop-course autograde` creates "
                          "it, or set c.BackpropWorkbook.secret_file in nbgrader_config.py."
                          ) from None
    except OSError as err:
        raise CourseError(f"the course secret {path} can't be read: {err}") from None
    if len(text) < _MIN_LENGTH:
        raise CourseError(f"the course secret in {path} is {len(text)} characters long; use at "
                          f"least {_MIN_LENGTH} (delete the file to have autograde make one).")
    return text


def hidden_seed(secret: str, exercise_id: str) -> int:
    """The seed of one exercise's hidden cases: an HMAC of its id under the secret."""
    digest = hmac.new(secret.encode(), f"hidden:{exercise_id}".encode(), hashlib.sha256)
    return int.from_bytes(digest.digest()[:8], "big") >> 1  # a non-negative int64
