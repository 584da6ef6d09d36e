"""One description of a model and how it trains, shared by the app, the CLI and save files.

`ModelConfig` is plain data (validated, JSON-friendly); `build_trainer` turns it and a dataset into
a ready Trainer. Validation messages are written for people: the setup panel shows them in place.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace

import numpy as np

from .activations import ACTIVATIONS, HIDDEN_ACTIVATIONS
from .losses import LOSSES, get_loss
from .network import INITS, Network
from .optimizers import OPTIMIZERS, make_optimizer
from .orientation import ORIENTATIONS
from .schedule import ExponentialDecay
from .trainer import Trainer
from .types import for_config

KINDS = ("plain", "sparse", "denoising", "contractive", "vae")


@dataclass(frozen=True)
class ModelConfig:
    hidden: tuple = (20, 10, 20)
    hidden_activation: str = "sigmoid"
    output_activation: str = "identity"
    bias: bool = True
    tied: bool = False
    init: str = "pytorch"
    loss: str = "mse"
    # The app starts online (an update after every user, the seed's STEP 7) so stepping shows all
    # four phases per user. lr 0.001 was chosen by validation RMSE on MovieLens-100k among 0.01,
    # 0.003, 0.001 and 0.0005 (benchmarks/tune_recommender.py --grid online): within 30 epochs
    # it reaches test RMSE 0.967 against the item mean's 1.027 (lr 0.01: 1.018). The recommender
    # preset (aeviz/presets.py, the CLI's defaults) trains in batches of 8.
    optimizer: str = "adam"
    lr: float = 0.001
    momentum: float = 0.0
    # the learning rate is multiplied by this after every epoch (schedule.ExponentialDecay); 1 = none
    lr_decay: float = 1.0
    weight_decay: float = 0.0
    # lambda of an L2 penalty (lambda/2)||W||^2 on the weight matrices only, biases free (I-AutoRec's)
    weight_penalty: float = 0.0
    batch_size: int = 1  # 0 = whole training set per update
    shuffle: bool = True
    seed: int = 0
    test_fraction: float = 0.2
    # carved from each user's training ratings: chooses the best epoch and early stopping, so the
    # test figure stays held out (aeviz/data/split.py)
    validation_fraction: float = 0.05
    accumulate_gradients: bool = False
    # the autoencoder's type and its parameters
    kind: str = "plain"
    sparsity_target: float = 0.05
    sparsity_weight: float = 0.1
    sparsity_penalty: str = "kl"  # "kl" or "l1"
    l1_weight: float = 1e-3
    noise: str = "mask"  # "mask" or "gaussian"
    noise_level: float = 0.2
    contractive_weight: float = 0.01
    pretrain_epochs: int = 0
    # variational (aeviz/engine/vae.py): the KL weight's cap, the updates it takes to warm up to
    # it, and the fraction of each input row dropped (Mult-VAE's input dropout)
    beta: float = 0.2
    anneal_steps: int = 0
    dropout: float = 0.0
    # implicit feedback (aeviz/data/implicit.py): ratings >= 4 are 1, every other cell 0
    implicit: bool = False
    # what one observation is (engine/orientation.py): "user" (the tutorial's) or "item" (I-AutoRec)
    orientation: str = "user"
    extras: dict = field(default_factory=dict, compare=False)

    def validate(self) -> "ModelConfig":
        errors = self.problems()
        if errors:
            raise ValueError("; ".join(errors))
        return self

    def problems(self) -> list[str]:
        p = []
        if not self.hidden or any((not isinstance(h, (int, np.integer))) or h < 1 for h in self.hidden):
            p.append("layer sizes must be positive whole numbers, e.g. 20,10,20")
        if self.hidden_activation not in HIDDEN_ACTIVATIONS:
            p.append(f"hidden activation must be one of {', '.join(HIDDEN_ACTIVATIONS)}")
        if self.output_activation not in ACTIVATIONS:
            p.append(f"output activation must be one of {', '.join(ACTIVATIONS)}")
        if self.loss not in LOSSES:
            p.append(f"loss must be one of {', '.join(LOSSES)}")
        if self.optimizer not in OPTIMIZERS:
            p.append(f"optimizer must be one of {', '.join(OPTIMIZERS)}")
        if self.init not in INITS:
            p.append(f"initialisation must be one of {', '.join(INITS)}")
        if not (np.isfinite(self.lr) and self.lr > 0):
            p.append("learning rate must be a positive number")
        if not (np.isfinite(self.lr_decay) and 0 < self.lr_decay <= 1):
            p.append("learning-rate decay is a factor per epoch in (0, 1]; 1 = none")
        if not (0 <= self.momentum < 1):
            p.append("momentum must lie in [0, 1)")
        if not (np.isfinite(self.weight_decay) and self.weight_decay >= 0):
            p.append("weight decay must be zero or positive")
        if not (np.isfinite(self.weight_penalty) and self.weight_penalty >= 0):
            p.append("weight penalty must be zero or positive")
        if self.batch_size < 0:
            p.append("batch size must be positive, or 0 for the whole set")
        if not (0 <= self.test_fraction < 1):
            p.append("test fraction must lie in [0, 1)")
        if not (0 <= self.validation_fraction < 1):
            p.append("validation fraction must lie in [0, 1)")
        if self.tied and tuple(self.hidden) != tuple(self.hidden)[::-1]:
            p.append("tied weights need mirrored hidden sizes, e.g. 20,10,20")
        if self.kind not in KINDS:
            p.append(f"type must be one of {', '.join(KINDS)}")
        if not (0 < self.sparsity_target < 1):
            p.append("sparsity target must lie strictly between 0 and 1")
        if not (np.isfinite(self.beta) and self.beta >= 0):
            p.append("beta (the KL weight) must be zero or positive")
        if self.anneal_steps < 0:
            p.append("annealing steps must be zero or positive")
        if not (0 <= self.dropout < 1):
            p.append("input dropout is a fraction in [0, 1)")
        if self.kind == "vae" and len(self.hidden) < 1:
            p.append("a variational autoencoder needs a hidden code layer")
        if self.orientation not in ORIENTATIONS:
            p.append(f"orientation must be one of {', '.join(ORIENTATIONS)}")
        if not (0 <= self.noise_level < 1) and self.noise == "mask":
            p.append("masking noise level is a fraction in [0, 1)")
        return p

    def sizes(self, n_items: int) -> list[int]:
        return [int(n_items), *[int(h) for h in self.hidden], int(n_items)]

    def to_dict(self) -> dict:
        d = asdict(self)
        d["hidden"] = list(self.hidden)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "ModelConfig":
        known = {f.name for f in fields(cls)}
        kw = {k: v for k, v in d.items() if k in known}
        if "hidden" in kw:
            kw["hidden"] = tuple(int(h) for h in kw["hidden"])
        return cls(**kw)

    def with_(self, **changes) -> "ModelConfig":
        return replace(self, **changes)


def parse_layers(text: str) -> tuple:
    """'20,10,20' -> (20, 10, 20), with a message a person can act on."""
    parts = [p.strip() for p in str(text).replace(";", ",").replace(" ", ",").split(",") if p.strip()]
    if not parts:
        raise ValueError("give at least one hidden layer size, e.g. 20,10,20")
    sizes = []
    for p in parts:
        if not p.isdigit() or int(p) < 1:
            raise ValueError(f"{p!r} is not a positive whole number")
        if int(p) > 4096:
            raise ValueError(f"{p} units is more than this app can draw or train interactively (max 4096)")
        sizes.append(int(p))
    return tuple(sizes)


def build_network(config: ModelConfig, n_items: int, weights=None, biases=None) -> Network:
    n_hidden = len(config.hidden)
    acts = [config.hidden_activation] * n_hidden + [config.output_activation]
    if weights is None and (config.extras or {}).get("initial_weights") is not None:
        # a preset's exact starting weights (the seed's 4-2-4), used while the shapes still fit
        given = [np.asarray(w, dtype=np.float64) for w in config.extras["initial_weights"]]
        sizes = config.sizes(n_items)
        if [w.shape for w in given] == [(b, a) for a, b in zip(sizes[:-1], sizes[1:])]:
            weights, biases = given, (config.extras.get("initial_biases") if config.bias else None)
    if config.kind == "vae":
        from .vae import VAENetwork
        return VAENetwork(config.sizes(n_items), acts, normalize_input=config.loss == "multinomial",
                          bias=config.bias, tied=config.tied, init=config.init, seed=config.seed,
                          weights=weights, biases=biases)
    return Network(config.sizes(n_items), acts, bias=config.bias, tied=config.tied,
                   init=config.init, seed=config.seed, weights=weights, biases=biases)


class ModelTooLarge(ValueError):
    """The model's parameters and training state would not fit in the memory available."""


