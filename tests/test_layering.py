"""The import rules of DESIGN.md: imports point down only."""
import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[1] / "graphlab"
#: package → the graphlab packages it may import (its own aside); the table of
#: docs/architecture.md. ``io`` (atomic files, checkpoints, provenance) sits below everything.
ALLOWED = {
    "io": set(),
    "ops": {"io"},
    "construct": {"ops", "io"},
    "nn": {"ops", "construct", "io"},
    "heads": {"nn", "ops", "construct", "io"},
    "models": {"heads", "nn", "ops", "construct", "io"},
    "data": {"construct", "ops", "io"},
    "tasks": {"models", "heads", "nn", "data", "construct", "ops", "io"},
    "studies": {"tasks", "models", "heads", "nn", "data", "construct", "ops", "io"},
    "runner": {"tasks", "models", "heads", "nn", "data", "construct", "ops", "io"},
    "bench": {"runner", "tasks", "models", "heads", "nn", "data", "construct", "ops", "io"},
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


def test_every_package_has_a_row():
    packages = {p.name for p in PKG.iterdir() if (p / "__init__.py").exists()}
    assert packages == set(ALLOWED), packages ^ set(ALLOWED)


def test_nn_registers_nothing():
    """Layers in nn/ are plain modules: the registry and the configurable models live in
    graphlab.models."""
    for path in (PKG / "nn").rglob("*.py"):
        text = path.read_text()
        assert "register_model" not in text and "@register(" not in text, path
