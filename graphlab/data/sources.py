"""Datasets beyond the registered names: any PyG dataset class, every TU dataset by name,
graph files in common formats, and in-memory data.

:func:`open_dataset` is what a config's ``dataset:`` section resolves to:

* ``name: cora`` — a registered dataset (``graphlab data list``), or ``tu/NAME`` for any
  TU dataset (``TUDataset(root, NAME)``, through the mirror when its raw files are there);
* ``class: torch_geometric.datasets.Amazon`` with ``params: {name: Photo}`` — any
  ``torch_geometric.data.Dataset`` subclass taking ``root`` first, loaded under
  ``<data root>/<ClassName>`` after the mirror's ``<ClassName>/`` sub-tree is copied there;
* ``path: my_graph.csv`` — a graph file (:func:`read_graph_file`).

Every failure is one error naming the file, line or field: a :class:`GraphFileError` for a
malformed file, :class:`~graphlab.data.mirror.DatasetNotAvailableError` for data that is
neither present nor mirrored (and cannot be downloaded).
"""
from __future__ import annotations

import csv
import importlib
import math
from pathlib import Path
from typing import Any, Optional, Sequence

import torch
from torch_geometric.data import Data, Dataset, InMemoryDataset

from graphlab.data.mirror import DatasetNotAvailableError, copy_from_mirror, data_root, offline

#: graph file formats by extension
FILE_FORMATS = {".csv": "edge list", ".tsv": "edge list", ".txt": "edge list",
                ".edges": "edge list", ".npz": "numpy archive", ".mat": "MATLAB file",
                ".pt": "saved PyG data"}
#: what ``node_features`` may ask for a graph without features
NODE_FEATURES = ("constant", "degree", "one_hot", "embedding")
#: graphs above this many nodes refuse ``one_hot`` (an N × N matrix); use 'degree'
ONE_HOT_MAX_NODES = 20_000


class GraphFileError(ValueError):
    """A graph file that cannot be read; the message names the file and the line or field."""


class FileDataset(InMemoryDataset):
    """An in-memory dataset of the graphs read from one file (or handed over in memory)."""

    def __init__(self, graphs: Sequence[Data], name: str):
        super().__init__(None)
        self.name = name
        self.data, self.slices = self.collate(list(graphs))

    def __repr__(self) -> str:
        return f"{self.name}({len(self)})"


# ----------------------------------------------------------------------------- files


def _int_id(text: str, path: Path, line: int, num_nodes: Optional[int]) -> int:
    try:
        value = int(text)
    except ValueError:
        raise GraphFileError(f"{path}, line {line}: node id {text!r} is not a non-negative "
                             "integer") from None
    if value < 0:
        raise GraphFileError(f"{path}, line {line}: node id {value} is negative")
    if num_nodes is not None and value >= num_nodes:
        raise GraphFileError(f"{path}, line {line}: node id {value} is out of range for "
                             f"num_nodes = {num_nodes}")
    return value


def _is_header(fields: list[str]) -> bool:
    try:
        for f in fields[:2]:
            int(f)
    except ValueError:
        return True
    return False


def read_edge_list(path: Path, num_nodes: Optional[int] = None) -> Data:
    """An edge list: one edge per line, ``source target [weight]``, separated by commas
    (``.csv``), tabs (``.tsv``) or whitespace / commas (``.txt``, ``.edges``); an optional
    header line; ``#`` comments and blank lines skipped. Node ids are non-negative integers
    (``num_nodes`` = the largest + 1 unless given)."""
    sources: list[int] = []
    targets: list[int] = []
    weights: list[float] = []
    width = None
    with open(path, newline="") as handle:
        text = handle.read()
    delimiter = {".csv": ",", ".tsv": "\t"}.get(path.suffix.lower())
    first_data = True
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if delimiter is not None:
            fields = [f.strip() for f in next(csv.reader([line], delimiter=delimiter))]
        else:
            fields = line.replace(",", " ").split()
        if first_data:
            first_data = False
            if _is_header(fields):
                continue
        if width is None:
            width = len(fields)
            if width not in (2, 3):
                raise GraphFileError(f"{path}, line {number}: {width} fields; an edge list has "
                                     "2 (source, target) or 3 (source, target, weight)")
        elif len(fields) != width:
            raise GraphFileError(f"{path}, line {number}: {len(fields)} fields, but the first "
                                 f"edge has {width}")
        sources.append(_int_id(fields[0], path, number, num_nodes))
        targets.append(_int_id(fields[1], path, number, num_nodes))
        if width == 3:
            try:
                w = float(fields[2])
            except ValueError:
                w = math.nan
            if not math.isfinite(w):
                raise GraphFileError(f"{path}, line {number}: weight {fields[2]!r} is not a "
                                     "finite number")
            weights.append(w)
    if not sources:
        raise GraphFileError(f"{path}: no edges (the file is empty or holds only a header or "
                             "comments)")
    edge_index = torch.tensor([sources, targets], dtype=torch.long)
    n = num_nodes if num_nodes is not None else int(edge_index.max()) + 1
    data = Data(edge_index=edge_index, num_nodes=n)
    if weights:
        data.edge_weight = torch.tensor(weights, dtype=torch.float)
    return data


