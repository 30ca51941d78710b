"""Shared fixtures. Tests never touch the network or the user's ./data folder."""
from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest
import torch

# Triton kernels run on CPU tensors under Triton's interpreter. The kernels module is
# imported lazily, so setting this before any test runs is enough.
if not torch.cuda.is_available():
    os.environ.setdefault("TRITON_INTERPRET", "1")

REPO = Path(__file__).resolve().parents[1]


def _mirror() -> Path | None:
    value = os.environ.get("GRAPHLAB_MIRROR")
    if value and Path(value).is_dir():
        return Path(value)
    beside = REPO.parent / "shared" / "data"
    return beside if beside.is_dir() else None


@pytest.fixture(scope="session")
def session_data_root(tmp_path_factory) -> Path:
    """One data root for the whole session, so PyG processes each dataset once."""
    return tmp_path_factory.mktemp("graphlab-data")


@pytest.fixture(autouse=True)
def _isolated_data(monkeypatch, session_data_root):
    monkeypatch.setenv("GRAPHLAB_DATA", str(session_data_root))
    monkeypatch.delenv("GRAPHLAB_OFFLINE", raising=False)
    torch.manual_seed(0)


@pytest.fixture
def mirror(monkeypatch) -> Path:
    """The offline mirror; the test is skipped, with a message, when there is none."""
    path = _mirror()
    if path is None:
        pytest.skip("no dataset mirror: set GRAPHLAB_MIRROR (e.g. ../shared/data)")
    monkeypatch.setenv("GRAPHLAB_MIRROR", str(path))
    return path


TINY = """
task: node
dataset:
  name: dcsbm
  params: {num_nodes: 120, num_classes: 3, homophily: 0.8, seed: 0}
  undirected: true
model: {name: gcn, params: {hidden_channels: 8}}
train: {epochs: 6, lr: 0.05, weight_decay: 5e-4}
seeds: 3
paper: {metric: test_acc, mean: 90.0, std: 1.0, source: "made up for the test"}
profiles:
  smoke: {train.epochs: 2, seeds: 1}
"""


@pytest.fixture
def write_config(tmp_path):
    def write(text: str = TINY, name: str = "tiny.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text))
        return path
    return write
