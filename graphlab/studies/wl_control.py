"""Is the harness's GIN a 1-WL control? Calibrated on graphs where 1-WL's answer is known.

The test set: every graph of up to 7 nodes (networkx's graph atlas, 1,252 non-isomorphic
graphs without the empty one) plus random regular graphs (1-WL cannot separate two
regular graphs of the same size and degree). Exact 1-WL is graphlab's colour refinement
run to its stable colouring (:func:`graphlab.studies.wl.wl_invariants`), checked against
networkx's Weisfeiler–Lehman hash. Every pair of graphs of the same size that 1-WL leaves
undistinguished is listed; a GIN at random initialisation (float64) leaves a pair
undistinguished when its outputs differ by no more than ``rtol`` × their scale
(:func:`graphlab.studies.expressiveness.separates`). A GIN of a given depth and width, at
a given tolerance, *is* a 1-WL control on the set when the two lists of pairs are equal:
fewer rounds than 1-WL needs merge pairs that 1-WL separates, and a loose tolerance merges
pairs whose outputs differ only slightly.

Every SWL preset must be at least as strong as 1-WL: it may leave no pair undistinguished
that 1-WL separates (checked at the harness's depth).

``graphlab wl-control [--depths …] [--widths …] [--rtols …] [--presets …] [--out FILE]``
prints the grid and writes it as JSON.
"""
from __future__ import annotations

import argparse
import time
from collections import defaultdict
from typing import Optional, Sequence

import torch
from torch_geometric.data import Data

#: what the harness used before this calibration: 4 layers, width 32, rtol 1e-6
DEPTHS = (4, 5, 6, 7)
WIDTHS = (32, 64)
RTOLS = (1e-6, 1e-8, 1e-10)


def _data(g) -> Data:
    n = g.number_of_nodes()
    edges = list(g.edges())
    ei = (torch.tensor(edges, dtype=torch.long).t() if edges
          else torch.zeros(2, 0, dtype=torch.long))
    return Data(x=torch.ones(n, 1), edge_index=torch.cat([ei, ei.flip(0)], 1), num_nodes=n)


def control_graphs(max_nodes: int = 7, regular: Sequence[tuple[int, int]] = ((8, 3), (10, 3),
                                                                           (12, 4)),
                per_regular: int = 10, seed: int = 0) -> tuple[list[Data], list]:
    """The atlas graphs of 1 … ``max_nodes`` nodes (at most 7, the atlas' limit) and
    ``per_regular`` random ``d``-regular graphs of ``n`` nodes for each ``(n, d)``; returns
    graphlab ``Data`` and the networkx graphs."""
    import networkx as nx

    if not 1 <= max_nodes <= 7:
        raise ValueError(f"max_nodes must be in 1 … 7 (the graph atlas), got {max_nodes}")
    nx_graphs = [g for g in nx.graph_atlas_g()[1:] if g.number_of_nodes() <= max_nodes]
    for k, (n, d) in enumerate(regular):
        nx_graphs += [nx.random_regular_graph(d, n, seed=seed + 1000 * k + i)
                      for i in range(per_regular)]
    return [_data(g) for g in nx_graphs], nx_graphs


def _pairs(keys: Sequence) -> set[tuple[int, int]]:
    groups = defaultdict(list)
    for i, key in enumerate(keys):
        groups[key].append(i)
    return {(a, b) for members in groups.values() for k, a in enumerate(members)
            for b in members[k + 1:]}


def exact_wl_pairs(graphs: Sequence[Data]) -> set[tuple[int, int]]:
    """Pairs of same-size graphs with the same stable 1-WL colour multiset."""
    from graphlab.studies.wl import wl_invariants

    inv = wl_invariants(graphs)
    return _pairs([(g.num_nodes, tuple(c.tolist())) for g, c in zip(graphs, inv, strict=True)])


def networkx_wl_pairs(nx_graphs: Sequence) -> set[tuple[int, int]]:
    """The same pairs by networkx's Weisfeiler–Lehman hash (an independent check)."""
    import warnings

    import networkx as nx

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        keys = [(g.number_of_nodes(), nx.weisfeiler_lehman_graph_hash(
            g, iterations=max(1, g.number_of_nodes()))) for g in nx_graphs]
    return _pairs(keys)


def model_pairs(graphs: Sequence[Data], model: str, depth: int, width: int,
                rtols: Sequence[float], seed: int = 0) -> dict[float, set[tuple[int, int]]]:
    """Pairs of same-size graphs a random-initialisation harness model (``'GIN'`` or an SWL
    preset: ``depth`` layers of ``width``, 16 outputs, float64) leaves undistinguished, per
    tolerance."""
    from graphlab.construct import SubgraphBag
    from graphlab.studies.expressiveness import embed_graphs, harness_models

    build, needs = harness_models(hidden=width, layers=depth, out=16)[model]
    if needs == "bag":
        graphs = [SubgraphBag(max_dis=5)(g) for g in graphs]
    torch.manual_seed(seed)
    emb = embed_graphs(build(), graphs)
    diff = torch.cdist(emb, emb, p=float("inf"))
    size = emb.abs().max(1).values
    scale = torch.maximum(size[:, None], size[None, :]) + 1e-12
    nodes = torch.tensor([g.num_nodes for g in graphs])
    same = (nodes[:, None] == nodes[None, :]).triu(1)
    out = {}
    for rtol in rtols:
        hit = ((diff <= rtol * scale) & same).nonzero().tolist()
        out[rtol] = {(a, b) for a, b in hit}
    return out


