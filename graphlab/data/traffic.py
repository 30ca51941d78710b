"""Sensor time series on a fixed graph (traffic speeds, case counts): LOS-loop, METR-LA /
PEMS-BAY (DCRNN's ``adj_mx.pkl`` + ``.h5`` format) and PyG-Temporal's small JSON sets.

Every loader returns a :class:`SensorSeries`: the signal ``[T, N, C]``, a weighted
adjacency ``[N, N]`` (``adj[i, j]`` = weight of i → j, no self-loops) and, where known,
sensor positions.
"""
from __future__ import annotations

import csv
import json
import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import torch
from torch import Tensor

from graphlab.data.registry import register_dataset


@dataclass
class SensorSeries:
    """A multivariate time series on the nodes of a fixed weighted graph.

    Attributes:
        name: dataset name.
        signal: ``[T, N, C]`` float32 readings.
        adjacency: ``[N, N]`` float64, ``adjacency[i, j]`` = weight of the edge i → j.
        pos: ``[N, 2]`` sensor coordinates (longitude, latitude) or ``None``.
        zero_is_missing: zeros are missing readings (traffic speeds), to be ignored by the
            masked metrics; ``False`` for counts, where 0 is a value.
        steps_per_day: sampling rate, if known (288 for five-minute data).
        info: provenance.
    """

    name: str
    signal: Tensor
    adjacency: Tensor
    pos: Optional[Tensor] = None
    zero_is_missing: bool = True
    steps_per_day: Optional[int] = None
    info: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.signal.dim() == 2:
            self.signal = self.signal.unsqueeze(-1)
        if self.signal.dim() != 3:
            raise ValueError(f"{self.name}: signal must be [T, N] or [T, N, C], got "
                             f"{list(self.signal.shape)}")
        n = self.signal.size(1)
        if list(self.adjacency.shape) != [n, n]:
            raise ValueError(f"{self.name}: the adjacency is {list(self.adjacency.shape)} but the "
                             f"signal has {n} nodes")
        if torch.isnan(self.signal).any():
            raise ValueError(f"{self.name}: the signal contains NaN readings (mark missing "
                             "readings as 0 and set zero_is_missing)")
        self.adjacency = self.adjacency.double().clone()
        self.adjacency.fill_diagonal_(0.0)

    def __len__(self) -> int:
        return 1

    @property
    def num_nodes(self) -> int:
        return self.signal.size(1)

    @property
    def num_steps(self) -> int:
        return self.signal.size(0)

    @property
    def num_channels(self) -> int:
        return self.signal.size(2)


def _read_matrix(path: Path, skip_header: bool = False) -> Tensor:
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    if skip_header:
        rows = rows[1:]
    return torch.tensor([[float(v) for v in row] for row in rows if row], dtype=torch.float64)


@register_dataset("los-loop", kind="traffic", mirror_path="LOS-loop", raw_dir="LOS-loop/raw",
                  raw_files=("los_speed.csv", "los_adj.csv"),
                  counts={"num_nodes": 207, "num_steps": 2016},
                  description="LOS-loop (T-GCN): 207 Los Angeles loop detectors, speeds every "
                              "5 min for 7 days, distance-kernel adjacency")
def _load_los_loop(root: str, num_steps: Optional[int] = None) -> SensorSeries:
    """``num_steps``: keep only the first steps (smoke profiles)."""
    raw = Path(root) / "raw"
    with open(raw / "los_speed.csv", newline="") as f:
        sensor_ids = next(csv.reader(f))
    speed = _read_matrix(raw / "los_speed.csv", skip_header=True).float()
    if num_steps is not None:
        if num_steps < 1:
            raise ValueError(f"num_steps must be positive, got {num_steps}")
        speed = speed[:num_steps]
    adj = _read_matrix(raw / "los_adj.csv")
    # LOS-loop's 207 detectors are METR-LA's, in the same order: their coordinates come from
    # METR-LA's location file when the mirror (or the data root) has it
    pos = _sensor_positions(Path(root).parent, sensor_ids)
    return SensorSeries("los-loop", speed, adj, pos, zero_is_missing=True, steps_per_day=288,
                        info={"source": "T-GCN los_speed.csv / los_adj.csv",
                              "positions": "METR-LA graph_sensor_locations.csv"
                              if pos is not None else None})


def _sensor_positions(data_root: Path, sensor_ids) -> Optional[Tensor]:
    """(longitude, latitude) of METR-LA sensors by id, or ``None`` when the file is absent or
    lacks one of them."""
    from graphlab.data.mirror import copy_from_mirror

    copy_from_mirror("METR-LA", data_root)
    locations = data_root / "METR-LA" / "raw" / "graph_sensor_locations.csv"
    if not locations.exists():
        return None
    with open(locations, newline="") as f:
        rows = {r["sensor_id"]: r for r in csv.DictReader(f)}
    if not all(str(s) in rows for s in sensor_ids):
        return None
    return torch.tensor([[float(rows[str(s)]["longitude"]), float(rows[str(s)]["latitude"])]
                         for s in sensor_ids], dtype=torch.float64)


