"""Which (object, action) pairs the API's operations can exercise, read from the code.

``policy lint`` flags a ruleset line no operation can ever ask about (a right the API
cannot perform is a promise the regulation's readers take at its word). The pairs are
derived from the source of :mod:`campusgraph` itself, never kept by hand, so they cannot
drift from what the resolvers do:

- ``guarded(OBJECT, ACTION, …)`` — a mutation's declared permission. ``ACTION`` may be a
  function of the input (``_create_or_update``): the strings it can return count, through
  the functions it calls. ``also=`` names further pairs (the tuples its function returns);
  ``grants=`` exercises the grant of any role (``role.<name>``).
- a call of the authorizer (``where``, ``check``, ``require``, ``may_ever``) with a literal
  object; ``where`` without an action reads.
- a call of a *reader*: a function (or a class, by its ``__init__``) with a parameter
  ``obj`` that it hands on to the authorizer or to another reader (``reads.filtered``,
  ``reads.page``, the loaders). Its action is the literal given for its ``act``/``action``
  parameter, else that parameter's default, else ``read``.
- ``ModelMutations(obj=OBJECT, create=…, update=…, delete=…)`` (schema/crud.py): the
  actions it is given, each guarded on ``OBJECT``.
- ``EXERCISES = ((OBJECT, ACTION), …)`` at module level, for the few places whose object
  is computed (an import's kind, the cards credentials go to). Every module holding such
  a place must declare it (``unresolved_sites`` lists them; a test holds the two equal).

Only the package's own source is read (``ast``; nothing is imported or run).
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from campusgraph.policies.vocabulary import OBJECTS, ROLE_OBJECT_PREFIX, Action

PACKAGE = Path(__file__).resolve().parent.parent
#: The authorizer's methods whose first argument is an object.
AUTH_METHODS = frozenset({"where", "check", "require", "may_ever"})
#: Any role grant: ``guarded(…, grants=…)`` may hand over any role of the ruleset.
ANY_ROLE_GRANT = (ROLE_OBJECT_PREFIX + "*", str(Action.GRANT))
#: Places that pass on an object they were given without being an operation themselves:
#: the guard (its callers are scanned), the engine, the operator's ``policy explain`` and
#: ``viewer.can`` (a client's question about any pair, which exercises none).
MACHINERY = frozenset(
    {
        "schema/mutations.py",
        "schema/crud.py",
        "policies/engine.py",
        "policies/explain.py",
        "resolvers/permissions.py",
    }
)
_SKIP_DIRS = ("db/migrations/",)

Pair = tuple[str, str]


@dataclass(frozen=True, slots=True)
class Site:
    """Where a pair is exercised (``module.py:line``)."""

    module: str
    line: int

    def __str__(self) -> str:
        return f"{self.module}:{self.line}"


@dataclass(frozen=True, slots=True)
class _Reader:
    obj_index: int | None  # positional index of ``obj`` (None: keyword only)
    act_name: str | None
    act_index: int | None
    act_default: str | None


@dataclass
class Scan:
    exercised: dict[Pair, list[Site]]
    #: Calls handing the authorizer or ``guarded`` an object that is neither a literal
    #: nor a reader's own ``obj``: their module must declare ``EXERCISES``.
    unresolved: list[Site]
    #: Modules declaring ``EXERCISES``, with the pairs declared.
    declared: dict[str, list[Pair]]


def _modules(root: Path) -> Iterator[tuple[str, ast.Module]]:
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if any(rel.startswith(d) for d in _SKIP_DIRS):
            continue
        yield rel, ast.parse(path.read_text(encoding="utf-8"), filename=rel)


def _calls(node: ast.AST, bound: bool = False) -> Iterator[tuple[ast.Call, bool]]:
    """Every call under ``node``, with whether an enclosing function (or class, by its
    ``__init__``) takes ``obj`` as a parameter — only there is ``obj`` handed on."""
    for child in ast.iter_child_nodes(node):
        inner = bound
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
            inner = bound or _params(child, method=False) is not None
        elif isinstance(child, ast.ClassDef):
            inner = bound or any(
                isinstance(b, ast.FunctionDef)
                and b.name == "__init__"
                and _params(b, method=True) is not None
                for b in child.body
            )
        if isinstance(child, ast.Call):
            yield child, inner
        yield from _calls(child, inner)


def _callee(node: ast.Call) -> str | None:
    fn = node.func
    if isinstance(fn, ast.Attribute):
        return fn.attr
    if isinstance(fn, ast.Name):
        return fn.id
    return None


def _authorizer(node: ast.Call) -> bool:
    """``auth.where(…)``, ``ctx.authorizer.check(…)``: a call of the authorizer (SQLAlchemy's
    ``.where`` shares the name)."""
    fn = node.func
    if not isinstance(fn, ast.Attribute):
        return False
    owner = fn.value
    if isinstance(owner, ast.Name):
        return owner.id in ("auth", "authorizer")
    return isinstance(owner, ast.Attribute) and owner.attr == "authorizer"


def _literal(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _arg(node: ast.Call, index: int | None, name: str | None) -> ast.expr | None:
    if name is not None:
        for kw in node.keywords:
            if kw.arg == name:
                return kw.value
    if index is not None and index < len(node.args):
        return node.args[index]
    return None


def _is_obj(node: ast.AST | None) -> bool:
    """The enclosing reader's own object: ``obj`` or ``self.obj``."""
    if isinstance(node, ast.Name):
        return node.id == "obj"
    return isinstance(node, ast.Attribute) and node.attr == "obj"


