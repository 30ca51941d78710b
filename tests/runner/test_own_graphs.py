"""Bring your own graph: the five examples of docs/running.md run as written; a featureless
edge list trains NCN and the heuristics end to end from a config alone; a file's content is in the
fingerprint; in-memory data goes through the same store; bad data writes nothing."""
import re
import sys
import textwrap
from pathlib import Path

import networkx as nx
import pytest
import torch
from torch_geometric.data import Data

from graphlab.runner import (
    ConfigError,
    ResultsConflictError,
    load_config,
    run_config,
)
from graphlab.runner.report import collect

REPO = Path(__file__).resolve().parents[2]
README = REPO / "docs" / "running.md"   # the "Your own graph" section


def readme_examples() -> list[str]:
    text = README.read_text()
    section = text.split("## Your own graph", 1)[1].split("\n## ", 1)[0].split("\n### ", 1)[0]
    return re.findall(r"```(?:yaml|python)\n(.*?)```", section, re.S)


def edge_list(path: Path, nodes: int = 2000, seed: int = 0) -> Path:
    """A featureless undirected graph with many triangles (Holme–Kim), written as
    ``source,target``."""
    g = nx.powerlaw_cluster_graph(nodes, 4, 0.6, seed=seed)
    path.write_text("source,target\n" + "".join(f"{a},{b}\n" for a, b in g.edges()))
    return path


def test_the_readme_has_the_five_examples():
    examples = readme_examples()
    assert len(examples) == 5
    assert "class: torch_geometric.datasets" in examples[0]
    assert "name: tu/" in examples[1] and "name: ogbl-" in examples[2]
    assert "path: my_graph.csv" in examples[3] and "dataset=my_data" in examples[4]


@pytest.mark.parametrize("index,overrides", [
    (0, ["train.epochs=1", "seeds=1"]),
    (1, ["train.epochs=1", "seeds=1", "model.params.hidden_channels=8"]),
    (2, ["train.epochs=1", "seeds=1", "model.params.hidden_channels=8"]),
    (3, ["train.epochs=1", "seeds=1", "model.params.hidden_channels=8"]),
])
def test_readme_config_examples_run(mirror, tmp_path, monkeypatch, index, overrides):
    monkeypatch.setenv("GRAPHLAB_DATA", str(tmp_path / "data"))
    if index == 2:   # OGB: a generated copy in OGB's layout (the real one needs a network)
        sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
        from ogb_fixture import write_ogb

        write_ogb(tmp_path / "data", "ogbl-ddi")
    cfg_path = tmp_path / "own.yaml"
    cfg_path.write_text(readme_examples()[index])
    edge_list(tmp_path / "my_graph.csv", nodes=400)
    cfg = load_config(cfg_path, overrides=overrides)
    (record,) = run_config(cfg, tmp_path / "out", progress=False)
    assert record["metrics"] and record["config"]["dataset"] == cfg.to_dict()["dataset"]


def test_readme_in_memory_example_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "experiments" / "demo").mkdir(parents=True)
    demo = REPO / "experiments" / "demo" / "link_gae.yaml"
    (tmp_path / "experiments" / "demo" / "link_gae.yaml").write_text(
        demo.read_text().replace("seeds: 3", "seeds: 1") + "\n")
    g = nx.barabasi_albert_graph(300, 3, seed=0)
    ei = torch.tensor(list(g.edges())).t()
    my_data = Data(x=torch.randn(300, 8), edge_index=torch.cat([ei, ei.flip(0)], 1))
    import graphlab.runner as runner
    original = runner.load_config
    monkeypatch.setattr(runner, "load_config",
                        lambda p: original(p, overrides=["train.epochs=2", "seeds=1"]))
    exec(readme_examples()[4], {"my_data": my_data})
    (summary,) = collect(tmp_path / "results" / "mine")
    assert summary.dataset == "in_memory" and len(summary.seeds) == 1


def test_ncn_and_heuristics_on_a_featureless_edge_list(tmp_path):
    """The mission's check: NCN (and CN) on an undirected edge list of a few thousand nodes,
    from a config alone, with the link split, report AUC and Hits@K."""
    edge_list(tmp_path / "graph.csv")
    auc = {}
    for model in ("ncn", "cn"):
        cfg_path = tmp_path / f"{model}.yaml"
        cfg_path.write_text(textwrap.dedent(f"""\
            task: link
            dataset: {{path: graph.csv, directed: false, node_features: constant}}
            model: {{name: {model}}}
            train: {{epochs: 1}}
            seeds: 1
            """))
        (record,) = run_config(load_config(cfg_path), tmp_path / "out", progress=False)
        metrics = record["metrics"]
        assert {"test_auc", "test_hits@20", "test_hits@100"} <= set(metrics), metrics
        auc[model] = metrics["test_auc"]
    summaries = {s.name: s for s in collect(tmp_path / "out")}
    assert summaries["cn"].dataset == "graph" and set(summaries) == {"ncn", "cn"}
    # a clustered graph: common neighbours rank held-out edges well above chance
    assert auc["cn"] > 60


