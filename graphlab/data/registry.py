"""The dataset registry: a name → loader dict filled by :func:`register_dataset`.

Real datasets are PyG's own classes, loaded through the offline mirror (see
:mod:`graphlab.data.mirror`); synthetic ones are generated in memory. Use
:func:`load_dataset` (``graphlab data list`` shows the names).
"""
from __future__ import annotations

import contextlib
import inspect
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Optional, Sequence

from torch_geometric.data import Data, InMemoryDataset

from graphlab.data.mirror import (
    DatasetNotAvailableError,
    copy_from_mirror,
    data_root,
    missing_raw_files,
    not_available_message,
    offline,
)


@dataclass(frozen=True)
class DatasetSpec:
    """What the registry knows about one dataset.

    ``loader(root, **params)`` returns a PyG dataset. ``mirror_path`` is the folder
    (relative to the data root and to the mirror) that holds the dataset, and
    ``raw_dir`` the folder inside it where PyG expects ``raw_files``; both are
    ``None`` for synthetic data. ``counts`` are the documented sizes, checked by
    the test suite against what PyG produces from the mirror.
    """

    name: str
    loader: Callable[..., InMemoryDataset]
    kind: str  # 'node' (one graph) or 'graph' (many graphs)
    description: str
    mirror_path: Optional[str] = None
    raw_dir: Optional[str] = None
    raw_files: tuple[str, ...] = ()
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def synthetic(self) -> bool:
        return self.mirror_path is None

    def params(self) -> list[str]:
        """Keyword parameters a config may pass in ``dataset.params``."""
        sig = inspect.signature(self.loader)
        return [p for p in sig.parameters if p != "root"]


DATASETS: dict[str, DatasetSpec] = {}


def register_dataset(name: str, *, kind: str, description: str, mirror_path: Optional[str] = None,
                     raw_dir: Optional[str] = None, raw_files: Sequence[str] = (),
                     counts: Optional[dict[str, int]] = None):
    """Decorator registering ``loader(root, **params)`` under ``name`` (lower case)."""
    def wrap(loader: Callable[..., InMemoryDataset]):
        key = name.lower()
        if key in DATASETS:
            raise ValueError(f"dataset '{key}' is registered twice")
        DATASETS[key] = DatasetSpec(key, loader, kind, description, mirror_path, raw_dir,
                                    tuple(raw_files), dict(counts or {}))
        return loader
    return wrap


def get_dataset_spec(name: str) -> DatasetSpec:
    try:
        return DATASETS[name.lower()]
    except KeyError:
        raise KeyError(f"unknown dataset '{name}'; registered: {', '.join(sorted(DATASETS))}") \
            from None


def load_dataset(name: str, root: Optional[str | Path] = None, **params: Any) -> InMemoryDataset:
    """Load a registered dataset, copying raw files from ``$GRAPHLAB_MIRROR`` first.

    Args:
        name: a registered name (case-insensitive), e.g. ``'cora'``, ``'chameleon'``, ``'dcsbm'``.
        root: data root (default ``$GRAPHLAB_DATA`` or ``./data``).
        **params: loader parameters (synthetic generators: size, homophily, …).

    Raises:
        KeyError: unknown name.
        TypeError: a parameter the loader does not take.
        DatasetNotAvailableError: raw files neither present, mirrored, nor downloadable.
    """
    spec = get_dataset_spec(name)
    unknown = sorted(set(params) - set(spec.params()))
    if unknown:
        raise TypeError(f"dataset '{spec.name}' got unknown parameter(s) {unknown}; "
                        f"it takes {spec.params()}")
    if spec.synthetic:
        return spec.loader(None, **params)
    root = Path(root) if root is not None else data_root()
    # parallel seeds (process pool, Ray, torchrun) may load a dataset for the first time at
    # once: one process copies and processes it, the others wait and then read the result
    with dataset_lock(root, spec.mirror_path.split("/")[0]):
        return _load_real(spec, root, params)


@contextlib.contextmanager
def dataset_lock(root: Path, folder: str) -> Iterator[None]:
    """An exclusive inter-process lock on ``root/.<folder>.lock`` (no-op without ``fcntl``)."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock, as before
        yield
        return
    root.mkdir(parents=True, exist_ok=True)
    with open(root / f".{folder}.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _load_real(spec: DatasetSpec, root: Path, params: dict[str, Any]) -> InMemoryDataset:
    copy_from_mirror(spec.mirror_path, root)
    raw_dir = root / spec.raw_dir
    missing = missing_raw_files(raw_dir, spec.raw_files)
    if missing and offline():
        raise DatasetNotAvailableError(not_available_message(
            spec.name, raw_dir, spec.raw_files, "GRAPHLAB_OFFLINE is set and raw files are "
            f"missing ({', '.join(missing[:3])}{', …' if len(missing) > 3 else ''})"))
    try:
        return spec.loader(str(root / spec.mirror_path.split("/")[0]), **params)
    except Exception as exc:  # a failed download surfaces as many exception types
        if not missing:
            raise
        raise DatasetNotAvailableError(not_available_message(
            spec.name, raw_dir, spec.raw_files,
            f"it is not in the mirror and the download failed ({type(exc).__name__}: {exc})")) \
            from exc


class SyntheticDataset(InMemoryDataset):
    """An in-memory PyG dataset holding generated graphs (no files, no processing)."""

    def __init__(self, data_list: Sequence[Data], num_classes: Optional[int] = None,
                 name: str = "synthetic"):
        super().__init__(None)
        self.name = name
        self._declared_classes = num_classes
        self.data, self.slices = self.collate(list(data_list))

    @property
    def num_classes(self) -> int:
        if self._declared_classes is not None:
            return self._declared_classes
        return super().num_classes

    def __repr__(self) -> str:
        return f"{self.name}({len(self)})"
