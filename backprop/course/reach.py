"""What each exercise's function can reach, read from the submitted code without running it.

The learner's `check` watches, inside their kernel, whether the package's answer runs (a
profile hook, `backprop.grading.judge`). Code in the same kernel can switch that off, and
it only knows one function. So before a submission runs, the grader reads its code cells
here (parsed with `ast`, never executed) and finds, for each graded exercise, everything
the learner's function can reach: the names it uses, the cells that define or change them,
and so on, down to the package's own objects. An exercise gets 0, with a plain message
naming what it reached, when that is

- one of the package's answers to it, `Exercise.answers` (its reference and every
  equivalent, such as `batchnorm_backward_alt` for `batchnorm_backward`), or a package
  function or class that uses one of them (`affine_relu_backward` for `relu_backward`);
- anything in `backprop.grading` or `backprop.course`, the grader's own code;
- code the grader cannot follow without running it: `eval`, `exec`, `globals()`,
  `getattr` with a computed name, private attributes such as `__globals__`, IPython's
  history (`Out`, `_5`), `get_ipython()` and most magics, a module outside the short list a
  lesson needs (numpy, math, matplotlib, ...), unpickling, or a cell that changes names it
  doesn't own that way (which may then stand for any name).

Every other package function stays allowed: the helpers a lesson asks for (`sum_to_shape`,
`rel_error`, `MLP` in the capstone) reach none of these. The locked cells (setup and tests,
put back as released by `preflight`) are trusted: their imports count, their code is not
suspected.

How far it looks: a name's meaning is every statement that binds it (an import, a `def`, an
assignment, a `global` rebinding inside a function), changes it (`Box.f = ...`,
`table["f"] = ...`, `items.append(...)`) or hands it to the learner's own function (which
may change it); each of those is followed in turn. This over-approximates on purpose: a
cell that compares `batchnorm_backward_alt` with the learner's function doesn't count,
because it neither defines nor changes the learner's function, but a cell that stores the
package's function in something the learner's function reads does.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import re
import types
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from nbformat import NotebookNode

from backprop import grading
from backprop.course.coderead import Imported, Statement, Use, read_notebook

__all__ = ["Finding", "refusals"]

# ---------------------------------------------------------------------------------
# What the reader refuses to follow
# ---------------------------------------------------------------------------------

#: Modules a lesson's code may use: nothing in them hands back the package's functions.
ALLOWED_MODULES = frozenset({
    "__future__", "abc", "bisect", "cmath", "collections", "contextlib", "copy", "csv",
    "dataclasses", "decimal", "enum", "fractions", "functools", "heapq", "ipywidgets",
    "itertools", "json", "math", "matplotlib", "numbers", "numpy", "pprint", "random", "re",
    "statistics", "string", "textwrap", "time", "typing", "warnings",
})
_ALLOWED_SUBMODULES = ("IPython.display",)
# Attributes of allowed modules that evaluate code or strings: as bad as eval.
_DYNAMIC_ATTRIBUTES = {("typing", "get_type_hints")}
# Modules that reach into the running kernel (its modules, frames, namespaces, pickles):
# a cell that uses one may change any name, so it counts as defining every name.
WILD_MODULES = frozenset({
    "sys", "importlib", "builtins", "inspect", "gc", "ctypes", "types", "pickle", "_pickle",
    "marshal", "dill", "cloudpickle", "shelve", "copyreg", "runpy", "code", "codeop",
    "pkgutil", "imp", "traceback", "operator", "unittest", "ast", "dis", "__main__",
    "IPython", "ipykernel", "site", "zipimport", "joblib",
})
# Harmless uses of those (lesson 1 prints the recursion limit; warnings go to stderr).
_HARMLESS_ATTRIBUTES = {
    "sys": {"version", "version_info", "getrecursionlimit", "setrecursionlimit", "float_info",
            "maxsize", "platform", "stdout", "stderr", "getsizeof", "executable", "argv"},
}
_DYNAMIC_BUILTINS = frozenset({
    "eval", "exec", "compile", "__import__", "globals", "locals", "vars", "breakpoint",
    "getattr", "setattr", "delattr", "get_ipython", "__builtins__", "__loader__", "__spec__",
    "__build_class__",
})
def _module_allowed(path: str) -> bool:
    return path.split(".")[0] in ALLOWED_MODULES or any(
        path == m or path.startswith(m + ".") for m in _ALLOWED_SUBMODULES)



# The names IPython adds to a kernel: its history of inputs and outputs, and itself.
_IPYTHON_NAMES = re.compile(r"_+\d*|_i+\d*|_(ih|oh|dh)|In|Out|exit|quit|get_ipython")
_IPYTHON_HARMLESS = frozenset({"display"})

# ---------------------------------------------------------------------------------
# The package's side: which of its objects use which
# ---------------------------------------------------------------------------------

_MISSING = object()


def _package_name(obj: Any) -> str | None:
    """The backprop module an object belongs to, or None."""
    if isinstance(obj, types.ModuleType):
        name = obj.__name__
    elif isinstance(obj, functools.partial):
        return _package_name(obj.func)
    else:
        name = getattr(obj, "__module__", None)
    return name if isinstance(name, str) and (name == "backprop"
                                              or name.startswith("backprop.")) else None


def _is_internal(obj: Any) -> bool:
    name = _package_name(obj) or ""
    return name.startswith(("backprop.grading", "backprop.course"))


def _all_names(code: types.CodeType) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _all_names(const)
    return names


def _members(obj: Any) -> Iterator[Any]:
    """What a package object uses or holds.

    A module's objects, a class's methods, the functions and classes a function's code names.
    """
    if isinstance(obj, types.ModuleType):
        yield from list(vars(obj).values())
    elif isinstance(obj, type):
        for klass in obj.__mro__[:-1]:
            for member in vars(klass).values():
                member = getattr(member, "__func__", member)
                if isinstance(member, property):
                    yield from (m for m in (member.fget, member.fset) if m is not None)
                else:
                    yield member
            yield klass
    elif isinstance(obj, functools.partial):
        yield obj.func
        yield from obj.args
    elif isinstance(obj, dict):
        yield from list(obj.values())
    elif isinstance(obj, list | tuple | set | frozenset):
        yield from list(obj)
    elif inspect.isfunction(obj):
        target = inspect.unwrap(obj)
        if target is not obj:
            yield target
        names = _all_names(target.__code__)
        space = target.__globals__
        if "." in target.__qualname__:  # a method: its class, with every other method
            yield space.get(target.__qualname__.split(".")[0])
        for name in names:
            value = space.get(name, _MISSING)
            if isinstance(value, types.ModuleType):
                if _package_name(value):  # numpy's names are none of the package's
                    yield from (getattr(value, n, None) for n in names)
            elif value is not _MISSING:
                yield value
        for cell in target.__closure__ or ():
            try:
                yield cell.cell_contents
            except ValueError:  # an empty cell
                continue



def _closure(start: Any) -> list[Any]:
    """Every package object reachable from start through `_members` (start included).

    A class that a function's code names is kept but not opened: the package names classes
    in `isinstance` checks (`plots` accepts a list of `Value`s) as often as it runs them.
    """
    seen: dict[int, Any] = {}
    stack: list[tuple[Any, bool]] = [(start, True)]
    while stack:
        obj, opened = stack.pop()
        if id(obj) in seen or not (_package_name(obj) or isinstance(
                obj, dict | list | tuple | set | frozenset | functools.partial)):
            continue
        if isinstance(obj, dict | list | tuple | set | frozenset) and len(obj) > 10_000:
            continue
        seen[id(obj)] = obj
        if opened or not isinstance(obj, type):
            from_function = inspect.isfunction(obj)
            stack.extend((m, not from_function) for m in _members(obj) if m is not None)
    return [o for o in seen.values() if _package_name(o)]


def _class_of(fn: Any) -> Any:
    """The class a package method belongs to (`Value.backward` -> Value), or None."""
    qualname = getattr(fn, "__qualname__", "")
    if not inspect.isfunction(fn) or "." not in qualname:
        return None
    return fn.__globals__.get(qualname.split(".")[0])


def _answer_in_class(owner: Any, ids: set[int]) -> Any:
    """The answer a class is, inherits from, or holds as a method (`Value.backward`)."""
    if not isinstance(owner, type):
        return None
    for klass in owner.__mro__:
        if id(klass) in ids:
            return klass
        for member in vars(klass).values():
            member = getattr(member, "__func__", member)
            if id(member) in ids:
                return member
    return None


def _forbidden_in(obj: Any, ex: grading.Exercise) -> Any:
    """The answer to ex (or the grader's object) that obj is or uses, or None.

    A function answer counts wherever the package's code names it (`affine_relu_backward`
    calls `relu_backward`); an answer that is a class (`MLP`) or a class's method
    (`Value.backward`) only when the learner reaches that class, a subclass or a method of
    it: the package names classes in `isinstance` checks too.
    """
    ids = {id(inspect.unwrap(a)) for a in ex.answers}
    target = inspect.unwrap(obj) if callable(obj) else obj
    if id(target) in ids:
        return target
    owner = target if isinstance(target, type) else _class_of(target)
    hit = _answer_in_class(owner, ids)
    if hit is not None:
        return hit
    found = None
    for member in _closure(obj):
        member = inspect.unwrap(member) if callable(member) else member
        if id(member) in ids and not isinstance(member, type):
            return member
        if found is None and _is_internal(member):
            found = member
    return found


def _package_object(path: str, chain: tuple[str, ...]) -> tuple[Any, str]:
    """Import a backprop module and follow attributes; the object and its dotted name."""
    obj: Any = importlib.import_module(path)
    name = path
    for attr in chain:
        if not isinstance(obj, types.ModuleType | type):
            break  # an attribute of a function or a value: the object itself is what counts
        nxt = getattr(obj, attr, _MISSING)
        if nxt is _MISSING and isinstance(obj, types.ModuleType):
            try:
                nxt = importlib.import_module(f"{obj.__name__}.{attr}")
            except ImportError:
                nxt = _MISSING
        if nxt is _MISSING:
            break  # AttributeError when it runs: nothing reached past here
        obj, name = nxt, f"{name}.{attr}"
    return obj, name


# ---------------------------------------------------------------------------------
# Following one exercise's function
# ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """Why an exercise's function can't be accepted.

    Attributes:
        kind: "answer" (it reaches the package's answer), "grader" (the grader's own code)
            or "unfollowable" (code the grader can't follow without running it).
        what: The object's dotted name, or what the code does ("eval", "%run").
        where: "cell 12, line 3".
        via: The names followed from the learner's function to it.
    """

    kind: str
    what: str
    where: str
    via: tuple[str, ...] = ()
    wild: bool = False  # it may change any name (eval, sys.modules), not only its own

    @property
    def label(self) -> str:
        """The diagnosis the gradebook keeps, and the report counts."""
        return {"answer": "uses the package's answer", "grader": "uses the grader's code"}.get(
            self.kind, "code the grader can't follow")

    def message(self, exercise_id: str) -> str:
        """What the learner reads: what was found, where, and what to do."""
        path = " → ".join(self.via)
        route = f" (through {path})" if len(self.via) > 1 else ""
        if self.kind == "answer":
            return (f"{exercise_id}: your code reaches backprop's own {self.what}{route}, "
                    f"{self.where}, which computes this exercise's answer. Write "
                    f"{exercise_id} yourself, from what the lesson derives: the grader reads "
                    "your code and gives no points for the package's answer.")
        if self.kind == "grader":
            return (f"{exercise_id}: your code reaches the grader's own code, {self.what}"
                    f"{route}, {self.where}. Your answer may use numpy and the lesson's "
                    "helpers, not backprop.grading.")
        return (f"{exercise_id}: the grader could not follow your code without running it: "
                f"{self.where} uses {self.what}{route}. The grader reads your code to make "
                "sure it doesn't use the package's answers; remove that use (it is not "
                "needed for any exercise) and submit again.")


class _Follower:
    """Follows names from one exercise's function through the notebook's statements."""

    def __init__(self, statements: list[Statement]) -> None:
        self.statements = statements
        self.bindings: dict[str, list[int]] = {}
        self.imports: dict[str, list[tuple[int, Imported]]] = {}
        self.stars: list[tuple[int, Imported]] = []
        for k, s in enumerate(statements):
            for name, imported in s.imports.items():
                if name.startswith("*"):
                    self.stars.append((k, imported))
                else:
                    self.imports.setdefault(name, []).append((k, imported))
        self.patches: list[tuple[int, str]] = []  # a module or package object changed
        self.changes: dict[str, list[int]] = {}  # statements that may change what it holds
        for k, s in enumerate(statements):
            for name in s.binds:
                self.bindings.setdefault(name, []).append(k)
            for name in s.stores | s.calls:
                if name not in self.imports:  # the learner's own object: may now hold anything
                    self.changes.setdefault(name, []).append(k)
                elif name in s.stores and not s.locked:  # np.f = ..., MLP.loss = ...
                    self.patches.append((k, name))
        # Names only ever bound by a def: called, they do what the def says.
        self.only_defs = {name for name, ks in self.bindings.items()
                          if all(name in statements[k].defs for k in ks)}
        for k, s in enumerate(statements):  # handed to a learner's function: may change
            for callee, handed in s.passes:
                if self._learners(callee):
                    for name, bare in handed:
                        if bare or name not in self.imports:
                            self.changes.setdefault(name, []).append(k)
        self.wild = [k for k, s in enumerate(statements)
                     if not s.locked and self._wild(s) is not None]

    def _learners(self, use: Use) -> bool:
        """Whether a callee is (maybe) the learner's own and may change what it is handed."""
        if use.imported is not None or use.name not in self.bindings or use.name in self.imports:
            return False
        return not all(use.name in self.statements[k].pure for k in self.bindings[use.name])

    def _wild(self, s: Statement) -> tuple[str, int] | None:
        """What makes a statement able to rebind any name, if anything does."""
        if s.dynamic:
            return s.dynamic[0]
        patched = [name for k, name in self.patches if self.statements[k] is s]
        if patched:
            return f"a change to the imported {patched[0]}", s.line
        for use in s.uses:
            finding = self._direct(use, s)
            if finding is not None and finding.wild:
                return finding.what, use.line
        return None

    def _direct(self, use: Use, s: Statement) -> Finding | None:
        """What a use is, looking only at imports and builtins (not at other statements)."""
        if use.imported is not None:
            return self._imported(use.imported, use.chain, s.where(use.line), (use.name,))
        if use.name in self.bindings or use.name in self.imports:
            return None
        if any(self._star_binds(imported, use.name) for _, imported in self.stars):
            return None
        if use.name in _IPYTHON_HARMLESS:
            return None
        if use.name in _DYNAMIC_BUILTINS or _IPYTHON_NAMES.fullmatch(use.name):
            if use.name in ("getattr", "setattr", "delattr"):
                return None  # judged where it is called (a literal name is fine)
            return Finding("unfollowable", use.name, s.where(use.line),
                           wild=use.name in _DYNAMIC_BUILTINS or use.name == "get_ipython")
        return None

    @staticmethod
    def _star_binds(imported: Imported, name: str) -> bool:
        try:
            module = importlib.import_module(imported.module) if imported.level == 0 else None
        except Exception:
            return False
        return module is not None and name in vars(module) and not name.startswith("_")

    def _imported(self, imported: Imported, chain: tuple[str, ...], where: str,
                  via: tuple[str, ...]) -> Finding | None:
        """Judge what an import gives, with the attributes read from it."""
        if imported.level:
            return Finding("unfollowable", "a relative import", where, via)
        path = imported.module
        attrs = (imported.attr, *chain) if imported.attr and imported.attr != "*" else chain
        if path == "backprop" or path.startswith("backprop."):
            return None  # a package object: judged per exercise, in `follow`
        if not _module_allowed(path):
            top = path.split(".")[0]
            if attrs and top in _HARMLESS_ATTRIBUTES and attrs[0] in _HARMLESS_ATTRIBUTES[top]:
                return None
            return Finding("unfollowable", f"the module {path}", where, via,
                           wild=top in WILD_MODULES)
        if attrs and (path.split(".")[0], attrs[0]) in _DYNAMIC_ATTRIBUTES:
            return Finding("unfollowable", f"{path}.{attrs[0]}", where, via)
        return None

    def follow(self, ex: grading.Exercise, name: str) -> Finding | None:
        """The first reason the exercise's function `name` can't be accepted, or None."""
        first: dict[str, Finding] = {}
        seen_statements: set[int] = set()
        seen_uses: set[tuple[str, tuple[str, ...], int | None]] = set()
        # (use, statement it is in, the names followed to get there)
        queue: list[tuple[Use, int | None, tuple[str, ...]]] = [
            (Use(name, (), 0, called=True), None, ())]
        later: list[tuple[Use, int | None, tuple[str, ...]]] = []  # from statements that
        # only change a name: followed after those that bind, so a message names the nearest
        while (queue or later) and "answer" not in first:
            use, at, via = queue.pop(0) if queue else later.pop(0)
            where_s = self.statements[at] if at is not None else None
            key = (use.name, use.chain, id(use.imported) if use.imported else None)
            if key in seen_uses:
                continue
            seen_uses.add(key)
            via = (*via, use.name) if not via or via[-1] != use.name else via
            where = where_s.where(use.line) if where_s else ""
            imports = ([(at, use.imported)] if use.imported is not None
                       else self.imports.get(use.name, []))
            if use.imported is None and not imports and where_s is not None:
                if (finding := self._direct(use, where_s)) is not None:
                    first.setdefault(finding.kind, finding)
            for k, imported in imports:
                spot = self.statements[k].where() if use.imported is None else where
                finding = self._imported(imported, use.chain, where or spot, via)
                if finding is not None:
                    first.setdefault(finding.kind, finding)
                elif imported.module == "backprop" or imported.module.startswith("backprop."):
                    self._judge_package(ex, imported, use.chain, where or spot, via, first)
            if use.imported is None:
                for k, imported in self.stars:
                    if self._star_binds(imported, use.name):
                        star = Imported(imported.module, use.name, imported.level)
                        if imported.module.startswith("backprop"):
                            self._judge_package(ex, star, use.chain,
                                                where or self.statements[k].where(), via, first)
                targets = self.bindings.get(use.name, []) + self.wild
                changes = set()
                if not use.called or use.name not in self.only_defs:
                    # A function that is only called behaves as its def says; anything else
                    # (a class, a table, an object) holds what was stored in it too.
                    changes = set(self.changes.get(use.name, [])) - set(targets)
                    targets += sorted(changes)
                for k in targets:
                    if k in seen_statements:
                        continue
                    seen_statements.add(k)
                    s = self.statements[k]
                    if k in self.wild and (wild := self._wild(s)) is not None:
                        # It may change any name: that is the finding, and following what it
                        # uses would only name something further away.
                        first.setdefault("unfollowable", Finding(
                            "unfollowable", wild[0], s.where(wild[1]), via, wild=True))
                        continue
                    (later if k in changes else queue).extend((u, k, via) for u in s.uses)
        for kind in ("answer", "grader", "unfollowable"):
            if kind in first:
                return first[kind]
        return None

    def _judge_package(self, ex: grading.Exercise, imported: Imported, chain: tuple[str, ...],
                       where: str, via: tuple[str, ...], first: dict[str, Finding]) -> None:
        attrs = (imported.attr, *chain) if imported.attr else chain
        try:
            obj, dotted = _package_object(imported.module, attrs)
        except ImportError:
            return  # no such module: an ImportError when it runs, nothing reached
        hit = _forbidden_in(obj, ex)
        if hit is None:
            return
        hit_name = f"{getattr(hit, '__module__', '') or getattr(hit, '__name__', '')}." \
                   f"{getattr(hit, '__qualname__', '')}".strip(".")
        if isinstance(hit, types.ModuleType):
            hit_name = hit.__name__
        if _is_internal(hit) and id(inspect.unwrap(hit) if callable(hit) else hit) not in {
                id(inspect.unwrap(a)) for a in ex.answers}:
            first.setdefault("grader", Finding("grader", hit_name, where, via))
            return
        short = getattr(hit, "__qualname__", hit_name)
        what = short if dotted.split(".")[-1] == short else f"{short} (used by {dotted})"
        if _is_internal(hit):
            what = f"{short} ({hit_name})"
        first.setdefault("answer", Finding("answer", what, where, via))


def refusals(nb: NotebookNode, exercises: Iterable[tuple[str, str]]) -> dict[str, Finding]:
    """Find which exercises' functions reach an answer, the grader, or unfollowable code.

    Args:
        nb: The submitted notebook, after preflight (locked cells as released).
        exercises: (exercise id, the name of the learner's function) for each graded one.

    Returns:
        The finding for each exercise that can't be accepted; the others are absent.
    """
    follower = _Follower(read_notebook(nb))
    found = {}
    for exercise_id, name in exercises:
        finding = follower.follow(grading.REGISTRY[exercise_id], name)
        if finding is not None:
            found[exercise_id] = finding
    return found