# copies of the parameter vector training keeps: params, grads, the optimizer's change and two
# scratch vectors, the undo point and the best epoch's checkpoint; plus, per optimizer state
# buffer (momentum, Adam's two averages), the buffer, its spare and the two checkpoints' copies
_BASE_COPIES, _SLOT_COPIES = 7, 4


def optimizer_for(config: ModelConfig, size: int, dtype=np.float32):
    """The optimizer `config` names for `size` parameters (momentum only where the optimizer has
    one): the one place build_trainer, pretraining and the memory check make it."""
    hyper = {"lr": config.lr, "weight_decay": config.weight_decay}
    if "momentum" in OPTIMIZERS[config.optimizer].defaults:
        hyper["momentum"] = config.momentum
    return make_optimizer(config.optimizer, size, dtype=dtype, **hyper)


def parameter_count(config: ModelConfig, n_items: int) -> int:
    sizes = config.sizes(n_items)
    weights = sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
    if config.tied:
        weights //= 2
    return weights + (sum(sizes[1:]) if config.bias else 0)


def training_bytes(config: ModelConfig, n_items: int, itemsize: int = 4) -> int:
    """Memory the parameters and the optimizer's state take while training (float32)."""
    copies = _BASE_COPIES + _SLOT_COPIES * len(optimizer_for(config, 0).state_keys())
    return parameter_count(config, n_items) * itemsize * copies


