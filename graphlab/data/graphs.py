"""An in-memory dataset built from a list of graphs (for graphs made or transformed in
memory: precomputed positional encodings, generated benchmark sets)."""
from __future__ import annotations

from typing import Sequence

from torch_geometric.data import Data, InMemoryDataset


class GraphList(InMemoryDataset):
    """A PyG ``InMemoryDataset`` holding ``graphs`` (collated once; indexing, slicing with
    index tensors and ``DataLoader`` work as for any PyG dataset).

    Args:
        graphs: the ``Data`` objects; they need the same attributes.
    """

    def __init__(self, graphs: Sequence[Data]):
        super().__init__(None)
        graphs = list(graphs)
        if not graphs:
            raise ValueError("GraphList needs at least one graph")
        self.data, self.slices = self.collate(graphs)
