"""RESULTS.md's tables are generated from committed records: `make results-check` passes on
the repository and fails, naming the block, when a number in a block is edited."""
import json
from pathlib import Path

import pytest

from graphlab.cli import main
from graphlab.runner.document import (
    DocumentError,
    blocks,
    check_document,
    render,
    typed_tables_outside_blocks,
    update_document,
)

REPO = Path(__file__).resolve().parents[2]


def fake_records(root, name, dataset, values, paper=None, commit="abc1234def", val=None):
    for seed, value in enumerate(values):
        cfg = {"name": name, "task": "node", "dataset": {"name": dataset},
               "model": {"name": "gcn"}, "eval": {"hits_k": [20, 50, 100]}, "paper": paper}
        metrics = {"test_acc": value, **({"val_acc": val[seed]} if val else {})}
        rec = {"seed": seed, "config": cfg, "metrics": metrics, "fingerprint": name,
               "wall_time_s": 1800.0, "profile": "full", "git_commit": commit}
        path = root / name / f"seed_{seed}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(rec))


@pytest.fixture
def document(tmp_path):
    records = tmp_path / "records" / "toy"
    fake_records(records, "cora_gcn", "cora", [80.0, 82.0],
                 paper={"metric": "test_acc", "mean": 81.5, "std": 0.5, "source": "Kipf 2017"})
    fake_records(records, "cora_mlp", "cora", [60.0, 62.0])
    fake_records(records, "texas_gcn", "texas", [55.0, 57.0])
    doc = tmp_path / "RESULTS.md"
    doc.write_text("# Results\n\nProse stays.\n\n<!-- report: records/toy --select 'cora_*' -->\n"
                   "<!-- end report -->\n\nMore prose.\n\n<!-- report: records/toy --pivot -->\n"
                   "stale text\n<!-- end report -->\n")
    return doc


def test_update_fills_every_block_and_keeps_the_prose(document):
    assert len(update_document(document)) == 2
    text = document.read_text()
    assert text.startswith("# Results\n\nProse stays.\n") and "\nMore prose.\n" in text
    assert "| cora_gcn | cora | gcn | 2 | test_acc | 81.00 ± 1.41 | 81.50 ± 0.50 | -0.50 |" in text
    assert "| cora_mlp |" in text and "| texas_gcn |" not in text.split("More prose")[0]
    assert "| dataset | gcn | mlp |" in text
    assert "| cora | 81.00 ± 1.41 | 61.00 ± 1.41 |" in text
    assert "| texas | 56.00 ± 1.41 |  |" in text
    assert "Records: `records/toy` — 4 seeds of 2 configs; commit `abc1234`; 2.0 h" in text
    assert check_document(document) == [] and update_document(document) == []


def test_an_edited_number_fails_the_check_naming_the_block(document, capsys):
    update_document(document)
    text = document.read_text()
    document.write_text(text.replace("56.00 ± 1.41", "56.10 ± 1.41"))
    stale = check_document(document)
    assert len(stale) == 1 and "<!-- report: records/toy --pivot -->" in stale[0]
    assert f"{document}:" in stale[0]
    assert main(["results", str(document), "--check"]) == 1
    err = capsys.readouterr().err
    assert "records/toy --pivot" in err and "differs from what its records give" in err
    assert main(["results", str(document)]) == 0 and check_document(document) == []


def test_a_new_record_makes_the_table_stale(document):
    update_document(document)
    fake_records(document.parent / "records" / "toy", "cora_sage", "cora", [70.0])
    assert len(check_document(document)) == 2


def test_bad_blocks_are_one_error_naming_the_block(document, tmp_path):
    with pytest.raises(DocumentError, match="records folder 'records/nope' does not exist"):
        render("records/nope", tmp_path)
    with pytest.raises(DocumentError, match="no records in 'records/toy' match"):
        render("records/toy --select 'zinc_*'", tmp_path)
    with pytest.raises(DocumentError, match="--columns is for --pivot"):
        render("records/toy --columns gcn", tmp_path)
    document.write_text("<!-- report: records/nope -->\n<!-- end report -->\n")
    with pytest.raises(DocumentError, match=r"RESULTS.md:1 <!-- report: records/nope -->"):
        check_document(document)


