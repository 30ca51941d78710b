"""The results store keeps one configuration per folder, survives damaged and leftover files,
and names the folder it cannot write."""
import json
import os
import stat
import time

import pytest

from graphlab.cli import main
from graphlab.runner import (
    DamagedRecordWarning,
    ResultsConflictError,
    ResultsFolderError,
    collect,
    load_config,
    run_config,
    write_report,
)
from graphlab.runner.report import markdown_table


def seed_files(folder):
    return sorted(p.name for p in folder.glob("seed_*.json"))


def test_a_changed_config_cannot_join_a_folder_of_another(write_config, tmp_path):
    """Three seeds at one setting, then a fourth at another into the same folder: refused
    before training, naming both fingerprints and the key; nothing stored changes."""
    path = write_config()
    first = load_config(path, overrides=["train.epochs=3"])
    run_config(first, tmp_path, progress=False)
    folder = tmp_path / "tiny"
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    other = load_config(path, overrides=["train.epochs=2", "seeds=[3]"])
    with pytest.raises(ResultsConflictError) as err:
        run_config(other, tmp_path, progress=False)
    msg = str(err.value)
    assert first.fingerprint() in msg and other.fingerprint() in msg
    assert "train.epochs: 3 → 2" in msg and "seeds [0, 1, 2]" in msg
    assert "overwrite=True" in msg and "--overwrite" not in msg
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before  # config.yaml too
    # the report of that folder is still one configuration of three seeds
    (summary,) = collect(tmp_path)
    assert summary.seeds == [0, 1, 2] and not summary.marked
    # overwrite: the other configuration's records go, the folder holds this one only
    records = run_config(other, tmp_path, progress=False, overwrite=True)
    assert [r["seed"] for r in records] == [3] and seed_files(folder) == ["seed_3.json"]


def test_the_same_config_resumes_into_its_folder(write_config, tmp_path):
    path = write_config()
    run_config(load_config(path, overrides=["seeds=[0]"]), tmp_path, progress=False)
    records = run_config(load_config(path, overrides=["seeds=[1]"]), tmp_path, progress=False)
    assert [r["seed"] for r in records] == [1]
    assert seed_files(tmp_path / "tiny") == ["seed_0.json", "seed_1.json"]


