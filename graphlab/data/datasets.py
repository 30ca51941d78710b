"""Registry entries for the datasets graphlab ships loaders for.

Counts are what PyG 2.8 produces from the raw files of the offline mirror
(``../shared/data/README.md``); ``tests/data/test_registry.py`` checks them.
"""
from __future__ import annotations

import torch
from torch_geometric.datasets import (
    Actor,
    CitationFull,
    HeterophilousGraphDataset,
    Planetoid,
    TUDataset,
    WebKB,
    WikipediaNetwork,
)

from graphlab.construct.duplicates import RemoveDuplicateNodes
from graphlab.data.expressiveness import BRECDataset, EXPDataset, SR25Dataset
from graphlab.data.registry import SyntheticDataset, register_dataset
from graphlab.data.synthetic import SUBSTRUCTURES, counting_graphs, directed_csbm

_PLANETOID_RAW = ("x", "tx", "allx", "y", "ty", "ally", "graph", "test.index")


def _geom_gcn_splits(name: str) -> tuple[str, ...]:
    return tuple(f"{name}_split_0.6_0.2_{i}.npz" for i in range(10))


def _register_planetoid(key: str, pyg_name: str, counts: dict[str, int]) -> None:
    @register_dataset(key, kind="node", mirror_path=f"Planetoid/{pyg_name}",
                      raw_dir=f"Planetoid/{pyg_name}/raw",
                      raw_files=[f"ind.{pyg_name.lower()}.{s}" for s in _PLANETOID_RAW],
                      counts=counts,
                      description=f"Planetoid {pyg_name} citation graph (public split)")
    def load(root: str, split: str = "public") -> Planetoid:
        return Planetoid(root, pyg_name, split=split)


_register_planetoid("cora", "Cora", {"num_nodes": 2708, "num_edges": 10556, "num_classes": 7})
_register_planetoid("citeseer", "CiteSeer",
                    {"num_nodes": 3327, "num_edges": 9104, "num_classes": 6})
# PubMed's features are not in the offline mirror: it loads only where PyG can download it.
_register_planetoid("pubmed", "PubMed", {"num_nodes": 19717, "num_edges": 88648,
                                         "num_classes": 3})


def _register_webkb(name: str, counts: dict[str, int]) -> None:
    @register_dataset(name, kind="node", mirror_path=f"WebKB/{name}", raw_dir=f"WebKB/{name}/raw",
                      raw_files=("out1_node_feature_label.txt", "out1_graph_edges.txt")
                      + _geom_gcn_splits(name), counts=counts,
                      description=f"WebKB {name} (directed, heterophilous; 10 geom-gcn splits)")
    def load(root: str) -> WebKB:
        return WebKB(root, name)


_register_webkb("cornell", {"num_nodes": 183, "num_edges": 298, "num_classes": 5})
_register_webkb("texas", {"num_nodes": 183, "num_edges": 325, "num_classes": 5})
_register_webkb("wisconsin", {"num_nodes": 251, "num_edges": 515, "num_classes": 5})


def _wikipedia_files(name: str) -> dict:
    """Where the geom-gcn files of a Wikipedia graph live (mirror folder, raw files)."""
    return {"mirror_path": f"WikipediaNetwork/{name}",
            "raw_dir": f"WikipediaNetwork/{name}/geom_gcn/raw",
            "raw_files": ("out1_node_feature_label.txt", "out1_graph_edges.txt")
            + _geom_gcn_splits(name)}


def _register_wikipedia(name: str, counts: dict[str, int]) -> None:
    @register_dataset(name, kind="node", **_wikipedia_files(name), counts=counts,
                      description=f"WikipediaNetwork {name}, geom-gcn preprocessing "
                                  "(directed, heterophilous; 10 geom-gcn splits)")
    def load(root: str) -> WikipediaNetwork:
        return WikipediaNetwork(root, name, geom_gcn_preprocess=True)


_register_wikipedia("chameleon", {"num_nodes": 2277, "num_edges": 36101, "num_classes": 5})
_register_wikipedia("squirrel", {"num_nodes": 5201, "num_edges": 217073, "num_classes": 5})


