import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import graphlab.runner.execute as execute
from graphlab.runner import (
    ResultsConflictError,
    RunFailedError,
    load_config,
    run_config,
    run_configs,
)
from graphlab.runner.store import atomic_write_json
from graphlab.tasks.common import without_timing

REPO = Path(__file__).resolve().parents[2]


def metrics_of(out, name="tiny"):
    return {p.name: json.loads(p.read_text())["metrics"]
            for p in sorted((Path(out) / name).glob("seed_*.json"))}


def test_same_seed_twice_gives_identical_metrics(write_config, tmp_path):
    cfg = load_config(write_config())
    run_config(cfg, tmp_path / "a", progress=False)
    run_config(cfg, tmp_path / "b", progress=False)
    a, b = metrics_of(tmp_path / "a"), metrics_of(tmp_path / "b")
    assert len(a) == 3 and a == b
    # different seeds really differ (the test could fail)
    assert len({json.dumps(m, sort_keys=True) for m in a.values()}) > 1


def test_link_training_is_bitwise_reproducible_with_two_threads(tmp_path):
    """The demo's GAE config exercises PyG's multi-threaded scatter path."""
    import torch
    cfg = load_config(REPO / "experiments/demo/link_gae.yaml", overrides=["train.epochs=60"])
    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        first = execute.run_seed(cfg, 1, tmp_path / "a")["metrics"]
        second = execute.run_seed(cfg, 1, tmp_path / "b")["metrics"]
    finally:
        torch.set_num_threads(threads)
    assert first == second


def test_record_contents(write_config, tmp_path):
    cfg = load_config(write_config())
    records = run_config(cfg, tmp_path, progress=False)
    rec = records[0]
    for key in ("config", "seed", "git_commit", "versions", "wall_time_s", "peak_rss_mb",
                "metrics", "curve", "fingerprint", "profile"):
        assert key in rec
    assert rec["versions"]["torch"] and rec["versions"]["torch_geometric"]
    assert rec["config"]["train"]["epochs"] == 6 and len(rec["curve"]) == 6
    assert (tmp_path / "tiny" / "config.yaml").exists()


