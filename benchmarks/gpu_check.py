"""``make gpu-check``: what only a CUDA machine can check, in one run, into one JSON.

1. the GPU-marked tests (``pytest -m gpu``: every task on the GPU against the CPU, the
   graph task's device path) and the Triton kernel tests on the real compiler;
2. ``graphlab bench ops --device cuda`` (each kernel backend beside PyG's path, GB/s);
3. one training epoch of NCN on Cora and of SSWL+ on the counting set, on the GPU.

Each step records its exit status, wall time and the tail of its output; the JSON also
names the GPU and the versions. Without CUDA it says so and exits 2. Budget: under 8
minutes on one recent GPU.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _step(name: str, cmd: list[str], timeout: int, env: dict) -> dict:
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True,
                              timeout=timeout)
        rc, out = proc.returncode, proc.stdout + proc.stderr
    except subprocess.TimeoutExpired as exc:
        rc, out = 124, f"timed out after {timeout} s\n{exc.stdout or ''}{exc.stderr or ''}"
    wall = time.perf_counter() - start
    print(f"{name}: exit {rc} in {wall:.0f} s", flush=True)
    return {"command": " ".join(cmd), "exit": rc, "wall_s": round(wall, 1),
            "output_tail": out[-4000:]}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default="results/gpu_check.json")
    args = parser.parse_args(argv)
    import torch
    if not torch.cuda.is_available():
        print("gpu-check: torch sees no CUDA GPU (torch.cuda.is_available() is False); run it "
              "on a machine with one", file=sys.stderr)
        return 2
    env = dict(os.environ)
    py, graphlab = sys.executable, [sys.executable, "-m", "graphlab"]
    steps = {}
    with tempfile.TemporaryDirectory() as tmp:
        steps["gpu_tests"] = _step("GPU tests", [py, "-m", "pytest", "-q", "-m", "gpu",
                                                 "tests/tasks"], 240, env)
        steps["triton_tests"] = _step("Triton kernels", [py, "-m", "pytest", "-q", "tests/ops",
                                                        "-k", "triton"], 180, env)
        steps["bench_ops"] = _step("bench ops", graphlab + [
            "bench", "ops", "--device", "cuda", "--out", f"{tmp}/ops.json"], 180, env)
        if (Path(tmp) / "ops.json").exists():
            steps["bench_ops"]["result"] = json.loads((Path(tmp) / "ops.json").read_text())
        for key, config in (("ncn_cora_epoch", "experiments/ncnc/cora_ncn.yaml"),
                            ("sswl_counting_epoch", "experiments/counting/"
                                                    "triangle_sswl_plus.yaml")):
            steps[key] = _step(key, graphlab + [
                "run", config, "train.epochs=1", "seeds=1", "resources.device=cuda",
                "--out", f"{tmp}/{key}", "--quiet"], 180, env)
            records = sorted(Path(tmp, key).glob("*/seed_0.json"))
            if records:
                record = json.loads(records[0].read_text())
                steps[key]["metrics"] = record["metrics"]
                steps[key]["device"] = record.get("info", {}).get("device")
                steps[key]["seed_wall_s"] = record.get("wall_time_s")
    report = {"gpu": torch.cuda.get_device_name(0), "torch": torch.__version__,
              "cuda": torch.version.cuda, "steps": steps,
              "passed": all(s["exit"] == 0 for s in steps.values())}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1) + "\n")
    print(f"gpu-check: {'passed' if report['passed'] else 'FAILED'}; written to {out}")
    return 0 if report["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