def test_the_cli_names_the_command_line_fix(write_config, tmp_path, capsys):
    path = str(write_config())
    out = str(tmp_path / "r")
    assert main(["run", path, "train.epochs=3", "--seeds", "1", "--out", out, "--quiet"]) == 0
    capsys.readouterr()
    assert main(["run", path, "train.epochs=2", "seeds=[3]", "--out", out, "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "another configuration" in err and "train.epochs: 3 → 2" in err
    assert "--overwrite" in err and "overwrite=True" not in err
    assert len(err.strip().splitlines()) == 2  # the error and the debug hint, no traceback


def test_report_never_averages_two_configurations(write_config, tmp_path):
    """Two folders holding the same config name at different settings are two rows, marked;
    the same seed of the same configuration in two folders is counted once."""
    path = write_config()
    a = load_config(path, overrides=["train.epochs=3", "seeds=2"])
    b = load_config(path, overrides=["train.epochs=2", "seeds=2"])
    run_config(a, tmp_path / "x", progress=False)
    run_config(b, tmp_path / "y", progress=False)
    run_config(a, tmp_path / "z", progress=False)          # a's seeds again, elsewhere
    with pytest.warns(UserWarning, match="seed 0 of 'tiny'.*counted once"):
        summaries = collect(tmp_path)
    assert len(summaries) == 2 and all(s.marked and s.seeds == [0, 1] for s in summaries)
    assert {s.fingerprint for s in summaries} == {a.fingerprint(), b.fingerprint()}
    table = markdown_table(summaries)
    assert f"tiny [config {a.fingerprint()[:8]}]" in table
    assert f"tiny [config {b.fingerprint()[:8]}]" in table
    assert "never averaged together" in table


def test_a_damaged_record_is_moved_aside_and_its_seed_rerun(write_config, tmp_path):
    cfg = load_config(write_config(), overrides=["seeds=2"])
    first = run_config(cfg, tmp_path, progress=False)
    folder = tmp_path / "tiny"
    damaged = folder / "seed_1.json"
    text = damaged.read_text()
    damaged.write_text(text[: len(text) // 2])                  # truncated by a crash
    with pytest.warns(DamagedRecordWarning, match="seed_1.json.*moved to 'seed_1.json.damaged'"):
        again = run_config(cfg, tmp_path, progress=False)
    assert again[1]["metrics"] == first[1]["metrics"]           # retrained, same numbers
    assert (folder / "seed_1.json.damaged").read_text() == text[: len(text) // 2]  # kept
    (folder / "seed_0.json").write_text("")                     # empty
    with pytest.warns(DamagedRecordWarning, match="skipped '.*seed_0.json'"):
        (summary,) = collect(tmp_path)
    assert summary.seeds == [1]


def test_the_report_command_warns_in_one_line(write_config, tmp_path, capsys):
    run_config(load_config(write_config(), overrides=["seeds=2"]), tmp_path, progress=False)
    (tmp_path / "tiny" / "seed_0.json").write_text("{\"seed\": 0, ")
    assert main(["report", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    assert "graphlab: warning: skipped '" in captured.err and "seed_0.json" in captured.err
    assert "| tiny | dcsbm | gcn | 1 |" in captured.out


def test_leftover_temporary_files_are_removed(write_config, tmp_path):
    cfg = load_config(write_config(), overrides=["seeds=1"])
    folder = tmp_path / "tiny"
    folder.mkdir()
    stale, fresh = folder / ".seed_0.json.abc.tmp", folder / ".seed_1.json.def.tmp"
    for p in (stale, fresh):
        p.write_text("{")
    old = time.time() - 3600
    os.utime(stale, (old, old))
    run_config(cfg, tmp_path, progress=False)
    assert not stale.exists()
    assert fresh.exists()   # may belong to a write in progress in another process


def test_store_files_are_readable_by_others(write_config, tmp_path):
    mask = os.umask(0o022)
    try:
        run_config(load_config(write_config(), overrides=["seeds=1"]), tmp_path, progress=False)
    finally:
        os.umask(mask)
    for name in ("seed_0.json", "config.yaml"):
        assert stat.S_IMODE((tmp_path / "tiny" / name).stat().st_mode) == 0o644
    write_report(tmp_path)
    assert stat.S_IMODE((tmp_path / "report.md").stat().st_mode) == 0o644


def test_an_unwritable_folder_is_one_error_naming_it(write_config, tmp_path, capsys):
    blocker = tmp_path / "a_file"
    blocker.write_text("not a folder")
    cfg = load_config(write_config(), overrides=["seeds=1"])
    with pytest.raises(ResultsFolderError, match="cannot write results to '.*a_file/tiny'"):
        run_config(cfg, blocker, progress=False)
    assert main(["run", str(write_config()), "--out", str(blocker), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "cannot write results to" in err and "a_file" in err and "Traceback" not in err


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only folder")
def test_a_read_only_folder_is_one_error_naming_it(write_config, tmp_path):
    out = tmp_path / "ro"
    out.mkdir()
    out.chmod(0o555)
    try:
        with pytest.raises(ResultsFolderError, match="cannot write results to '.*ro/tiny'"):
            run_config(load_config(write_config()), out, progress=False)
    finally:
        out.chmod(0o755)


def test_records_name_their_command_and_machine(write_config, tmp_path):
    path = str(write_config())
    assert main(["run", path, "--seeds", "1", "--out", str(tmp_path), "--quiet"]) == 0
    rec = json.loads((tmp_path / "tiny" / "seed_0.json").read_text())
    assert rec["command"] == f"graphlab run {path} --seeds 1 --out {tmp_path} --quiet"
    assert rec["machine"]["cpu_count"] == os.cpu_count()
    assert rec["machine"]["torch_threads"] >= 1 and "cpu" in rec["machine"]
    assert "GRAPHLAB_COMMAND" not in os.environ


def test_records_keep_metrics_exact_and_curves_compact(write_config, tmp_path):
    from graphlab.runner.execute import CURVE_DIGITS
    (rec,) = run_config(load_config(write_config(), overrides=["seeds=1"]), tmp_path,
                        progress=False)
    text = (tmp_path / "tiny" / "seed_0.json").read_text()
    assert json.loads(text) == rec
    rows = [line for line in text.splitlines() if line.startswith('  {"epoch":')]
    assert len(rows) == len(rec["curve"]) == 6                    # one line per epoch
    for row in rec["curve"]:
        for value in row.values():
            if isinstance(value, float):
                assert float(f"{value:.{CURVE_DIGITS}g}") == value
    # the selected epoch's metrics are the task's full-precision numbers, not the curve's
    digits = [len(repr(v).replace(".", "").lstrip("0")) for v in rec["metrics"].values()
              if isinstance(v, float)]
    assert max(digits) > CURVE_DIGITS


def test_changed_records_do_not_make_a_commit_dirty(tmp_path):
    """A run that writes into a tracked records/ folder is still at a clean commit; a change
    to code anywhere in the checkout (also outside the folder asked about) is dirty."""
    import subprocess

    from graphlab.runner.store import checkout_commit

    def git(*args):
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "code.py").write_text("x = 1\n")
    (tmp_path / "other.py").write_text("y = 1\n")
    (tmp_path / "records").mkdir()
    (tmp_path / "records" / "seed_0.json").write_text("{}\n")
    git("add", "-A")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x")
    clean = checkout_commit(tmp_path / "pkg")
    assert len(clean) == 40 and not clean.endswith("+dirty")
    (tmp_path / "records" / "seed_0.json").write_text('{"seed": 0}\n')
    assert checkout_commit(tmp_path / "pkg") == clean
    (tmp_path / "other.py").write_text("y = 2\n")
    assert checkout_commit(tmp_path / "pkg") == clean + "+dirty"
    assert checkout_commit(tmp_path.parent / "no-such-dir") == "unknown"
