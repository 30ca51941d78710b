"""Records follow a change of the fingerprint's definition: the migration rewrites the
fingerprint line of each record from its own config and nothing else, once."""
import json
from pathlib import Path

import pytest

from graphlab.runner import load_config, run_config
from graphlab.runner.migrate import main, migrate

REPO = Path(__file__).resolve().parents[2]


def test_old_fingerprints_are_rewritten_once(write_config, tmp_path, capsys):
    cfg = load_config(write_config(), overrides=["seeds=2", "train.epochs=2"])
    run_config(cfg, tmp_path, progress=False)
    paths = sorted((tmp_path / "tiny").glob("seed_*.json"))
    before = {}
    for path in paths:                      # as a record written under an older definition
        text = path.read_text().replace(cfg.fingerprint(), "0123456789abcdef")
        path.write_text(text)
        before[path] = text
    assert main([str(tmp_path), "--check"]) == 1
    assert all(p.read_text() == before[p] for p in paths)       # --check writes nothing
    changed = migrate(tmp_path)
    assert [(p, old, new) for p, old, new in changed] == [
        (p, "0123456789abcdef", cfg.fingerprint()) for p in paths]
    for path in paths:
        after = path.read_text()
        assert json.loads(after)["fingerprint"] == cfg.fingerprint()
        diff = [(a, b) for a, b in zip(before[path].splitlines(), after.splitlines(),
                                       strict=True) if a != b]
        assert len(diff) == 1 and "fingerprint" in diff[0][0]
    migrated = {p: p.read_text() for p in paths}
    assert migrate(tmp_path) == []                              # idempotent
    # the store counts them as this config's finished seeds: nothing is re-run
    again = run_config(cfg, tmp_path, progress=False)
    assert [r["seed"] for r in again] == [0, 1]
    assert all(p.read_text() == migrated[p] for p in paths)


def test_a_record_that_no_longer_loads_is_named(tmp_path):
    folder = tmp_path / "x"
    folder.mkdir()
    (folder / "seed_0.json").write_text(json.dumps(
        {"fingerprint": "0", "config": {"task": "node", "model": {"name": "gcn"}}}))
    with pytest.raises(Exception, match="seed_0.json: its stored config no longer loads"):
        migrate(tmp_path)


def test_every_committed_record_has_the_current_fingerprint():
    stale = migrate(REPO / "records", check=True)
    assert not stale, (f"{len(stale)} record(s) carry an old fingerprint, e.g. {stale[0]}; run "
                       "python -m graphlab.runner.migrate records")