def test_atomic_write_leaves_nothing_partial_on_error(tmp_path):
    target = tmp_path / "seed_0.json"
    with pytest.raises(TypeError):
        atomic_write_json(target, {"bad": object()})
    assert list(tmp_path.iterdir()) == []
    atomic_write_json(target, {"ok": 1})
    assert json.loads(target.read_text()) == {"ok": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["seed_0.json"]


def test_exception_mid_run_keeps_finished_seeds_and_no_partial_json(write_config, tmp_path,
                                                                    monkeypatch):
    cfg = load_config(write_config())
    real = execute.run_task
    calls = []

    def interrupted(*args, **kwargs):
        seed = args[6]
        calls.append(seed)
        if seed == 1:
            def boom(epoch, row):
                if epoch == 3:
                    raise KeyboardInterrupt
            kwargs["callback"] = boom
        return real(*args, **kwargs)

    monkeypatch.setattr(execute, "run_task", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run_config(cfg, tmp_path, progress=False)
    files = sorted(p.name for p in (tmp_path / "tiny").iterdir())
    assert files == ["config.yaml", "seed_0.json"]  # no temp files, no partial seed_1
    first = (tmp_path / "tiny" / "seed_0.json").read_text()

    calls.clear()
    monkeypatch.setattr(execute, "run_task", lambda *a, **k: calls.append(a[6]) or real(*a, **k))
    records = run_config(cfg, tmp_path, progress=False)
    assert calls == [1, 2]  # seed 0 was not recomputed
    assert [r["seed"] for r in records] == [0, 1, 2]
    assert (tmp_path / "tiny" / "seed_0.json").read_text() == first


def test_killed_process_resumes_with_the_same_command(write_config, tmp_path):
    path = write_config(name="killme.yaml")
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "graphlab", "run", str(path), "--out", str(out), "--quiet",
           "train.epochs=150", "seeds=4"]
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    first = out / "killme" / "seed_0.json"
    deadline = time.monotonic() + 120
    while not first.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert first.exists(), "the first seed never finished"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done_before = sorted(p.name for p in (out / "killme").glob("seed_*.json"))
    assert len(done_before) < 4, "the run finished before it could be killed"
    stamps = {name: (out / "killme" / name).stat().st_mtime_ns for name in done_before}
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    for name, stamp in stamps.items():
        assert (out / "killme" / name).stat().st_mtime_ns == stamp  # not recomputed
    assert sorted(p.name for p in (out / "killme").glob("seed_*.json")) == [
        f"seed_{i}.json" for i in range(4)]
    assert "| killme |" in result.stdout and "| 4 |" in result.stdout


def test_parallel_jobs_give_the_same_metrics_as_sequential(write_config, tmp_path):
    cfg = load_config(write_config())
    run_config(cfg, tmp_path / "seq", progress=False)
    run_config(cfg, tmp_path / "par", jobs=2, progress=False)
    assert metrics_of(tmp_path / "seq") == metrics_of(tmp_path / "par")


def test_the_seeds_of_all_configs_share_one_pool(write_config, tmp_path, monkeypatch):
    """Three one-seed configs on two workers: one pool runs all three (config after config,
    each alone, would never use the second worker); results as run in this process."""
    from tests.conftest import TINY
    cfgs = [load_config(write_config(TINY.replace("lr: 0.05", f"lr: 0.0{i}"), f"c{i}.yaml"),
                        overrides=["seeds=1"]) for i in (3, 4, 5)]
    pools = []
    real_pool = execute.ProcessPoolExecutor

    class CountingPool(real_pool):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.submitted = 0
            pools.append(self)

        def submit(self, *args, **kwargs):
            self.submitted += 1
            return super().submit(*args, **kwargs)

    monkeypatch.setattr(execute, "ProcessPoolExecutor", CountingPool)
    lines: list[str] = []
    records = run_configs([(c, tmp_path / "par") for c in cfgs], jobs=2, progress=False,
                          log=lines.append)
    assert len(pools) == 1 and pools[0].submitted == 3 and pools[0]._max_workers == 2
    assert sorted(line.split(" [")[0].split(" done")[0] for line in lines) == [
        f"graphlab: {c.name} seed 0" for c in cfgs]             # one line per pooled seed
    assert sorted(line.split(" [")[1] for line in lines) == ["1/3]", "2/3]", "3/3]"]
    assert [r[0]["name"] for r in records] == ["c3", "c4", "c5"]
    for cfg in cfgs:
        run_config(cfg, tmp_path / "seq", progress=False)
        assert metrics_of(tmp_path / "par", cfg.name) == metrics_of(tmp_path / "seq", cfg.name)


def test_changed_config_conflicts_with_stored_results(write_config, tmp_path):
    path = write_config()
    run_config(load_config(path, "smoke"), tmp_path, progress=False)
    changed = load_config(path, "smoke", ["train.lr=0.2"])
    with pytest.raises(ResultsConflictError,
                       match=r"another configuration.*train\.lr: 0\.05 → 0\.2.*overwrite=True"):
        run_config(changed, tmp_path, progress=False)
    records = run_config(changed, tmp_path, progress=False, overwrite=True)
    assert records[0]["config"]["train"]["lr"] == 0.2


def test_a_failing_seed_is_reported_with_its_config_and_the_others_finish(write_config,
                                                                          tmp_path, monkeypatch):
    cfg = load_config(write_config())
    real = execute.run_task

    def flaky(*args, **kwargs):
        if args[6] == 1:
            raise ValueError("bad luck on this seed")
        return real(*args, **kwargs)

    monkeypatch.setattr(execute, "run_task", flaky)
    lines: list[str] = []
    with pytest.raises(RunFailedError, match="config 'tiny' seed 1: ValueError: bad luck") as err:
        run_configs([(cfg, tmp_path)], progress=False, log=lines.append)
    assert [(name, seed) for name, seed, _ in err.value.failures] == [("tiny", 1)]
    assert len(lines) == 3 and re.fullmatch(r"graphlab: tiny seed 0 done in \d+\.\d min \[1/3\]",
                                            lines[0])
    assert lines[1] == "graphlab: tiny seed 1 failed (ValueError: bad luck on this seed) [2/3]"
    assert sorted(p.name for p in (tmp_path / "tiny").glob("seed_*.json")) == [
        "seed_0.json", "seed_2.json"]


def test_cli_goes_on_with_the_next_config_after_a_failure(write_config, tmp_path, monkeypatch,
                                                          capsys):
    from graphlab.cli import main
    from tests.conftest import TINY
    first = write_config(name="a.yaml")
    second = write_config(TINY.replace("lr: 0.05", "lr: 0.04"), name="b.yaml")
    real = execute.run_task

    def flaky(*args, **kwargs):
        if args[6] == 0 and args[4].lr == 0.05:          # config a, seed 0
            raise ValueError("first config breaks")
        return real(*args, **kwargs)

    monkeypatch.setattr(execute, "run_task", flaky)
    assert main(["run", str(first), str(second), "--out", str(tmp_path / "out"),
                 "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "config 'a' seed 0: ValueError: first config breaks" in err
    assert "done in" not in err                       # --quiet: no per-seed lines either
    assert len(list((tmp_path / "out" / "b").glob("seed_*.json"))) == 3
    # not a terminal and not --quiet: a line per seed instead of bars
    assert main(["run", str(first), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "graphlab: a seed 0 failed (ValueError: first config breaks) [3/3]" in err


def test_pool_workers_exit_when_the_run_is_killed(write_config, tmp_path):
    path = write_config(name="orphans.yaml")
    cmd = [sys.executable, "-m", "graphlab", "run", str(path), "--out", str(tmp_path / "o"),
           "--quiet", "--jobs", "2", "train.epochs=100000", "seeds=2"]
    proc = subprocess.Popen(cmd, env=dict(os.environ, PYTHONPATH=str(REPO)),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    workers: list[int] = []
    deadline = time.monotonic() + 120
    while len(workers) < 2 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.5)
        ps = subprocess.run(["ps", "-ww", "-o", "pid=,args=", "--ppid", str(proc.pid)],
                            capture_output=True, text=True).stdout
        workers = [int(line.split()[0]) for line in ps.splitlines() if "spawn_main" in line
                   and "resource_tracker" not in line]
    assert len(workers) == 2, f"the pool never started (exit status {proc.poll()})"
    time.sleep(1)          # workers may still be importing: they must exit all the same
    proc.send_signal(signal.SIGKILL)
    proc.wait()

    def alive(pid: int) -> bool:  # a zombie (exited, not yet reaped) counts as gone
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return False
        return state != "Z"

    deadline = time.monotonic() + 30
    while any(alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(alive(p) for p in workers), "orphaned workers kept running"


def test_two_configs_with_one_name_are_refused_before_anything_runs(write_config, tmp_path):
    from tests.conftest import TINY
    a = load_config(write_config(name="x.yaml"), "smoke")
    b = load_config(write_config(TINY.replace("lr: 0.05", "lr: 0.01"), name="x2.yaml"), "smoke")
    b.name = a.name
    with pytest.raises(ResultsConflictError, match="two different configs named 'x'"):
        run_configs([(a, tmp_path), (b, tmp_path)], progress=False)
    assert not (tmp_path / "x").exists()
    records = run_configs([(a, tmp_path), (a, tmp_path)], progress=False)  # the same twice
    assert len(records) == 2 and records[0] == records[1]


GRAPH_RUN = """
task: graph
dataset: {name: counting, params: {target: triangle, num_graphs: 200}}
split: {kind: random, train_ratio: 0.5, val_ratio: 0.25}
model: {name: gin, params: {hidden_channels: 16, dropout: 0.5}}
train: {epochs: 25, lr: 0.01, batch_size: 16, scheduler: plateau, lr_patience: 3}
seeds: 1
"""


def test_a_seed_killed_mid_way_resumes_from_its_checkpoint(write_config, tmp_path):
    """SIGKILL while the seed trains (after its first checkpoint); the same command then
    trains only the remaining epochs and ends with the uninterrupted run's metrics."""
    path = write_config(GRAPH_RUN, name="ckpt.yaml")
    env = dict(os.environ, PYTHONPATH=str(REPO))

    def cmd(out):
        return [sys.executable, "-m", "graphlab", "run", str(path), "--out", str(out),
                "--quiet", "--checkpoint-every", "0"]

    whole = subprocess.run(cmd(tmp_path / "whole"), env=env, capture_output=True, text=True,
                           timeout=300)
    assert whole.returncode == 0, whole.stderr
    out = tmp_path / "killed"
    proc = subprocess.Popen(cmd(out), env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    ckpt = out / "ckpt" / "seed_0.ckpt"
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        if ckpt.exists() and __import__("torch").load(ckpt, weights_only=True)["epoch"] >= 3:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the run finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not (out / "ckpt" / "seed_0.json").exists() and ckpt.exists()
    again = subprocess.run(cmd(out), env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    rec = json.loads((out / "ckpt" / "seed_0.json").read_text())
    ref = json.loads((tmp_path / "whole" / "ckpt" / "seed_0.json").read_text())
    assert rec["metrics"] == ref["metrics"]
    assert without_timing(rec["curve"]) == without_timing(ref["curve"])
    assert rec["resumed"]["from_epoch"] >= 3 and rec["resumed"]["times"] == 1
    assert rec["resumed"]["earlier_commits"] == [rec["git_commit"]]  # one checkout here
    assert rec["wall_time_s"] > rec["resumed"]["wall_time_this_process_s"]
    assert "resumed" not in ref
    assert not ckpt.exists()  # cleared once the record is written
    assert sorted(p.name for p in (out / "ckpt").iterdir()) == ["config.yaml", "seed_0.json"]


def test_checkpoints_of_other_configs_conflict_and_stale_ones_are_cleared(write_config,
                                                                          tmp_path):
    from graphlab.tasks import Checkpoint
    cfg = load_config(write_config(GRAPH_RUN, name="ckpt.yaml"), overrides=["train.epochs=2"])
    folder = tmp_path / "ckpt"
    foreign = Checkpoint(folder / "seed_0.ckpt", 0, key="another config seed 0")
    foreign.epoch_done(1, {"curve": []})
    with pytest.raises(ResultsConflictError, match="belongs to another run"):
        run_config(cfg, tmp_path, progress=False)
    assert (folder / "seed_0.ckpt").exists()
    records = run_config(cfg, tmp_path, progress=False, overwrite=True)
    assert "resumed" not in records[0] and not (folder / "seed_0.ckpt").exists()
    # a kill between the record and the clean-up leaves a checkpoint of a finished seed
    foreign.epoch_done(1, {"curve": []})
    run_config(cfg, tmp_path, progress=False)
    assert not (folder / "seed_0.ckpt").exists()


def test_node_runs_save_no_checkpoints(write_config, tmp_path, monkeypatch):
    """Tasks outside CHECKPOINT_TASKS run as before (their seeds restart after a kill)."""
    cfg = load_config(write_config())
    seen = []
    real = execute.run_task
    monkeypatch.setattr(execute, "run_task",
                        lambda *a, **k: seen.append(k["checkpoint"]) or real(*a, **k))
    run_config(cfg, tmp_path, progress=False, checkpoint_every=0)
    assert seen == [None, None, None]


def test_a_seed_another_process_runs_is_not_run_twice(write_config, tmp_path, monkeypatch):
    """Two `graphlab run`s into one folder: a seed held by the first is waited for
    (LOCK_WAIT_S), then refused naming the holder; one the holder finishes meanwhile is
    taken from it, not trained again; the lock goes with the holder."""
    import shutil
    import threading

    from graphlab.runner.store import seed_lock
    cfg = load_config(write_config(), overrides=["seeds=2"])
    folder = tmp_path / "tiny"
    monkeypatch.setattr(execute, "LOCK_WAIT_S", 0.3)
    with seed_lock(folder, 1):
        assert (folder / ".seed_1.lock").read_text() == str(os.getpid())
        with pytest.raises(RunFailedError, match=f"seed 1 .*another process \\(pid "
                                                 f"{os.getpid()}\\) \\(waited 0.3 s\\)"):
            run_config(cfg, tmp_path, progress=False)
    assert sorted(p.name for p in folder.iterdir()) == ["config.yaml", "seed_0.json"]

    elsewhere = run_config(cfg, tmp_path / "elsewhere", progress=False)
    (folder / "seed_0.json").unlink()
    monkeypatch.setattr(execute, "LOCK_WAIT_S", 30.0)
    held = threading.Event()

    def holder():  # "another process" that finishes seed 1 while this run waits for it
        with seed_lock(folder, 1):
            held.set()
            time.sleep(1.0)
            shutil.copy(tmp_path / "elsewhere" / "tiny" / "seed_1.json", folder / "seed_1.json")
    thread = threading.Thread(target=holder)
    trained = []
    real = execute.run_task
    monkeypatch.setattr(execute, "run_task", lambda *a, **k: trained.append(a[6]) or real(*a, **k))
    thread.start()
    held.wait()
    records = run_config(cfg, tmp_path, progress=False)
    thread.join()
    assert trained == [0]                               # seed 1 came from the holder
    assert [r["metrics"] for r in records] == [r["metrics"] for r in elsewhere]
    assert not (folder / ".seed_1.lock").exists()