def test_tables_outside_blocks_are_found(tmp_path):
    doc = tmp_path / "R.md"
    doc.write_text("| a | b |\n|---|---|\n| 1 | 2 |\n\n<!-- typed -->\n**Record not kept** x\n\n"
                   "| c |\n|---|\n<!-- end typed -->\n")
    assert typed_tables_outside_blocks(doc.read_text()) == [1]


def test_the_repository_results_are_generated_from_committed_records():
    """`make results-check`: every generated table of RESULTS.md equals what the committed
    records give, and every other table is marked as typed (record not kept)."""
    doc = REPO / "RESULTS.md"
    assert blocks(doc.read_text()), "RESULTS.md has no generated table"
    assert check_document(doc) == []
    assert typed_tables_outside_blocks(doc.read_text()) == []


def test_a_sweep_grid_and_its_difference(tmp_path):
    records = tmp_path / "records" / "sweep"
    for h, a, directed, undirected in (("0.2", "0.0", [50.0, 52.0], [51.0, 51.0]),
                                       ("0.2", "1.0", [70.0, 72.0], [60.0, 60.0]),
                                       ("0.05", "1.0", [80.0, 80.0], [40.0, 42.0])):
        for flag, values in (("false", directed), ("true", undirected)):
            fake_records(records, f"s__homophily={h}__asymmetry={a}__undirected={flag}", "dcsbm",
                         values)
    table = render("records/sweep --grid homophily asymmetry --diff undirected", tmp_path)
    lines = table.splitlines()
    assert lines[0] == "| homophily \\ asymmetry | 0.0 | 1.0 |"
    assert lines[2] == "| 0.05 |  | +39.00 |"          # rows in numeric order; a missing cell
    assert lines[3] == "| 0.2 | +0.00 | +11.00 |"
    assert "at undirected=false minus at undirected=true, over 2 seeds" in table
    plain = render("records/sweep --select '*undirected=true' --grid homophily asymmetry",
                   tmp_path)
    assert "| 0.2 | 51.00 ± 0.00 | 60.00 ± 0.00 |" in plain
    with pytest.raises(DocumentError, match="sweep key 'seed' is not in the config name"):
        render("records/sweep --grid homophily seed", tmp_path)
    with pytest.raises(DocumentError, match="--diff is for --grid"):
        render("records/sweep --diff undirected", tmp_path)


