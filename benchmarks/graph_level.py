"""SSWL+ and SPE cost per graph as n grows: ``python benchmarks/graph_level.py [--sizes ...]``.

The same as ``graphlab bench graph_level``; see ``graphlab/bench/graph_level.py``.
"""
import sys

from graphlab.bench.graph_level import main

if __name__ == "__main__":
    sys.exit(main())
