"""Where a result came from: the git commit of the checkout (``+dirty`` with uncommitted
code), the command line, the machine, and the library versions."""
from __future__ import annotations

import os
import subprocess
from functools import lru_cache
from pathlib import Path
from typing import Any, Optional

#: tracked paths whose changes do not change the code that produces a result: records
#: written or updated by a run are not code, so they never make its commit "+dirty"
NOT_CODE = ("records",)


def checkout_commit(folder: Path) -> str:
    """The commit checked out at ``folder`` (``+dirty`` when tracked files other than
    :data:`NOT_CODE` have uncommitted changes), or ``'unknown'`` outside a git checkout."""
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=folder, capture_output=True,
                             text=True, timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--",
                                ":(top)", *(f":(top,exclude){p}" for p in NOT_CODE)],
                               cwd=folder, capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return sha + ("+dirty" if dirty.strip() else "")


@lru_cache(maxsize=1)
def git_commit() -> str:
    """The commit of the graphlab checkout (:func:`checkout_commit`)."""
    return checkout_commit(Path(__file__).resolve().parent)


def command_line() -> str:
    """The command that started this run, as a shell line: what ``graphlab run`` set in
    ``$GRAPHLAB_COMMAND`` (inherited by its pool workers), else this process's argv."""
    import shlex
    import sys

    return os.environ.get("GRAPHLAB_COMMAND") or shlex.join(
        [Path(sys.argv[0]).name or "python", *sys.argv[1:]])


@lru_cache(maxsize=1)
def _cpu_model() -> str:
    import platform

    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown"


def machine() -> dict[str, Any]:
    """Where a run happened: the CPU model, the cores the OS shows, torch's thread count,
    and the GPU torch sees (``None`` without one)."""
    import torch

    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    return {"cpu": _cpu_model(), "cpu_count": os.cpu_count(),
            "torch_threads": torch.get_num_threads(), "gpu": gpu}


def versions() -> dict[str, Optional[str]]:
    import platform

    import torch
    import torch_geometric

    import graphlab
    return {"python": platform.python_version(), "torch": torch.__version__,
            "torch_geometric": torch_geometric.__version__, "graphlab": graphlab.__version__}