def _load_dcrnn(root: str, name: str, h5: str) -> SensorSeries:
    raw = Path(root) / "raw"
    with open(raw / "adj_mx.pkl", "rb") as f:
        sensor_ids, id_to_index, adj = pickle.load(f, encoding="latin1")
    pos = _sensor_positions(Path(root).parent, sensor_ids)
    path = raw / h5
    if not path.exists():
        raise FileNotFoundError(
            f"{name}: the speeds {path} are not here (the offline mirror holds only the "
            f"adjacency{' and sensor locations' if pos is not None else ''}); on a networked "
            f"machine, download {h5} from the DCRNN data release and place it at {path}")
    try:
        import pandas as pd

        frame = pd.read_hdf(path)
    except ImportError as exc:
        raise ImportError(f"{name}: reading {h5} needs pandas with PyTables "
                          "(pip install pandas tables)") from exc
    columns = [str(c) for c in frame.columns]
    order = [columns.index(str(s)) for s in sensor_ids]
    speed = torch.tensor(frame.values[:, order], dtype=torch.float32)
    return SensorSeries(name, speed, torch.as_tensor(adj, dtype=torch.float64), pos,
                        zero_is_missing=True, steps_per_day=288,
                        info={"source": f"DCRNN adj_mx.pkl + {h5}"})


@register_dataset("metr-la", kind="traffic", mirror_path="METR-LA", raw_dir="METR-LA/raw",
                  raw_files=("adj_mx.pkl", "graph_sensor_locations.csv", "metr-la.h5"),
                  counts={"num_nodes": 207, "num_steps": 34272},
                  description="METR-LA (DCRNN): 207 sensors, 5-min speeds for 4 months; the "
                              "mirror holds the adjacency and locations, the speeds need a "
                              "networked machine")
def _load_metr_la(root: str) -> SensorSeries:
    return _load_dcrnn(root, "metr-la", "metr-la.h5")


@register_dataset("pems-bay", kind="traffic", mirror_path="PEMS-BAY", raw_dir="PEMS-BAY/raw",
                  raw_files=("adj_mx_bay.pkl", "pems-bay.h5"),
                  counts={"num_nodes": 325, "num_steps": 52116},
                  description="PEMS-BAY (DCRNN): 325 sensors, 5-min speeds for 6 months; not in "
                              "the mirror")
def _load_pems_bay(root: str) -> SensorSeries:
    raw = Path(root) / "raw"
    if (raw / "adj_mx_bay.pkl").exists() and not (raw / "adj_mx.pkl").exists():
        (raw / "adj_mx.pkl").write_bytes((raw / "adj_mx_bay.pkl").read_bytes())
    return _load_dcrnn(root, "pems-bay", "pems-bay.h5")


def _edges_to_adjacency(edges, weights, n: int) -> Tensor:
    adj = torch.zeros(n, n, dtype=torch.float64)
    for (i, j), w in zip(edges, weights, strict=True):
        adj[int(i), int(j)] += float(w)
    return adj


def _load_pgt(root: str, name: str) -> SensorSeries:
    with open(Path(root) / "raw" / f"{name}.json") as f:
        d = json.load(f)
    pos = None
    if name == "chickenpox":
        signal = torch.tensor(d["FX"], dtype=torch.float32)
        adj = _edges_to_adjacency(d["edges"], [1.0] * len(d["edges"]), signal.size(1))
    elif name == "pedalme_london":
        signal = torch.tensor(d["X"], dtype=torch.float32)
        adj = _edges_to_adjacency(d["edges"], d["weights"], signal.size(1))
    elif name == "england_covid":
        # daily mobility graphs: graphlab uses their mean as one static adjacency
        signal = torch.tensor(d["y"], dtype=torch.float32)
        n = signal.size(1)
        adj = torch.zeros(n, n, dtype=torch.float64)
        days = d["edge_mapping"]["edge_index"]
        for day, edges in days.items():
            adj += _edges_to_adjacency(edges, d["edge_mapping"]["edge_weight"][day], n)
        adj /= max(len(days), 1)
    elif name == "montevideo_bus":
        nodes = d["nodes"]
        index = {node["id"]: k for k, node in enumerate(nodes)}
        signal = torch.tensor([node["y"] for node in nodes], dtype=torch.float32).t()
        adj = _edges_to_adjacency([(index[e["source"]], index[e["target"]]) for e in d["links"]],
                                  [e["weight"] for e in d["links"]], len(nodes))
        pos = torch.tensor([[node["lon"], node["lat"]] for node in nodes], dtype=torch.float64)
    else:
        raise ValueError(f"unknown PyG-Temporal set '{name}'")
    return SensorSeries(name, signal, adj, pos, zero_is_missing=False,
                        info={"source": f"PyG-Temporal {name}.json"})


