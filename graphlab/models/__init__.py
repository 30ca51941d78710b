"""graphlab.models: the model registry and the assembled task models that configs name.

Importing this package registers every built-in model; ``graphlab models`` lists them with
their parameters. Register your own with :func:`register` in your module and name that
module in a config (``imports: [mypkg.models]``) or on the command line
(``graphlab run --import mypkg.models …``).
"""
from graphlab.models import language, registry  # noqa: F401  (language: registers the LMs)
from graphlab.models.forecast import Forecaster
from graphlab.models.graph import GINEGraph, GINGraph, GraphTransformer, SubgraphGNN
from graphlab.models.inputs import LearnedNodeInput
from graphlab.models.link import GAE, HeuristicLinkModel, NCNCParams, NCNLinkModel, NCNParams
from graphlab.models.node import LINKXNode
from graphlab.models.registry import DATA_ARGS, MODEL_TASKS, MODELS, ModelSpec, register

build_model = registry.build_model
get_model_spec = registry.get_model_spec

__all__ = ["DATA_ARGS", "GAE", "Forecaster", "GINEGraph", "GINGraph", "GraphTransformer",
           "HeuristicLinkModel", "LINKXNode", "LearnedNodeInput", "MODELS", "MODEL_TASKS",
           "ModelSpec", "NCNCParams", "NCNLinkModel", "NCNParams", "SubgraphGNN", "build_model",
           "get_model_spec", "register"]
