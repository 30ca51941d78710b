"""The Ray launcher: same metrics as the local pool, resume after a kill, failures reported.

These use a local Ray instance (``num_cpus=2``), started once for the module.
"""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from graphlab.runner import RunFailedError, load_configs, run_config

ray = pytest.importorskip("ray", reason="Ray is an optional extra: pip install -e '.[ray]'")
from graphlab.runner.ray_launcher import run_with_ray  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
GRID = """
task: node
dataset:
  name: dcsbm
  params: {{num_nodes: 150, num_classes: 3, homophily: 0.7, seed: 0}}
  undirected: true
model: {{name: gcn, params: {{hidden_channels: 8, dropout: 0.5}}}}
train: {{epochs: {epochs}, lr: 0.05}}
seeds: 2
resources: {{cpus: 1}}
sweep:
  train.lr: [0.05, 0.01]
  {key}: {values}
"""


def grid(epochs=5, key="model.params.hidden_channels", values="[8, 16]"):
    return GRID.format(epochs=epochs, key=key, values=values)


def metrics(out: Path) -> dict:
    return {f"{p.parent.name}/{p.name}": json.loads(p.read_text())["metrics"]
            for p in sorted(out.rglob("seed_*.json"))}


def _settled(out: Path, quiet_s: float = 5.0, limit_s: float = 60.0) -> dict:
    """The seed records once none has appeared for ``quiet_s``: a Ray worker outside the
    killed process group can finish the seed it holds before its raylet reaps it."""
    seen = {p: p.read_text() for p in out.rglob("seed_*.json")}
    quiet_since, deadline = time.time(), time.time() + limit_s
    while time.time() - quiet_since < quiet_s and time.time() < deadline:
        time.sleep(0.5)
        now = {p: p.read_text() for p in out.rglob("seed_*.json")}
        if now.keys() != seen.keys():
            seen, quiet_since = now, time.time()
    return seen


@pytest.fixture(scope="module")
def ray_instance():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             runtime_env={"env_vars": {"PYTHONPATH": str(REPO)}})
    yield
    ray.shutdown()


def test_ray_sweep_gives_the_local_launchers_metrics(ray_instance, write_config, tmp_path):
    configs = load_configs(write_config(grid(), "grid.yaml"))
    for cfg in configs:
        run_config(cfg, tmp_path / "local", jobs=2, progress=False)
    ran = run_with_ray([(c, tmp_path / "ray") for c in configs], progress=False)
    assert ran == 8
    local, remote = metrics(tmp_path / "local"), metrics(tmp_path / "ray")
    assert len(local) == 8 and local == remote


def test_killed_ray_sweep_resumes_only_the_missing_runs(ray_instance, write_config, tmp_path):
    path = write_config(grid(epochs=600), "grid.yaml")
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-m", "graphlab.cli", "run", str(path), "--out",
                             str(out), "--launcher", "ray", "--jobs", "2", "--quiet"],
                            env=env, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.time() + 240
    while time.time() < deadline and not list(out.rglob("seed_*.json")):
        time.sleep(0.5)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    before = _settled(out)
    assert 1 <= len(before) < 8, "the sweep should have been killed half-way"
    configs = load_configs(path)
    ran = run_with_ray([(c, out) for c in configs], progress=False)
    assert ran == 8 - len(before)
    assert {p: p.read_text() for p in before} == before        # finished runs untouched
    assert len(list(out.rglob("seed_*.json"))) == 8
    assert not list(out.rglob("*.tmp*"))


def test_a_raising_task_is_reported_and_the_others_finish(ray_instance, write_config,
                                                          tmp_path):
    # a homophily above 1 passes the config check (generator parameters are the
    # generator's to check) and raises when the seed builds its graph
    configs = load_configs(write_config(grid(key="dataset.params.homophily",
                                             values="[0.7, 1.5]"), "grid.yaml"))
    with pytest.raises(RunFailedError) as err:
        run_with_ray([(c, tmp_path) for c in configs], progress=False)
    failed = sorted((name, seed) for name, seed, _ in err.value.failures)
    assert failed == [("grid__lr=0.01__homophily=1.5", 0), ("grid__lr=0.01__homophily=1.5", 1),
                      ("grid__lr=0.05__homophily=1.5", 0), ("grid__lr=0.05__homophily=1.5", 1)]
    assert "homophily must lie in [0, 1], got 1.5" in str(err.value)
    assert len(list(tmp_path.rglob("seed_*.json"))) == 4           # the 0.7 runs finished


def test_cli_without_ray_says_how_to_install(write_config, monkeypatch, capsys):
    from graphlab.cli import main
    monkeypatch.setitem(sys.modules, "ray", None)
    assert main(["run", str(write_config(grid(), "grid.yaml")), "--launcher", "ray"]) == 2
    assert "pip install -e '.[ray]'" in capsys.readouterr().err
