"""graphlab.runner: configs, seeding, the results store, execution and reports."""
from graphlab.runner.config import (
    Config,
    PaperSettings,
    ResourceSettings,
    config_from_dict,
    expand_sweep,
    load_config,
    load_configs,
)
from graphlab.runner.execute import (
    CHECKPOINT_EVERY_S,
    RunFailedError,
    run_config,
    run_config_ddp,
    run_configs,
    run_seed,
)
from graphlab.runner.report import collect, mean_std, write_report
from graphlab.runner.schema import ConfigError
from graphlab.runner.store import DamagedRecordWarning, ResultsConflictError, ResultsFolderError

__all__ = ["CHECKPOINT_EVERY_S", "Config", "ConfigError", "DamagedRecordWarning", "PaperSettings",
           "ResourceSettings", "ResultsConflictError", "ResultsFolderError", "RunFailedError",
           "collect", "config_from_dict", "expand_sweep", "load_config", "load_configs",
           "mean_std", "run_config", "run_config_ddp", "run_configs", "run_seed",
           "write_report"]
