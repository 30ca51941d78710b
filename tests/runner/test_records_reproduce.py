"""The code on main reproduces committed records: seed 0 of cheap configs behind RESULTS.md,
re-run here, gives the committed record's fingerprint and every metric to the last digit.

This is the check that a refactoring (of the registry, the task classes, the io helpers)
left the random stream and the numbers unchanged; a change that moves them must re-run
the records it moves.
"""
import json
from pathlib import Path

import pytest
import torch

from graphlab.runner import config_from_dict, run_seed

RECORDS = Path(__file__).resolve().parents[2] / "records"
CASES = sorted(p.relative_to(RECORDS).as_posix() for p in (RECORDS / "demo").glob(
    "*/seed_0.json")) + ["tu/mutag_gin/seed_0.json"]


@pytest.mark.parametrize("path", CASES)
def test_seed_zero_gives_the_committed_numbers(path, tmp_path):
    record = json.loads((RECORDS / path).read_text())
    cfg = config_from_dict(record["config"], f"records/{path}", record["config"]["profile"])
    assert cfg.fingerprint() == record["fingerprint"]
    threads = torch.get_num_threads()
    torch.set_num_threads(record["machine"]["torch_threads"])   # the same float rounding
    try:
        again = run_seed(cfg, 0, tmp_path, checkpoint_every=None)
    finally:
        torch.set_num_threads(threads)
    assert again["metrics"] == record["metrics"], path
