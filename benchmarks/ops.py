"""Kernel benchmark: ``python benchmarks/ops.py [--nodes N --edges E --channels F]``.

The same as ``graphlab bench ops``; see ``graphlab/bench/ops.py``.
"""
import sys

from graphlab.bench.ops import main

if __name__ == "__main__":
    sys.exit(main())
