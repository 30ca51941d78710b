"""Data-parallel training (``graphlab run --ddp`` under torchrun, gloo on CPU).

The end-to-end test starts a real 2-process torchrun group: small link and graph configs
must give the metrics and loss curves of a 1-process group with the same global batch (up
to floating point: the gradient is summed in a different order). Re-running with more
seeds trains only the missing ones.
"""
import json
import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest
import torch

from graphlab.cli import main
from graphlab.runner import load_config, run_config_ddp
from graphlab.tasks import DistributedUnsupportedError, check_ddp_task, run_task
from graphlab.tasks.distributed import Distributed
from graphlab.tasks.settings import (
    DatasetSettings,
    EvalSettings,
    ModelSettings,
    SplitSettings,
    TrainSettings,
)

REPO = Path(__file__).resolve().parents[2]
LINK = """
task: link
dataset:
  name: dcsbm
  params: {num_nodes: 200, num_classes: 3, homophily: 0.8, seed: 0}
  undirected: true
model: {name: gae, params: {hidden_channels: 16, num_layers: 2, dropout: 0.0, decoder: mlp}}
train: {epochs: 4, lr: 0.01, batch_size: 50, target_link_removal: true}
eval: {hits_k: [10, 20]}
seeds: 2
"""
GRAPH = """
task: graph
dataset: {name: mutag}
model: {name: gin, params: {hidden_channels: 16, norm: none, dropout: 0.0}}
train: {epochs: 3, lr: 0.01, batch_size: 16}
seeds: 2
"""


def fake(rank: int, world: int) -> Distributed:
    return Distributed(rank, world, torch.device("cpu"), "gloo")


def test_shards_cover_a_batch_once_in_order():
    for n in (0, 1, 5, 64, 65):
        for world in (1, 2, 3):
            parts = [torch.arange(n)[fake(r, world).shard(n)] for r in range(world)]
            assert torch.equal(torch.cat(parts), torch.arange(n))
            assert max(p.numel() for p in parts) - min(p.numel() for p in parts) <= 1


def test_loss_weights_make_the_averaged_gradient_the_global_mean():
    # per-item losses l_i; each rank's mean over its shard, weighted, then averaged over ranks
    losses = torch.rand(7, dtype=torch.float64)
    world = 3
    averaged = sum(fake(r, world).loss_weight(len(losses[fake(r, world).shard(7)]), 7)
                   * losses[fake(r, world).shard(7)].mean() for r in range(world)) / world
    assert torch.isclose(averaged, losses.mean())


def test_node_task_refuses_ddp_with_the_reason():
    with pytest.raises(DistributedUnsupportedError, match="full-batch"):
        check_ddp_task("node")
    check_ddp_task("link")
    check_ddp_task("graph")
    with pytest.raises(DistributedUnsupportedError, match="full-batch"):
        run_task("node", DatasetSettings("dcsbm"), ModelSettings("gcn"), SplitSettings(),
                 TrainSettings(), EvalSettings(), 0, ddp=fake(0, 2))


def test_ddp_outside_torchrun_is_a_clear_error(write_config, capsys, monkeypatch):
    for key in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        monkeypatch.delenv(key, raising=False)
    path = write_config(LINK, "link.yaml")
    assert main(["run", str(path), "--ddp", "--quiet"]) == 2
    assert "torchrun" in capsys.readouterr().err
    assert main(["run", str(path), "--ddp", "--jobs", "2", "--quiet"]) == 2


def torchrun(nproc: int, configs: list[Path], out: Path, *extra: str) -> None:
    env = dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS="1")
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone",
           f"--nproc_per_node={nproc}", "-m", "graphlab.cli", "run", *map(str, configs), "--ddp",
           "--quiet", "--out", str(out), *extra]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]


@contextmanager
def one_process_group(tmp_path: Path):
    """A 1-process gloo group in this process: the single-process reference."""
    import torch.distributed as dist

    dist.init_process_group("gloo", store=dist.FileStore(str(tmp_path / "store"), 1),
                            rank=0, world_size=1)
    try:
        yield fake(0, 1)
    finally:
        dist.destroy_process_group()


def records(out: Path, name: str) -> dict[int, dict]:
    return {int(p.stem.split("_")[1]): json.loads(p.read_text())
            for p in sorted((out / name).glob("seed_*.json"))}


def test_ddp_run_resumes_after_the_written_seeds(write_config, tmp_path):
    path = write_config(LINK, "link.yaml")
    with one_process_group(tmp_path) as ddp:
        run_config_ddp(load_config(path, overrides=["seeds=1"]), tmp_path, ddp, progress=False)
        first = (tmp_path / "link" / "seed_0.json").stat().st_mtime_ns
        recs = run_config_ddp(load_config(path), tmp_path, ddp, progress=False)
    assert [r["seed"] for r in recs] == [0, 1]
    assert (tmp_path / "link" / "seed_0.json").stat().st_mtime_ns == first


def test_two_process_ddp_matches_one_process(write_config, tmp_path):
    """Link (sharded edge batches) and graph (DistributedSampler) configs, no dropout or
    batch norm (those draw / compute per rank)."""
    configs = [write_config(LINK, "link.yaml"), write_config(GRAPH, "graph.yaml")]
    torchrun(2, configs, tmp_path / "two")
    with one_process_group(tmp_path) as ddp:
        for config in configs:
            run_config_ddp(load_config(config), tmp_path / "one", ddp, progress=False)
    for name in ("link", "graph"):
        one, two = records(tmp_path / "one", name), records(tmp_path / "two", name)
        assert sorted(one) == sorted(two) == [0, 1]
        for seed in (0, 1):
            assert one[seed]["distributed"] == {"world_size": 1, "backend": "gloo"}
            assert two[seed]["distributed"] == {"world_size": 2, "backend": "gloo"}
            a, b = one[seed]["metrics"], two[seed]["metrics"]
            assert a.keys() == b.keys()
            for key in a:
                assert a[key] == pytest.approx(b[key], rel=1e-5, abs=1e-6), (name, key)
            losses_a = [row["loss"] for row in one[seed]["curve"]]
            losses_b = [row["loss"] for row in two[seed]["curve"]]
            assert losses_a == pytest.approx(losses_b, rel=1e-5)
            # training really moved: later epochs have a lower loss than the first
            assert losses_b[-1] < losses_b[0], name