def _sparse_from_npz(arrays: dict, path: Path):
    import scipy.sparse as sp

    if "format" in arrays:          # scipy.sparse.save_npz
        fmt = arrays["format"].item()
        fmt = fmt.decode() if isinstance(fmt, bytes) else str(fmt)
        shape = tuple(int(s) for s in arrays["shape"])
        if fmt in ("csr", "csc"):
            cls = sp.csr_matrix if fmt == "csr" else sp.csc_matrix
            return cls((arrays["data"], arrays["indices"], arrays["indptr"]), shape=shape)
        if fmt == "coo":
            return sp.coo_matrix((arrays["data"], (arrays["row"], arrays["col"])), shape=shape)
        raise GraphFileError(f"{path}: sparse format '{fmt}' is not supported (csr, csc, coo)")
    if "adj_data" in arrays:        # graph2gauss / CitationFull layout
        return sp.csr_matrix((arrays["adj_data"], arrays["adj_indices"], arrays["adj_indptr"]),
                             shape=tuple(int(s) for s in arrays["adj_shape"]))
    raise GraphFileError(f"{path}: no sparse adjacency in the archive (expected the keys of "
                         "scipy.sparse.save_npz, or adj_data / adj_indices / adj_indptr / "
                         f"adj_shape); it holds {sorted(arrays)}")


def _from_adjacency(adj, path: Path, field: str) -> Data:
    import scipy.sparse as sp

    if not sp.issparse(adj):
        try:
            adj = sp.coo_matrix(adj)
        except Exception as exc:  # noqa: BLE001 - any non-matrix content
            raise GraphFileError(f"{path}: '{field}' is not a matrix ({exc})") from None
    if adj.ndim != 2 or adj.shape[0] != adj.shape[1]:
        raise GraphFileError(f"{path}: '{field}' must be a square adjacency, got shape "
                             f"{tuple(adj.shape)}")
    adj = adj.tocoo()
    weight = torch.as_tensor(adj.data, dtype=torch.float)
    if not torch.isfinite(weight).all():
        raise GraphFileError(f"{path}: '{field}' holds NaN or infinite weights")
    edge_index = torch.tensor([adj.row.tolist(), adj.col.tolist()], dtype=torch.long)
    data = Data(edge_index=edge_index, num_nodes=int(adj.shape[0]))
    if edge_index.size(1) == 0:
        raise GraphFileError(f"{path}: '{field}' has no edges")
    if not torch.all(weight == 1):
        data.edge_weight = weight
    return data


def _attach(data: Data, arrays: dict, path: Path) -> Data:
    n = data.num_nodes
    for key in ("x", "y", "train_mask", "val_mask", "test_mask"):
        if key not in arrays:
            continue
        value = arrays[key]
        if hasattr(value, "toarray"):
            value = value.toarray()
        tensor = torch.as_tensor(value)
        if key == "y":
            tensor = tensor.reshape(-1).long() if tensor.dim() <= 2 and tensor.numel() == n \
                else tensor
        elif key.endswith("_mask"):
            tensor = tensor.reshape(-1).bool()
        else:
            tensor = tensor.float()
            if tensor.dim() == 1:
                tensor = tensor.view(-1, 1)
            if not torch.isfinite(tensor).all():
                raise GraphFileError(f"{path}: '{key}' holds NaN or infinite values")
        if tensor.size(0) != n:
            raise GraphFileError(f"{path}: '{key}' has {tensor.size(0)} rows, but the "
                                 f"adjacency has {n} nodes")
        data[key] = tensor
    return data


