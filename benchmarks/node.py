"""The node task's GCN / GraphSAGE on a cached CSR against PyG's edge_index path:
``python benchmarks/node.py [CONFIG ...] [--epochs K --rounds R]``.

The same as ``graphlab bench node``; see ``graphlab/bench/node.py``.
"""
import sys

from graphlab.bench.node import main

if __name__ == "__main__":
    sys.exit(main())
