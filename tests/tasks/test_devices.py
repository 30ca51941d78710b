"""Every task trains on the device it is given: the CPU given explicitly gives the numbers
of the default path and is recorded; on a GPU (``make gpu-check``) the first epoch's loss
matches the CPU's."""
import pytest
import torch

from graphlab.data import load_dataset
from graphlab.data.traffic import SensorSeries
from graphlab.tasks import EvalSettings, ModelSettings, SplitSettings, TrainSettings
from graphlab.tasks.forecast import run_forecast
from graphlab.tasks.language import run_lm
from graphlab.tasks.link import run_link
from graphlab.tasks.node import run_node


def _graph():
    data = load_dataset("dcsbm", num_nodes=150, num_classes=3, homophily=0.8, seed=0)[0]
    from torch_geometric.utils import to_undirected
    data.edge_index = to_undirected(data.edge_index, num_nodes=data.num_nodes)
    return data


def _series(T=160, N=5):
    t = torch.arange(T, dtype=torch.float)
    signal = 60 + 10 * torch.sin(t.view(-1, 1) / 6 + torch.linspace(0, 3, N))
    adj = torch.eye(N).roll(1, 0) + torch.eye(N).roll(-1, 0)
    return SensorSeries("toy", signal, adj, zero_is_missing=True)


def _run(task, device):
    torch.manual_seed(0)
    if task == "node":
        return run_node(_graph(), 3, ModelSettings("gcn", {"hidden_channels": 8,
                                                           "dropout": 0.0}),
                        SplitSettings(), TrainSettings(epochs=3), 0, device=device)
    if task == "link":
        return run_link(_graph(), ModelSettings("gae", {"hidden_channels": 8}),
                        SplitSettings(kind="random_edge", val_ratio=0.1, test_ratio=0.2),
                        TrainSettings(epochs=2, batch_size=64), EvalSettings(), 0,
                        device=device)
    if task == "forecast":
        return run_forecast(_series(), ModelSettings("stgcn", {"hidden_channels": 8}),
                            SplitSettings(input_steps=12, horizon=3),
                            TrainSettings(epochs=2, batch_size=16), 0, device=device)
    corpus = load_dataset("pystdlib", part="a", max_bytes=400_000)
    return run_lm(corpus, ModelSettings("transformer_lm", {"channels": 16, "num_layers": 1,
                                                           "heads": 2}),
                  TrainSettings(epochs=2, lr=3e-3, batch_size=4, block_size=16,
                                steps_per_epoch=3), 0, device=device)


TASKS = ["node", "link", "forecast", "lm"]


@pytest.mark.parametrize("task", TASKS)
def test_the_cpu_given_explicitly_is_the_default_path(task):
    default, on_cpu = _run(task, None), _run(task, torch.device("cpu"))
    assert on_cpu.metrics == default.metrics
    assert on_cpu.info["device"] == default.info["device"] == "cpu"


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
@pytest.mark.parametrize("task", TASKS)
def test_every_task_trains_on_the_gpu_like_on_the_cpu(task):
    cpu, gpu = _run(task, torch.device("cpu")), _run(task, torch.device("cuda"))
    assert gpu.info["device"].startswith("cuda")
    assert gpu.curve[0]["loss"] == pytest.approx(cpu.curve[0]["loss"], rel=1e-3)
