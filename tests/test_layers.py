"""The house's layers: every import points down (core <- index <- assistant <- finetune, app, bench) and
no module imports itself back through others. Imports inside functions count: a lazy import is still
a dependency."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("core", "index", "assistant", "finetune", "bench")
# (prefix, rank): a module may import only modules of its own rank or below; the longest prefix decides
LAYERS = [
    ("core", 0), ("index", 1),
    ("assistant.chat", 2), ("assistant.checking", 3), ("assistant.flags", 4), ("assistant", 5),
    ("assistant.turn", 5), ("assistant.serve", 6), ("assistant.ui", 6), ("assistant.cli", 7), ("assistant.__main__", 7),
    ("finetune", 8), ("app", 9), ("bench", 9),
]


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def project_modules(root: Path) -> dict[str, Path]:
    found = {module_name(p, root): p for pkg in PACKAGES if (root / pkg).is_dir()
             for p in (root / pkg).rglob("*.py")}
    if (root / "app.py").is_file():
        found["app"] = root / "app.py"
    return found


def imports_of(path: Path, name: str, modules: dict[str, Path]) -> set[str]:
    """The project modules ``path`` imports (anywhere in it), each resolved to the module it names."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in modules:  # `import a.b.c` where c is a name: its module
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def graph(root: Path) -> dict[str, set[str]]:
    modules = project_modules(root)
    return {name: imports_of(path, name, modules) for name, path in modules.items()}


def rank(module: str) -> int:
    best = max((p for p, _ in LAYERS if module == p or module.startswith(p + ".")), key=len)
    return dict(LAYERS)[best]


def uphill(edges: dict[str, set[str]]) -> list[str]:
    return sorted(f"{a} -> {b}" for a, targets in edges.items() for b in targets if rank(b) > rank(a))


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of two or more modules (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in edges.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def test_no_module_imports_uphill():
    assert uphill(graph(ROOT)) == []


def test_no_import_cycles():
    assert cycles(graph(ROOT)) == []


def test_every_module_is_in_a_layer():
    for module in graph(ROOT):
        assert rank(module) >= 0, module


def test_the_check_finds_a_cycle_and_an_uphill_import(tmp_path):
    """The two checks above catch what they are for, on a small tree made to break both rules."""
    (tmp_path / "core").mkdir()
    (tmp_path / "core" / "__init__.py").write_text("")
    (tmp_path / "core" / "a.py").write_text("def f():\n    from index.b import g\n")  # lazy, still counted
    (tmp_path / "index").mkdir()
    (tmp_path / "index" / "__init__.py").write_text("")
    (tmp_path / "index" / "b.py").write_text("from core import a\nfrom .c import h\n")
    (tmp_path / "index" / "c.py").write_text("from .b import x\n")
    edges = graph(tmp_path)
    assert edges["index.b"] == {"core.a", "index.c"}
    assert uphill(edges) == ["core.a -> index.b"]
    assert cycles(edges) == [["core.a", "index.b", "index.c"]]
