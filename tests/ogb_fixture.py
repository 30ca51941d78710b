"""Tiny OGB datasets written in OGB's on-disk layout (``raw/*.csv.gz``,
``split/<kind>/split_dict.pt``, ``RELEASE_v1.txt``), generated here so that the OGB path is
tested offline with ``ogb``'s own readers. Random graphs: only the format is OGB's."""
from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import torch

SPLIT_KIND = {"ogbl-collab": "time", "ogbl-ddi": "target", "ogbl-citation2": "time",
              "ogbl-ppa": "throughput", "ogbn-arxiv": "time", "ogbg-molhiv": "scaffold",
              "ogbg-ppa": "species"}


def _csv(path: Path, rows) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = np.asarray(rows)
    if rows.ndim == 1:
        rows = rows[:, None]
    fmt = "%d" if np.issubdtype(rows.dtype, np.integer) else "%.6f"
    with gzip.open(path, "wt") as handle:
        np.savetxt(handle, rows, fmt=fmt, delimiter=",")


def _random_edges(rng, n: int, m: int) -> np.ndarray:
    """``m`` distinct undirected pairs ``i < j`` over ``n`` nodes, ``[m, 2]``."""
    seen, out = set(), []
    while len(out) < m:
        i, j = sorted(rng.choice(n, 2, replace=False).tolist())
        if (i, j) not in seen:
            seen.add((i, j))
            out.append((i, j))
    return np.array(out, dtype=np.int64)


def write_ogb(root: Path, name: str, num_nodes: int = 60, seed: int = 0) -> Path:
    """Write a small dataset called ``name`` under ``root`` in OGB's layout; returns its
    folder (``root/<name with _>``)."""
    rng = np.random.default_rng(seed)
    folder = Path(root) / name.replace("-", "_")
    raw, split = folder / "raw", folder / "split" / SPLIT_KIND[name]
    split.mkdir(parents=True, exist_ok=True)
    (folder / "RELEASE_v1.txt").write_text("tiny test copy\n")
    n = num_nodes
    if name.startswith("ogbl-"):
        edges = _random_edges(rng, n, 4 * n)
        num_val = num_test = n // 3
        train = edges[: len(edges) - num_val - num_test]
        val, test = edges[len(train): len(train) + num_val], edges[len(train) + num_val:]
        _csv(raw / "edge.csv.gz", train)
        _csv(raw / "num-node-list.csv.gz", [n])
        _csv(raw / "num-edge-list.csv.gz", [len(train)])
        if name in ("ogbl-collab", "ogbl-citation2", "ogbl-ppa"):
            _csv(raw / "node-feat.csv.gz", rng.normal(size=(n, 8)).astype(np.float32))
        if name == "ogbl-collab":
            _csv(raw / "edge_weight.csv.gz", np.ones(len(train), dtype=np.int64))
            _csv(raw / "edge_year.csv.gz", np.full(len(train), 2010, dtype=np.int64))
        if name == "ogbl-citation2":
            _csv(raw / "node_year.csv.gz", np.full(n, 2010, dtype=np.int64))
            t = lambda a: torch.as_tensor(a)  # noqa: E731
            parts = {"train": {"source_node": t(train[:, 0]), "target_node": t(train[:, 1])}}
            for part, pos in (("valid", val), ("test", test)):
                parts[part] = {"source_node": t(pos[:, 0]), "target_node": t(pos[:, 1]),
                               "target_node_neg": t(rng.integers(0, n, (len(pos), 20)))}
        else:
            parts = {"train": {"edge": torch.as_tensor(train)}}
            for part, pos in (("valid", val), ("test", test)):
                parts[part] = {"edge": torch.as_tensor(pos),
                               "edge_neg": torch.as_tensor(rng.integers(0, n, (2 * len(pos), 2)))}
        torch.save(parts, split / "split_dict.pt")
    elif name.startswith("ogbn-"):
        edges = _random_edges(rng, n, 3 * n)
        _csv(raw / "edge.csv.gz", edges)
        _csv(raw / "num-node-list.csv.gz", [n])
        _csv(raw / "num-edge-list.csv.gz", [len(edges)])
        _csv(raw / "node-feat.csv.gz", rng.normal(size=(n, 8)).astype(np.float32))
        _csv(raw / "node_year.csv.gz", np.full(n, 2010, dtype=np.int64))
        _csv(raw / "node-label.csv.gz", rng.integers(0, 4, n))
        perm = torch.as_tensor(rng.permutation(n))
        torch.save({"train": perm[: n // 2], "valid": perm[n // 2: 3 * n // 4],
                    "test": perm[3 * n // 4:]}, split / "split_dict.pt")
    else:
        graphs = 40
        sizes = rng.integers(5, 10, graphs)
        all_edges, counts = [], []
        for size in sizes:
            e = _random_edges(rng, int(size), int(size))
            all_edges.append(e)
            counts.append(len(e))
        _csv(raw / "edge.csv.gz", np.concatenate(all_edges))
        _csv(raw / "num-node-list.csv.gz", sizes)
        _csv(raw / "num-edge-list.csv.gz", counts)
        if name == "ogbg-molhiv":
            _csv(raw / "node-feat.csv.gz", rng.integers(0, 5, (int(sizes.sum()), 9)))
            _csv(raw / "edge-feat.csv.gz", rng.integers(0, 3, (sum(counts), 3)))
            _csv(raw / "graph-label.csv.gz", rng.integers(0, 2, graphs))
        else:
            _csv(raw / "edge-feat.csv.gz", rng.random((sum(counts), 7)).astype(np.float32))
            _csv(raw / "graph-label.csv.gz", rng.integers(0, 3, graphs))
        perm = torch.as_tensor(rng.permutation(graphs))
        torch.save({"train": perm[:24], "valid": perm[24:32], "test": perm[32:]},
                   split / "split_dict.pt")
    return folder
