"""An offline text corpus that every machine has: the Python standard library's own source.

Byte-level (vocabulary 256), so no tokenizer and no vocabulary file. The corpus depends on
the Python version that runs it (recorded with every corpus); the top-level modules of the
standard library are split by name into part ``'a'`` (a–m) and part ``'b'`` (n–z) — two
related but different distributions for pre-training and fine-tuning.
"""
from __future__ import annotations

import platform
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import torch
from torch import Tensor

from graphlab.data.registry import register_dataset

PARTS = ("a", "b", "all")
#: the corpus is cut into chunks of this many bytes; chunk c goes to validation when
#: c % 20 == 18 and to test when c % 20 == 19 (5 % each, spread over the whole corpus)
CHUNK = 16384


def stdlib_files(part: str = "all", root: Optional[str | Path] = None) -> list[Path]:
    """The top-level ``*.py`` files of the standard library (``root`` overrides its folder)
    in part ``'a'`` (name, ignoring leading underscores, starting a–m), ``'b'`` (n–z) or
    ``'all'``, sorted by name."""
    if part not in PARTS:
        raise ValueError(f"unknown corpus part '{part}'; choose one of {PARTS}")
    folder = Path(root) if root is not None else Path(sysconfig.get_paths()["stdlib"])
    files = sorted(folder.glob("*.py"))
    if not files:
        raise FileNotFoundError(f"no *.py files in {folder} (the Python standard library)")
    if part == "all":
        return files

    def in_a(f: Path) -> bool:
        return (f.name.lstrip("_")[:1] or "_").lower() <= "m"

    return [f for f in files if in_a(f) == (part == "a")]


@dataclass
class ByteCorpus:
    """A byte-level corpus split into train / validation / test token streams (int64)."""

    name: str
    train: Tensor
    val: Tensor
    test: Tensor
    info: dict = field(default_factory=dict)
    vocab_size: int = 256

    def __len__(self) -> int:  # the registry's datasets have a length; one corpus
        return 1

    def stream(self, split: str) -> Tensor:
        if split not in ("train", "val", "test"):
            raise ValueError(f"unknown split '{split}'; choose train, val or test")
        return getattr(self, split)

    def sample(self, split: str, block: int, batch: int,
               generator: Optional[torch.Generator] = None) -> tuple[Tensor, Tensor]:
        """``batch`` random windows: inputs ``[batch, block]`` and next-byte targets."""
        data = self.stream(split)
        if data.numel() < block + 1:
            raise ValueError(f"{self.name}: the {split} stream has {data.numel()} bytes, fewer "
                             f"than one window of {block + 1}")
        start = torch.randint(0, data.numel() - block, (batch,), generator=generator)
        idx = start.view(-1, 1) + torch.arange(block + 1).view(1, -1)
        window = data[idx]
        return window[:, :-1], window[:, 1:]

    def windows(self, split: str, block: int, limit: Optional[int] = None
                ) -> tuple[Tensor, Tensor]:
        """Consecutive non-overlapping windows covering the stream (at most ``limit``, evenly
        spaced): the fixed evaluation set."""
        data = self.stream(split)
        count = (data.numel() - 1) // block
        if count < 1:
            raise ValueError(f"{self.name}: the {split} stream has {data.numel()} bytes, fewer "
                             f"than one window of {block + 1}")
        starts = torch.arange(count) * block
        if limit is not None and count > limit:
            starts = starts[torch.linspace(0, count - 1, limit).round().long()]
        idx = starts.view(-1, 1) + torch.arange(block + 1).view(1, -1)
        window = data[idx]
        return window[:, :-1], window[:, 1:]


def byte_corpus(part: str = "a", max_bytes: Optional[int] = None,
                root: Optional[str | Path] = None) -> ByteCorpus:
    """Read the standard-library part as bytes (first ``max_bytes`` of the sorted files) and
    split it into chunks of :data:`CHUNK` bytes, 90 / 5 / 5 % to train / val / test."""
    if max_bytes is not None and max_bytes < 20 * CHUNK:
        raise ValueError(f"max_bytes must be at least {20 * CHUNK} (one chunk for each split), "
                         f"got {max_bytes}")
    files = stdlib_files(part, root)
    blobs, total = [], 0
    for f in files:
        blob = f.read_bytes()
        if max_bytes is not None and total + len(blob) > max_bytes:
            blobs.append(blob[:max_bytes - total])
            total = max_bytes
            break
        blobs.append(blob)
        total += len(blob)
    data = torch.frombuffer(bytearray(b"".join(blobs)), dtype=torch.uint8).long()
    chunk = torch.arange(data.numel()) // CHUNK % 20
    corpus = ByteCorpus(
        f"pystdlib[{part}]", data[chunk < 18], data[chunk == 18], data[chunk == 19],
        info={"python": platform.python_version(), "files": len(blobs), "bytes": total,
              "first_file": files[0].name, "last_file": files[len(blobs) - 1].name})
    if corpus.test.numel() == 0:
        raise ValueError(f"{corpus.name}: {total} bytes is too little for a test split")
    return corpus


@register_dataset("pystdlib", kind="text",
                  description="byte-level corpus: the Python standard library's source (part a: "
                              "modules a-m, b: n-z), for language-model experiments")
def _load_pystdlib(root, part: str = "a", max_bytes: Optional[int] = None) -> ByteCorpus:
    return byte_corpus(part, max_bytes)
