"""The shape of r1_trl's imports (docs/code-map.md): no cycle between modules, and a module imports only from its own
package or from a lower layer. Read from the source with `ast`, lazy (in-function) imports included."""

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "r1_trl"

# Lowest first. The same list, with what each layer is for, is in docs/code-map.md.
LAYERS = [
    {"files", "templates", "vllm_platform", "configs", "sandbox"},
    {"generation", "models", "report"},
    {"rewards"},
    {"data"},
    {"evaluation", "trainers"},
    {"stages", "release"},
    {"cli", "__main__"},
]
LAYER = {name: i for i, names in enumerate(LAYERS) for name in names}


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports() -> dict[str, set[str]]:
    modules = {_module(p): p for p in ROOT.rglob("*.py")}
    edges: dict[str, set[str]] = defaultdict(set)
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
                for t in (target, *(f"{target}.{a.name}" for a in node.names)):
                    if t in modules and t != name:
                        edges[name].add(t)
            elif isinstance(node, ast.Import | ast.ImportFrom):
                names = [node.module] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
                edges[name].update(n for n in names if n in modules and n != name)
    return edges


def _package(module: str) -> str:
    return module.split(".")[1] if "." in module else module


def test_every_package_has_a_layer():
    packages = {_package(_module(p)) for p in ROOT.rglob("*.py")} - {"r1_trl"}
    assert packages == set(LAYER), f"give these a layer: {sorted(packages - set(LAYER))}"


def test_no_import_goes_up_a_layer():
    upward = [
        f"{a} -> {b}"
        for a, targets in _imports().items()
        for b in targets
        if _package(b) != "r1_trl" and _package(a) in LAYER and LAYER[_package(b)] > LAYER[_package(a)]
    ]
    assert not upward, upward


def test_no_import_cycle_between_modules():
    edges = _imports()
    order: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        order[node] = low[node] = len(order)
        stack.append(node)
        for nxt in edges.get(node, ()):
            if nxt not in order:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], order[nxt])
        if low[node] == order[node]:
            component = [stack.pop()]
            while component[-1] != node:
                component.append(stack.pop())
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in list(edges):
        if node not in order:
            visit(node)
    assert not cycles, cycles


def test_configs_is_a_leaf():
    # Parsing a recipe must not import rewards, benchmarks or models: their name checks run in stages.recipe.
    reached = sorted({b for a, targets in _imports().items() if _package(a) == "configs" for b in targets})
    assert all(_package(b) == "configs" for b in reached), reached