def _params(fn: ast.FunctionDef | ast.AsyncFunctionDef, method: bool) -> _Reader | None:
    args = fn.args
    positional = [a.arg for a in [*args.posonlyargs, *args.args]]
    if method and positional:
        positional = positional[1:]  # self
    names = positional + [a.arg for a in args.kwonlyargs]
    if "obj" not in names:
        return None
    act_name = next((n for n in ("act", "action") if n in names), None)
    default: str | None = None
    if act_name is not None:
        pos_defaults = dict(
            zip(positional[len(positional) - len(args.defaults) :], args.defaults, strict=True)
        )
        kw_defaults = {
            a.arg: d for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d
        }
        default = _literal(pos_defaults.get(act_name) or kw_defaults.get(act_name))
    return _Reader(
        obj_index=positional.index("obj") if "obj" in positional else None,
        act_name=act_name,
        act_index=positional.index(act_name) if act_name in positional else None,
        act_default=default,
    )


def _candidates(
    trees: list[tuple[str, ast.Module]],
) -> dict[str, list[tuple[_Reader, ast.AST]]]:
    """Every function or class taking ``obj``, by name, with the body to search."""
    found: dict[str, list[tuple[_Reader, ast.AST]]] = {}
    for _, tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                reader = _params(
                    node, method=bool(node.args.args and node.args.args[0].arg == "self")
                )
                if reader is not None:
                    found.setdefault(node.name, []).append((reader, node))
            elif isinstance(node, ast.ClassDef):
                init = next(
                    (
                        b
                        for b in node.body
                        if isinstance(b, ast.FunctionDef) and b.name == "__init__"
                    ),
                    None,
                )
                reader = _params(init, method=True) if init is not None else None
                if reader is not None:
                    found.setdefault(node.name, []).append((reader, node))
    return found


def _readers(trees: list[tuple[str, ast.Module]]) -> dict[str, _Reader]:
    """The candidates that hand their ``obj`` to the authorizer, directly or through
    another reader (a fixpoint over names: a target builder passing ``obj`` to
    ``authorizer.target`` is not one)."""
    candidates = _candidates(trees)
    readers: dict[str, _Reader] = {}
    changed = True
    while changed:
        changed = False
        for name, found in candidates.items():
            if name in readers:
                continue
            for reader, body in found:
                for call in (n for n in ast.walk(body) if isinstance(n, ast.Call)):
                    callee = _callee(call)
                    if callee in AUTH_METHODS and call.args and _is_obj(call.args[0]):
                        hit = True
                    elif callee in readers and callee != name:
                        r = readers[callee]
                        hit = _is_obj(_arg(call, r.obj_index, "obj"))
                    else:
                        hit = False
                    if hit:
                        readers[name] = reader
                        changed = True
                        break
                if name in readers:
                    break
    return readers


def _returned_strings(
    name: str, functions: dict[str, ast.AST], seen: frozenset[str] = frozenset()
) -> set[str]:
    """The string literals a function (``def`` or ``lambda``) of the module can return,
    following the module's own functions it returns the result of."""
    fn = functions.get(name)
    if fn is None or name in seen:
        return set()
    out: set[str] = set()
    values: list[ast.expr] = []
    if isinstance(fn, ast.Lambda):
        values.append(fn.body)
    else:
        values.extend(r.value for r in ast.walk(fn) if isinstance(r, ast.Return) and r.value)
    while values:
        value = values.pop()
        if isinstance(value, ast.IfExp):
            values.extend([value.body, value.orelse])
        elif (s := _literal(value)) is not None:
            out.add(s)
        elif isinstance(value, ast.Call) and isinstance(value.func, ast.Name):
            out |= _returned_strings(value.func.id, functions, seen | {name})
    return out


