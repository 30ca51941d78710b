"""NCN / NCNC speed: ``python benchmarks/ncn.py [CONFIG ...] [--epochs K]``.

The same as ``graphlab bench ncn``; see ``graphlab/bench/ncn.py``.
"""
import sys

from graphlab.bench.ncn import main

if __name__ == "__main__":
    sys.exit(main())
