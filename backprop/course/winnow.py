"""Winnowing fingerprints of Python source, as MOSS takes them (Schleimer, Wilkerson, Aiken 2003).

`fingerprint(source, base=...)` turns one answer cell into a `Fingerprints`: the source is
tokenized with the standard library's `tokenize` and normalised, so that what a copier
changes without changing the program no longer shows:

- comments, docstrings (a statement that is only a string), blank lines, indentation and
  line breaks inside brackets are dropped; a statement's end (a newline or `;`) is one
  token `;`;
- every name the cell binds (a parameter, an assigned variable, a loop variable, a
  function or class it defines, an attribute it assigns such as `self._prev`) becomes `V`.
  The names it only uses keep their text: builtins (`float`, `len`), modules and
  functions of the lesson's setup (`np`, `math`, `mul_forward`) and their attributes
  (`np.exp`, `x.shape`, `.T`). Renaming those would change the program, so keeping them
  costs a renamed copy nothing and keeps independent answers apart;
- every string literal becomes `S`, every number `N`;
- parentheses that only group (not those of a call, a definition or a subscript) are
  dropped, and so is a trailing comma before a closing bracket: splitting an expression
  over lines adds both.

Every run of `K` consecutive tokens (a k-gram) is hashed with BLAKE2b (8 bytes; stable
across processes and machines, unlike Python's salted `hash()`). Winnowing keeps, from
every window of `W` consecutive k-gram hashes, the smallest (the rightmost one on ties),
each position once: any run of at least `W + K - 1` tokens two answers share yields a
common fingerprint, and a run shorter than `K` never does.

The release's stub of the cell (its signature, `raise NotImplementedError()`) is what
every learner was given: `fingerprint(..., base=stub)` leaves out every k-gram the stub has
(MOSS's base file), so that no two answers match on it.
"""

from __future__ import annotations

import ast
import builtins
import hashlib
import io
import keyword
import re
import tokenize
from dataclasses import dataclass

__all__ = ["K", "MIN_FINGERPRINTS", "THRESHOLD", "W", "Fingerprints", "containment",
           "fingerprint", "normalise", "winnow"]

#: Tokens per k-gram. Five tokens is one short statement (`V = V * V`), which any two
#: answers share; seven span a statement and a half, which they share less by chance.
#: (bench/similarity.py with K from 5 to 8 and W from 3 to 5: every copy of the synthetic
#: class scores alike; the independent answers' maximum moves between 0.81 and 1.0
#: without a trend, so the values chosen beforehand were kept.)
K = 7
#: Window: winnowing keeps about 2 / (W + 1) of the k-grams and still finds every shared
#: run of W + K - 1 = 10 tokens or more.
W = 4
#: The similarity report flags a pair from this score on (kept here, with the parameters
#: the same bench chose, so that the command line shows it without loading the report).
#: On bench/similarity.py's class of lessons 1-3, the
#: independent answers that can be compared reach at most 0.87 (two that follow the
#: lesson's prescribed gate-by-gate neuron_backward), every renamed or reformatted copy
#: scores 1.0, and a copy with a statement inserted 0.87 to 1.0.
THRESHOLD = 0.9
#: An answer with fewer fingerprints than this is "too short to compare": the short
#: exercises (mul_backward, tanh_backward, ...) have one obvious answer of two or three
#: lines (mul_backward's is 8 fingerprints), which independent learners write alike.
MIN_FINGERPRINTS = 10

_KEYWORDS = frozenset(keyword.kwlist)  # soft keywords (match, case, _) are names
_BUILTINS = frozenset(dir(builtins))
_SKIPPED = frozenset({tokenize.COMMENT, tokenize.NL, tokenize.INDENT, tokenize.DEDENT,
                      tokenize.ENCODING, tokenize.ENDMARKER})
_STATEMENT_START = frozenset({None, ";", tokenize.INDENT, tokenize.DEDENT})
# f-strings are several tokens from Python 3.12 on; their pieces count as one string.
_FSTRING = tuple(getattr(tokenize, name) for name in ("FSTRING_START", "FSTRING_MIDDLE",
                                                      "FSTRING_END") if hasattr(tokenize, name))
# IPython's magics and shell escapes (`%timeit`, `!pip`) are not Python: blanked, not parsed.
_MAGIC = re.compile(r"^[ \t]*[%!].*$", re.MULTILINE)


