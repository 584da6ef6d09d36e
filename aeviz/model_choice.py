"""Which model a ratings file gets when it is opened, and why (no Qt here).

A model belongs to the data it was made for. The seed's 4-2-4 toy (softmax output, cross-entropy,
all-zero start, its own 4 x 4 weights) turns 1682 movies of 1-5 stars into 1682 equal
probabilities whose weights never move. The rule, written once: new data gets the model the
user last chose in Model setup when that model fits the data, else the default recommender;
`model_for_data` says in one line which it is and why.
"""
from __future__ import annotations

from .engine import ModelConfig

DEFAULT = ModelConfig()
# outputs bounded by 1 cannot reach a rating of 2..5; these losses want targets in [0, 1]
_BOUNDED_OUTPUTS = {"softmax": "a softmax output (probabilities summing to 1)",
                    "sigmoid": "a sigmoid output (at most 1)", "tanh": "a tanh output (at most 1)"}
_PROBABILITY_LOSSES = {"cross_entropy": "a cross-entropy loss", "bce": "a binary cross-entropy loss"}


def misfits(config: ModelConfig, scale) -> list[str]:
    """Why `config` cannot learn ratings on `scale` (a RatingScale); empty when it can."""
    why = []
    if scale is not None and scale.maximum > 1:
        if config.output_activation in _BOUNDED_OUTPUTS:
            why.append(_BOUNDED_OUTPUTS[config.output_activation])
        if config.loss in _PROBABILITY_LOSSES:
            why.append(_PROBABILITY_LOSSES[config.loss])
    if config.init == "zeros":
        why.append("all-zero starting weights (every unit stays the same)")
    if config.extras.get("initial_weights"):
        why.append("a preset's own starting weights")
    return why


def describe(config: ModelConfig) -> str:
    """'20-10-20 sigmoid, MSE, adam lr 0.01': what a person needs to recognise a model."""
    layers = "-".join(str(h) for h in config.hidden)
    out = "" if config.output_activation == "identity" else f", {config.output_activation} output"
    return f"{layers} {config.hidden_activation}{out}, {config.loss.upper() if config.loss == 'mse' else config.loss}, " \
           f"{config.optimizer} lr {config.lr:g}"


def model_for_data(remembered: ModelConfig | None, scale) -> tuple[ModelConfig, str]:
    """(config, one-line reason) for data on `scale`; `remembered` is the user's last applied
    model (None when there is none)."""
    what = scale.describe() if scale is not None else "these ratings"
    if remembered is not None and remembered != DEFAULT:
        why = misfits(remembered, scale)
        if not why:
            return remembered, f"Model: your last applied settings ({describe(remembered)})."
        return DEFAULT, (f"Model: the default model, a recommender ({describe(DEFAULT)}); the remembered "
                         f"model does not fit {what}: {', '.join(why)}.")
    return DEFAULT, f"Model: the default model, a recommender ({describe(DEFAULT)}); change it in Model setup."