def available_bytes() -> int | None:
    """MemAvailable from /proc/meminfo (None where there is none: then nothing is refused)."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def check_fits(config: ModelConfig, n_items: int, available: int | None = None):
    """Refuse, before allocating anything, a model whose training state exceeds the memory
    available, saying how much it needs."""
    need = training_bytes(config, n_items)
    have = available_bytes() if available is None else available
    if have is not None and need > have:
        raise ModelTooLarge(
            f"this model needs about {need / 2**30:.1f} GB for its {parameter_count(config, n_items):,} "
            f"parameters and {config.optimizer}'s training state ({n_items:,} movies in and out), "
            f"but only {have / 2**30:.1f} GB of memory is free: use smaller layers, or fewer movies")


def build_trainer(config: ModelConfig, train, test=None, clip=None, network=None,
                  validation=None) -> Trainer:
    """Network + optimizer + loss (+ the type's penalty or corruption) wired into a Trainer.
    `validation` (carved from the training ratings) chooses the best epoch; `test` is reported.
    ``train``/``test``/``validation`` are what the model sees: for an item model, the transposes of
    a per-user split (`orientation.orient`)."""
    config.validate()
    if network is None:
        check_fits(config, train.n_items)
    net = network if network is not None else build_network(config, train.n_items)
    if network is None and config.pretrain_epochs > 0:  # stacked: greedy layer-wise start
        from .pretrain import pretrain
        pretrain(net, config, train)
    opt = optimizer_for(config, net.params.size, net.dtype)
    penalties, corruption = for_config(config, net)  # the autoencoder types (sparse, denoising...)
    schedule = ExponentialDecay(config.lr, config.lr_decay) if config.lr_decay != 1 else None
    return Trainer(net, opt, get_loss(config.loss), train, test, batch_size=config.batch_size,
                   shuffle=config.shuffle, seed=config.seed, penalties=penalties,
                   corruption=corruption, clip=clip,
                   accumulate_gradients=config.accumulate_gradients, validation=validation,
                   orientation=config.orientation, lr_schedule=schedule)
