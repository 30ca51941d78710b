"""The expressiveness harness: T² statistics, the BREC protocol on a small file in BREC's
layout, the pair separation rate, and the EXP / SR25 / CSL / BREC loaders."""
import itertools
import lzma

import numpy as np
import pytest
import torch
from torch_geometric.utils import to_undirected

import graphlab.data.expressiveness as brec_module
from graphlab.construct import SubgraphBag
from graphlab.data import SyntheticDataset, load_dataset
from graphlab.data.expressiveness import BRECDataset
from graphlab.models import GINGraph, SubgraphGNN
from graphlab.studies.expressiveness import (
    PairResult,
    PairTraining,
    brec_evaluate,
    brec_summary,
    harness_models,
    hotelling_t2,
    pair_separation_rate,
    t2_threshold,
)
from tests.helpers import WL_EQUIVALENT_PAIRS as PAIRS
from tests.helpers import relabel, rook_4x4, shrikhande


def test_t2_equals_the_textbook_formula_and_brecs_threshold():
    gen = torch.Generator().manual_seed(0)
    a, b = torch.randn(32, 4, generator=gen, dtype=torch.float64), torch.randn(
        32, 4, generator=gen, dtype=torch.float64)
    d = (a - b).numpy()
    mean, cov = d.mean(0), np.cov(d.T)
    expected = 32 * mean @ np.linalg.solve(cov, mean)
    assert hotelling_t2(a, b, ridge=0.0) == pytest.approx(expected, rel=1e-9)
    assert t2_threshold(16, 32) == pytest.approx(72.34, abs=0.01)  # BREC's constant
    with pytest.raises(ValueError, match="more samples than dimensions"):
        t2_threshold(16, 16)


