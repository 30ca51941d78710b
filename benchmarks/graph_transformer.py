"""Graph transformer step, graphs grouped by size vs one padded batch:
``python benchmarks/graph_transformer.py [--datasets ...]``.

The same as ``graphlab bench graph_transformer``; see ``graphlab/bench/graph_transformer.py``.
"""
import sys

from graphlab.bench.graph_transformer import main

if __name__ == "__main__":
    sys.exit(main())
