"""graphlab.io.allocator: freed memory is recycled instead of faulted in again, the setting
can be turned off, and records say which allocator setting a run had."""
import os
import subprocess
import sys
import textwrap

import pytest

from graphlab.io import allocator

glibc = pytest.mark.skipif(allocator._glibc() is None, reason="needs glibc (mallopt)")

# allocate and free tensors of a few sizes below 32 MiB, as a training step does, and count
# the page faults of the repeated steps
CHURN = textwrap.dedent("""
    import resource, sys, torch
    from graphlab.io.allocator import allocator_setting, keep_freed_memory
    if sys.argv[1] == "keep":
        keep_freed_memory()
    def step():
        for mib in (3, 6, 12, 24, 5, 18):
            a = torch.ones(mib * 262144)
            b = a * 2
            c = b + 1
            del a, b, c
    step()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(5):
        step()
    print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
    print(allocator_setting())
""")


def _churn(mode: str, **env: str) -> tuple[int, str]:
    out = subprocess.run([sys.executable, "-c", CHURN, mode], capture_output=True, text=True,
                         check=True, env={**os.environ, "OMP_NUM_THREADS": "1", **env})
    faults, setting = out.stdout.strip().splitlines()
    return int(faults), setting


@glibc
def test_kept_memory_is_not_faulted_in_again():
    kept, setting = _churn("keep")
    default, default_setting = _churn("system")
    assert setting.startswith("glibc, freed memory kept")
    assert default_setting == "system default"
    # 5 steps of 3 x 68 MiB would fault ~261,000 pages if every block were new; glibc's
    # defaults trim the heap's top once more than twice the largest freed block is free (a step
    # holds 3 x 24 MiB), so most of them are faulted in again; the raised thresholds keep them
    assert default > 40_000
    assert kept * 5 < default


@glibc
def test_environment_turns_it_off():
    faults, setting = _churn("keep", GRAPHLAB_ALLOCATOR="system")
    assert setting == "system default (GRAPHLAB_ALLOCATOR=system)"
    assert faults > 40_000


def test_not_glibc_does_nothing(monkeypatch):
    monkeypatch.setattr(allocator, "_state", None)
    monkeypatch.setattr(allocator, "_glibc", lambda: None)
    monkeypatch.delenv(allocator.ENV, raising=False)
    assert allocator.keep_freed_memory() == "system default (not glibc)"
    assert allocator.allocator_setting() == "system default (not glibc)"


def test_record_info_names_the_allocator(write_config, tmp_path):
    from graphlab.runner import load_config, run_config

    records = run_config(load_config(write_config()), tmp_path, progress=False)
    assert records[0]["info"]["allocator"] == allocator.allocator_setting()
