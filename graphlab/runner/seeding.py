"""One call seeds every random number generator a run touches."""
from __future__ import annotations

import random

import numpy as np
import torch


def seed_everything(seed: int) -> None:
    """Seed Python's ``random``, NumPy and torch (CPU and, when present, CUDA), and ask torch
    for deterministic kernels.

    Without the latter, multi-threaded CPU runs of PyG's scatter-based layers (e.g. GCN
    training on a 1000-node graph with 2 threads) differed in the last digits between
    identical runs, enough to flip a Hits@K. ``warn_only`` keeps ops that have no
    deterministic implementation usable (they warn). Called by the runner for every seed;
    importing a graphlab layer changes nothing.
    """
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True, warn_only=True)
