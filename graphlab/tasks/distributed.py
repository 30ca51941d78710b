"""Data-parallel training with ``torch.distributed`` (DDP): what a task loop needs to train
one model across the K processes that ``torchrun --nproc_per_node=K`` starts.

The runner initialises the process group (:func:`init_distributed`) and hands the task loop
a :class:`Distributed`. The loop then

- draws its batches and negatives from :meth:`Distributed.sampling_generator` — the same
  stream on every rank, whatever randomness dropout consumed locally — and trains each rank
  on its contiguous shard (:meth:`Distributed.shard`) of every global batch;
- weights each rank's mean loss by :meth:`Distributed.loss_weight`, so that DDP's gradient
  average equals the gradient of the mean over the whole global batch (also when the global
  batch does not divide evenly);
- shards evaluation pairs and puts the scores back together in order
  (:meth:`Distributed.gather`), so every rank computes the same metrics and makes the same
  early-stopping decision; scalar sums (the training loss) go through :meth:`all_sum`.

Which tasks support it: the link task (its training steps are batches of edges). The node
task does not: it trains full-batch — every step is one forward pass over the whole graph —
so there is no batch to shard; K processes would only repeat the same work. Run node
configs in parallel over seeds instead (``--jobs``, ``--launcher ray``).
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Optional

import torch
from torch import Tensor

#: torchrun sets these in every process it starts
TORCHRUN_ENV = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")


class DistributedUnsupportedError(ValueError):
    """The task cannot be trained data-parallel; the message says why."""


@dataclass(frozen=True)
class Distributed:
    """This process's place in an initialised process group.

    Attributes:
        rank: global rank (0 .. world_size-1); rank 0 writes results.
        world_size: number of processes training the model.
        device: where this rank computes (``cuda:LOCAL_RANK`` with nccl, else CPU).
        backend: ``'gloo'`` or ``'nccl'``.
    """

    rank: int
    world_size: int
    device: torch.device
    backend: str

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    def shard(self, n: int) -> slice:
        """This rank's contiguous part of ``n`` items (sizes differ by at most one; a rank
        gets an empty part when ``n < world_size``)."""
        return slice(n * self.rank // self.world_size, n * (self.rank + 1) // self.world_size)

    def loss_weight(self, n_local: int, n_global: int) -> float:
        """Factor for this rank's *mean* loss over its ``n_local`` items so that DDP's
        average of the ranks' gradients is the gradient of the mean over all ``n_global``."""
        return n_local * self.world_size / n_global

    def sampling_generator(self, seed: int) -> torch.Generator:
        """A CPU generator seeded identically on every rank, for batch order and negatives."""
        return torch.Generator().manual_seed(int(seed) + 7919)

    def all_sum(self, value: float) -> float:
        import torch.distributed as dist

        t = torch.tensor([float(value)], dtype=torch.float64, device=self.device)
        dist.all_reduce(t)
        return float(t.item())

    def gather(self, local: Tensor) -> Tensor:
        """Concatenate every rank's ``local`` (1-D, possibly of different lengths) in rank
        order; the result is the same on every rank."""
        import torch.distributed as dist

        local = local.reshape(-1)
        sizes = [torch.zeros(1, dtype=torch.long, device=self.device)
                 for _ in range(self.world_size)]
        dist.all_gather(sizes, torch.tensor([local.numel()], device=self.device))
        longest = int(max(s.item() for s in sizes))
        padded = torch.zeros(longest, dtype=local.dtype, device=self.device)
        padded[:local.numel()] = local
        parts = [torch.empty_like(padded) for _ in range(self.world_size)]
        dist.all_gather(parts, padded)
        return torch.cat([p[:int(s.item())] for p, s in zip(parts, sizes, strict=True)])

    def wrap(self, module: torch.nn.Module) -> torch.nn.Module:
        """``module`` moved to this rank's device inside ``DistributedDataParallel`` (its
        parameters are broadcast from rank 0, so every rank starts identical)."""
        from torch.nn.parallel import DistributedDataParallel

        module = module.to(self.device)
        ids = [self.device.index] if self.device.type == "cuda" else None
        return DistributedDataParallel(module, device_ids=ids)


def launched_by_torchrun() -> bool:
    return all(k in os.environ for k in TORCHRUN_ENV)


def init_distributed(backend: Optional[str] = None) -> Distributed:
    """Join the process group that ``torchrun`` set up (env:// rendezvous): nccl with one
    GPU per local rank when CUDA is available, gloo on CPU otherwise."""
    import torch.distributed as dist

    if not launched_by_torchrun():
        missing = [k for k in TORCHRUN_ENV if k not in os.environ]
        raise RuntimeError(
            "--ddp must run under torchrun, which starts the processes and sets "
            f"{', '.join(missing)}: torchrun --standalone --nproc_per_node=K "
            "-m graphlab.cli run CONFIG --ddp")
    local_rank = int(os.environ["LOCAL_RANK"])
    if backend is None:
        backend = "nccl" if torch.cuda.is_available() else "gloo"
    if backend == "nccl":
        if not torch.cuda.is_available():
            raise RuntimeError("the nccl backend needs CUDA; use gloo on CPU")
        device = torch.device("cuda", local_rank)
        torch.cuda.set_device(device)
    else:
        device = torch.device("cpu")
        local_world = int(os.environ.get("LOCAL_WORLD_SIZE", os.environ["WORLD_SIZE"]))
        torch.set_num_threads(max(1, (os.cpu_count() or 1) // local_world))
    if not dist.is_initialized():
        dist.init_process_group(backend)
    return Distributed(dist.get_rank(), dist.get_world_size(), device, backend)


def barrier(ddp: Distributed) -> None:
    import torch.distributed as dist

    if ddp.backend == "nccl":
        dist.barrier(device_ids=[ddp.device.index])
    else:
        dist.barrier()


def broadcast_object(ddp: Distributed, obj):
    """Rank 0's ``obj`` on every rank."""
    import torch.distributed as dist

    box = [obj]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def shutdown() -> None:
    import torch.distributed as dist

    if dist.is_initialized():
        dist.destroy_process_group()