def read_graph_file(path: str | Path, num_nodes: Optional[int] = None,
                    variable: str = "net") -> list[Data]:
    """The graphs in a file, the format chosen by its extension (:data:`FILE_FORMATS`):

    * ``.csv`` / ``.tsv`` / ``.txt`` / ``.edges``: an edge list (:func:`read_edge_list`);
    * ``.npz``: a scipy sparse adjacency (``scipy.sparse.save_npz``'s keys, or the
      ``adj_*`` keys of graph2gauss files), optionally with arrays ``x``, ``y``,
      ``train_mask``, ``val_mask``, ``test_mask`` in the same archive;
    * ``.mat``: a sparse or dense adjacency under ``variable`` (default ``net``), optional
      ``x`` / ``y`` / masks beside it;
    * ``.pt``: a saved PyG ``Data`` or list of ``Data`` (``torch.save``) — loaded with
      ``weights_only=False``, so only open files you trust.

    Raises:
        FileNotFoundError: no such file.
        GraphFileError: an unknown extension or malformed content, naming the file and the
            line (edge lists) or the field.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"graph file '{path}' does not exist")
    suffix = path.suffix.lower()
    if suffix not in FILE_FORMATS:
        raise GraphFileError(f"{path}: unknown graph file extension '{path.suffix}'; use one "
                             f"of {', '.join(FILE_FORMATS)}")
    if path.stat().st_size == 0:
        raise GraphFileError(f"{path}: the file is empty")
    if FILE_FORMATS[suffix] == "edge list":
        return [read_edge_list(path, num_nodes)]
    if suffix == ".npz":
        import numpy as np

        try:
            with np.load(path, allow_pickle=False) as archive:
                arrays = {k: archive[k] for k in archive.files}
        except Exception as exc:  # noqa: BLE001 - zip/npy errors of many kinds
            raise GraphFileError(f"{path}: not a readable .npz archive ({exc})") from None
        data = _from_adjacency(_sparse_from_npz(arrays, path), path, "adjacency")
        if "attr_data" in arrays and "x" not in arrays:
            import scipy.sparse as sp
            arrays["x"] = sp.csr_matrix((arrays["attr_data"], arrays["attr_indices"],
                                         arrays["attr_indptr"]),
                                        shape=tuple(arrays["attr_shape"]))
        if "labels" in arrays and "y" not in arrays:
            arrays["y"] = arrays["labels"]
        return [_check_num_nodes(_attach(data, arrays, path), num_nodes, path)]
    if suffix == ".mat":
        import scipy.io

        try:
            arrays = scipy.io.loadmat(str(path))
        except Exception as exc:  # noqa: BLE001 - scipy raises several kinds
            raise GraphFileError(f"{path}: not a readable MATLAB file ({exc})") from None
        if variable not in arrays:
            found = sorted(k for k in arrays if not k.startswith("__"))
            raise GraphFileError(f"{path}: no variable '{variable}' (it holds {found}); set "
                                 "dataset.variable")
        data = _from_adjacency(arrays[variable], path, variable)
        return [_check_num_nodes(_attach(data, arrays, path), num_nodes, path)]
    try:
        obj = torch.load(path, weights_only=False)
    except Exception as exc:  # noqa: BLE001 - pickle errors of many kinds
        raise GraphFileError(f"{path}: not a readable torch file ({exc})") from None
    graphs = [obj] if isinstance(obj, Data) else obj
    if not isinstance(graphs, (list, tuple)) or not graphs or not all(
            isinstance(g, Data) for g in graphs):
        raise GraphFileError(f"{path}: expected a PyG Data or a non-empty list of Data, got "
                             f"{type(obj).__name__}")
    return list(graphs)


def _check_num_nodes(data: Data, num_nodes: Optional[int], path: Path) -> Data:
    if num_nodes is not None and num_nodes != data.num_nodes:
        raise GraphFileError(f"{path}: the adjacency has {data.num_nodes} nodes, but num_nodes "
                             f"= {num_nodes}")
    return data


# ----------------------------------------------------------------------------- features


def add_node_features(data: Data, kind: Optional[str], max_degree: Optional[int] = None
                      ) -> Data:
    """``data`` with node features ``x`` of ``kind`` (:data:`NODE_FEATURES`), replacing any:
    ``'constant'`` = a single 1 per node, ``'degree'`` = one-hot in-degree (up to
    ``max_degree``, default the graph's maximum; larger degrees are clipped), ``'one_hot'``
    = the identity (one column per node; up to :data:`ONE_HOT_MAX_NODES` nodes),
    ``'embedding'`` = no features of the data's own (``x`` is ``[N, 0]``): the task gives the
    model a learnable table instead (:class:`graphlab.models.LearnedNodeInput`)."""
    from torch_geometric.utils import degree

    if kind is None:
        return data
    if kind not in NODE_FEATURES:
        raise ValueError(f"unknown node_features '{kind}'; use one of {list(NODE_FEATURES)}")
    n = data.num_nodes
    data = data.clone()
    if kind == "constant":
        data.x = torch.ones(n, 1)
    elif kind == "embedding":
        data.x = torch.zeros(n, 0)
    elif kind == "degree":
        deg = degree(data.edge_index[1], n).long() if data.num_edges else torch.zeros(
            n, dtype=torch.long)
        top = int(deg.max()) if max_degree is None else max_degree
        data.x = torch.nn.functional.one_hot(deg.clamp(max=top), top + 1).float()
    else:
        if n > ONE_HOT_MAX_NODES:
            raise ValueError(f"node_features 'one_hot' on {n} nodes would be a {n} x {n} matrix "
                             f"(limit {ONE_HOT_MAX_NODES}); use 'degree' or 'constant'")
        data.x = torch.eye(n)
    return data


# ----------------------------------------------------------------------------- classes


def _pyg_class(dotted: str) -> type:
    module, _, attr = dotted.rpartition(".")
    if not module:
        raise ValueError(f"dataset.class '{dotted}' must be a dotted path, e.g. "
                         "torch_geometric.datasets.Amazon")
    try:
        cls = getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError) as exc:
        raise ValueError(f"dataset.class '{dotted}' cannot be imported ({exc})") from None
    if not (isinstance(cls, type) and issubclass(cls, Dataset)):
        raise ValueError(f"dataset.class '{dotted}' is not a torch_geometric.data.Dataset "
                         "subclass")
    return cls


def load_pyg_class(dotted: str, params: Optional[dict[str, Any]] = None,
                   root: Optional[str | Path] = None) -> Dataset:
    """``cls(root=<data root>/<ClassName>, **params)`` for the class at ``dotted``, with the
    mirror's ``<ClassName>/`` sub-tree copied into the data root first (PyG raw layout), so
    a mirrored dataset loads without a network.

    Raises:
        ValueError: the class cannot be imported, is not a PyG dataset, or rejects
            ``params`` (the message names them).
        DatasetNotAvailableError: its files are not there and loading (downloading) failed.
    """
    cls = _pyg_class(dotted)
    params = dict(params or {})
    base = Path(root) if root is not None else data_root()
    copy_from_mirror(cls.__name__, base)
    folder = base / cls.__name__
    from graphlab.data.registry import dataset_lock

    if offline() and not (folder.is_dir() and any(p.is_file() for p in folder.rglob("*"))):
        raise DatasetNotAvailableError(
            f"dataset class {dotted} with params {params} is not available: GRAPHLAB_OFFLINE "
            f"is set and '{folder}' holds no files. Put its raw files under "
            f"$GRAPHLAB_MIRROR/{cls.__name__}/ in PyG's layout")
    with dataset_lock(base, cls.__name__):
        try:
            return cls(str(folder), **params)
        except TypeError as exc:
            raise ValueError(f"dataset.class {dotted}: bad params {params} ({exc})") from None
        except Exception as exc:  # noqa: BLE001 - a failed download has many types
            why = "GRAPHLAB_OFFLINE is set" if offline() else "loading it failed"
            raise DatasetNotAvailableError(
                f"dataset class {dotted} with params {params} is not available under "
                f"'{folder}': {why} ({type(exc).__name__}: {exc}). Put its raw files under "
                f"$GRAPHLAB_MIRROR/{cls.__name__}/ in PyG's layout, or run where it can "
                "download") from exc


def load_tu(name: str, root: Optional[str | Path] = None, **params: Any) -> Dataset:
    """Any TU dataset by its TU name (``TUDataset(root, name)``), through the mirror's
    ``TUDataset/<name>/`` when it is there."""
    return load_pyg_class("torch_geometric.datasets.TUDataset", dict(params, name=name), root)


def named_by(name: Any = None, cls: Any = None, path: Any = None,
             in_memory: Any = None) -> list[str]:
    """Which of a ``dataset:`` section's ways of naming data are set (exactly one must be)."""
    return [k for k, v in (("name", name), ("class", cls), ("path", path),
                           ("in_memory", in_memory)) if v is not None]


def open_dataset(name: Optional[str] = None, params: Optional[dict[str, Any]] = None,
                 cls: Optional[str] = None, path: Optional[str | Path] = None,
                 directed: Optional[bool] = None, num_nodes: Optional[int] = None,
                 variable: str = "net", root: Optional[str | Path] = None,
                 in_memory: Optional[str] = None) -> Dataset:
    """The dataset a config's ``dataset:`` section names: exactly one of ``name`` (a
    registered name, ``tu/NAME``, or an OGB name such as ``ogbl-collab``), ``cls`` (a PyG
    dataset class) or ``path`` (a graph file; ``directed: false`` symmetrises its edges,
    ``num_nodes`` bounds its ids, ``variable`` is the adjacency of a ``.mat``).
    ``in_memory`` (a digest) marks data that was handed over in memory: it cannot be opened
    from the settings alone."""
    from graphlab.data.registry import load_dataset

    given = named_by(name, cls, path, in_memory)
    if len(given) != 1:
        raise ValueError("a dataset is named by exactly one of name, class or path; got "
                         + (", ".join(given) if given else "none"))
    if in_memory is not None:
        raise ValueError(f"this config's data was handed over in memory (digest {in_memory}); "
                         "pass it again: run_config(cfg, out, dataset=...)")
    params = dict(params or {})
    if path is not None:
        if params:
            raise ValueError(f"dataset.params {sorted(params)} are for name or class; a file "
                             "takes directed, num_nodes and variable")
        graphs = read_graph_file(path, num_nodes, variable)
        if directed is False:
            from torch_geometric.utils import to_undirected

            for g in graphs:
                if "edge_weight" in g:
                    g.edge_index, g.edge_weight = to_undirected(g.edge_index, g.edge_weight,
                                                                g.num_nodes, reduce="mean")
                else:
                    g.edge_index = to_undirected(g.edge_index, num_nodes=g.num_nodes)
        return FileDataset(graphs, Path(path).stem)
    if cls is not None:
        return load_pyg_class(cls, params, root)
    if name.lower().startswith("tu/"):
        return load_tu(name[3:], root, **params)
    from graphlab.data.ogb import is_ogb_name, load_ogb

    if is_ogb_name(name):
        if params:
            raise ValueError(f"an OGB dataset takes no dataset.params, got {sorted(params)}")
        return load_ogb(name, root)
    return load_dataset(name, root, **params)


def in_memory(data: Data | Sequence[Data] | Dataset, name: str = "in_memory") -> Dataset:
    """A dataset from a user's ``Data``, list of ``Data`` or PyG dataset (returned as is)."""
    if isinstance(data, Dataset):
        return data
    graphs = [data] if isinstance(data, Data) else list(data)
    if not graphs or not all(isinstance(g, Data) for g in graphs):
        raise TypeError("dataset must be a PyG Data, a non-empty list of Data or a PyG "
                        f"Dataset, got {type(data).__name__}")
    return FileDataset(graphs, name)


def data_digest(data: Data | Sequence[Data] | Dataset) -> str:
    """A short content hash of in-memory graphs (every tensor's name, dtype, shape and bytes,
    graph by graph), so that records of different data never share a fingerprint."""
    import hashlib

    graphs = [data] if isinstance(data, Data) else data
    h = hashlib.sha256()
    for g in graphs:
        for key in sorted(g.keys()):
            value = g[key]
            h.update(key.encode())
            if isinstance(value, torch.Tensor):
                t = value.detach().cpu().contiguous()
                h.update(f"{t.dtype}{tuple(t.shape)}".encode())
                h.update(t.numpy().tobytes() if t.dtype != torch.bfloat16 else
                         t.float().numpy().tobytes())
            else:
                h.update(repr(value).encode())
        h.update(f"|{g.num_nodes}|".encode())
    return h.hexdigest()[:16]


def file_digest(path: str | Path) -> str:
    """A short sha256 of a file's bytes (``'missing'`` when it does not exist)."""
    import hashlib

    path = Path(path)
    if not path.is_file():
        return "missing"
    h = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:16]