@dataclass(frozen=True)
class Token:
    """One normalised token, and the lines (1-based, of the cell) its text spans."""

    text: str
    first: int
    last: int


@dataclass(frozen=True)
class Fingerprints:
    """An answer's fingerprints.

    Attributes:
        selected: The winnowed k-gram hashes, without the stub's: what a score counts.
        spans: Every k-gram hash of the answer (the stub's too) -> the lines its tokens
            are on, once per occurrence; what the side-by-side view highlights.
        base: The stub's k-gram hashes, which never count as a match.
    """

    selected: frozenset[int]
    spans: dict[int, tuple[tuple[int, ...], ...]]
    base: frozenset[int] = frozenset()

    def __len__(self) -> int:
        return len(self.selected)

    def lines_shared_with(self, other: Fingerprints) -> set[int]:
        """The lines of this answer covered by a k-gram the other has too (not the stub's)."""
        shared = (self.spans.keys() & other.spans.keys()) - self.base - other.base
        return {line for h in shared for lines in self.spans[h] for line in lines}


@dataclass(frozen=True)
class _Bindings:
    """What a cell binds: names, attribute names; and where a call names a keyword."""

    names: set[str]
    attributes: set[str]
    keywords: set[tuple[int, int]]  # (line, column) of `axis` in `x.sum(axis=0)`


def _bindings(source: str) -> _Bindings | None:
    """The names and attribute names the cell binds, or None if it does not parse.

    A call's keyword (`axis` in `x.sum(axis=axis)`) names the callee's parameter, not
    the cell's variable of the same name: its position is listed, so that it keeps its text.
    """
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return None
    names: set[str] = set()
    attributes: set[str] = set()
    keywords: set[tuple[int, int]] = set()
    lines = source.splitlines()
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg is not None:
            # ast counts UTF-8 bytes into the line, tokenize counts characters.
            before = lines[node.lineno - 1].encode("utf-8")[:node.col_offset]
            keywords.add((node.lineno, len(before.decode("utf-8", errors="replace"))))
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            names.add(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store | ast.Del):
            attributes.add(node.attr)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.alias):
            names.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
        elif isinstance(node, ast.Global | ast.Nonlocal):
            names.update(node.names)
    return _Bindings(names, attributes, keywords)


def _raw_tokens(source: str) -> list[tokenize.TokenInfo]:
    """The cell's tokens; a cell that stops parsing keeps the tokens before the error."""
    found: list[tokenize.TokenInfo] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            found.append(tok)
    except (tokenize.TokenError, SyntaxError):  # unclosed bracket, bad dedent, ...
        pass
    return found


def _drop_docstrings(tokens: list[tokenize.TokenInfo]) -> list[tokenize.TokenInfo]:
    """Leave out comments, layout and every statement that is only a string (docstrings)."""
    kept: list[tokenize.TokenInfo] = []
    previous: object = None  # the last significant token: a statement starts after these
    for i, tok in enumerate(tokens):
        if tok.type in (tokenize.COMMENT, tokenize.NL, tokenize.ENCODING):
            continue
        if tok.type == tokenize.STRING and previous in _STATEMENT_START:
            after = next((t for t in tokens[i + 1:] if t.type not in _SKIPPED - {
                tokenize.ENDMARKER}), None)
            if after is None or after.type in (tokenize.NEWLINE, tokenize.ENDMARKER) or (
                    after.type == tokenize.OP and after.string == ";"):
                continue
        kept.append(tok)
        if tok.type == tokenize.NEWLINE or (tok.type == tokenize.OP and tok.string == ";"):
            previous = ";"
        elif tok.type in (tokenize.INDENT, tokenize.DEDENT):
            previous = tok.type
        else:
            previous = tok.string
    return kept