def test_a_tuned_table_chooses_on_validation_and_checks_the_search_log(tmp_path):
    records = tmp_path / "records" / "tuned"
    paper = {"metric": "test_acc", "mean": 89.4, "std": 5.6, "source": "Xu et al."}
    # the best test trial (lr=0.1) is not the best validation one (lr=0.01)
    fake_records(records, "mutag_gin__lr=0.1", "mutag", [95.0, 97.0], paper, val=[80.0, 82.0])
    fake_records(records, "mutag_gin__lr=0.01", "mutag", [85.0, 87.0], paper, val=[90.0, 92.0])
    table = render("records/tuned --tuned val_acc", tmp_path)
    assert "| mutag_gin | 0.01 | 91.00 ± 1.41 | 86.00 ± 1.41 | **chosen** |" in table
    # no search log: the untuned point is not known
    assert "| mutag_gin | mutag | lr=0.01 | 91.00 ± 1.41 | 86.00 ± 1.41 | – | 89.40 ± 5.60 |" \
        in table
    # the untuned point from the config the search log names (the config sets lr 0.1) ...
    (tmp_path / "mutag.yaml").write_text("name: mutag_gin\ntrain: {lr: 0.1}\n")
    trials = [{"name": "mutag_gin__lr=0.1", "values": {"train.lr": 0.1}},
              {"name": "mutag_gin__lr=0.01", "values": {"train.lr": 0.01}}]
    log = {"config": "mutag.yaml", "trials": trials, "chosen": "mutag_gin__lr=0.01"}
    (records / "mutag_gin.tune.json").write_text(json.dumps(log))
    table = render("records/tuned --tuned val_acc", tmp_path)
    assert "| lr=0.01 | 91.00 ± 1.41 | 86.00 ± 1.41 | 96.00 ± 1.41 | 89.40 ± 5.60 |" in table
    # ... and from the values the log recorded, which win over the config file
    (records / "mutag_gin.tune.json").write_text(json.dumps(
        {**log, "untuned": {"train.lr": 0.01}}))
    table = render("records/tuned --tuned val_acc", tmp_path)
    assert "| lr=0.01 | 91.00 ± 1.41 | 86.00 ± 1.41 | 86.00 ± 1.41 | 89.40 ± 5.60 |" in table
    # a config whose own value is outside the grid has no untuned trial
    (records / "mutag_gin.tune.json").write_text(json.dumps({**log, "untuned": {"train.lr": 1}}))
    assert "| 86.00 ± 1.41 | – | 89.40 ± 5.60 |" in render("records/tuned --tuned val_acc",
                                                            tmp_path)
    (records / "mutag_gin.tune.json").write_text(json.dumps(
        {"trials": [{"name": "mutag_gin__lr=0.1"}, {"name": "mutag_gin__lr=0.01"}],
         "chosen": "mutag_gin__lr=0.1"}))
    with pytest.raises(DocumentError, match="recorded 'mutag_gin__lr=0.1'"):
        render("records/tuned --tuned val_acc", tmp_path)
    with pytest.raises(DocumentError, match="validation metric"):
        render("records/tuned --tuned test_acc", tmp_path)


def test_the_summary_adds_each_finished_search_at_its_validation_choice(tmp_path):
    records = tmp_path / "records"
    paper = {"metric": "test_acc", "mean": 89.4, "std": 5.6, "source": "Xu et al."}
    fake_records(records / "plain", "mutag_gin", "mutag", [84.0, 86.0], paper)
    tuned = records / "tuned"
    fake_records(tuned, "mutag_gin__lr=0.1", "mutag", [95.0, 97.0], paper, val=[80.0, 82.0])
    fake_records(tuned, "mutag_gin__lr=0.01", "mutag", [75.0, 77.0], paper, val=[90.0, 92.0])
    trials = [{"name": "mutag_gin__lr=0.1", "fingerprint": "mutag_gin__lr=0.1"},
              {"name": "mutag_gin__lr=0.01", "fingerprint": "mutag_gin__lr=0.01"}]
    log = {"metric": "val_acc", "trials": trials, "chosen": "mutag_gin__lr=0.01"}
    # no search log yet: the search's points stay out, the plain config is reported
    lines = render("records --summary", tmp_path).splitlines()
    assert [ln for ln in lines if ln.startswith("| mutag")] == [
        "| mutag_gin | mutag | test_acc | 85.00 ± 1.41 | 89.40 ± 5.60 | reproduced |"]
    # a finished search: its validation choice, not its best test point (95–97)
    (tuned / "mutag_gin.tune.json").write_text(json.dumps(log))
    table = render("records --summary", tmp_path)
    assert ("| mutag_gin (tuned: lr=0.01) | mutag | test_acc | 76.00 ± 1.41 | 89.40 ± 5.60 | "
            "missed |") in table
    assert "A *tuned* row is the point of a `graphlab tune` search chosen by its validation" \
        in table
    # a log whose trial's records are another configuration's is not reported as the search
    other = [trials[0], {**trials[1], "fingerprint": "something else"}]
    (tuned / "mutag_gin.tune.json").write_text(json.dumps({**log, "trials": other}))
    assert "(tuned" not in render("records --summary", tmp_path)
    # the records must choose what the log recorded
    (tuned / "mutag_gin.tune.json").write_text(json.dumps({**log, "chosen": "mutag_gin__lr=0.1"}))
    with pytest.raises(DocumentError, match="recorded 'mutag_gin__lr=0.1'"):
        render("records --summary", tmp_path)
    (tuned / "mutag_gin.tune.json").write_text("{not json")
    with pytest.raises(DocumentError, match="search log .* is not readable"):
        render("records --summary", tmp_path)


