"""Keep freed memory inside the process instead of handing it back to the system.

glibc's ``malloc`` returns a large freed block to the kernel: a block above the *mmap
threshold* was mapped on its own and is unmapped when freed, and free space at the top of
the heap beyond the *trim threshold* is trimmed. The next tensor of that size is then
faulted in again, one 4 KiB page at a time, and the kernel zeroes each page. A training
step allocates and frees the same few-MiB activations and gradients every batch, so on a
machine where page faults are dear (virtual machines, whose host backs each fault) much of
an elementwise op's time is spent faulting in its output: on graphlab's 2-core virtual
development machine, touching a fresh 4.6 MB buffer took 3.3 ms, four times a product of two
tensors of that size, and an NCN training epoch on Cora faulted in 10,000–60,000 pages.

:func:`keep_freed_memory` raises both thresholds (mmap to glibc's maximum, 32 MiB; trim to
1 GiB), so blocks up to 32 MiB are recycled from the heap without a fault. Peak memory is
unchanged; memory freed after the peak stays with the process until it exits. ``graphlab``
commands call it at start (pool workers too); a layer imported into another program never
does. Set ``GRAPHLAB_ALLOCATOR=system`` to leave the allocator as it is.

Only glibc on Linux has these settings; elsewhere the call does nothing and says so.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys
from typing import Optional

#: ``mallopt`` parameter numbers (glibc's malloc.h)
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3

#: glibc's largest mmap threshold on a 64-bit system (``DEFAULT_MMAP_THRESHOLD_MAX``)
MMAP_THRESHOLD = 32 * 1024 * 1024
TRIM_THRESHOLD = 1024 * 1024 * 1024

#: the environment variable that turns the setting off (``system``)
ENV = "GRAPHLAB_ALLOCATOR"

_state: Optional[str] = None


def _glibc() -> Optional[ctypes.CDLL]:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        version = libc.gnu_get_libc_version  # absent from musl and other C libraries
        version.restype = ctypes.c_char_p
        version()
        libc.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
        libc.mallopt.restype = ctypes.c_int
    except (OSError, AttributeError):
        return None
    return libc


def keep_freed_memory() -> str:
    """Raise glibc's mmap and trim thresholds for this process (once; later calls return
    the first call's outcome) and return a one-line description of the allocator setting,
    which records and benchmarks store beside their timings."""
    global _state
    if _state is not None:
        return _state
    if os.environ.get(ENV, "").strip().lower() == "system":
        _state = f"system default ({ENV}=system)"
        return _state
    libc = _glibc()
    if libc is None:
        _state = "system default (not glibc)"
    elif libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD) and \
            libc.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD):
        _state = (f"glibc, freed memory kept (mmap threshold {MMAP_THRESHOLD >> 20} MiB, "
                  f"trim threshold {TRIM_THRESHOLD >> 20} MiB)")
    else:
        _state = "system default (mallopt refused)"
    return _state


def allocator_setting() -> str:
    """What :func:`keep_freed_memory` did in this process, or ``"system default"`` when it
    was not called."""
    return _state if _state is not None else "system default"