def normalise(source: str) -> list[Token]:
    """Tokenize a cell and normalise it (see the module docstring).

    Args:
        source: Python source of one cell; IPython magics are ignored, and a cell that
            does not parse is read up to its error.

    Returns:
        The normalised tokens, with the cell lines each one came from.
    """
    source = _MAGIC.sub("", source)
    bound = _bindings(source)
    tokens = _drop_docstrings(_raw_tokens(source))
    out: list[Token] = []
    brackets: list[bool] = []  # for each open bracket: is it a grouping parenthesis?
    previous: tokenize.TokenInfo | None = None
    for tok in tokens:
        kind, text = tok.type, tok.string
        if kind in _SKIPPED:
            continue
        if kind == tokenize.NEWLINE or (kind == tokenize.OP and text == ";"):
            if not out or out[-1].text in (";", ":"):
                continue  # one end per statement; `if a: b` on one line or on two is alike
            text = ";"
        elif kind == tokenize.NAME and text not in _KEYWORDS:
            after_dot = previous is not None and previous.string == "."
            if bound is None:  # unparsable: every name but a builtin may be the copier's
                text = text if text in _BUILTINS and not after_dot else "V"
            elif tok.start in bound.keywords:
                pass  # a call's keyword: the callee's parameter name
            elif text in (bound.attributes if after_dot else bound.names):
                text = "V"
        elif kind in _FSTRING[1:]:
            continue  # an f-string's text and end: its start already counted as one S
        elif kind == tokenize.STRING or kind in _FSTRING[:1]:
            text = "S"
        elif kind == tokenize.NUMBER:
            text = "N"
        elif kind == tokenize.OP and text in "([{":
            grouping = text == "(" and not (previous is not None and (
                previous.type == tokenize.NAME and previous.string not in _KEYWORDS
                or previous.string in (")", "]")))
            brackets.append(grouping)
            previous = tok
            if grouping:
                continue
        elif kind == tokenize.OP and text in ")]}":
            grouping = brackets.pop() if brackets else False
            if out and out[-1].text == ",":
                out.pop()  # a trailing comma: `f(a, b,)` is `f(a, b)`
            previous = tok
            if grouping:
                continue
        out.append(Token(text, tok.start[0], tok.end[0]))
        previous = tok
    while out and out[-1].text == ";":
        out.pop()
    return out


def _hash(texts: list[str]) -> int:
    digest = hashlib.blake2b("\x1f".join(texts).encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def winnow(hashes: list[int], w: int = W) -> list[int]:
    """Robust winnowing: the positions of the minimum of every window of `w` hashes.

    The rightmost minimum is taken on ties, and a position chosen by consecutive windows
    is listed once. A sequence shorter than one window yields its (rightmost) minimum.

    Args:
        hashes: The k-gram hashes of one document, in order.
        w: The window size, at least 1.

    Returns:
        The selected positions, increasing.
    """
    if w < 1:
        raise ValueError(f"w must be at least 1, got {w}")
    selected: list[int] = []
    for start in range(max(1, len(hashes) - w + 1) if hashes else 0):
        window = hashes[start:start + w]
        low = min(window)
        at = start + max(i for i, h in enumerate(window) if h == low)
        if not selected or selected[-1] != at:
            selected.append(at)
    return selected


def fingerprint(source: str, *, base: str | None = None, k: int = K,
                w: int = W) -> Fingerprints:
    """Fingerprint one answer: normalise, hash every k-gram, winnow, subtract the stub.

    Args:
        source: The answer cell's source.
        base: The same cell as released (the stub everyone was given), whose k-grams
            never count; None for no stub.
        k: Tokens per k-gram.
        w: The winnowing window.

    Returns:
        The answer's fingerprints. An answer of fewer than k tokens has none.
    """
    tokens = normalise(source)
    grams = [(_hash([t.text for t in tokens[i:i + k]]), tuple(sorted(
        {line for t in tokens[i:i + k] for line in range(t.first, t.last + 1)})))
             for i in range(len(tokens) - k + 1)]
    spans: dict[int, list[tuple[int, ...]]] = {}
    for h, lines in grams:
        spans.setdefault(h, []).append(lines)
    stub = frozenset(fingerprint(base, k=k, w=w).spans) if base is not None else frozenset()
    chosen = frozenset(grams[i][0] for i in winnow([g[0] for g in grams], w)) - stub
    return Fingerprints(chosen, {h: tuple(s) for h, s in spans.items()}, stub)


def containment(a: Fingerprints, b: Fingerprints) -> float:
    """The share of the smaller answer's fingerprints that the other has: |A∩B| / min(|A|, |B|).

    1.0 when one answer is contained in the other (a copy with code added still scores
    1.0), 0.0 when they share nothing; 0.0 when either has no fingerprint at all.
    """
    smaller = min(len(a), len(b))
    return len(a.selected & b.selected) / smaller if smaller else 0.0
