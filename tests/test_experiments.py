"""Every config in experiments/ is valid, has a smoke profile, and its smoke profile runs,
so that no `make reproduce-<paper>` target can silently rot."""
from pathlib import Path

import pytest
import yaml

from graphlab.data import DATASETS
from graphlab.data.ogb import is_ogb_name, ogb_info
from graphlab.runner import load_configs, run_config
from graphlab.runner.tune import tune

REPO = Path(__file__).resolve().parents[1]
CONFIGS = sorted((REPO / "experiments").rglob("*.yaml"))


def test_there_are_configs():
    assert CONFIGS


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: str(p.relative_to(REPO / "experiments")))
def test_config_is_valid_and_smoke_profile_runs(path, tmp_path, request):
    if "search" in yaml.safe_load(path.read_text()):
        _smoke_search(path, tmp_path, request)
        return
    for full in load_configs(path):                      # a sweep is several configs
        assert "smoke" in full.profiles, f"{path} has no smoke profile"
    for smoke in load_configs(path, "smoke"):
        if is_ogb_name(smoke.dataset.name):
            mirror = request.getfixturevalue("mirror")
            if not (mirror / ogb_info(smoke.dataset.name).folder).is_dir():
                pytest.skip(f"{smoke.dataset.name} is not in the offline mirror: {path.name} "
                            "runs only on a networked machine (the OGB path is tested on "
                            "generated OGB folders in tests/data/test_ogb.py)")
            spec = None
        else:
            spec = DATASETS[smoke.dataset.name.lower()]
        if spec is not None and not spec.synthetic:
            mirror = request.getfixturevalue("mirror")  # skips, with a message, without one
            if not (mirror / spec.mirror_path).is_dir():
                pytest.skip(f"{spec.name} is not in the offline mirror: {path.name} runs only "
                            "on a networked machine")
        records = run_config(smoke, tmp_path, progress=False)
        assert len(records) == len(smoke.seed_list)
        assert smoke.primary_metric in records[0]["metrics"]


#: how a published number's source names where in the paper it is
WHERE_IN_THE_PAPER = ("Table", "table", "Figure", "figure", "Fig.", "Section")


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: str(p.relative_to(REPO / "experiments")))
def test_every_config_cites_its_number_or_says_why_there_is_none(path):
    """The paper: block holds the published number with the paper and its table or figure,
    or says why no published number is compared (paper: {none: ...})."""
    paper = yaml.safe_load(path.read_text()).get("paper")
    assert paper is not None, f"{path.name}: no paper: block (give the number, or none: why)"
    if paper.get("none") is not None:
        assert len(paper["none"].split()) >= 4, f"{path.name}: paper.none gives no reason"
    else:
        source = paper.get("source") or ""
        assert any(w in source for w in WHERE_IN_THE_PAPER), \
            f"{path.name}: paper.source '{source}' names no table or figure"


def _smoke_search(path, tmp_path, request):
    """A config with a ``search:`` block is run by ``graphlab tune``: its smoke profile runs
    every trial and chooses one."""
    raw = yaml.safe_load(path.read_text())
    assert "smoke" in raw.get("profiles", {}), f"{path} has no smoke profile"
    spec = DATASETS[raw["dataset"]["name"].lower()]
    if not spec.synthetic:
        mirror = request.getfixturevalue("mirror")
        if not (mirror / spec.mirror_path).is_dir():
            pytest.skip(f"{spec.name} is not in the offline mirror")
    result = tune(path, "smoke", out=tmp_path)
    assert result.chosen in result.trials and len(result.trials) > 1
    assert result.chosen_path.is_file()
