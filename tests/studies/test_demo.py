"""``graphlab demo`` computes each paper's signature effect (nothing stored): the panels
that need no dataset run here in seconds and show the effect; the whole demo (with Cora
from the mirror) prints one table, writes the figure and names it on its last line."""
import pytest

from graphlab.cli import main
from graphlab.studies.demo import (
    PANELS,
    direction_panel,
    expressiveness_panel,
    sensitivity_panel,
    stability_panel,
    table,
)


def test_expressiveness_gin_cannot_and_sswl_can():
    gin, sswl = expressiveness_panel().values
    assert gin < 1e-12 < 1e-3 < sswl


def test_stability_spe_moves_far_less_than_lappe():
    lappe, spe = stability_panel().values
    assert spe < 0.2 * lappe


def test_sensitivity_a_virtual_node_reaches_five_hops():
    distance, virtual = sensitivity_panel().values
    assert distance == 0.0 and virtual > 0


def test_direction_directed_modelling_wins_on_the_class_cycle():
    directed, symmetrised = direction_panel(epochs=60).values
    assert directed > symmetrised + 20


def test_the_demo_prints_one_table_and_names_its_figure(mirror, tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert sum(line.startswith("| panel |") for line in out) == 1
    rows = [line for line in out if line.startswith("| ") and not line.startswith("| panel")]
    assert [r.split(" | ")[0][2:] for r in rows] == list(PANELS)
    assert out[-1] == f"figure: {tmp_path / 'demo.png'}" and (tmp_path / "demo.png").is_file()


def test_table_has_a_row_per_panel():
    panels = [stability_panel()]
    assert table(panels).count("\n") == 2 and "LapPE" in table(panels)


@pytest.mark.parametrize("bad", [["--panels", "nope"]])
def test_unknown_panel_is_refused(bad):
    with pytest.raises(SystemExit):
        main(["demo", *bad])
