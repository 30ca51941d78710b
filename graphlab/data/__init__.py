"""graphlab.data: dataset registry, offline mirror, split protocols, synthetic graphs."""
from graphlab.data import datasets as _datasets  # noqa: F401  (fills the registry)
from graphlab.data.mirror import DatasetNotAvailableError, data_root, mirror_dir
from graphlab.data.registry import (
    DATASETS,
    DatasetSpec,
    SyntheticDataset,
    get_dataset_spec,
    load_dataset,
    register_dataset,
)
from graphlab.data.sources import (
    GraphFileError,
    add_node_features,
    load_pyg_class,
    open_dataset,
    read_graph_file,
)
from graphlab.data.splits import (
    LinkSplit,
    given_link_split,
    given_node_split,
    graph_cv_split,
    random_graph_split,
    random_link_split,
    random_node_split,
)
from graphlab.data.synthetic import directed_csbm
from graphlab.data.text import ByteCorpus, byte_corpus, stdlib_files
from graphlab.data.traffic import ForecastWindows, SensorSeries, ZScore, chronological_windows
from graphlab.data.validate import check_graph

__all__ = ["ByteCorpus", "DATASETS", "DatasetNotAvailableError", "DatasetSpec", "ForecastWindows",
           "GraphFileError", "LinkSplit", "SensorSeries", "SyntheticDataset", "ZScore",
           "add_node_features", "byte_corpus", "check_graph", "chronological_windows",
           "data_root", "directed_csbm", "get_dataset_spec", "given_link_split", "given_node_split",
           "graph_cv_split", "load_dataset", "load_pyg_class", "mirror_dir", "open_dataset",
           "random_graph_split", "random_link_split", "random_node_split", "read_graph_file",
           "register_dataset", "stdlib_files"]
