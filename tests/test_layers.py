"""The layout's promise, checked on the source: imports of pipeline/ (and maps/) point down the
layers only, form no cycle, and nothing in production imports the synthetic city (README, Layout).

Read with ast, not by importing: an import inside a function counts as much as one at the top.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Bottom to top: a module may import its own layer and the layers below it, nothing above.
LAYERS = (
    ("ground", ("pipeline.config", "pipeline.calendar")),
    ("lake", ("pipeline.lake",)),
    ("ingest", ("pipeline.ingest",)),
    ("movement", ("pipeline.movement",)),
    ("marts", ("pipeline.marts",)),
    ("ops", ("pipeline.ops",)),
    ("maps", ("maps",)),
    ("release", ("pipeline.release",)),
    ("sim", ("pipeline.sim",)),
    ("entry points", ("pipeline.cli", "pipeline.airflow_local")),
)
# The one door to the synthetic city: the CLI's `simulate` and `demo` commands (pipeline/cli/demo.py),
# inside them.
SIM_DOORS = {"pipeline.cli.demo"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    """Every module of pipeline/ and maps/, by dotted name."""
    return {
        _module_name(p): p for folder in ("pipeline", "maps") for p in sorted((ROOT / folder).rglob("*.py"))
    }


def imports(path: Path, known: set[str]) -> list[tuple[str, int, bool]]:
    """The project modules a file imports: (module, line, at module level)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from pipeline.lake import catalog` imports the module pipeline.lake.catalog
            names = [
                f"{node.module}.{a.name}" if f"{node.module}.{a.name}" in known else node.module
                for a in node.names
            ]
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name and name != "pipeline":
                found.append((name, node.lineno, id(node) in top))
    return found


def layer_of(module: str) -> int:
    """The index of the module's layer in LAYERS."""
    for index, (_, prefixes) in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return index
    raise AssertionError(f"{module} belongs to no layer of tests/test_layers.py: add it to LAYERS")


def graph() -> dict[str, list[tuple[str, int, bool]]]:
    known = modules()
    return {name: imports(path, set(known)) for name, path in known.items()}


def test_every_module_has_a_layer():
    for module in modules():
        if module != "pipeline":
            layer_of(module)


def test_imports_point_down_the_layers_only():
    upward = [
        f"{module} (layer {LAYERS[layer_of(module)][0]}) imports {target} (layer "
        f"{LAYERS[layer_of(target)][0]}), line {line}"
        for module, targets in graph().items()
        if module != "pipeline"
        for target, line, _ in targets
        if layer_of(target) > layer_of(module)
    ]
    assert upward == []


def test_there_is_no_import_cycle():
    edges = {m: sorted({t for t, _, _ in targets if t != m}) for m, targets in graph().items()}
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    cycles = []

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in edges.get(module, []):
            if state.get(target) == 1:
                cycles.append(" -> ".join(path[path.index(target) :] + [target]))
            elif target not in state:
                visit(target, path + [target])
        state[module] = 2

    for module in edges:
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_nothing_in_production_imports_the_synthetic_city():
    assert SIM_DOORS <= set(modules()), "a door of SIM_DOORS is no module: the rule would open nothing"
    wrong = [
        f"{module} imports {target}, line {line}"
        for module, targets in graph().items()
        if not module.startswith("pipeline.sim")
        for target, line, at_top in targets
        if target.startswith("pipeline.sim") and (module not in SIM_DOORS or at_top)
    ]
    dags = sorted((ROOT / "dags").glob("*.py"))
    wrong += [
        f"{path.name} imports {target}"
        for path in dags
        for target, _, _ in imports(path, set(modules()))
        if target.startswith("pipeline.sim")
    ]
    assert dags and wrong == []


def test_the_check_sees_an_upward_import_and_a_cycle(tmp_path):
    """The walker itself: an import inside a function and a `from package import module` count."""
    source = tmp_path / "probe.py"
    source.write_text("from pipeline.lake import catalog\n\ndef f():\n    from pipeline.ops import stages\n")
    found = imports(source, set(modules()))
    assert ("pipeline.lake.catalog", 1, True) in found
    assert ("pipeline.ops.stages", 4, False) in found
    assert layer_of("pipeline.ops.stages") > layer_of("pipeline.lake.catalog")
