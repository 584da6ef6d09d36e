"""The engine: a NumPy autoencoder whose every training phase can be run and inspected alone.

Pure NumPy by rule (a test enforces it): no Qt, no pyqtgraph, no plotting.
"""
from .activations import ACTIVATIONS, get_activation
from .config import KINDS, ModelConfig, build_network, build_trainer, parse_layers
from .baselines import baseline_rmses, fit_biases, item_mean_baseline
from .evaluation import Evaluation, evaluate, recommend
from .losses import LOSSES, get_loss
from .network import ForwardTrace, Gradients, Network
from .optimizers import OPTIMIZERS, NonFiniteStep, make_optimizer
from .rows import DenseRows
from .snapshot import EpochRecord, Snapshot
from .trainer import PHASES, DivergenceError, PhaseError, Trainer

__all__ = [
    "ACTIVATIONS", "get_activation", "KINDS", "ModelConfig", "build_network", "build_trainer",
    "parse_layers", "baseline_rmses", "fit_biases", "Evaluation", "evaluate", "item_mean_baseline", "recommend", "LOSSES",
    "get_loss", "ForwardTrace", "Gradients", "Network", "OPTIMIZERS", "NonFiniteStep",
    "make_optimizer", "DenseRows", "EpochRecord", "Snapshot", "PHASES", "DivergenceError",
    "PhaseError", "Trainer",
]
