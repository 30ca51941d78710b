"""Expressiveness benchmarks: EXP, SR25 and BREC, read from the offline mirror's raw files
(PyG has no class for them; CSL is PyG's ``GNNBenchmarkDataset``).

- EXP (Abboud et al., 2021): 600 pairs of non-isomorphic graphs that 1-WL cannot
  separate; graphs ``2k`` and ``2k + 1`` form pair ``k``.
- SR25: the 15 strongly regular graphs with parameters (25, 12, 5, 6); every pair is
  non-isomorphic and 3-WL cannot separate any.
- BREC (Wang and Zhang, 2023), v3: 400 pairs in four categories. The file holds, for each
  pair, 32 relabelings of each graph interleaved (``G_0, H_0, G_1, H_1, …``; 64 graphs), then,
  after all pairs, 64 relabelings of one graph per pair for the reliability check.
"""
from __future__ import annotations

import pickle
from typing import Callable, Optional

import torch
from torch_geometric.data import Data, InMemoryDataset

#: BREC categories: name → pair ids. The file orders the pairs basic (0–59), regular
#: (simple regular 60–109, strongly regular 110–159), extension (160–259), CFI (260–359),
#: 4-vertex condition (360–379), distance regular (380–399) — BREC's own evaluation
#: ranges; the paper's "regular" (140) is simple + strongly regular + 4-vertex + distance
#: regular.
BREC_PARTS = {"simple_regular": range(60, 110), "strongly_regular": range(110, 160),
              "4_vertex_condition": range(360, 380), "distance_regular": range(380, 400)}
BREC_CATEGORIES = {"basic": tuple(range(0, 60)),
                   "regular": tuple(i for part in BREC_PARTS.values() for i in part),
                   "extension": tuple(range(160, 260)), "cfi": tuple(range(260, 360))}
BREC_PAIRS = 400
BREC_RELABELINGS = 32


_TRIL: dict[int, tuple] = {}


def graph6_edges(code: bytes) -> tuple[int, torch.Tensor]:
    """Decode one graph6 string (no header) into ``(n, edge_index)`` with both directions.

    graph6 stores ``n`` (one byte ``n + 63``, or ``126`` and three bytes for ``n < 258048``)
    and then the upper triangle column by column (``(0,1), (0,2), (1,2), (0,3), …``), six
    bits per byte offset by 63.
    """
    import numpy as np

    b = np.frombuffer(code.strip(), dtype=np.uint8).astype(np.int64) - 63
    if b.size == 0 or b.min() < 0 or b.max() > 63:
        raise ValueError(f"not a graph6 string: {code[:20]!r}")
    if b[0] == 63:
        if b.size < 4 or b[1] == 63:
            raise ValueError("graph6 graphs with 258048 or more nodes are not supported")
        n, body = int((b[1] << 12) | (b[2] << 6) | b[3]), b[4:]
    else:
        n, body = int(b[0]), b[1:]
    bits = ((body[:, None] >> np.arange(5, -1, -1)) & 1).reshape(-1)[:n * (n - 1) // 2]
    if n not in _TRIL:
        _TRIL[n] = np.tril_indices(n, -1)  # (j, i), i < j, in column order
    j, i = _TRIL[n]
    keep = bits.astype(bool)
    edges = torch.from_numpy(np.stack([i[keep], j[keep]]))
    return n, torch.cat([edges, edges.flip(0)], 1)


def _from_graph6(code: bytes, index: int) -> Data:
    n, edge_index = graph6_edges(code)
    return Data(x=torch.ones(n, 1), edge_index=edge_index, num_nodes=n, y=torch.tensor([index]))


class _MirroredGraphs(InMemoryDataset):
    """An in-memory dataset read from one raw file that graphlab never downloads (it comes
    from the offline mirror); subclasses set ``RAW``, ``PROCESSED``, ``LABEL`` and
    ``graphs()``."""

    RAW = PROCESSED = LABEL = ""

    def __init__(self, root: str, transform: Optional[Callable] = None):
        super().__init__(root, transform)
        self.load(self.processed_paths[0])

    @property
    def raw_file_names(self) -> list[str]:
        return [self.RAW]

    @property
    def processed_file_names(self) -> list[str]:
        return [self.PROCESSED]

    def download(self) -> None:
        raise FileNotFoundError(f"{self.LABEL}'s raw file {self.raw_paths[0]} is missing and "
                                "graphlab does not download it; point GRAPHLAB_MIRROR at the "
                                "mirror")

    def process(self) -> None:
        self.save(self.graphs(), self.processed_paths[0])

    def graphs(self) -> list[Data]:
        raise NotImplementedError


class EXPDataset(_MirroredGraphs):
    """EXP: 1200 graphs (600 pairs ``(2k, 2k + 1)``), node feature = the SAT literal bit,
    ``y`` = satisfiable. Raw file ``raw/GRAPHSAT.pkl`` (pre-2.0 PyG ``Data`` objects)."""

    RAW, PROCESSED, LABEL = "GRAPHSAT.pkl", "exp.pt", "EXP"

    def graphs(self) -> list[Data]:
        with open(self.raw_paths[0], "rb") as f:
            old = pickle.load(f)
        graphs = []
        for g in old:
            fields = {k: v for k, v in g.__dict__.items() if v is not None}
            data = Data(**fields)
            data.x = data.x.float()
            graphs.append(data)
        return graphs


class SR25Dataset(_MirroredGraphs):
    """SR25: the 15 strongly regular graphs (25, 12, 5, 6); ``y`` = the graph's index.
    Raw file ``raw/sr251256.g6``."""

    RAW, PROCESSED, LABEL = "sr251256.g6", "sr25.pt", "SR25"

    def graphs(self) -> list[Data]:
        with open(self.raw_paths[0], "rb") as f:
            lines = [line for line in f.read().split(b"\n") if line.strip()]
        lines = [line[len(b">>graph6<<"):] if line.startswith(b">>graph6<<") else line
                 for line in lines]
        return [_from_graph6(line, i) for i, line in enumerate(lines)]


class BRECDataset(_MirroredGraphs):
    """BREC v3: 51,200 graphs (see the module docstring for the layout); ``y`` = the
    graph's position in the file. Raw file ``raw/brec_v3.npy.xz`` (decompressed in memory)."""

    RAW, PROCESSED, LABEL = "brec_v3.npy.xz", "brec_v3.pt", "BREC"

    def graphs(self) -> list[Data]:
        import lzma

        import numpy as np

        with lzma.open(self.raw_paths[0]) as f:
            strings = np.load(f, allow_pickle=True)
        if strings.shape != (2 * 2 * BREC_PAIRS * BREC_RELABELINGS,):
            raise ValueError(f"{self.raw_paths[0]}: expected {4 * BREC_PAIRS * BREC_RELABELINGS}"
                             f" graph6 strings, found {strings.shape}")
        return [_from_graph6(bytes(s), i) for i, s in enumerate(strings)]


def brec_pair(ds: BRECDataset, pair: int) -> tuple[list[Data], list[Data], list[Data]]:
    """The 32 relabelings of G, of H, and the 64 graphs of the reliability check (all
    relabelings of one graph) of BREC pair ``pair``."""
    if not 0 <= pair < BREC_PAIRS:
        raise ValueError(f"BREC pair {pair} out of range [0, {BREC_PAIRS})")
    per_pair = 2 * BREC_RELABELINGS
    group = [ds[i] for i in range(pair * per_pair, (pair + 1) * per_pair)]
    start = (BREC_PAIRS + pair) * per_pair
    reliability = [ds[i] for i in range(start, start + per_pair)]
    return group[0::2], group[1::2], reliability

