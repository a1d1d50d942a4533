"""docs/architecture.md's layers hold: every import in the package points down them or stays in
its own layer, no module imports itself back through others (no cycles), and every module has a
place in the block. Imports inside functions and under TYPE_CHECKING count too: a lazy import
is still a dependency."""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "clt_plugin"


def _layers() -> list[list[str]]:
    """The `## Layers` block, top layer first: each entry a package folder (`demo/`), a module
    file (`cli.py`) or `commands/*`. A line holds one layer (then, after two spaces, what it
    does); a layer whose list ends in a comma goes on on the next line."""
    text = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    block = text.split("## Layers", 1)[1].split("```", 2)[1]
    layers: list[list[str]] = []
    goes_on = False
    for line in block.strip().splitlines():
        names = line.split("  ")[0].strip()
        found = re.findall(r"[a-z_0-9]+(?:\.py|/\*|/)", names)
        if goes_on:
            layers[-1] += found
        else:
            layers.append(found)
        goes_on = names.endswith(",")
    return layers


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _layer_of(module: str, layers: list[list[str]]) -> int | None:
    rest = module.split(".")[1:]
    if not rest:
        return len(layers)  # the package's __init__: below everything
    for i, names in enumerate(layers):
        for name in names:
            if name.endswith("/") or name.endswith("/*"):
                if rest[0] == name.rstrip("/*"):
                    return i
            elif len(rest) == 1 and rest[0] == name.removesuffix(".py"):
                return i
    return None


def _imports(module: str, path: Path, known: set[str]) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            for alias in node.names:
                full = f"{base}.{alias.name}"
                target = full if full in known else base
                if target in known:
                    out.add(target)
        elif isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name in known}
    out.discard(module)
    return out


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {m: _imports(m, p, set(modules)) for m, p in modules.items()}


def test_the_layer_block_is_read_as_written():
    layers = _layers()
    assert layers[0] == ["cli.py", "commands/*"]
    assert "analysis/" in layers[2] and "axolotl/" in layers[2]
    assert {"io.py", "errors.py", "quiet.py"} <= set(layers[-1])


def test_every_module_has_a_layer():
    layers = _layers()
    assert [m for m in _modules() if _layer_of(m, layers) is None] == []


def test_no_import_points_up_the_layers():
    layers = _layers()
    up = [
        f"{m} -> {t}"
        for m, targets in sorted(_graph().items())
        for t in sorted(targets)
        if _layer_of(t, layers) < _layer_of(m, layers)
    ]
    assert up == []


def test_no_import_cycles():
    graph = _graph()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    assert cycles == []
