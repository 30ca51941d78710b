"""The benchmark code runs (at toy size) and writes what RESULTS.md relies on. Speed itself
is never asserted."""
import json

import pytest

from graphlab.bench.ops import main, ratios


def test_bench_ops_runs_and_writes_json(tmp_path, capsys):
    out = tmp_path / "ops.json"
    assert main(["--nodes", "300", "--edges", "1500", "--channels", "8", "--repeats", "1",
                 "--device", "cpu", "--out", str(out)]) == 0
    result = json.loads(out.read_text())
    methods = {r["method"] for r in result["rows"]}
    assert {"graphlab[torch]", "pyg_edge_index", "pyg_sparse_fused", "torch_sparse_mm",
            "graphlab GINConv (CSR)", "PyG GINConv (edge_index)"} <= methods
    forward = [r for r in result["rows"] if r["mode"] == "forward"]
    assert all(r["gb_per_s"] > 0 and r["fraction_of_bound"] > 0 for r in forward)
    assert result["copy_bandwidth_gbs"] > 0
    assert "sum forward: pyg_edge_index / graphlab" in result["ratios"]
    assert "ratios" in capsys.readouterr().out


def test_ratios_are_alternative_over_graphlab():
    rows = [{"op": "spmm", "reduce": "sum", "mode": "forward", "method": "graphlab[torch]",
             "median_ms": 10.0},
            {"op": "spmm", "reduce": "sum", "mode": "forward", "method": "pyg_edge_index",
             "median_ms": 45.0}]
    assert ratios(rows) == {"sum forward: pyg_edge_index / graphlab": 4.5}


def test_bench_ncn_runs_on_a_smoke_sized_config(tmp_path, write_config, mirror, capsys):
    from graphlab.bench.ncn import main as ncn_main
    from tests.test_experiments import REPO
    out = tmp_path / "ncn.json"
    cfg = str(REPO / "experiments/ncnc/cora_ncn.yaml")
    assert ncn_main([cfg, "--epochs", "1", "--out", str(out)]) == 0
    result = json.loads(out.read_text())
    row = result["rows"][0]
    assert row["train_s_per_epoch"] > 0 and row["cn_step_ms_per_batch"] > 0
    assert row["batch_pairs"] == 2 * 1152 and row["threads"] >= 1
    # a comparison it did not run is never printed: no official numbers, and it says so
    printed = capsys.readouterr().out
    assert result["official"] is None and "official code: not run" in printed
    assert not any("official" in key for key in row)


def test_bench_ncn_projection_times_both_paths(tmp_path, mirror, capsys):
    from graphlab.bench.ncn import main as ncn_main
    from tests.test_experiments import REPO
    out = tmp_path / "ncn.json"
    cfg = str(REPO / "experiments/ncnc/cora_ncnc.yaml")
    assert ncn_main([cfg, "--epochs", "1", "--projection", "--out", str(out)]) == 0
    row = json.loads(out.read_text())["rows"][0]
    assert row["train_s_pair_projection"] > 0 and row["train_s_node_projection"] > 0
    assert row["projection_speedup"] == pytest.approx(
        row["train_s_pair_projection"] / row["train_s_node_projection"], abs=0.05)
    assert "projected first" in capsys.readouterr().out


def test_bench_graph_level_runs_and_fits_exponents(tmp_path):
    from graphlab.bench.graph_level import main as gl_main

    out = tmp_path / "gl.json"
    assert gl_main(["--sizes", "6", "10", "--graphs", "2", "--hidden", "8", "--layers", "1",
                    "--num-eigs", "4", "--repeats", "1", "--same-process", "--out",
                    str(out)]) == 0
    result = json.loads(out.read_text())
    assert {r["model"] for r in result["rows"]} == {"SSWL+", "GIN+SPE", "GIN"}
    assert all(r["step_ms_per_graph"] > 0 for r in result["rows"])
    assert set(result["exponents"]["SSWL+"]) == {"prep_ms_per_graph", "step_ms_per_graph",
                                                 "peak_mb_per_graph"}


def test_memory_is_measured_in_a_fresh_process():
    from graphlab.bench.graph_level import measure_isolated

    row = measure_isolated("SSWL+", 12, 2, 8, 1, 4, 1)
    assert row["model"] == "SSWL+" and row["n"] == 12 and row["peak_mb_per_graph"] >= 0


def test_growth_exponent_recovers_a_power_law():
    from graphlab.bench.graph_level import growth_exponent

    assert growth_exponent([10, 20, 40], [3 * n ** 2.5 for n in (10, 20, 40)]) == \
        pytest.approx(2.5)
    assert growth_exponent([10], [1.0]) is None


def test_bench_graph_transformer_compares_the_two_layouts(tmp_path):
    from graphlab.bench.graph_transformer import main as gt_main

    out = tmp_path / "gt.json"
    assert gt_main(["--synthetic", "--batch-size", "8", "--batches", "2", "--repeats", "1",
                    "--hidden", "8", "--layers", "1", "--attention", "gin", "--out",
                    str(out)]) == 0
    (row,) = json.loads(out.read_text())["rows"]
    assert row["padded_ms_per_batch"] > 0 and row["grouped_ms_per_batch"] > 0
    assert row["pairs_ratio"] > 1                  # skewed sizes: grouping computes less
    assert row["max_abs_diff"] < 1e-4


