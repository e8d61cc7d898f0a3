"""The project's import graph, read from the source with ``ast``: nothing is imported to build it.

Edges count imports inside functions too, since they run sooner or later; imports under
``if TYPE_CHECKING:`` are kept apart, because they never run. Importing ``a.b.c`` from outside
package ``a.b`` also runs ``a/__init__`` and ``a/b/__init__``, so those count as edges too: a
package ``__init__`` that imports its importers is a cycle Python trips over.
"""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path


@dataclasses.dataclass(frozen=True)
class Import:
    """One import statement's reach into the project (or, with ``external``, outside it)."""

    source: str
    target: str
    line: int
    deferred: bool
    typing_only: bool
    external: bool = False


def project_modules(root: Path, packages: Iterable[str]) -> dict[str, Path]:
    """Dotted module name -> file, for every ``.py`` file under the given top-level packages."""
    modules: dict[str, Path] = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def _is_package(module: str, modules: Mapping[str, Path]) -> bool:
    return modules[module].name == "__init__.py"


def _resolve(name: str, modules: Mapping[str, Path]) -> str | None:
    """The longest project module that ``name`` (a module, or a name inside one) lives in."""
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in modules:
            return candidate
    return None


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    if not is_package:
        base = base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, *([node.module] if node.module else [])])


def _marked_nodes(tree: ast.Module) -> tuple[set[int], set[int]]:
    """Ids of import nodes inside a function, and of those under ``if TYPE_CHECKING``."""
    deferred: set[int] = set()
    typing_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            deferred.update(id(sub) for sub in ast.walk(node) if isinstance(sub, ast.Import | ast.ImportFrom))
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            typing_only.update(
                id(sub)
                for stmt in node.body
                for sub in ast.walk(stmt)
                if isinstance(sub, ast.Import | ast.ImportFrom)
            )
    return deferred, typing_only


def _targets(node: ast.Import | ast.ImportFrom, module: str, modules: Mapping[str, Path]) -> Iterator[str]:
    """Names an import statement loads: a module per ``import``, a module or a module's name per ``from``."""
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
        return
    base = _absolute(node, module, _is_package(module, modules))
    for alias in node.names:
        submodule = f"{base}.{alias.name}"
        yield submodule if submodule in modules else base


def _with_parents(target: str, source: str) -> Iterator[str]:
    """``target`` and each package ``__init__`` it runs that ``source`` is not already inside."""
    parts = target.split(".")
    for end in range(1, len(parts)):
        parent = ".".join(parts[:end])
        if not (source == parent or source.startswith(parent + ".")):
            yield parent
    yield target


def imports_of(module: str, modules: Mapping[str, Path]) -> list[Import]:
    """Every import of ``module``, resolved to project modules; others are marked external."""
    tree = ast.parse(modules[module].read_text(encoding="utf-8"))
    deferred, typing_only = _marked_nodes(tree)
    found: list[Import] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Import | ast.ImportFrom):
            continue
        flags = {"deferred": id(node) in deferred, "typing_only": id(node) in typing_only}
        for name in _targets(node, module, modules):
            resolved = _resolve(name, modules)
            if resolved is None:
                found.append(Import(module, name, node.lineno, external=True, **flags))
                continue
            for target in _with_parents(resolved, module):
                if target != module and target in modules:
                    found.append(Import(module, target, node.lineno, **flags))
    return found


def all_imports(modules: Mapping[str, Path]) -> list[Import]:
    return [found for module in modules for found in imports_of(module, modules)]


def cycles(imports: Iterable[Import]) -> list[list[str]]:
    """Groups of modules that reach each other through imports that run (Tarjan's components)."""
    graph: dict[str, set[str]] = {}
    for found in imports:
        if not found.external and not found.typing_only:
            graph.setdefault(found.source, set()).add(found.target)
            graph.setdefault(found.target, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for neighbour in sorted(graph[node]):
            if neighbour not in index:
                visit(neighbour)
                low[node] = min(low[node], low[neighbour])
            elif neighbour in on_stack:
                low[node] = min(low[node], index[neighbour])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def has_reason(path: Path, line: int) -> bool:
    """A deferred import needs a comment saying why: on its own line or the line above."""
    lines = path.read_text(encoding="utf-8").splitlines()
    here = lines[line - 1]
    above = lines[line - 2].strip() if line > 1 else ""
    return "#" in here or above.startswith("#")