def test_file_content_is_in_the_fingerprint_and_paths_resolve_beside_the_config(tmp_path,
                                                                               monkeypatch):
    (tmp_path / "cfg").mkdir()
    path = tmp_path / "cfg" / "g.csv"
    path.write_text("0,1\n1,2\n2,3\n")
    cfg_path = tmp_path / "cfg" / "c.yaml"
    cfg_path.write_text("task: link\ndataset: {path: g.csv, node_features: constant}\n"
                        "model: {name: cn}\n")
    monkeypatch.chdir(tmp_path)                      # not the config's folder
    first = load_config(cfg_path)
    assert Path(first.dataset.path) == path
    before = first.fingerprint()
    path.write_text("0,1\n1,2\n2,0\n")
    second = load_config(cfg_path)
    assert before != second.fingerprint()
    moved = tmp_path / "elsewhere.csv"
    moved.write_text(path.read_text())
    third = load_config(cfg_path, overrides=[f"dataset.path={moved}"])
    assert third.fingerprint() == second.fingerprint()


@pytest.mark.parametrize("dataset,match", [
    ("{name: cora, path: g.csv}", r"exactly one of 'name', 'class' or 'path', got \['name', "
                                  r"'path'\]"),
    ("{path: g.csv, params: {a: 1}}", "'dataset.params' is for a registered name or a class"),
    ("{name: cora, directed: false}", r"'dataset.directed' is for a graph file"),
    ("{path: g.json}", r"'dataset.path': unknown graph file extension '\.json'"),
    ("{class: Amazon}", "'dataset.class' must be a dotted path"),
    ("{name: tu/}", "'tu/' needs a TU dataset name"),
    ("{path: g.csv, node_features: random}", r"'dataset.node_features' must be one of"),
])
def test_bad_dataset_sections_fail_at_load(tmp_path, dataset, match):
    cfg_path = tmp_path / "c.yaml"
    cfg_path.write_text(f"task: link\ndataset: {dataset}\nmodel: {{name: cn}}\n")
    with pytest.raises(ConfigError, match=match):
        load_config(cfg_path)


def test_forecast_configs_take_registered_data_only(tmp_path):
    cfg_path = tmp_path / "c.yaml"
    cfg_path.write_text("task: forecast\ndataset: {name: los-loop, num_nodes: 5}\n"
                        "model: {name: stgcn}\n")
    with pytest.raises(ConfigError, match="'dataset.num_nodes' is for a graph file"):
        load_config(cfg_path)


def test_a_run_whose_file_is_malformed_writes_nothing(tmp_path, capsys):
    from graphlab.cli import main
    (tmp_path / "g.csv").write_text("0,1\n1,2,7\n")
    (tmp_path / "c.yaml").write_text("task: link\ndataset: {path: g.csv, node_features: "
                                     "constant}\nmodel: {name: cn}\nseeds: 1\n")
    out = tmp_path / "out"
    assert main(["run", str(tmp_path / "c.yaml"), "--out", str(out), "--quiet"]) == 2
    assert "g.csv, line 2: 3 fields, but the first edge has 2" in capsys.readouterr().err
    assert not out.exists()
    (tmp_path / "g.csv").unlink()
    assert main(["run", str(tmp_path / "c.yaml"), "--out", str(out), "--quiet"]) == 2
    assert "g.csv' does not exist" in capsys.readouterr().err
    assert not out.exists()


def test_featureless_data_asks_for_node_features(tmp_path):
    (tmp_path / "g.csv").write_text("0,1\n1,2\n2,3\n3,0\n")
    (tmp_path / "c.yaml").write_text("task: link\ndataset: {path: g.csv}\nmodel: {name: gae}\n"
                                     "seeds: 1\ntrain: {epochs: 1}\n")
    from graphlab.runner import RunFailedError
    with pytest.raises(RunFailedError, match="has no node features: set dataset.node_features"):
        run_config(load_config(tmp_path / "c.yaml"), tmp_path / "out", progress=False)


def test_in_memory_data_is_fingerprinted_and_never_mixed(tmp_path):
    cfg = load_config(REPO / "experiments" / "demo" / "node_homophilous_mlp.yaml",
                      overrides=["train.epochs=2", "seeds=1", "split.kind=random"])

    def graph(seed):
        gen = torch.Generator().manual_seed(seed)
        return Data(x=torch.randn(60, 4, generator=gen),
                    y=torch.randint(0, 3, (60,), generator=gen),
                    edge_index=torch.randint(0, 60, (2, 200), generator=gen))

    (first,) = run_config(cfg, tmp_path, progress=False, dataset=graph(0))
    assert first["config"]["dataset"]["in_memory"] and first["config"]["dataset"]["name"] is None
    again = run_config(cfg, tmp_path, progress=False, dataset=graph(0))
    assert again[0]["metrics"] == first["metrics"]                  # resumed: same digest
    with pytest.raises(ResultsConflictError):
        run_config(cfg, tmp_path, progress=False, dataset=graph(1))
    with pytest.raises(ValueError, match="reads its dataset from its config"):
        run_config(load_config(REPO / "experiments" / "virtual_nodes" / "distance.yaml"),
                   tmp_path / "f", dataset=graph(0))
