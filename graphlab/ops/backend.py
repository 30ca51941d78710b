"""Backend selection for graphlab.ops.

``triton`` on CUDA tensors (when triton is installed), ``torch`` otherwise. Override with
the ``backend=`` argument of an op or ``$GRAPHLAB_OPS_BACKEND`` (argument wins).
``torch_scatter`` is used only when asked for. The ``triton`` backend runs on CPU
tensors only under ``TRITON_INTERPRET=1`` (Triton's interpreter; slow, for tests).
"""
from __future__ import annotations

import importlib.util
import os
from typing import Optional

import torch

BACKENDS = ("torch", "triton", "torch_scatter")
ENV_BACKEND = "GRAPHLAB_OPS_BACKEND"


def has_triton() -> bool:
    return importlib.util.find_spec("triton") is not None


def has_torch_scatter() -> bool:
    return importlib.util.find_spec("torch_scatter") is not None


def triton_interpreted() -> bool:
    return os.environ.get("TRITON_INTERPRET", "") == "1"


def resolve_backend(device: torch.device, backend: Optional[str] = None) -> str:
    """The backend an op on ``device`` uses: ``backend``, else ``$GRAPHLAB_OPS_BACKEND``, else
    ``'triton'`` for CUDA tensors when triton is installed, else ``'torch'``.

    Raises:
        ValueError: an unknown backend name.
        RuntimeError: a backend that cannot run here (not installed, or triton on CPU
            without ``TRITON_INTERPRET=1``).
    """
    name = backend or os.environ.get(ENV_BACKEND) or None
    if name is None:
        return "triton" if device.type == "cuda" and has_triton() else "torch"
    if name not in BACKENDS:
        raise ValueError(f"unknown ops backend '{name}'; choose one of {BACKENDS}")
    if name == "triton":
        if not has_triton():
            raise RuntimeError("ops backend 'triton' requested but triton is not installed "
                               "(pip install -e '.[triton]')")
        if device.type != "cuda" and not triton_interpreted():
            raise RuntimeError("ops backend 'triton' needs CUDA tensors, or TRITON_INTERPRET=1 "
                               f"to run Triton's interpreter on {device.type} tensors")
    if name == "torch_scatter" and not has_torch_scatter():
        raise RuntimeError("ops backend 'torch_scatter' requested but torch_scatter is not "
                           "installed (pip install -e '.[scatter]')")
    return name