def test_density_sweep_times_both_paths_and_names_graphlabs_choice(tmp_path, monkeypatch):
    import importlib

    from graphlab.ops.spmm import DENSE_MIN_DENSITY
    module = importlib.import_module("graphlab.ops.spmm")
    dense_calls = []
    real = module._dense_matmul
    monkeypatch.setattr(module, "_dense_matmul",
                        lambda *a, **k: dense_calls.append(a[0].nnz) or real(*a, **k))
    out = tmp_path / "density.json"
    assert main(["--density-sweep", "--nodes", "40", "--channels", "16", "--repeats", "1",
                 "--densities", "0.1", "0.9", "--out", str(out)]) == 0
    result = json.loads(out.read_text())
    rows = result["rows"]
    assert [r["graphlab_path"] for r in rows] == ["csr", "dense"]
    assert all(r["csr_ms"] > 0 and r["dense_ms"] > 0 for r in rows)
    assert rows[0]["density"] < DENSE_MIN_DENSITY <= rows[1]["density"]
    assert result["config"]["dense_min_density"] == DENSE_MIN_DENSITY
    assert module.DENSE_MIN_DENSITY == DENSE_MIN_DENSITY  # restored
    # the forced paths really ran: the dense product as often at density 0.1 (where only
    # forcing takes it) as at 0.9 (where forcing the CSR kernels keeps it out)
    low, high = (dense_calls.count(r["nnz"]) for r in rows)
    assert low == high > 0 and len(dense_calls) == low + high
    with pytest.raises(SystemExit):
        main(["--density-sweep", "--densities", "0", "--out", str(out)])


def test_bench_ncn_official_side_by_side_with_a_stand_in_checkout(tmp_path, mirror, capsys):
    """The harness runs whatever NeighborOverlap.py it is given, with the config's settings
    as flags, parses its per-epoch times and reports ratios measured in the same run. A
    stand-in script (fixed times, records its command line) takes the official code's
    place here."""
    import sys

    from graphlab.bench.ncn import main as ncn_main
    from graphlab.bench.ncn import official_flags
    from graphlab.runner import load_config
    from tests.test_experiments import REPO

    checkout = tmp_path / "official"
    checkout.mkdir()
    (checkout / "NeighborOverlap.py").write_text(
        "import sys, os, pathlib\n"
        "assert pathlib.Path('dataset/Cora/raw').is_dir()\n"
        "pathlib.Path('argv.txt').write_text(' '.join(sys.argv[1:]) + ' threads=' + "
        "os.environ['OMP_NUM_THREADS'])\n"
        "epochs = int(sys.argv[sys.argv.index('--epochs') + 1])\n"
        "for _ in range(epochs):\n"
        "    print('trn time 9.00 s'); print('test time 3.00 s')\n")
    cfg_path = str(REPO / "experiments/ncnc/cora_ncnc.yaml")
    flags = official_flags(load_config(cfg_path))
    assert flags[flags.index("--predictor") + 1] == "incn1cn1"
    assert flags[flags.index("--probscale") + 1] == "4.3"
    assert flags[flags.index("--gnnlr") + 1] == "0.0043" and "--maskinput" in flags
    out = tmp_path / "ncn.json"
    assert ncn_main([cfg_path, "--official", str(checkout), "--official-python",
                     sys.executable, "--threads", "1", "--rounds", "1", "--epochs", "1",
                     "--out", str(out)]) == 0
    result = json.loads(out.read_text())
    row = result["rows"][0]
    assert row["official_train_s"] == 9.0 and row["official_eval_s"] == 3.0
    # provenance, and no local paths: the stand-in is no git checkout
    assert result["official"] == "GraphPKU/NeuralCommonNeighbor"
    assert result["official_commit"] == "not recorded" and result["git_commit"]
    assert str(checkout) not in out.read_text() and sys.executable not in out.read_text()
    assert ncn_main([cfg_path, "--official", str(checkout), "--official-python",
                     sys.executable, "--official-commit", "11d5970", "--threads", "1",
                     "--rounds", "1", "--epochs", "1", "--out", str(out)]) == 0
    assert json.loads(out.read_text())["official_commit"] == "11d5970"
    assert row["ratio_train"] == pytest.approx(9.0 / row["graphlab_train_s"], rel=0.01)
    assert row["threads"] == 1
    assert "measured in this run" in capsys.readouterr().out


def test_bench_ncn_official_refuses_a_wrong_checkout(tmp_path):
    from graphlab.bench.ncn import main as ncn_main

    with pytest.raises(FileNotFoundError, match="NeighborOverlap.py"):
        ncn_main(["--official", str(tmp_path)])


def test_bench_node_compares_with_pyg_on_the_same_weights(tmp_path, capsys):
    """Speed is not asserted; the harness times both sides and the outputs agree."""
    from graphlab.bench.node import main as node_main
    from tests.test_experiments import REPO

    out = tmp_path / "node.json"
    cfgs = [str(REPO / f"experiments/demo/node_heterophilous_{m}.yaml") for m in ("gcn", "sage")]
    assert node_main([*cfgs, "--epochs", "1", "--rounds", "1", "--out", str(out)]) == 0
    result = json.loads(out.read_text())
    assert [r["model"] for r in result["rows"]] == ["gcn", "sage"]
    for r in result["rows"]:
        assert r["graphlab_epoch_s"] > 0 and r["pyg_epoch_s"] > 0
        assert r["max_abs_output_diff"] < 1e-4
    assert result["git_commit"] and "alternating rounds" in capsys.readouterr().out
    with pytest.raises(ValueError, match="registered 'gcn' and 'sage'"):
        node_main([str(REPO / "experiments/demo/node_heterophilous_mlp.yaml"), "--epochs",
                   "1", "--rounds", "1", "--out", str(out)])
