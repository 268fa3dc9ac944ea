"""Reading a notebook's code without running it: what each statement uses, binds, changes.

`read_notebook(nb)` parses every code cell (IPython's magics first turned into the calls
IPython would make) with `ast`, and reads each top-level statement into a `Statement`:

- `uses`: the global names it reads, each with the attributes read from it
  (`bn.batchnorm_backward_alt`), and the names bound by an import inside a function;
- `binds`: the global names it binds (an import, a def, an assignment, a `global` rebinding
  inside a function); `defs` those bound by a def, `pure` those defs that change none of
  their arguments;
- `stores`, `calls`, `passes`: the global objects it may change (`Box.f = ...`,
  `items.append(f)`, handing `Box` to a function);
- `dynamic`: what in it can't be followed without running it (`eval`, `__globals__`, a
  computed `getattr`, most magics), with its line.

Python's scopes are followed as the compiler does: a function's parameters and assigned
names are its own, a comprehension's variables are the comprehension's, a default argument
or a decorator belongs to the enclosing scope. `backprop.course.reach` follows the names.
Nothing here runs the code, and no cell can make the reader fail: a cell that doesn't parse
binds nothing (it would stop with a SyntaxError).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from nbformat import NotebookNode

__all__ = ["Imported", "Reader", "Statement", "Use", "read_notebook", "unsafe_attribute"]

# Special methods a class defines or calls (Scalar's __add__, super().__init__): harmless.
_SAFE_DUNDERS = frozenset({
    "__init__", "__call__", "__repr__", "__str__", "__len__", "__getitem__", "__setitem__",
    "__iter__", "__next__", "__contains__", "__bool__", "__float__", "__int__", "__index__",
    "__hash__", "__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__neg__",
    "__pos__", "__abs__", "__add__", "__radd__", "__iadd__", "__sub__", "__rsub__",
    "__isub__", "__mul__", "__rmul__", "__imul__", "__truediv__", "__rtruediv__",
    "__itruediv__", "__floordiv__", "__rfloordiv__", "__mod__", "__rmod__", "__pow__",
    "__rpow__", "__matmul__", "__rmatmul__", "__enter__", "__exit__", "__name__", "__doc__",
    "__qualname__", "__array__", "__array_priority__", "__post_init__", "__slots__",
    "__version__", "__main__",
})
# Attributes that lead from an object to the namespaces of running code.
_FRAME_ATTRIBUTES = frozenset({
    "f_globals", "f_locals", "f_builtins", "f_back", "f_code", "tb_frame", "tb_next",
    "gi_frame", "gi_code", "cr_frame", "cr_code", "ag_frame", "ag_code", "func_globals",
})
# Magics: those whose code is read like any other (a line or a cell body), those that
# can't change the kernel's names, and (everything else) those that can.
_CODE_MAGICS = frozenset({"time", "timeit", "prun", "capture"})
_INERT_MAGICS = frozenset({
    "matplotlib", "who", "whos", "who_ls", "pwd", "precision", "xmode", "html", "HTML",
    "javascript", "js", "markdown", "latex", "svg", "bash", "sh", "writefile", "file",
    "script", "python", "python3", "config",
})


def unsafe_attribute(name: str) -> bool:
    """Whether reading this attribute can lead to namespaces (`__globals__`, `f_locals`)."""
    dunder = name.startswith("__") and name.endswith("__")
    return (dunder and name not in _SAFE_DUNDERS) or name in _FRAME_ATTRIBUTES




# ---------------------------------------------------------------------------------
# Reading the cells
# ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Imported:
    """An import: `module` (a dotted path), and the `attr` a from-import takes from it."""

    module: str
    attr: str | None
    level: int = 0


@dataclass(frozen=True)
class Use:
    """A global name a statement reads (or a local import it uses), with its attributes."""

    name: str
    chain: tuple[str, ...]
    line: int
    imported: Imported | None = None  # set for a name bound by an import inside a function
    called: bool = False  # only called, `helper(x)`: what is stored on it can't matter


@dataclass
class Statement:
    """One top-level statement of a code cell, as the reader saw it."""

    cell: int  # 1-based, as the notebook shows them
    line: int
    locked: bool
    uses: list[Use] = field(default_factory=list)
    binds: set[str] = field(default_factory=set)
    defs: set[str] = field(default_factory=set)  # bound by a def (or `f = lambda ...`)
    pure: set[str] = field(default_factory=set)  # defs that change none of their arguments
    stores: set[str] = field(default_factory=set)  # roots of stored attributes and items
    calls: set[str] = field(default_factory=set)  # roots of method calls (items.append(f))
    passes: list[tuple[Use, set[tuple[str, bool]]]] = field(default_factory=list)
    # (the callee, the roots of what is handed to it, each with whether it is a bare name)
    dynamic: list[tuple[str, int]] = field(default_factory=list)  # what, line
    imports: dict[str, Imported] = field(default_factory=dict)  # names bound by its imports

    def where(self, line: int | None = None) -> str:
        """'cell 12, line 3': where the learner finds it."""
        return f"cell {self.cell}, line {line if line is not None else self.line}"


@dataclass
class _Scope:
    kind: str  # "module", "function", "class" or "comprehension"
    local: set[str] = field(default_factory=set)
    declared_global: set[str] = field(default_factory=set)
    nonlocal_: set[str] = field(default_factory=set)
    imports: dict[str, Imported] = field(default_factory=dict)


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef, ast.ListComp,
           ast.SetComp, ast.DictComp, ast.GeneratorExp)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def _import_names(node: ast.Import | ast.ImportFrom) -> Iterator[tuple[str, Imported]]:
    """The names an import binds, and what each one is."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.asname:
                yield alias.asname, Imported(alias.name, None)
            else:  # `import a.b` binds a, the top package
                yield alias.name.split(".")[0], Imported(alias.name.split(".")[0], None)
    else:
        for alias in node.names:
            if alias.name != "*":
                yield (alias.asname or alias.name,
                       Imported(node.module or "", alias.name, node.level))


