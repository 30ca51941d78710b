"""graphlab: a graph-neural-network research toolkit on PyTorch Geometric.

Layers (imports point down only): ``cli → runner → tasks → heads → nn → construct → ops``,
with ``data`` beside (``tasks → data → construct``). See ``README.md``.
"""
__version__ = "0.1.0"