def _register_wikipedia_filtered(name: str, counts: dict[str, int]) -> None:
    @register_dataset(f"{name}_filtered", kind="node", **_wikipedia_files(name), counts=counts,
                      description=f"{name} without its duplicated nodes (Platonov et al., ICLR "
                                  "2023; graphlab.construct.RemoveDuplicateNodes), directed; "
                                  "the 10 geom-gcn splits on the kept nodes")
    def load(root: str) -> SyntheticDataset:
        data = WikipediaNetwork(root, name, geom_gcn_preprocess=True)[0]
        return SyntheticDataset([RemoveDuplicateNodes()(data)], num_classes=5,
                                name=f"{name}_filtered")


# directed edges as stored (self-loops included); Platonov et al. count undirected edges
# without self-loops: 8,854 (chameleon, as published) and 46,997 (squirrel; published 46,998)
_register_wikipedia_filtered("chameleon", {"num_nodes": 890, "num_edges": 13584,
                                           "num_classes": 5})
_register_wikipedia_filtered("squirrel", {"num_nodes": 2222, "num_edges": 65717,
                                          "num_classes": 5})


def _register_heterophilous(name: str, counts: dict[str, int]) -> None:
    @register_dataset(name, kind="node", mirror_path=f"HeterophilousGraphDataset/{name}",
                      raw_dir=f"HeterophilousGraphDataset/{name}/raw",
                      raw_files=(f"{name}.npz",), counts=counts,
                      description=f"{name} (Platonov et al., ICLR 2023; undirected, binary, "
                                  "10 fixed 50/25/25 splits; reported by ROC-AUC)")
    def load(root: str) -> HeterophilousGraphDataset:
        return HeterophilousGraphDataset(root, name)


_register_heterophilous("minesweeper", {"num_nodes": 10000, "num_edges": 78804,
                                        "num_classes": 2})
_register_heterophilous("tolokers", {"num_nodes": 11758, "num_edges": 1038000,
                                     "num_classes": 2})


@register_dataset("actor", kind="node", mirror_path="Actor", raw_dir="Actor/raw",
                  raw_files=("out1_node_feature_label.txt", "out1_graph_edges.txt")
                  + _geom_gcn_splits("film"),
                  counts={"num_nodes": 7600, "num_edges": 30019, "num_classes": 5},
                  description="Actor co-occurrence graph (heterophilous; 10 geom-gcn splits)")
def _load_actor(root: str) -> Actor:
    return Actor(root)


def _register_citation_full(key: str, pyg_name: str, counts: dict[str, int]) -> None:
    folder = pyg_name.lower()

    @register_dataset(key, kind="node", mirror_path=f"CitationFull/{folder}",
                      raw_dir=f"CitationFull/{folder}/raw", raw_files=(f"{folder}.npz",),
                      counts=counts,
                      description=f"CitationFull {pyg_name}, directed edges kept (no split: "
                                  "use split kind 'random')")
    def load(root: str) -> CitationFull:
        return CitationFull(root, pyg_name, to_undirected=False)


_register_citation_full("cora_ml", "Cora_ML",
                        {"num_nodes": 2995, "num_edges": 8416, "num_classes": 7})
_register_citation_full("citeseer_full", "CiteSeer",
                        {"num_nodes": 4230, "num_edges": 5358, "num_classes": 6})


def _register_tu(name: str, counts: dict[str, int]) -> None:
    files = tuple(f"{name}_{s}.txt" for s in ("A", "graph_indicator", "graph_labels"))

    @register_dataset(name.lower(), kind="graph", mirror_path=f"TUDataset/{name}",
                      raw_dir=f"TUDataset/{name}/raw", raw_files=files, counts=counts,
                      description=f"TUDataset {name} (graph classification)")
    def load(root: str, use_node_attr: bool = False) -> TUDataset:
        return TUDataset(root, name, use_node_attr=use_node_attr)


_register_tu("MUTAG", {"num_graphs": 188, "num_classes": 2})
_register_tu("PROTEINS", {"num_graphs": 1113, "num_classes": 2})
_register_tu("ENZYMES", {"num_graphs": 600, "num_classes": 6})
_register_tu("NCI1", {"num_graphs": 4110, "num_classes": 2})
_register_tu("IMDB-BINARY", {"num_graphs": 1000, "num_classes": 2})


@register_dataset("dcsbm", kind="node",
                  description="synthetic directed contextual SBM (homophily × direction "
                              "asymmetry; no files)")