def test_embedding_batches_follow_the_pair_budget_and_do_not_change_outputs():
    """embed_graphs fills a batch up to batch_size graphs or max_pairs pair states (one
    graph at least); the outputs are the same however the graphs are batched."""
    from graphlab.studies.expressiveness import embed_graphs

    bag = SubgraphBag()
    graphs = [bag(relabel(g, k)) for k, g in enumerate(
        [PAIRS["C6 vs 2xC3"][0], rook_4x4(), shrikhande(), PAIRS["C6 vs 2xC3"][1]] * 3)]
    torch.manual_seed(0)
    model = SubgraphGNN(1, 8, 4, "SSWL+", num_layers=2, norm=False)
    seen = []
    model.register_forward_pre_hook(lambda m, args: seen.append(int(args[0].num_graphs)))
    whole = embed_graphs(model, graphs, max_pairs=10**9)
    assert seen == [12]
    seen.clear()
    # sizes 36, 256, 256, 36, … pair states: 36 + 256 fit in 300, 256 + 256 do not
    budget = embed_graphs(model, graphs, max_pairs=300)
    assert seen == [2] * 6
    one_by_one = embed_graphs(model, graphs, max_pairs=1)
    torch.testing.assert_close(budget, whole, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(one_by_one, whole, rtol=1e-12, atol=1e-12)


def test_pair_result_needs_reliability():
    assert PairResult(0, "basic", 100.0, 1.0, 72.3).distinguished
    assert not PairResult(0, "basic", 100.0, 80.0, 72.3).distinguished  # unreliable
    assert not PairResult(0, "basic", 10.0, 1.0, 72.3).distinguished


@pytest.fixture
def mini_brec(monkeypatch):
    """Two pairs in BREC's layout: (C6, 2xC3) and (4x4 rook, Shrikhande)."""
    monkeypatch.setattr(brec_module, "BREC_PAIRS", 2)
    pairs = [PAIRS["C6 vs 2xC3"], (rook_4x4(), shrikhande())]
    graphs = []
    for g, h in pairs:
        for k in range(32):
            graphs += [relabel(g, k), relabel(h, 100 + k)]
    for g, _ in pairs:
        graphs += [relabel(g, 200 + k) for k in range(64)]
    return SyntheticDataset(graphs)


@pytest.fixture
def cli_on_mini_brec(mini_brec, monkeypatch):
    """`graphlab expressiveness` (its module) reading the two-pair file, as category
    'basic' = pairs 0-1."""
    import graphlab.studies.expressiveness as harness
    import graphlab.studies.harness as command

    for module in (command, harness, brec_module):
        monkeypatch.setattr(module, "BREC_CATEGORIES", {"basic": range(2)})
    monkeypatch.setattr(brec_module, "BREC_PARTS", {})
    monkeypatch.setattr(command, "load_dataset", lambda name: mini_brec)
    return command


def test_the_command_can_run_chosen_pairs(cli_on_mini_brec, tmp_path, capsys):
    import json

    out = tmp_path / "p.json"
    assert cli_on_mini_brec.main(["--models", "SWL(VS)", "--benchmarks", "brec", "--categories",
                                  "basic", "--pairs", "0", "--quiet", "--out", str(out)]) == 0
    assert "| SWL(VS) | – | – | 1 | 1 / 1 |" in capsys.readouterr().out
    row = json.loads(out.read_text())["results"]["SWL(VS)"]
    assert row["brec_pairs"] == 1 and [p["pair"] for p in row["brec_per_pair"]] == [0]
    with pytest.raises(ValueError, match=r"BREC pairs \[5\] are not in the categories"):
        cli_on_mini_brec.main(["--models", "SWL(VS)", "--benchmarks", "brec", "--categories",
                               "basic", "--pairs", "5", "--quiet"])


def test_brec_protocol_on_a_small_file(mini_brec):
    gin = brec_evaluate(lambda: GINGraph(1, 16, 16, num_layers=3, norm="none"),
                        mini_brec)
    sswl = brec_evaluate(lambda: SubgraphGNN(1, 16, 16, "SSWL+", num_layers=3,
                                             norm=False), mini_brec, transform=SubgraphBag())
    assert [r.distinguished for r in gin] == [False, False]
    assert [r.distinguished for r in sswl] == [True, False]  # SRGs stay together
    assert all(r.reliable for r in gin + sswl)
    summary = brec_summary(sswl)
    assert {k: summary[k] for k in ("basic", "regular", "extension", "cfi", "total",
                                    "unreliable")} == {"basic": 1, "regular": 0,
                                                       "extension": 0, "cfi": 0, "total": 1,
                                                       "unreliable": 0}


def test_expressiveness_command_with_the_wl_tests(cli_on_mini_brec, tmp_path, capsys):
    """`graphlab expressiveness --wl`: the models, the test bounding each, and no pair a
    model separates beyond its test, on the two-pair file (C6 / 2xC3, rook / Shrikhande)."""
    import json

    command = cli_on_mini_brec
    out = tmp_path / "e.json"
    assert command.main(["--models", "GIN", "SWL(VS)", "GIN+SPE", "--benchmarks", "brec",
                         "--categories", "basic", "--wl", "--layers", "2", "--out", str(out),
                         "--quiet"]) == 0
    text = capsys.readouterr().out
    assert "| SWL(VS) test (stable) | – | – | 1 | 1 / 2 |" in text
    assert "| SWL(VS) test (2 rounds) | – | – | 1 | 1 / 2 |" in text
    assert "| 1-WL test (stable) | – | – | 0 | 0 / 2 |" in text and "BUG" not in text
    rows = json.loads(out.read_text())["results"]
    assert rows["SWL(VS)"]["brec"]["total"] == 1 and rows["SWL(VS)"]["exceeds_test"] == []
    assert rows["SWL(VS)"]["wl"]["separated"] == [0] and "wl" not in rows["GIN+SPE"]
    assert command.main(["--models", "SSWL", "--benchmarks", "brec", "--categories", "basic",
                         "--wl", "--skip-models", "--quiet"]) == 0
    text = capsys.readouterr().out
    assert "| SSWL test (stable) |" in text and "| SSWL | – |" not in text
    with pytest.raises(ValueError, match="add brec to --benchmarks"):
        command.main(["--models", "SSWL", "--benchmarks", "sr25", "--wl", "--quiet"])


def test_a_killed_expressiveness_run_resumes_from_its_pair_journal(cli_on_mini_brec,
                                                                   monkeypatch, tmp_path):
    """`graphlab expressiveness --out F`: each BREC pair's result goes to F.pairs.jsonl as
    it is decided; started again after a crash, the run reads those back (a torn last line
    is ignored), ends with the numbers of an uninterrupted run and removes the journal. A
    run with other settings (--train) does not reuse them."""
    import json

    command = cli_on_mini_brec
    args = ["--models", "SWL(VS)", "--benchmarks", "brec", "--categories", "basic",
            "--layers", "2", "--quiet"]
    whole = tmp_path / "whole.json"
    assert command.main(args + ["--out", str(whole)]) == 0
    real = brec_module.brec_pair

    def dies_on_pair_1(ds, pair):
        if pair == 1:
            raise KeyboardInterrupt
        return real(ds, pair)

    out = tmp_path / "killed.json"
    journal = tmp_path / "killed.json.pairs.jsonl"
    monkeypatch.setattr(brec_module, "brec_pair", dies_on_pair_1)
    with pytest.raises(KeyboardInterrupt):
        command.main(args + ["--out", str(out)])
    assert not out.exists() and len(journal.read_text().splitlines()) == 1
    assert json.loads(journal.read_text())["wall_s"] >= 0      # each line: its wall time
    with open(journal, "a") as f:
        f.write('{"key": "torn')
    monkeypatch.setattr(brec_module, "brec_pair", real)
    assert command.main(args + ["--out", str(out)]) == 0
    ours = json.loads(out.read_text())["results"]["SWL(VS)"]
    theirs = json.loads(whole.read_text())["results"]["SWL(VS)"]
    assert ours["brec_read_back"] == 1 and theirs["brec_read_back"] == 0
    assert len(ours["brec_read_back_commits"]) == 1 and "brec_read_back_commits" not in theirs
    # the resumed pair's time is kept, so the record's wall covers every pair
    assert ours["brec_read_back_wall_s"] >= 0 and ours["brec_read_back_untimed"] == 0
    for key in ("brec", "brec_per_pair"):
        assert ours[key] == theirs[key]
    assert not journal.exists()
    other = tmp_path / "other.json"
    monkeypatch.setattr(brec_module, "brec_pair", dies_on_pair_1)
    with pytest.raises(KeyboardInterrupt):
        command.main(args + ["--out", str(other)])       # an untrained result in its journal
    monkeypatch.setattr(brec_module, "brec_pair", real)
    assert command.main(args + ["--train", "--train-epochs", "2", "--out", str(other)]) == 0
    row = json.loads(other.read_text())["results"]["SWL(VS)"]
    assert row["brec_read_back"] == 0 and row["brec_training"]["epochs"] == 2
    assert row["brec_norm"] is True and ours["brec_norm"] is False
    assert [p["train_epochs"] for p in row["brec_per_pair"]] == [2, 2]
    with pytest.raises(SystemExit):
        command.main(args + ["--train-epochs", "2"])


def test_more_initialisations_retry_only_unseparated_pairs(mini_brec):
    calls = []

    def make():
        calls.append(torch.initial_seed())
        return SubgraphGNN(1, 16, 16, "SSWL+", num_layers=3, norm=False)

    res = brec_evaluate(make, mini_brec, transform=SubgraphBag(), inits=3, seed=5)
    assert calls == [5, 5, 6, 7]             # pair 0 decided by seed 5; pair 1 tried 5, 6, 7
    assert [r.seed for r in res] == [5, 7] and [r.distinguished for r in res] == [True, False]
    with pytest.raises(ValueError, match="inits must be at least 1"):
        brec_evaluate(make, mini_brec, inits=0)


def _sswl():
    return SubgraphGNN(1, 16, 16, "SSWL+", num_layers=3, norm=False)


def test_brec_training_separates_more_but_never_beyond_the_theory(mini_brec):
    """BREC's per-pair training: it pushes apart the outputs of a pair the model can
    separate (C6 / 2xC3: T² grows), never separates what the architecture cannot (GIN on
    the 1-WL pair: its outputs stay equal; SSWL+ on rook / Shrikhande), and stops once the
    loss is below its threshold."""
    gin = lambda: GINGraph(1, 16, 16, num_layers=3, norm="none")  # noqa: E731
    untrained = brec_evaluate(_sswl, mini_brec, transform=SubgraphBag())
    slow = brec_evaluate(_sswl, mini_brec, transform=SubgraphBag(),
                         training=PairTraining(epochs=3))
    assert [r.train_epochs for r in slow] == [3, 3]
    assert slow[0].t2 > untrained[0].t2 and slow[0].distinguished
    assert not slow[1].distinguished and slow[1].reliable   # SRGs stay together
    fast = brec_evaluate(_sswl, mini_brec, pairs=[0], transform=SubgraphBag(),
                         training=PairTraining(epochs=50, lr=1e-2))
    assert fast[0].train_epochs < 50 and fast[0].train_loss < 0.1 and fast[0].distinguished
    wl = brec_evaluate(gin, mini_brec, training=PairTraining(epochs=3, lr=1e-2))
    assert [r.distinguished for r in wl] == [False, False]
    # the outputs of G and H stay equal (the loss falls only as they shrink towards 0,
    # where the cosine's epsilon dominates)
    assert [r.t2 for r in wl] == [0.0, 0.0]
    # with batch norm (the trained protocol's models, as BREC's): the same theory holds
    bn = harness_models(hidden=16, layers=3, norm=True)
    for name, transform, expected in (("GIN", None, [False, False]),
                                      ("SSWL+", SubgraphBag(), [True, False])):
        res = brec_evaluate(bn[name][0], mini_brec, transform=transform,
                            training=PairTraining(epochs=3, lr=1e-2))
        assert [r.distinguished for r in res] == expected and all(r.reliable for r in res)
    with pytest.raises(ValueError, match="even batch_size"):
        PairTraining(batch_size=3)
    with pytest.raises(ValueError, match="lr must be positive"):
        PairTraining(lr=0.0)


def test_brec_results_already_known_are_not_recomputed(mini_brec):
    built, reported = [], []

    def make():
        built.append(1)
        return _sswl()

    first = brec_evaluate(make, mini_brec, pairs=[0], transform=SubgraphBag())
    again = brec_evaluate(make, mini_brec, transform=SubgraphBag(), known={0: first[0]},
                          on_result=reported.append)
    assert len(built) == 2 and again[0] is first[0]     # only pair 1 was evaluated again
    assert [r.pair for r in reported] == [1] and reported[0] is again[1]


def test_separation_rate_follows_the_theory():
    pairs = list(PAIRS.values())
    gin = pair_separation_rate(lambda: GINGraph(1, 16, 8, norm="none"), pairs)
    sswl = pair_separation_rate(lambda: SubgraphGNN(1, 16, 8, "SSWL",
                                                    norm=False), pairs, SubgraphBag())
    assert (gin, sswl) == (0.0, 100.0)
    with pytest.raises(ValueError, match="no pairs"):
        pair_separation_rate(lambda: GINGraph(1, 64, 8), [])


def test_exp_sr25_csl_loaders(mirror):
    exp = load_dataset("exp")
    assert len(exp) == 1200 and exp[0].x.dtype == torch.float32
    for k in (0, 599):  # partners have the same size: 1-WL cannot tell them apart by counts
        assert exp[2 * k].num_nodes == exp[2 * k + 1].num_nodes
        assert exp[2 * k].num_edges == exp[2 * k + 1].num_edges
    sr = load_dataset("sr25")
    assert len(sr) == 15
    assert all(torch.bincount(sr[i].edge_index[0]).unique().tolist() == [12] for i in range(15))
    csl = load_dataset("csl")
    assert len(csl) == 150 and csl.num_classes == 10


def test_brec_file_is_read_in_its_layout(tmp_path, monkeypatch):
    monkeypatch.setattr(brec_module, "BREC_PAIRS", 1)
    import networkx as nx

    graphs = [nx.cycle_graph(6), nx.path_graph(6)] * 32 + [nx.cycle_graph(6)] * 64
    strings = np.array([nx.to_graph6_bytes(g, header=False).strip() for g in graphs])
    raw = tmp_path / "raw"
    raw.mkdir()
    with lzma.open(raw / "brec_v3.npy.xz", "wb") as f:
        np.save(f, strings)
    ds = BRECDataset(str(tmp_path))
    g, h, rel = brec_module.brec_pair(ds, 0)
    assert len(g) == len(h) == 32 and len(rel) == 64
    assert g[0].num_edges == 12 and h[0].num_edges == 10  # C6 vs P6, both directions
    with pytest.raises(ValueError, match="out of range"):
        brec_module.brec_pair(ds, 1)
    monkeypatch.setattr(brec_module, "BREC_PAIRS", 2)
    (tmp_path / "processed").rename(tmp_path / "old")
    with pytest.raises(ValueError, match="expected 256 graph6 strings"):
        BRECDataset(str(tmp_path))


def test_pairs_of_the_theory_checks_are_not_isomorphic():
    import networkx as nx

    for g, h in itertools.chain(PAIRS.values(), [(rook_4x4(), shrikhande())]):
        a, b = nx.Graph(), nx.Graph()
        a.add_edges_from(to_undirected(g.edge_index).t().tolist())
        b.add_edges_from(to_undirected(h.edge_index).t().tolist())
        assert not nx.is_isomorphic(a, b)


def test_graph6_decoder_equals_networkx():
    import networkx as nx

    from graphlab.data.expressiveness import graph6_edges

    for g in (nx.gnp_random_graph(9, 0.4, seed=1), nx.gnp_random_graph(70, 0.1, seed=2),
              nx.empty_graph(1), nx.complete_graph(5)):
        n, ei = graph6_edges(nx.to_graph6_bytes(g, header=False))
        assert n == g.number_of_nodes()
        assert {tuple(e) for e in ei.t().tolist()} == \
            {(a, b) for a, b in g.edges()} | {(b, a) for a, b in g.edges()}
    with pytest.raises(ValueError, match="not a graph6"):
        graph6_edges(b"\x01\x02")


def test_brec_categories_partition_the_400_pairs():
    from graphlab.data.expressiveness import BREC_CATEGORIES, BREC_PARTS

    ids = sorted(i for ids in BREC_CATEGORIES.values() for i in ids)
    assert ids == list(range(400))
    assert {k: len(v) for k, v in BREC_CATEGORIES.items()} == {
        "basic": 60, "regular": 140, "extension": 100, "cfi": 100}
    assert sum(len(v) for v in BREC_PARTS.values()) == 140


@pytest.mark.mirror
def test_brec_layout_of_the_mirror_file(mirror):
    """Strongly regular partners share degrees and distance profiles; basic and extension
    pairs are small graphs; CFI graphs are larger."""
    from graphlab.construct import shortest_path_distances
    from graphlab.data.expressiveness import brec_pair

    ds = load_dataset("brec")

    def profile(g):
        d = shortest_path_distances(g.edge_index, g.num_nodes)
        return sorted(torch.sort(row).values.tolist() for row in d)

    for pair in (110, 135, 159):
        g, h, _ = brec_pair(ds, pair)
        assert profile(g[0]) == profile(h[0])
    assert brec_pair(ds, 0)[0][0].num_nodes == 10 and brec_pair(ds, 200)[0][0].num_nodes == 10
    assert brec_pair(ds, 300)[0][0].num_nodes > 30


def test_the_wl_command_runs_the_tests_alone(cli_on_mini_brec, tmp_path, capsys):
    """`graphlab wl`: the colour-refinement tests without any model, on the two-pair file."""
    import json

    from graphlab.cli import main

    out = tmp_path / "wl.json"
    assert main(["wl", "--models", "GIN", "SWL(VS)", "--categories", "basic", "--layers", "2",
                 "--quiet", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "| SWL(VS) test (2 rounds) | – | – | 1 | 1 / 2 |" in text
    assert "| 1-WL test (stable) | – | – | 0 | 0 / 2 |" in text
    assert "| SWL(VS) | – |" not in text            # no model row
    rows = json.loads(out.read_text())["results"]
    assert rows["SWL(VS)"]["wl"]["separated"] == [0] and "brec" not in rows["SWL(VS)"]
    with pytest.raises(SystemExit):               # GIN+SPE has no combinatorial test
        main(["wl", "--models", "GIN+SPE", "--quiet"])
    assert "invalid choice" in capsys.readouterr().err


def test_expressiveness_records_make_a_generated_table(cli_on_mini_brec, tmp_path):
    """`graphlab expressiveness --out` writes a record (study, settings, commit, command,
    wall time, results) that a `--study expressiveness` block of a document tabulates; the
    check fails when a number in the block is edited; a model found in two records is an
    error naming both files, and so is a JSON that is not such a record."""
    import json

    from graphlab.runner.document import DocumentError, check_document, update_document

    folder = tmp_path / "records" / "expr"
    assert cli_on_mini_brec.main(["--models", "GIN", "SWL(VS)", "--benchmarks", "brec",
                                  "--categories", "basic", "--quiet",
                                  "--out", str(folder / "a.json")]) == 0
    record = json.loads((folder / "a.json").read_text())
    assert record["study"] == "expressiveness" and record["settings"]["categories"] == ["basic"]
    assert record["git_commit"] and record["command"] and record["wall_time_s"] >= 0
    doc = tmp_path / "R.md"
    doc.write_text("text\n<!-- report: records/expr --study expressiveness -->\n"
                   "<!-- end report -->\nmore\n")
    assert update_document(doc)
    text = doc.read_text()
    assert "| GIN | – | – | 0 | 0 / 2 | 0 |" in text
    assert "| SWL(VS) | – | – | 1 | 1 / 2 | 0 |" in text
    assert "Records: `records/expr` — 1 run of `graphlab expressiveness`" in text
    assert check_document(doc) == []
    doc.write_text(text.replace("| 1 / 2 |", "| 2 / 2 |"))
    assert check_document(doc)
    assert cli_on_mini_brec.main(["--models", "GIN", "--benchmarks", "brec", "--categories",
                                  "basic", "--quiet", "--out", str(folder / "b.json")]) == 0
    with pytest.raises(DocumentError, match=r"model GIN is in both .*a\.json and .*b\.json"):
        update_document(doc)
    # a trained run adds the pair training's epochs; the untrained row says so
    (folder / "b.json").unlink()
    assert cli_on_mini_brec.main(["--models", "SWL(SV)", "--benchmarks", "brec",
                                  "--categories", "basic", "--train", "--train-epochs", "2",
                                  "--quiet", "--out", str(folder / "c.json")]) == 0
    trained = json.loads((folder / "c.json").read_text())["results"]["SWL(SV)"]
    epochs = [p["train_epochs"] for p in trained["brec_per_pair"]]
    assert update_document(doc)
    text = doc.read_text()
    assert "epochs per pair (mean / most)" in text
    assert (f"| {sum(epochs) / len(epochs):.1f} / {max(epochs)} (at most 2) |"
            in text.split("| SWL(SV) |")[1].splitlines()[0])
    assert "| untrained |" in text.split("| GIN |")[1].splitlines()[0]
    # a run resumed from a journal: the pairs it read back are timed by the journal, or,
    # from a journal without times, said to be untimed; their commits are named
    record = json.loads((folder / "c.json").read_text())
    row = record["results"]["SWL(SV)"]
    row.update(brec_read_back=1, brec_read_back_commits=["feedbee" * 5],
               brec_read_back_wall_s=1000.0, brec_read_back_untimed=0)
    (folder / "c.json").write_text(json.dumps(record))
    update_document(doc)
    line = doc.read_text().split("| SWL(SV) |")[1].splitlines()[0]
    assert f"| {sum(row[k] for k in row if k.endswith('wall_s')):.0f} s |" in line
    assert "`feedbee`" in doc.read_text()
    del row["brec_read_back_wall_s"], row["brec_read_back_untimed"]   # an older journal
    (folder / "c.json").write_text(json.dumps(record))
    update_document(doc)
    text = doc.read_text()
    assert " s + 1 pair resumed from a journal, untimed |" in text
    assert "(1 pair resumed from journals untimed)." in text
    (folder / "b.json").write_text('{"results": {}}')
    with pytest.raises(DocumentError, match=r"b\.json is not a record of graphlab "
                                            "expressiveness"):
        update_document(doc)


def test_a_journal_times_only_the_pairs_a_run_reads_back(tmp_path):
    """Of a pair journalled twice the later line counts (as for its result); pairs outside
    the run's selection and lines of other settings are not part of its wall time."""
    import json

    from graphlab.studies.harness import PairJournal

    def line(key, pair, wall):
        result = {"pair": pair, "category": "basic", "t2": 1.0, "t2_reliability": 0.0,
                  "threshold": 0.5}
        return json.dumps({"key": key, "result": result, "commit": "c",
                           **({} if wall is None else {"wall_s": wall})})

    path = tmp_path / "j.pairs.jsonl"
    path.write_text("\n".join([line("a", 0, 5.0), line("a", 1, 7.0), line("a", 1, 2.0),
                               line("a", 2, None), line("b", 0, 100.0)]) + "\n")
    journal = PairJournal(path)
    assert journal.wall("a", [0, 1]) == (7.0, 0)
    assert journal.wall("a", [1, 2]) == (2.0, 1)
    assert set(journal.known("a")) == {0, 1, 2}
