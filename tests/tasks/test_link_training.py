import pytest
import torch

from graphlab.models import build_model
from graphlab.tasks.link import param_groups, remove_target_links
from graphlab.tasks.settings import TrainSettings


def test_target_link_removal_removes_the_batch_edges_and_only_them():
    train_pos = torch.tensor([[0, 0, 1, 2, 3], [1, 2, 2, 3, 4]])
    adj = remove_target_links(train_pos, torch.tensor([1, 3]))
    edges = {tuple(e) for e in adj.t().tolist()}
    assert edges == {(0, 1), (1, 0), (1, 2), (2, 1), (3, 4), (4, 3)}


def test_separate_predictor_learning_rate():
    model = build_model("ncn", "link", {"hidden_channels": 8}, in_channels=4)
    groups = param_groups(model, TrainSettings(lr=0.01, predictor_lr=0.002))
    assert len(groups) == 2 and groups[1]["lr"] == 0.002
    pred = {id(p) for p in model.predictor.parameters()}
    assert {id(p) for p in groups[1]["params"]} == pred
    assert not pred & {id(p) for p in groups[0]["params"]}
    gae = build_model("gae", "link", {}, in_channels=4)
    with pytest.raises(ValueError, match="no 'predictor' sub-module"):
        param_groups(gae, TrainSettings(predictor_lr=0.1))
