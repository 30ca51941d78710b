"""graphlab.io: the bottom-level file helpers every layer may use — atomic writes,
mid-seed checkpoints with the global RNG state, and where a run came from (the git commit
of the checkout, the command, the machine)."""
from graphlab.io.checkpoint import (
    CHECKPOINT_EVERY_S,
    Checkpoint,
    CheckpointError,
    rng_state,
    set_rng_state,
)
from graphlab.io.files import atomic_torch_save, atomic_write, save_figure

__all__ = ["CHECKPOINT_EVERY_S", "Checkpoint", "CheckpointError", "atomic_torch_save",
           "atomic_write", "rng_state", "save_figure", "set_rng_state"]