def test_the_ncn_bench_table_comes_from_its_json(tmp_path):
    row = {"config": "cora_ncnc", "threads": 1, "rounds": 3, "epochs_per_round": 3,
           "graphlab_train_s": 0.5, "official_train_s": 1.25, "graphlab_eval_s": 0.25,
           "official_eval_s": 1.0, "graphlab_run_s": 75.0, "official_run_s": 225.0,
           "ratio_train": 2.5, "ratio_eval": 4.0, "ratio_run": 3.0}
    out = tmp_path / "bench.json"
    out.write_text(json.dumps({"rows": [row], "official": "GraphPKU/NeuralCommonNeighbor",
                               "official_commit": "11d5970abc", "git_commit": "abcdef123456",
                               "torch": "2.13.0", "graphlab_allocator": "glibc, kept"}))
    text = render("bench.json --study ncn-bench", tmp_path)
    assert "graphlab's allocator: glibc, kept." in text
    assert "| cora_ncnc | 1 | 0.500 / 1.250 | 2.50 | 0.250 / 1.000 | 4.00 | 75.0 / 225.0 | " \
           "3.00 |" in text
    assert "graphlab commit `abcdef1`" in text and "at `11d5970`" in text
    assert "3 alternating rounds of 3 epochs per side" in text
    out.write_text(json.dumps({"rows": [row]}))          # an older JSON: no provenance
    older = render("bench.json --study ncn-bench", tmp_path)
    assert "graphlab commit not recorded" in older and "allocator" not in older
    with pytest.raises(DocumentError, match="does not exist"):
        render("missing.json --study ncn-bench", tmp_path)
    out.write_text(json.dumps({"rows": [{"config": "x"}]}))
    with pytest.raises(DocumentError, match="not the JSON of 'graphlab bench ncn --official'"):
        render("bench.json --study ncn-bench", tmp_path)
    with pytest.raises(DocumentError, match="makes its own table"):
        render("bench.json --study ncn-bench --select x", tmp_path)


def test_the_official_code_table_pairs_its_splits_with_graphlabs_seeds(tmp_path):
    records = tmp_path / "records"
    fake_records(records, "cham_adpa", "chameleon", [50.0, 52.0, 60.0], val=[51.0, 53.0, 61.0])
    official = records / "official"
    official.mkdir()
    rec = {"study": "official_adpa", "dataset": "chameleon", "num_splits": 3,
           "graphlab_records": "../cham_adpa", "code": "someone/ADPA",
           "commit": "974193a5816ab8c", "splits": [
               {"split": 0, "best_test": 55.0, "best_val": 56.0},
               {"split": 1, "best_test": 57.0, "best_val": 58.0}]}
    (official / "cham.json").write_text(json.dumps(rec))
    text = render("records/official --study official", tmp_path)
    # official splits 0, 1 beside graphlab's seeds 0, 1 (not seed 2), then all three seeds
    assert "| chameleon | 0, 1 | 56.00 ± 1.41 (57.00 ± 1.41) | 51.00 ± 1.41 (52.00 ± 1.41) | " \
           "54.00 ± 5.29 (3 splits) |" in text
    assert "`someone/ADPA` at `974193a`" in text and "graphlab: 3 seeds, commit `abc1234`" in text
    # a seed's split is seed % num_splits: with 2 splits seeds 0 and 2 collide
    (official / "cham.json").write_text(json.dumps({**rec, "num_splits": 2}))
    with pytest.raises(DocumentError, match="two seeds on split 0"):
        render("records/official --study official", tmp_path)
    # an official split graphlab never ran is an error, not a shorter average
    (official / "cham.json").write_text(json.dumps(
        {**rec, "splits": rec["splits"] + [{"split": 5, "best_test": 1.0, "best_val": 1.0}]}))
    with pytest.raises(DocumentError, match=r"no seed on split\(s\) \[5\]"):
        render("records/official --study official", tmp_path)
    (official / "cham.json").write_text(json.dumps({**rec, "graphlab_records": "../none"}))
    with pytest.raises(DocumentError, match="missing or damaged"):
        render("records/official --study official", tmp_path)
    (official / "cham.json").write_text(json.dumps({k: v for k, v in rec.items()
                                                    if k != "dataset"}))
    with pytest.raises(DocumentError, match="not an official-code record"):
        render("records/official --study official", tmp_path)
    with pytest.raises(DocumentError, match="makes its own table"):
        render("records/official --study official --select x", tmp_path)


