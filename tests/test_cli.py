from pathlib import Path

import pytest

from graphlab.cli import default_out, main


def test_run_and_report_through_the_cli(write_config, tmp_path, capsys):
    path = write_config()
    assert main(["run", str(path), "--profile", "smoke", "--out", str(tmp_path / "r"),
                 "--quiet", "train.epochs=3", "--seeds", "2"]) == 0
    out = capsys.readouterr().out
    assert "| tiny (smoke) | dcsbm | gcn | 2 | test_acc |" in out
    assert sorted(p.name for p in (tmp_path / "r" / "tiny").glob("seed_*.json")) == [
        "seed_0.json", "seed_1.json"]
    assert main(["report", str(tmp_path / "r"), "--plot", str(tmp_path / "p.png")]) == 0
    assert (tmp_path / "p.png").exists()


def test_config_path_with_equals_sign_is_a_config_not_an_override(write_config, tmp_path,
                                                                    capsys):
    # a sweep point's folder (`name__key=value/config.yaml`) can be re-run as it stands
    folder = tmp_path / "tiny__hidden=8"
    folder.mkdir()
    path = write_config(name="tiny__hidden=8/config.yaml")
    assert main(["run", str(path), "--profile", "smoke", "--out", str(tmp_path / "r"),
                 "--quiet", "train.epochs=1", "seeds=1"]) == 0
    assert (tmp_path / "r" / "config" / "seed_0.json").exists()   # named by the file stem
    capsys.readouterr()
    assert main(["run", str(folder / "missing.yaml"), "--quiet"]) == 2
    assert "missing.yaml" in capsys.readouterr().err


def test_bad_config_is_one_line_error_and_exit_2(write_config, capsys):
    path = write_config("task: node\ndataset: {name: dcsbm}\nmodel: {name: gcn}\nepochs: 3\n")
    assert main(["run", str(path), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "unknown key 'epochs'" in err and "tiny.yaml" in err and "Traceback" not in err


def test_stray_argument_is_rejected(write_config, capsys):
    import pytest
    with pytest.raises(SystemExit):
        main(["report", "somewhere", "x=1"])
    assert "unrecognized arguments: x=1" in capsys.readouterr().err


def test_data_and_model_listings(capsys):
    assert main(["data", "list"]) == 0
    listing = capsys.readouterr().out
    assert "cora" in listing and "dcsbm" in listing and "Planetoid/Cora" in listing
    assert main(["models", "--task", "link"]) == 0
    models = capsys.readouterr().out
    assert "gae" in models and "cn" in models and "gcn " not in models


def test_data_fetch_missing_dataset(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GRAPHLAB_DATA", str(tmp_path / "empty-root"))
    monkeypatch.setenv("GRAPHLAB_MIRROR", str(tmp_path / "no-mirror"))
    monkeypatch.setenv("GRAPHLAB_OFFLINE", "1")
    assert main(["data", "fetch", "wisconsin"]) == 2
    assert "dataset 'wisconsin' is not available" in capsys.readouterr().err


def test_default_out_follows_the_paper_folder():
    assert default_out(Path("experiments/ncnc/cora_ncn.yaml")) == Path("results/ncnc")
    assert default_out(Path("/tmp/x/cfg.yaml")) == Path("results/cfg")


@pytest.mark.mirror
def test_homophily_command_prints_the_table_and_the_decision(mirror, capsys):
    assert main(["homophily", "texas", "--amud", "--permutations", "9"]) == 0
    out = capsys.readouterr().out
    assert "| texas | 0.061 |" in out                      # edge homophily, self-loops dropped
    assert "AMUD-style test" in out and ("| directed |" in out or "| undirected |" in out)


def test_homophily_command_unknown_dataset(capsys):
    assert main(["homophily", "no_such_graph"]) == 2
    assert "no_such_graph" in capsys.readouterr().err


def test_checkpoint_interval_option(capsys):
    from graphlab.cli import build_parser
    from graphlab.runner import CHECKPOINT_EVERY_S
    parse = build_parser().parse_args
    assert parse(["run", "c.yaml"]).checkpoint_every == CHECKPOINT_EVERY_S
    assert parse(["run", "c.yaml", "--checkpoint-every", "0"]).checkpoint_every == 0.0
    assert parse(["run", "c.yaml", "--checkpoint-every", "off"]).checkpoint_every is None
    for bad, why in (("-5", ">= 0 seconds"), ("nan", ">= 0 seconds"),
                     ("soon", "expected seconds or 'off'")):
        with pytest.raises(SystemExit):
            parse(["run", "c.yaml", "--checkpoint-every", bad])
        assert why in capsys.readouterr().err


@pytest.mark.parametrize("command,option", [("wl", "--layers"), ("expressiveness", "--inits")])
def test_a_study_prints_its_own_help(command, option, capsys):
    """`graphlab wl --help` / `graphlab expressiveness --help` list the study's options, not
    the wrapper's."""
    with pytest.raises(SystemExit) as exit_:
        main([command, "--help"])
    assert exit_.value.code == 0 and option in capsys.readouterr().out
