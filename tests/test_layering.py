"""The import rules of DESIGN.md: imports point down only."""
import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "graphlab"
ALLOWED = {
    "ops": set(),
    "construct": {"ops"},
    "nn": {"ops", "construct"},
    "heads": {"nn", "ops", "construct"},
    "data": {"construct", "ops"},
    "tasks": {"heads", "nn", "data", "construct", "ops"},
    "runner": {"tasks", "heads", "nn", "data", "construct", "ops"},
}


def imported_modules(path: Path) -> list[str]:
    names = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


def graphlab_imports(path: Path) -> set[str]:
    return {name.split(".")[1] for name in imported_modules(path)
            if name.startswith("graphlab.")}


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_layer_imports_point_down(layer):
    for path in (PKG / layer).rglob("*.py"):
        bad = graphlab_imports(path) - ALLOWED[layer] - {layer}
        assert not bad, f"{path.relative_to(PKG)} imports graphlab.{sorted(bad)}"


def test_ops_never_imports_torch_geometric():
    for path in (PKG / "ops").rglob("*.py"):
        assert not [m for m in imported_modules(path) if m.startswith("torch_geometric")], path