def test_an_official_split_that_names_its_log_is_checked_against_it(tmp_path):
    records = tmp_path / "records"
    fake_records(records, "cham_adpa", "chameleon", [50.0], val=[51.0])
    official = records / "official"
    (official / "logs").mkdir(parents=True)
    (official / "logs" / "split_0.log").write_text(
        "Epoch: 001, acc_val: 0.2, acc_test: 0.2\nBest val: 0.5, best test: 0.4\n"
        "Epoch: 001, acc_val: 0.3, acc_test: 0.3\nBest val: 0.5391, best test: 0.5066\n")
    split = {"split": 0, "best_test": 50.66, "best_val": 53.91, "log": "logs/split_0.log"}
    rec = {"study": "official_adpa", "dataset": "chameleon", "num_splits": 10,
           "graphlab_records": "../cham_adpa", "code": "someone/ADPA", "commit": "974193a",
           "splits": [split]}
    (official / "cham.json").write_text(json.dumps(rec))
    assert "| chameleon | 0 | 50.66 ± – (53.91 ± –) |" in render("records/official --study "
                                                                   "official", tmp_path)
    (official / "cham.json").write_text(json.dumps({**rec, "splits": [{**split,
                                                                         "best_test": 50.7}]}))
    with pytest.raises(DocumentError, match="val 53.91 / test 50.7, its log 'split_0.log' says "
                                            "53.91 / 50.66"):
        render("records/official --study official", tmp_path)
    (official / "cham.json").write_text(json.dumps({**rec, "splits": [{**split,
                                                                         "log": "logs/x.log"}]}))
    with pytest.raises(DocumentError, match="log .*x.log' is not readable"):
        render("records/official --study official", tmp_path)
    (official / "logs" / "split_0.log").write_text("Epoch: 001\n")
    (official / "cham.json").write_text(json.dumps(rec))
    with pytest.raises(DocumentError, match="has no 'Best val"):
        render("records/official --study official", tmp_path)


def test_a_body_without_a_final_newline_never_swallows_the_next_block(tmp_path, monkeypatch):
    """A renderer whose text lacks the last newline must not glue the end marker to its
    last line: the next regeneration would then read on to the following block's end and
    delete the prose between them."""
    import graphlab.runner.document as doc

    monkeypatch.setattr(doc, "render", lambda args, base: f"table {args}")
    path = tmp_path / "R.md"
    text = ("<!-- report: a -->\nold\n<!-- end report -->\n\nprose between\n\n"
            "<!-- report: b -->\nold\n<!-- end report -->\n")
    path.write_text(text)
    update_document(path)
    update_document(path)
    out = path.read_text()
    assert "prose between" in out
    assert "table a\n<!-- end report -->" in out and "table b\n<!-- end report -->" in out
