"""Where datasets live and how they arrive without a network.

* ``$GRAPHLAB_DATA`` — the data root (default ``./data``). PyG processes into it.
* ``$GRAPHLAB_MIRROR`` — a folder laid out as PyG's raw layout (``<Name>/…/raw/…``).
  Before PyG looks for its raw files, :func:`copy_from_mirror` copies the
  dataset's sub-tree from the mirror into the data root, so no download happens.
* ``$GRAPHLAB_OFFLINE=1`` — never let PyG download; a dataset that is not in the
  data root or the mirror fails at once with :class:`DatasetNotAvailableError`.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Optional, Sequence

ENV_DATA = "GRAPHLAB_DATA"
ENV_MIRROR = "GRAPHLAB_MIRROR"
ENV_OFFLINE = "GRAPHLAB_OFFLINE"


class DatasetNotAvailableError(RuntimeError):
    """A dataset is neither in the data root, nor in the mirror, nor downloadable."""


def data_root() -> Path:
    """The data root: ``$GRAPHLAB_DATA`` or ``./data``."""
    return Path(os.environ.get(ENV_DATA) or "data").expanduser()


def mirror_dir() -> Optional[Path]:
    """The offline mirror named by ``$GRAPHLAB_MIRROR``, or ``None`` when unset or empty."""
    value = os.environ.get(ENV_MIRROR)
    return Path(value).expanduser() if value else None


def offline() -> bool:
    return os.environ.get(ENV_OFFLINE, "").lower() in {"1", "true", "yes"}


def copy_from_mirror(rel_path: str, root: Path) -> int:
    """Copy ``$GRAPHLAB_MIRROR/rel_path`` into ``root/rel_path`` (missing files only).

    Returns the number of files copied (0 when there is no mirror or nothing to copy).
    A file is copied to a temporary name and renamed, so an interrupted copy never
    leaves a truncated raw file that PyG would then try to process.
    """
    mirror = mirror_dir()
    if mirror is None:
        return 0
    src_top = mirror / rel_path
    if not src_top.is_dir():
        return 0
    copied = 0
    for src in sorted(src_top.rglob("*")):
        if not src.is_file():
            continue
        dst = root / rel_path / src.relative_to(src_top)
        if dst.exists():
            continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        tmp = dst.with_name(dst.name + ".partial")
        shutil.copyfile(src, tmp)
        os.replace(tmp, dst)
        copied += 1
    return copied


def missing_raw_files(raw_dir: Path, raw_files: Sequence[str]) -> list[str]:
    return [f for f in raw_files if not (raw_dir / f).exists()]


def not_available_message(name: str, raw_dir: Path, raw_files: Sequence[str],
                          reason: str) -> str:
    mirror = mirror_dir()
    mirror_txt = f"'{mirror}'" if mirror is not None else "unset"
    shown = ", ".join(raw_files[:6]) + (f", … ({len(raw_files)} files)" if len(raw_files) > 6
                                         else "")
    return (f"dataset '{name}' is not available: {reason}. Expected raw files {shown} in "
            f"'{raw_dir}'. Put them there, point {ENV_MIRROR} (now {mirror_txt}) at a mirror "
            f"laid out as <Name>/…/raw/, or set {ENV_DATA} (now '{data_root()}') to a data "
            f"root that holds them.")
