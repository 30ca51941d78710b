"""Atomic file writes: a reader, or a run resumed after a kill, sees the old file or the
new one, never half of one."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any, Callable

import torch


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write(path: str | Path, write: Callable[[Any], None], binary: bool = False) -> None:
    """``write(file)`` into a temporary file in the same folder, flushed, fsynced and
    renamed to ``path``: a reader (or a run resumed after a kill) sees the old file or the
    new one, never half of one; on an error nothing is left behind."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp's 0600 would hide records from others
        with os.fdopen(fd, "wb" if binary else "w") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def atomic_torch_save(obj: Any, path: str | Path) -> None:
    """``torch.save`` written atomically (:func:`atomic_write`)."""
    atomic_write(path, lambda f: torch.save(obj, f), binary=True)


def save_figure(fig, path: str | Path, dpi: int = 120) -> Path:
    """Lay out a matplotlib figure, write it to ``path`` (parents created) and close it."""
    import matplotlib.pyplot as plt

    path = Path(path)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return path