for _name, _n, _t, _what in (
        ("chickenpox", 20, 521, "weekly chickenpox cases in 20 Hungarian counties"),
        ("pedalme_london", 15, 35, "weekly PedalMe deliveries in 15 London areas"),
        ("england_covid", 129, 61, "daily COVID-19 cases in 129 English areas, mean mobility "
                                   "graph"),
        ("montevideo_bus", 675, 744, "hourly passenger inflow at 675 Montevideo bus stops")):
    def _loader(root: str, _name: str = _name) -> SensorSeries:
        return _load_pgt(root, _name)

    register_dataset(_name.replace("_", "-"), kind="traffic", mirror_path="PGT",
                     raw_dir="PGT/raw", raw_files=(f"{_name}.json",),
                     counts={"num_nodes": _n, "num_steps": _t},
                     description=f"PyG-Temporal {_what}")(_loader)


@dataclass
class ZScore:
    """Per-channel standardisation fitted on training readings only."""

    mean: Tensor
    std: Tensor

    @classmethod
    def fit(cls, signal: Tensor, ignore_zeros: bool) -> "ZScore":
        """Mean and std per channel of ``signal`` ``[T, N, C]`` (zeros left out when they mean
        missing)."""
        means, stds = [], []
        for c in range(signal.size(-1)):
            values = signal[..., c].reshape(-1)
            if ignore_zeros:
                values = values[values != 0]
            if values.numel() < 2:
                raise ValueError("the training part has fewer than 2 readings to standardise")
            means.append(values.mean())
            stds.append(values.std().clamp(min=1e-8))
        return cls(torch.stack(means), torch.stack(stds))

    def transform(self, x: Tensor) -> Tensor:
        return (x - self.mean) / self.std

    def inverse(self, z: Tensor) -> Tensor:
        return z * self.std + self.mean

    def to(self, device) -> "ZScore":
        return ZScore(self.mean.to(device), self.std.to(device))


@dataclass
class ForecastWindows:
    """Sliding windows of one series, split chronologically.

    ``x[part]`` ``[S, T_in, N, C]`` standardised inputs (missing readings set to 0, i.e. the
    training mean), ``y[part]`` ``[S, horizon, N, C]`` raw targets, ``scaler`` fitted on the
    training part only, ``bounds`` the time steps ``[start, end)`` of each part.
    """

    x: dict[str, Tensor]
    y: dict[str, Tensor]
    scaler: ZScore
    bounds: dict[str, tuple[int, int]]
    zero_is_missing: bool

    def to(self, device) -> "ForecastWindows":
        """The windows and the scaler on ``device``."""
        return ForecastWindows({p: v.to(device) for p, v in self.x.items()},
                               {p: v.to(device) for p, v in self.y.items()},
                               self.scaler.to(device), self.bounds, self.zero_is_missing)


def _windows(signal: Tensor, input_steps: int, horizon: int) -> tuple[Tensor, Tensor]:
    count = signal.size(0) - input_steps - horizon + 1
    start = torch.arange(count).view(-1, 1)
    x = signal[start + torch.arange(input_steps)]
    y = signal[start + input_steps + torch.arange(horizon)]
    return x, y


def chronological_windows(series: SensorSeries, input_steps: int = 12, horizon: int = 12,
                          train_ratio: float = 0.7, val_ratio: float = 0.1) -> ForecastWindows:
    """The traffic protocol: split the time axis 70 / 10 / 20 (by default) into train /
    validation / test, cut each part into windows of ``input_steps`` inputs and ``horizon``
    targets (windows never cross a part boundary, so no target is seen as another part's
    input), and standardise inputs with statistics of the training part alone.

    Raises:
        ValueError: the series or one of its parts is shorter than one window; bad ratios.
    """
    if input_steps < 1 or horizon < 1:
        raise ValueError(f"input_steps and horizon must be positive, got {input_steps}, "
                         f"{horizon}")
    if not (0 < train_ratio < 1 and 0 < val_ratio < 1 and train_ratio + val_ratio < 1):
        raise ValueError(f"need 0 < train_ratio, val_ratio and train_ratio + val_ratio < 1, got "
                         f"{train_ratio}, {val_ratio}")
    T = series.num_steps
    window = input_steps + horizon
    if T < window:
        raise ValueError(f"{series.name}: the series has {T} steps, shorter than one window "
                         f"({input_steps} in + {horizon} out)")
    a, b = round(T * train_ratio), round(T * (train_ratio + val_ratio))
    bounds = {"train": (0, a), "val": (a, b), "test": (b, T)}
    for part, (lo, hi) in bounds.items():
        if hi - lo < window:
            raise ValueError(f"{series.name}: the {part} part has {hi - lo} steps, shorter than "
                             f"one window ({window}); use a shorter window or another split")
    signal = series.signal
    scaler = ZScore.fit(signal[:a], series.zero_is_missing)
    xs, ys = {}, {}
    for part, (lo, hi) in bounds.items():
        x, y = _windows(signal[lo:hi], input_steps, horizon)
        z = scaler.transform(x)
        if series.zero_is_missing:
            z = torch.where(x == 0, torch.zeros_like(z), z)
        xs[part], ys[part] = z, y
    return ForecastWindows(xs, ys, scaler, bounds, series.zero_is_missing)