def _pairs_in(node: ast.AST) -> set[Pair]:
    """Literal (object, action) 2-tuples anywhere in ``node`` (an ``also=`` function)."""
    out: set[Pair] = set()
    for t in ast.walk(node):
        if isinstance(t, ast.Tuple) and len(t.elts) == 2:
            obj, act = _literal(t.elts[0]), _literal(t.elts[1])
            if obj is not None and act is not None:
                out.add((obj, act))
    return out


def _declared(tree: ast.Module) -> list[Pair] | None:
    for node in tree.body:
        targets: list[ast.expr] = []
        value: ast.expr | None = None
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign):
            targets, value = [node.target], node.value
        if value is not None and any(
            isinstance(t, ast.Name) and t.id == "EXERCISES" for t in targets
        ):
            return sorted(_pairs_in(value))
    return None


def scan(root: Path = PACKAGE) -> Scan:
    trees = list(_modules(root))
    readers = _readers(trees)
    result = Scan({}, [], {})

    def add(pair: Pair, site: Site) -> None:
        result.exercised.setdefault(pair, []).append(site)

    for rel, tree in trees:
        declared = _declared(tree)
        if declared is not None:
            result.declared[rel] = declared
            for pair in declared:
                add(pair, Site(rel, 0))
        functions: dict[str, ast.AST] = {
            n.name: n
            for n in ast.walk(tree)
            if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
        }
        for node, bound in _calls(tree):
            callee = _callee(node)
            site = Site(rel, node.lineno)
            obj_node: ast.expr | None
            if callee == "guarded":
                obj_node, act_node = _arg(node, 0, "obj"), _arg(node, 1, "act")
                obj = _literal(obj_node)
                if obj is None:
                    if not (bound and _is_obj(obj_node)) and rel not in MACHINERY:
                        result.unresolved.append(site)
                    continue
                if (act := _literal(act_node)) is not None:
                    acts = {act}
                elif isinstance(act_node, ast.Name):
                    acts = _returned_strings(act_node.id, functions)
                else:
                    acts = set()
                if not acts:
                    result.unresolved.append(site)
                for act in acts:
                    add((obj, act), site)
                also = _arg(node, None, "also")
                if isinstance(also, ast.Name) and also.id in functions:
                    also = functions[also.id]  # type: ignore[assignment]
                elif isinstance(also, ast.Call):
                    # a factory (``_personal_on_create("student")``): its inner function
                    also = functions.get(_callee(also) or "")  # type: ignore[assignment]
                if also is not None:
                    for pair in _pairs_in(also):
                        add(pair, site)
                if _arg(node, None, "grants") is not None:
                    add(ANY_ROLE_GRANT, site)
                continue
            if callee == "ModelMutations":
                obj = _literal(_arg(node, None, "obj"))
                if obj is None:
                    result.unresolved.append(site)
                    continue
                for kw in node.keywords:
                    given = not (isinstance(kw.value, ast.Constant) and kw.value.value is None)
                    if kw.arg in ("create", "update", "delete") and given:
                        add((obj, kw.arg), site)
                continue
            if callee in AUTH_METHODS and _authorizer(node):
                obj_node = node.args[0] if node.args else None
                obj = _literal(obj_node)
                if obj is None:
                    if not (bound and _is_obj(obj_node)) and rel not in MACHINERY:
                        result.unresolved.append(site)
                    continue
                if obj not in OBJECTS:
                    continue
                act = _literal(node.args[1]) if len(node.args) > 1 else None
                if act is None and len(node.args) > 1:
                    result.unresolved.append(site)
                    continue
                add((obj, act or str(Action.READ)), site)
                continue
            reader = readers.get(callee or "")
            if reader is None:
                continue
            obj = _literal(_arg(node, reader.obj_index, "obj"))
            if obj is None or obj not in OBJECTS:
                continue
            act = _literal(_arg(node, reader.act_index, reader.act_name))
            add((obj, act or reader.act_default or str(Action.READ)), site)
    # Personal parts of a card guarded with ``also=`` factories name their object by
    # f-string; the guard's own object decides which card, so both are listed.
    return result


@functools.cache
def exercised() -> dict[Pair, list[Site]]:
    """(object, action) → where the code exercises it; ``role.*`` stands for any role."""
    return scan().exercised


def is_exercised(obj: str, act: str, pairs: dict[Pair, list[Site]] | None = None) -> bool:
    known = exercised() if pairs is None else pairs
    if (obj, act) in known:
        return True
    return obj.startswith(ROLE_OBJECT_PREFIX) and act == Action.GRANT and ANY_ROLE_GRANT in known
