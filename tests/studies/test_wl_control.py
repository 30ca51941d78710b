"""The 1-WL control is calibrated on graphs where 1-WL's answer is known: graphlab's exact
colour refinement agrees with networkx's WL hash, a GIN with too few layers merges pairs
that 1-WL separates, and one deep enough leaves exactly 1-WL's pairs."""
import json

from graphlab.cli import main
from graphlab.studies.wl_control import calibrate, control_graphs, exact_wl_pairs, networkx_wl_pairs


def test_exact_wl_matches_networkx_and_knows_the_classic_pair():
    graphs, nx_graphs = control_graphs(max_nodes=6, regular=((6, 2),), per_regular=1)
    exact = exact_wl_pairs(graphs)
    assert exact == networkx_wl_pairs(nx_graphs)
    # the 6-cycle and two triangles are both 2-regular on 6 nodes: one of 1-WL's pairs
    cycle = next(i for i, g in enumerate(nx_graphs) if g.number_of_nodes() == 6
                 and g.number_of_edges() == 6 and all(d == 2 for _, d in g.degree())
                 and len(list(__import__("networkx").connected_components(g))) == 1)
    triangles = next(i for i, g in enumerate(nx_graphs) if g.number_of_nodes() == 6
                     and g.number_of_edges() == 6 and all(d == 2 for _, d in g.degree())
                     and len(list(__import__("networkx").connected_components(g))) == 2)
    assert (min(cycle, triangles), max(cycle, triangles)) in exact


def test_shallow_gin_is_weaker_than_1wl_and_a_deep_one_is_1wl(tmp_path):
    result = calibrate(depths=(2, 6), widths=(32,), rtols=(1e-8,), max_nodes=6,
                       regular=(), per_regular=0)
    shallow, deep = result["rows"]
    assert result["networkx_hash_agrees"]
    assert shallow["merged_beyond_1wl"] > 0 and not shallow["is_1wl"]
    assert deep["is_1wl"] and deep["undistinguished"] == result["exact_1wl_undistinguished"]
    assert main(["wl-control", "--depths", "6", "--widths", "32", "--rtols", "1e-8",
                 "--presets", "SWL(VS)", "SSWL+", "--out", str(tmp_path / "c.json")]) == 0
    record = json.loads((tmp_path / "c.json").read_text())
    assert record["study"] == "wl_control" and record["results"]["rows"][0]["is_1wl"]
    presets = record["results"]["presets"]
    assert [r["preset"] for r in presets] == ["SWL(VS)", "SSWL+"]
    assert all(r["at_least_1wl"] and r["merged_beyond_1wl"] == 0 for r in presets)


def test_the_harness_control_is_the_calibrated_gin():
    """``graphlab expressiveness``'s GIN has the depth that matches exact 1-WL on the atlas
    set, and the tolerance used there; the other models keep ``--layers``."""
    from graphlab.studies.expressiveness import (
        GIN_CONTROL_LAYERS,
        SEPARATION_RTOL,
        harness_models,
    )

    models = harness_models(layers=4, gin_layers=GIN_CONTROL_LAYERS)
    assert len(models["GIN"][0]().convs) == GIN_CONTROL_LAYERS == 6
    assert len(models["GIN+SPE"][0]().convs) == 4
    result = calibrate(depths=(GIN_CONTROL_LAYERS,), widths=(32,), rtols=(SEPARATION_RTOL,),
                       max_nodes=6, regular=(), per_regular=0)
    assert result["rows"][0]["is_1wl"]
