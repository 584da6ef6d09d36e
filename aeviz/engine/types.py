"""The autoencoder's type (plain, sparse, denoising, contractive) as penalties and corruption.

`build_trainer` asks `for_config` what to add to the plain reconstruction objective; everything
else (network, optimizer, loss, stepping) is shared by all types, so the app can show any of them.
"""
from __future__ import annotations

from .corruption import make_corruption
from .penalties import Contractive, KLSparsity, L1Sparsity

DESCRIPTIONS = {
    "plain": "reconstruct the input through the hidden layers; nothing else",
    "sparse": "reconstruct, while a penalty keeps most hidden units near zero most of the time",
    "denoising": "reconstruct the clean ratings from a corrupted copy of them",
    "contractive": "reconstruct, while penalising how fast the code changes with the input",
    "vae": "variational: the code is a distribution (mean and spread), sampled; a KL term keeps "
           "it near N(0, 1)",
}


def for_config(config, network):
    """(penalties list, corruption or None) for config.kind; ValueError with a message if unusable."""
    kind = config.kind
    if kind == "plain":
        return [], None
    if kind == "sparse":
        if network.n_layers < 2:
            raise ValueError("a sparse autoencoder needs a hidden layer")
        if config.sparsity_penalty == "kl":
            if config.hidden_activation != "sigmoid":
                raise ValueError("KL sparsity needs sigmoid hidden units (activations between 0 and 1): "
                                 "choose the sigmoid hidden activation or the L1 sparsity penalty")
            # online learning: blend a running mean so 'mean activation' means more than one user
            running = 0.9 if config.batch_size == 1 else 0.0
            return [KLSparsity(config.sparsity_target, config.sparsity_weight, running=running)], None
        if config.sparsity_penalty == "l1":
            return [L1Sparsity(config.l1_weight)], None
        raise ValueError(f"unknown sparsity penalty {config.sparsity_penalty!r}; choose kl or l1")
    if kind == "denoising":
        return [], make_corruption(config.noise, config.noise_level)
    if kind == "contractive":
        if network.n_layers < 2:
            raise ValueError("a contractive autoencoder needs a hidden layer")
        return [Contractive(config.contractive_weight)], None
    if kind == "vae":
        from .vae import KLDivergence
        drop = make_corruption("mask", config.dropout) if config.dropout > 0 else None
        return [KLDivergence(config.beta, config.anneal_steps)], drop
    raise ValueError(f"unknown autoencoder type {kind!r}")