def _load_dcsbm(root: None = None, num_nodes: int = 1000, num_classes: int = 4,
                avg_degree: float = 10.0, homophily: float = 0.7, asymmetry: float = 0.0,
                num_features: int = 32, feature_signal: float = 1.0, train_ratio: float = 0.6,
                val_ratio: float = 0.2, seed: int = 0) -> SyntheticDataset:
    data = directed_csbm(num_nodes, num_classes, avg_degree, homophily, asymmetry, num_features,
                         feature_signal, train_ratio, val_ratio, seed)
    return SyntheticDataset([data], num_classes=num_classes, name="DirectedCSBM")


@register_dataset("exp", kind="graph", mirror_path="EXP", raw_dir="EXP/raw",
                  raw_files=("GRAPHSAT.pkl",), counts={"num_graphs": 1200},
                  description="EXP: 600 pairs of 1-WL-equivalent non-isomorphic graphs")
def _load_exp(root: str) -> EXPDataset:
    return EXPDataset(root)


@register_dataset("sr25", kind="graph", mirror_path="SR25", raw_dir="SR25/raw",
                  raw_files=("sr251256.g6",), counts={"num_graphs": 15},
                  description="SR25: 15 strongly regular graphs (25, 12, 5, 6)")
def _load_sr25(root: str) -> SR25Dataset:
    return SR25Dataset(root)


@register_dataset("brec", kind="graph", mirror_path="BREC", raw_dir="BREC/raw",
                  raw_files=("brec_v3.npy.xz",), counts={"num_graphs": 51200},
                  description="BREC v3: 400 pairs (basic, regular, extension, CFI), 32 "
                              "relabelings each, plus reliability groups")
def _load_brec(root: str) -> BRECDataset:
    return BRECDataset(root)


@register_dataset("csl", kind="graph", mirror_path="GNNBenchmarkDataset/CSL",
                  raw_dir="GNNBenchmarkDataset/CSL/raw",
                  raw_files=("graphs_Kary_Deterministic_Graphs.pkl",
                             "y_Kary_Deterministic_Graphs.pt"),
                  counts={"num_graphs": 150, "num_classes": 10},
                  description="CSL: 150 circular skip-link graphs, 10 isomorphism classes")
def _load_csl(root: str):
    from torch_geometric.datasets import GNNBenchmarkDataset

    return GNNBenchmarkDataset(root, "CSL")


@register_dataset("counting", kind="graph",
                  description="graphlab's substructure-counting set: Erdős–Rényi graphs, targets "
                              "= triangle / tailed-triangle / star / 4-cycle counts / std "
                              "(generated; the published randomgraph.mat is not offline)")
def _load_counting(root: None = None, num_graphs: int = 5000, target: str = "all",
                   min_nodes: int = 10, max_nodes: int = 30, seed: int = 0) -> SyntheticDataset:
    if target != "all" and target not in SUBSTRUCTURES:
        raise ValueError(f"unknown counting target '{target}'; choose 'all' or one of "
                         f"{SUBSTRUCTURES}")
    graphs = counting_graphs(num_graphs, min_nodes, max_nodes, seed=seed)
    if target != "all":
        col = SUBSTRUCTURES.index(target)
        for g in graphs:
            g.y = g.y[:, col:col + 1]
    return SyntheticDataset(graphs, name=f"Counting({target})")


ZINC_ATOM_TYPES, ZINC_BOND_TYPES = 28, 4


@register_dataset("zinc", kind="graph", mirror_path="ZINC", raw_dir="ZINC/raw",
                  raw_files=tuple(f"{s}.{ext}" for s in ("train", "val", "test")
                                  for ext in ("pickle", "index")),
                  counts={"num_graphs": 12000},
                  description="ZINC (12k subset by default) with its train / val / test split "
                              "(not in the offline mirror: downloads on a networked machine)")
def _load_zinc(root: str, subset: bool = True) -> SyntheticDataset:
    """The three PyG ``ZINC`` splits as one dataset: ``split`` per graph (0 train, 1 val,
    2 test; use split kind ``'given'``), one-hot atom types ``x`` [N, 28] and bond types
    ``edge_attr`` [E, 4], constrained solubility ``y``."""
    from torch.nn.functional import one_hot
    from torch_geometric.datasets import ZINC

    graphs = []
    for index, split in enumerate(("train", "val", "test")):
        for g in ZINC(root, subset=subset, split=split):
            g.x = one_hot(g.x.view(-1), ZINC_ATOM_TYPES).float()
            g.edge_attr = one_hot(g.edge_attr.view(-1), ZINC_BOND_TYPES).float()
            g.split = torch.tensor([index])
            graphs.append(g)
    return SyntheticDataset(graphs, name="ZINC-12k" if subset else "ZINC")
