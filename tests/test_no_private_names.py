"""No other library's private names in matcher/: what a library keeps private it may change in
any release, and code built on it breaks silently (or, worse, keeps running and does something
else). The test reads every module's AST and names the file and line of each:

- `from x import _y` where x is not matcher itself;
- `import a._b`, `from a._b import c`: a private module of another library;
- `mod._y` (and `getattr(mod, "_y")`) where `mod` was bound by importing another library or
  something from it (`import feedparser`, `from feedparser import urls`, `from x import Class`);
- a class deriving from another library's class that defines a method named `_y`: an override
  of a private method.

Dunder names (`__version__`, `__init__`) are public. matcher's own private names are not
this test's business.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "matcher"

# Files allowed to break the rule, each with the reason beside it (none today).
EXCEPTIONS: set[str] = set()
# Underscore names a library documents as public API.
DOCUMENTED = {"os._exit"}  # https://docs.python.org/3/library/os.html#os._exit


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _ours(module: str | None, level: int) -> bool:
    return level > 0 or module == "matcher" or (module or "").startswith("matcher.")


def _chain(node: ast.expr) -> tuple[str, list[str]] | None:
    """`a.b.c` -> ("a", ["b", "c"]); None when the chain does not start at a plain name."""
    attributes = []
    while isinstance(node, ast.Attribute):
        attributes.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return node.id, attributes[::-1]
    return None


def private_names(source: str) -> list[tuple[int, str]]:
    """(line, what) for each use of another library's private name in `source`."""
    tree = ast.parse(source)
    found: list[tuple[int, str]] = []
    foreign: set[str] = set()  # names bound by importing another library or something from it
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _ours(alias.name, 0):
                    continue
                if any(_private(part) for part in alias.name.split(".")):
                    found.append((node.lineno, f"imports the private module {alias.name}"))
                foreign.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and not _ours(node.module, node.level):
            if any(_private(part) for part in node.module.split(".")):
                found.append((node.lineno, f"imports from the private module {node.module}"))
            for alias in node.names:
                if _private(alias.name):
                    found.append((node.lineno, f"imports {node.module}.{alias.name}"))
                foreign.add(alias.asname or alias.name)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _private(node.attr):
            chain = _chain(node)
            name = ".".join([chain[0], *chain[1]]) if chain else ""
            if chain and chain[0] in foreign and name not in DOCUMENTED:
                found.append((node.lineno, f"uses {name}"))
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
              and node.func.id in ("getattr", "setattr", "hasattr", "delattr") and len(node.args) >= 2
              and isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str)
              and _private(node.args[1].value)):
            chain = _chain(node.args[0])
            if chain and chain[0] in foreign:
                found.append((node.lineno, f"{node.func.id} of {node.args[1].value} on {chain[0]}"))
        elif isinstance(node, ast.ClassDef):
            bases = [chain for chain in map(_chain, node.bases) if chain and chain[0] in foreign]
            if not bases:
                continue
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and _private(item.name):
                    base = ".".join([bases[0][0], *bases[0][1]])
                    found.append((item.lineno, f"{node.name}.{item.name} overrides a private method of {base}"))
    return sorted(found)


def test_matcher_uses_no_other_librarys_private_names():
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        if relative in EXCEPTIONS:
            continue
        for line, what in private_names(path.read_text(encoding="utf-8")):
            problems.append(f"matcher/{relative}:{line}: {what}")
    assert not problems, "\n".join(problems)


def test_the_exceptions_still_exist():
    # An exception outliving its file would hide a new file of the same name.
    assert all((PACKAGE / relative).is_file() for relative in EXCEPTIONS)


@pytest.mark.parametrize("source, line, what", [
    ("from feedparser.urls import _urljoin", 1, "imports feedparser.urls._urljoin"),
    ("import feedparser\nfeedparser._parse_date('x')", 2, "uses feedparser._parse_date"),
    ("import feedparser.urls\nfeedparser.urls._urljoin", 2, "uses feedparser.urls._urljoin"),
    ("import numpy as np\nnp._core", 2, "uses np._core"),
    ("from feedparser import urls\nurls._urljoin('a', 'b')", 2, "uses urls._urljoin"),
    ("from py3langid.langid import LanguageIdentifier as L\nL._x", 2, "uses L._x"),
    ("import simplemma\ngetattr(simplemma, '_hidden', None)", 2, "getattr of _hidden on simplemma"),
    ("import a._b", 1, "imports the private module a._b"),
    ("from a._b import c", 1, "imports from the private module a._b"),
    ("from sklearn.feature_extraction.text import CountVectorizer\n"
     "class V(CountVectorizer):\n    def __init__(self): pass\n    def _count_vocab(self): pass",
     4, "V._count_vocab overrides a private method of CountVectorizer"),
    ("import sklearn.feature_extraction.text as t\nclass V(t.CountVectorizer):\n    def _count_vocab(self): pass",
     3, "V._count_vocab overrides a private method of t.CountVectorizer"),
])
def test_each_kind_of_private_name_is_found(source, line, what):
    assert private_names(source) == [(line, what)]


@pytest.mark.parametrize("source", [
    "import feedparser\nfeedparser.__version__",
    "from matcher.textsafe import _CONTROLS",
    "from . import _x",
    "from matcher import textsafe\ntextsafe._CONTROLS",
    "import feedparser\nclass P(feedparser.FeedParserDict):\n    def __init__(self): pass\n    def parse(self): pass",
    "class Mine:\n    def _helper(self): pass",
    "import feedparser\nx = object()\nx._private",
    "import feedparser\n_local = 1\n_local.real",
    "import os\nos._exit(0)",
])
def test_public_and_own_names_pass(source):
    assert private_names(source) == []
