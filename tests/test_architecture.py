"""The shape of the package: no import cycles between matcher's modules, and no module
borrowing another's private names. Read from the source with `ast`, so an import inside a
function counts as much as one at the top of a module."""

from __future__ import annotations

import ast
from pathlib import Path

import matcher

PACKAGE = Path(matcher.__file__).parent

# Cycles that exist today and have an owner. Each goes with the code that makes it.
KNOWN_CYCLES: list[set[str]] = []  # none today; an entry would say why it must stay


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def package_modules(root: Path) -> dict[str, Path]:
    """Every module of the package under `root`, by dotted name."""
    return {module_name(p, root): p for p in sorted(root.rglob("*.py"))}


def imported_names(path: Path, name: str, modules: dict[str, Path]):
    """(module, names taken from it, line) for each import of a package module in `path`,
    at any depth: in a function, a branch or at the top."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in modules:
                    yield alias.name, [], node.lineno
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the module's package, one level up per extra dot
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            if base not in modules:
                continue
            names = []
            for alias in node.names:
                if f"{base}.{alias.name}" in modules:  # a submodule: `from matcher.x import y`
                    yield f"{base}.{alias.name}", [], node.lineno
                else:
                    names.append(alias.name)
            if names:
                yield base, names, node.lineno


def import_graph(root: Path) -> dict[str, set[str]]:
    """Module -> the package modules it imports (no edge to a module from itself)."""
    modules = package_modules(root)
    return {
        name: {target for target, _, _ in imported_names(path, name, modules) if target != name}
        for name, path in modules.items()
    }


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each as one cycle
    through its members, e.g. [a, b, a]."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.add(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(group)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return [cycle_through(group, graph) for group in groups]


def cycle_through(group: set[str], graph: dict[str, set[str]]) -> list[str]:
    """One path that starts and ends at the group's first module, staying in the group."""
    start = min(group)
    paths = {start: [start]}
    frontier = [start]
    while frontier:  # breadth first: the shortest way back to `start`
        nxt = []
        for v in frontier:
            for w in sorted(graph[v] & group):
                if w == start:
                    return paths[v] + [start]
                if w not in paths:
                    paths[w] = paths[v] + [w]
                    nxt.append(w)
        frontier = nxt
    raise AssertionError(f"{group} is not strongly connected")


def test_matcher_has_no_import_cycles():
    found = [c for c in cycles(import_graph(PACKAGE)) if set(c) not in KNOWN_CYCLES]
    assert not found, "import cycles: " + "; ".join(" -> ".join(c) for c in found)


# Modules that take other modules' private names today; each entry goes with its module.
KNOWN_BORROWERS: set[str] = set()  # none today


def borrowed_private_names(root: Path) -> list[str]:
    """`file:line: name from module` for each private name one module imports from another."""
    modules = package_modules(root)
    return [
        f"{path.relative_to(root.parent).as_posix()}:{line}: {name} from {target}"
        for module, path in modules.items()
        for target, names, line in imported_names(path, module, modules)
        for name in names
        if target != module and name.startswith("_") and not name.startswith("__")
    ]


def test_no_module_takes_another_modules_private_names():
    borrowed = [b for b in borrowed_private_names(PACKAGE) if b.split(":")[0] not in KNOWN_BORROWERS]
    assert not borrowed, "private names used across modules:\n" + "\n".join(borrowed)


def write_package(root: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root / "pkg"


def test_a_cycle_through_an_import_inside_a_function_is_found(tmp_path):
    package = write_package(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/a.py": "from pkg.sub import b\n",
        "pkg/sub/__init__.py": "",
        "pkg/sub/b.py": "def later():\n    from ..c import thing\n",
        "pkg/c.py": "import pkg.a\nthing = 1\n",
        "pkg/d.py": "from pkg import a\nfrom pkg.c import thing\n",  # imports, in no cycle
    })
    graph = import_graph(package)
    assert graph["pkg.sub.b"] == {"pkg.c"} and graph["pkg.d"] == {"pkg.a", "pkg.c"}
    assert cycles(graph) == [["pkg.a", "pkg.sub.b", "pkg.c", "pkg.a"]]


def test_private_names_are_found_in_the_import_that_takes_them(tmp_path):
    package = write_package(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/a.py": "_helper = 1\n__all__ = []\n",
        "pkg/b.py": "def f():\n    from pkg.a import __all__, _helper\n",
    })
    assert borrowed_private_names(package) == ["pkg/b.py:2: _helper from pkg.a"]