def _own_nodes(nodes: Iterable[ast.AST]) -> Iterator[ast.AST]:
    """Every node of these, not descending into nested scopes (their names are theirs)."""
    stack = list(nodes)
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, _SCOPES):
            continue
        stack.extend(ast.iter_child_nodes(node))


def _bound_here(node: ast.AST) -> set[str]:
    """The names a node binds in its scope (a def binds its name in the enclosing one)."""
    if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
        return {node.id}
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return {node.name}
    if isinstance(node, ast.Import | ast.ImportFrom):
        return {name for name, _ in _import_names(node)}
    if isinstance(node, ast.ExceptHandler) and node.name:
        return {node.name}
    if isinstance(node, ast.MatchAs | ast.MatchStar) and node.name:
        return {node.name}
    if isinstance(node, ast.MatchMapping) and node.rest:
        return {node.rest}
    return set()


def _walrus_targets(nodes: Iterable[ast.AST]) -> set[str]:
    """Walrus targets inside comprehensions: they bind in the enclosing function."""
    found = set()
    for node in nodes:
        for inner in ast.walk(node):
            if isinstance(inner, ast.NamedExpr) and isinstance(inner.target, ast.Name):
                found.add(inner.target.id)
    return found


def _function_scope(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> _Scope:
    scope = _Scope("function")
    a = node.args
    for arg in [*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg]:
        if arg is not None:
            scope.local.add(arg.arg)
    body = node.body if isinstance(node.body, list) else [node.body]
    own = list(_own_nodes(body))
    for inner in own:
        if isinstance(inner, ast.Global):
            scope.declared_global.update(inner.names)
        elif isinstance(inner, ast.Nonlocal):
            scope.nonlocal_.update(inner.names)
        elif isinstance(inner, ast.Import | ast.ImportFrom):
            scope.imports.update(_import_names(inner))
        scope.local |= _bound_here(inner)
    scope.local |= _walrus_targets(n for n in own if isinstance(n, _COMPREHENSIONS))
    scope.local -= scope.declared_global | scope.nonlocal_
    return scope


def _class_scope(node: ast.ClassDef) -> _Scope:
    scope = _Scope("class")
    for inner in _own_nodes(node.body):
        if isinstance(inner, ast.Global):
            scope.declared_global.update(inner.names)
        scope.local |= _bound_here(inner)
    return scope


def _changes_arguments(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Whether a function may change what it is handed.

    It may if it stores on an argument, calls one's methods, hands one on or rebinds a
    global; calling an argument, `fn(x)`, changes nothing.
    """
    a = node.args
    params = {arg.arg for arg in [*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg]
              if arg is not None}

    def rooted(expr: ast.AST) -> bool:
        while isinstance(expr, ast.Attribute | ast.Subscript | ast.Starred):
            expr = expr.value
        return isinstance(expr, ast.Name) and expr.id in params

    for inner in ast.walk(node):
        if isinstance(inner, ast.Global | ast.Nonlocal):
            return True
        if isinstance(inner, ast.Attribute | ast.Subscript) and isinstance(
                inner.ctx, ast.Store | ast.Del) and rooted(inner):
            return True
        if isinstance(inner, ast.Call):
            if isinstance(inner.func, ast.Attribute) and rooted(inner.func.value):
                return True
            if any(rooted(arg) for arg in [*inner.args, *(k.value for k in inner.keywords)]):
                return True
    return False


def _magic(node: ast.Call) -> tuple[str, str, list[str]] | None:
    """`get_ipython().run_line_magic('time', 'x = f()')`: (kind, magic name, its code)."""
    func = node.func
    if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Call)
            and isinstance(func.value.func, ast.Name) and func.value.func.id == "get_ipython"
            and not func.value.args):
        return None
    texts = [a.value for a in node.args if isinstance(a, ast.Constant)
             and isinstance(a.value, str)]
    if len(texts) != len(node.args) or node.keywords:
        return ("dynamic", "", [])
    if func.attr in ("system", "getoutput"):  # `!ls`: a shell, which can't rename anything
        return ("inert", "!", [])
    if func.attr == "run_line_magic" and len(texts) == 2:
        name, code = texts[0], texts[1]
        if name == "timeit":  # drop the options: -n 10 -r 3 f(x)
            code = re.sub(r"^(\s*-[a-z](\s+\d+)?)*\s*", "", code)
        return ("code" if name in _CODE_MAGICS else "inert" if name in _INERT_MAGICS
                else "dynamic", name, [code])
    if func.attr == "run_cell_magic" and len(texts) == 3:
        name = texts[0]
        return ("code" if name in _CODE_MAGICS else "inert" if name in _INERT_MAGICS
                else "dynamic", name, [texts[2]])
    return ("dynamic", func.attr, [])


class Reader:
    """Reads one top-level statement into a `Statement`: what it uses, binds and changes."""

    def __init__(self, statement: Statement) -> None:
        self.out = statement
        self.scopes: list[_Scope] = [_Scope("module")]
        self.parents: dict[int, ast.AST] = {}

    # -- entry --------------------------------------------------------------------

    def read(self, node: ast.AST, line_offset: int = 0) -> None:
        """Read one statement (and, for a magic's code, statements inside it)."""
        for parent in ast.walk(node):
            for child in ast.iter_child_nodes(parent):
                self.parents[id(child)] = parent
        self._offset = line_offset
        self._visit(node)

    def _line(self, node: ast.AST) -> int:
        return getattr(node, "lineno", 1) + self._offset

    # -- names --------------------------------------------------------------------

    def _is_global(self, name: str) -> tuple[bool, Imported | None]:
        """Whether a name read here is a global; or the local import it stands for."""
        for depth, scope in enumerate(reversed(self.scopes)):
            if scope.kind == "module" or name in scope.declared_global:
                return True, None
            if name in scope.nonlocal_:
                continue
            if scope.kind == "class":
                if depth == 0:  # a class body reads globals where it binds nothing yet
                    return True, None
                continue  # a class's names are not visible inside its methods
            if name in scope.local:
                return False, scope.imports.get(name)
        return True, None

    def _chain(self, node: ast.Name) -> tuple[tuple[str, ...], bool]:
        """The attributes read from a name (`bn.batchnorm_backward_alt`); whether bare."""
        chain: list[str] = []
        current: ast.AST = node
        while True:
            parent = self.parents.get(id(current))
            if isinstance(parent, ast.Attribute) and parent.value is current:
                chain.append(parent.attr)
                current = parent
                continue
            if (isinstance(parent, ast.Call) and isinstance(parent.func, ast.Name)
                    and parent.func.id == "getattr" and parent.args[:1] == [current]
                    and len(parent.args) >= 2 and isinstance(parent.args[1], ast.Constant)
                    and isinstance(parent.args[1].value, str)):
                chain.append(parent.args[1].value)  # getattr(m, "name") is m.name
                current = parent
                continue
            return tuple(chain), not chain

    def _root(self, node: ast.AST) -> ast.Name | None:
        """The name at the root of `a.b[0].c`, if there is one."""
        while isinstance(node, ast.Attribute | ast.Subscript | ast.Starred):
            node = node.value
        return node if isinstance(node, ast.Name) else None

    def _global_root(self, node: ast.AST) -> str | None:
        root = self._root(node)
        if root is None:
            return None
        is_global, _ = self._is_global(root.id)
        return root.id if is_global else None

    # -- the walk -----------------------------------------------------------------

    def _visit(self, node: ast.AST) -> None:
        method = getattr(self, f"_visit_{type(node).__name__}", None)
        if method is not None:
            method(node)
        else:
            self._generic(node)

    def _generic(self, node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            self._visit(child)

    def _visit_Name(self, node: ast.Name) -> None:
        is_global, imported = self._is_global(node.id)
        if isinstance(node.ctx, ast.Load):
            if is_global or imported is not None:
                chain, _ = self._chain(node)
                parent = self.parents.get(id(node))
                called = isinstance(parent, ast.Call) and parent.func is node
                self.out.uses.append(Use(node.id, chain, self._line(node), imported, called))
                if is_global and node.id in ("getattr", "setattr", "delattr"):
                    self._computed_attribute(node)
        elif is_global:  # a store or del of a global, here or via `global`
            self.out.binds.add(node.id)

    def _computed_attribute(self, node: ast.Name) -> None:
        parent = self.parents.get(id(node))
        literal = (isinstance(parent, ast.Call) and parent.func is node and len(parent.args) >= 2
                   and isinstance(parent.args[1], ast.Constant)
                   and isinstance(parent.args[1].value, str))
        if not literal:
            self.out.dynamic.append((f"{node.id} with a computed name", self._line(node)))
            return
        name = parent.args[1].value
        if unsafe_attribute(name):
            self.out.dynamic.append((f"the attribute {name}", self._line(node)))
        if node.id in ("setattr", "delattr"):
            root = self._global_root(parent.args[0])
            if root is not None:
                self.out.stores.add(root)

    def _visit_Attribute(self, node: ast.Attribute) -> None:
        if unsafe_attribute(node.attr):
            self.out.dynamic.append((f"the attribute {node.attr}", self._line(node)))
        if isinstance(node.ctx, ast.Store | ast.Del):
            root = self._global_root(node)
            if root is not None:
                self.out.stores.add(root)
        self._generic(node)

    def _visit_Subscript(self, node: ast.Subscript) -> None:
        if isinstance(node.ctx, ast.Store | ast.Del):
            root = self._global_root(node)
            if root is not None:
                self.out.stores.add(root)
        self._generic(node)

    def _visit_Constant(self, node: ast.Constant) -> None:
        # A private attribute's name spelled out ("__globals__") is only ever for getattr.
        if isinstance(node.value, str) and any(
                unsafe_attribute(word) for word in re.findall(r"\w+", node.value[:10_000])):
            self.out.dynamic.append(("a private attribute's name in a string",
                                     self._line(node)))

    def _visit_Call(self, node: ast.Call) -> None:
        magic = _magic(node)
        if magic is not None:
            kind, name, code = magic
            if kind == "dynamic":
                label = f"%{name}" if name else "get_ipython()"
                self.out.dynamic.append((label, self._line(node)))
            elif kind == "code":
                for text in code:
                    try:
                        tree = ast.parse(text)
                    except (SyntaxError, ValueError):
                        self.out.dynamic.append((f"%{name} with code the grader can't read",
                                                 self._line(node)))
                        continue
                    for statement in tree.body:
                        Reader(self.out).read(statement, self._line(node) - 1)
            for arg in node.args:  # the strings: not code, not attribute names
                if not isinstance(arg, ast.Constant):
                    self._visit(arg)
            return
        for keyword in node.keywords:
            if keyword.arg == "allow_pickle" and not (
                    isinstance(keyword.value, ast.Constant) and keyword.value.value is False):
                self.out.dynamic.append(("unpickling (allow_pickle)", self._line(node)))
        # A method call may change its object (items.append(f)); an argument handed to a
        # learner's function may be changed by it (decided when the callee is known).
        if isinstance(node.func, ast.Attribute):
            root = self._global_root(node.func.value)
            if root is not None:
                self.out.calls.add(root)
        handed = {(root, isinstance(arg, ast.Name | ast.Starred)
                   and isinstance(getattr(arg, "value", arg), ast.Name))
                  for arg in [*node.args, *(k.value for k in node.keywords)]
                  if (root := self._global_root(arg)) is not None}
        callee = self._root(node.func)
        if handed and callee is not None:
            is_global, imported = self._is_global(callee.id)
            if is_global or imported is not None:
                chain, _ = self._chain(callee)
                self.out.passes.append((Use(callee.id, chain, self._line(node), imported),
                                        handed))
        self._generic(node)

    def _visit_Import(self, node: ast.Import | ast.ImportFrom) -> None:
        if self.scopes[-1].kind == "module":
            for name, imported in _import_names(node):
                self.out.imports[name] = imported
                self.out.binds.add(name)
        elif any(a.name == "*" for a in node.names):
            self.out.dynamic.append(("a star import inside a function", self._line(node)))
        if isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names) \
                and self.scopes[-1].kind == "module":
            self.out.imports["*" + (node.module or "")] = Imported(node.module or "", "*",
                                                                    node.level)

    _visit_ImportFrom = _visit_Import

    def _visit_Global(self, node: ast.Global) -> None:
        pass

    def _visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self._bind_def(node.name, function=True)
        if len(self.scopes) == 1 and not _changes_arguments(node):
            self.out.pure.add(node.name)
        for item in [*node.decorator_list, *node.args.defaults,
                     *(d for d in node.args.kw_defaults if d is not None)]:
            self._visit(item)  # evaluated where the def is
        for arg in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs,
                    node.args.vararg, node.args.kwarg]:
            if arg is not None and arg.annotation is not None:
                self._visit(arg.annotation)
        if node.returns is not None:
            self._visit(node.returns)
        self.scopes.append(_function_scope(node))
        for statement in node.body:
            self._visit(statement)
        self.scopes.pop()

    _visit_AsyncFunctionDef = _visit_FunctionDef

    def _visit_Assign(self, node: ast.Assign) -> None:
        if (isinstance(node.value, ast.Lambda) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)):
            self._bind_def(node.targets[0].id, function=True)  # f = lambda x: ...
        self._generic(node)

    def _visit_Lambda(self, node: ast.Lambda) -> None:
        for item in [*node.args.defaults, *(d for d in node.args.kw_defaults if d is not None)]:
            self._visit(item)
        self.scopes.append(_function_scope(node))
        self._visit(node.body)
        self.scopes.pop()

    def _visit_ClassDef(self, node: ast.ClassDef) -> None:
        self._bind_def(node.name)
        for item in [*node.decorator_list, *node.bases, *(k.value for k in node.keywords)]:
            self._visit(item)
        self.scopes.append(_class_scope(node))
        for statement in node.body:
            self._visit(statement)
        self.scopes.pop()

    def _bind_def(self, name: str, function: bool = False) -> None:
        scope = self.scopes[-1]
        if scope.kind == "module" or name in scope.declared_global:
            self.out.binds.add(name)
            if function:
                self.out.defs.add(name)

    def _comprehension(self, node: ast.AST, elements: list[ast.AST]) -> None:
        generators = node.generators  # type: ignore[attr-defined]
        self._visit(generators[0].iter)  # evaluated in the enclosing scope
        scope = _Scope("comprehension")
        for gen in generators:
            scope.local |= {n.id for n in ast.walk(gen.target) if isinstance(n, ast.Name)}
        self.scopes.append(scope)
        for k, gen in enumerate(generators):
            if k:
                self._visit(gen.iter)
            for condition in gen.ifs:
                self._visit(condition)
        for element in elements:
            self._visit(element)
        self.scopes.pop()

    def _visit_ListComp(self, node: ast.ListComp) -> None:
        self._comprehension(node, [node.elt])

    _visit_SetComp = _visit_ListComp
    _visit_GeneratorExp = _visit_ListComp

    def _visit_DictComp(self, node: ast.DictComp) -> None:
        self._comprehension(node, [node.key, node.value])

    def _visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        # The target binds in the nearest function (or the module), skipping comprehensions.
        for scope in reversed(self.scopes):
            if scope.kind in ("function", "module"):
                if scope.kind == "module" or node.target.id in scope.declared_global:
                    self.out.binds.add(node.target.id)
                break
        self._visit(node.value)


# ---------------------------------------------------------------------------------
# A notebook's statements and what they bind
# ---------------------------------------------------------------------------------


def _cell_source(source: str) -> str | None:
    """A cell's Python, with IPython's magics turned into calls; None if it can't run."""
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        return TransformerManager().transform_cell(source)
    except Exception:  # IPython couldn't read it: the cell wouldn't run either
        return None


def _locked(cell: NotebookNode) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return bool(isinstance(meta, dict) and meta.get("locked"))


def read_notebook(nb: NotebookNode) -> list[Statement]:
    """Read every top-level statement of a notebook's code cells, in order.

    A cell that can't be parsed binds nothing: it would stop with a SyntaxError.
    """
    statements = []
    for index, cell in enumerate(nb.cells, start=1):
        if cell.get("cell_type") != "code" or not isinstance(cell.get("source"), str):
            continue
        text = _cell_source(cell.source)
        try:
            tree = ast.parse(text) if text is not None else None
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            tree = None
        if tree is None:
            continue
        for node in tree.body:
            statement = Statement(index, getattr(node, "lineno", 1), _locked(cell))
            try:
                Reader(statement).read(node)
            except RecursionError:  # nested beyond reading: can't be followed
                statement.dynamic.append(("code nested too deeply to read", statement.line))
            statements.append(statement)
    return statements