def calibrate(depths: Sequence[int] = DEPTHS, widths: Sequence[int] = WIDTHS,
              rtols: Sequence[float] = RTOLS, seed: int = 0, presets: Sequence[str] = (),
              preset_depth: int = 4, **graph_kwargs) -> dict:
    """The whole study (see the module docstring) as a JSON-ready dict. ``presets``: SWL
    presets (at ``preset_depth`` layers of width 32, rtol 1e-8) checked to leave no pair
    undistinguished that 1-WL separates — each must be at least as strong as 1-WL."""
    graphs, nx_graphs = control_graphs(seed=seed, **graph_kwargs)
    exact = exact_wl_pairs(graphs)
    reference = networkx_wl_pairs(nx_graphs)
    rows = []
    for depth in depths:
        for width in widths:
            for rtol, pairs in model_pairs(graphs, "GIN", depth, width, rtols, seed).items():
                rows.append({"depth": depth, "width": width, "rtol": rtol,
                             "undistinguished": len(pairs),
                             "merged_beyond_1wl": len(pairs - exact),
                             "separated_beyond_1wl": len(exact - pairs),
                             "is_1wl": pairs == exact})
    preset_rows = []
    for preset in presets:
        pairs = model_pairs(graphs, preset, preset_depth, 32, (1e-8,), seed)[1e-8]
        preset_rows.append({"preset": preset, "depth": preset_depth, "rtol": 1e-8,
                            "undistinguished": len(pairs),
                            "merged_beyond_1wl": len(pairs - exact),
                            "at_least_1wl": not (pairs - exact)})
    return {"graphs": len(graphs), "exact_1wl_undistinguished": len(exact),
            "networkx_hash_agrees": reference == exact, "rows": rows,
            "presets": preset_rows}


def table(result: dict) -> str:
    lines = ["| depth | width | rtol | undistinguished pairs | merged beyond 1-WL | 1-WL control |",
             "|---|---|---|---|---|---|"]
    for r in result["rows"]:
        lines.append(f"| {r['depth']} | {r['width']} | {r['rtol']:g} | {r['undistinguished']} | "
                     f"{r['merged_beyond_1wl']} | {'yes' if r['is_1wl'] else 'no'} |")
    if result.get("presets"):
        lines += ["", "| SWL preset | depth | undistinguished pairs | merged beyond 1-WL | "
                  "at least 1-WL |", "|---|---|---|---|---|"]
        lines += [f"| {r['preset']} | {r['depth']} | {r['undistinguished']} | "
                  f"{r['merged_beyond_1wl']} | {'yes' if r['at_least_1wl'] else 'no'} |"
                  for r in result["presets"]]
    return "\n".join(lines)


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="graphlab wl-control",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("--depths", type=int, nargs="+", default=list(DEPTHS))
    parser.add_argument("--widths", type=int, nargs="+", default=list(WIDTHS))
    parser.add_argument("--rtols", type=float, nargs="+", default=list(RTOLS))
    parser.add_argument("--presets", nargs="*", default=None,
                        help="SWL presets to check against 1-WL (default: all)")
    parser.add_argument("--preset-depth", type=int, default=4,
                        help="the presets' layers (default 4, the harness's)")
    parser.add_argument("--out", help="write the result as JSON")
    args = parser.parse_args(argv)
    from graphlab.nn import PRESETS

    presets = list(PRESETS) if args.presets is None else args.presets
    start = time.perf_counter()
    result = calibrate(args.depths, args.widths, args.rtols, presets=presets,
                       preset_depth=args.preset_depth)
    print(f"{result['graphs']} graphs (all of up to 7 nodes, and random regular graphs); "
          f"exact 1-WL leaves {result['exact_1wl_undistinguished']} same-size pairs "
          f"undistinguished (networkx's WL hash "
          f"{'agrees' if result['networkx_hash_agrees'] else 'DISAGREES'})")
    print(table(result))
    print("A GIN is a 1-WL control here when it leaves exactly 1-WL's pairs undistinguished "
          "('merged beyond 1-WL' = pairs 1-WL separates that the GIN does not).")
    if args.out:
        from graphlab.studies.harness import write_study

        write_study(args.out, "wl_control", {"depths": args.depths, "widths": args.widths,
                                             "rtols": args.rtols, "presets": presets,
                                             "preset_depth": args.preset_depth}, result, start)
        print(f"written to {args.out}")
    return 0 if result["networkx_hash_agrees"] else 1
