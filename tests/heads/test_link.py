import pytest
import torch

from graphlab.heads import DotScorer, MLPScorer
from graphlab.models import GAE, HeuristicLinkModel, build_model
from tests.helpers import assert_pair_symmetric, random_graph


@pytest.mark.parametrize("decoder", ["dot", "mlp"])
def test_gae_scores_are_symmetric_and_shaped(decoder):
    x, ei = random_graph(30, 90, num_features=5)
    ei = torch.cat([ei, ei.flip(0)], 1)
    model = build_model("gae", "link", {"hidden_channels": 8, "decoder": decoder}, in_channels=5)
    assert isinstance(model, GAE)
    model.eval()
    pairs = torch.randint(30, (2, 40))
    assert model(x, ei, pairs).shape == (40,)
    assert_pair_symmetric(lambda p: model(x, ei, p), pairs)


def test_dot_scorer_reference():
    h = torch.randn(4, 3)
    pairs = torch.tensor([[0, 1], [2, 3]])
    torch.testing.assert_close(DotScorer()(h, pairs),
                               torch.stack([h[0] @ h[2], h[1] @ h[3]]))
    assert MLPScorer(3)(h, pairs).shape == (2,)


def test_heuristic_model_has_no_parameters():
    model = build_model("ra", "link", {}, in_channels=4)
    assert isinstance(model, HeuristicLinkModel) and not list(model.parameters())
    x = torch.zeros(3, 4)
    assert model(x, torch.tensor([[0, 0], [1, 2]]), torch.tensor([[1], [2]])).tolist() == [0.5]
    with pytest.raises(ValueError, match="decoder must be 'dot' or 'mlp'"):
        build_model("gae", "link", {"decoder": "bilinear"}, in_channels=4)
