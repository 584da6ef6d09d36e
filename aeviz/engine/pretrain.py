"""Greedy layer-wise pre-training of a stacked (deep) autoencoder.

Deep sigmoid stacks trained end to end from random weights learn slowly: the error reaching the
first layers is tiny. Pre-training gives each layer a sensible start: layer 1 is trained as a
shallow autoencoder on the ratings, layer 2 as a shallow autoencoder on layer 1's codes, and so on
down to the code layer; each shallow encoder is copied into the deep net, and its decoder into the
mirror-image decoding layer. Fine-tuning (ordinary training) then starts from there.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .config import optimizer_for
from .losses import get_loss
from .network import Network
from .rows import DenseRows
from .trainer import Trainer


@dataclass(frozen=True)
class LayerReport:
    layer: int  # 1-based deep layer pre-trained
    sizes: tuple  # the shallow net trained
    epochs: int
    first_loss: float
    last_loss: float
    copied_decoder: int | None  # 1-based deep layer that received the shallow decoder


def _codes(network, train, layer, batch=1024):
    out = []
    for start in range(0, train.n_users, batch):
        x, _ = train.dense_rows(np.arange(start, min(train.n_users, start + batch)))
        out.append(network.encode(x, layer))
    return np.concatenate(out) if out else np.zeros((0, network.sizes[layer]), network.dtype)


def pretrain(network: Network, config, train, epochs: int | None = None, progress=None) -> list[LayerReport]:
    """Pre-train `network` (in place) layer by layer on `train`; returns what each stage did.

    `progress(stage, n_stages, epoch, loss)` is called after every epoch (may return False to stop).
    """
    epochs = int(config.pretrain_epochs if epochs is None else epochs)
    if epochs <= 0 or network.n_layers < 2:
        return []
    L = network.n_layers
    n_enc = network.bottleneck_layer()  # encoder layers 1..n_enc
    reports = []
    for l in range(n_enc):  # 0-based deep layer
        d_in, d_hid = network.sizes[l], network.sizes[l + 1]
        first = l == 0
        out_act = config.output_activation if first else config.hidden_activation
        shallow = Network([d_in, d_hid, d_in], [config.hidden_activation, out_act], bias=network.bias,
                          tied=network.tied, init=config.init, seed=config.seed + l, dtype=network.dtype)
        if first:
            data = train
        else:  # codes are dense: every entry counts, including exact zeros
            codes = _codes(network, train, l)
            data = DenseRows(codes, mask=np.ones(codes.shape, dtype=bool))
        trainer = Trainer(shallow, optimizer_for(config, shallow.params.size, shallow.dtype), get_loss("mse" if not first else config.loss),
                          data, batch_size=config.batch_size or 0, shuffle=config.shuffle,
                          seed=config.seed + l)
        trainer.keep_undo = False
        losses = []
        for e in range(epochs):
            trainer.step_epoch()
            losses.append(trainer.history[-1].mean_loss)
            if progress is not None and progress(l + 1, n_enc, e + 1, losses[-1]) is False:
                break
        network.weights[l][...] = shallow.weights[0]
        if network.bias:
            network.biases[l][...] = shallow.biases[0]
        mirror = L - 1 - l
        copied = None
        if mirror != l and network.weights[mirror].shape == shallow.weights[1].shape:
            if not network.tied:
                network.weights[mirror][...] = shallow.weights[1]
            if network.bias:
                network.biases[mirror][...] = shallow.biases[1]
            copied = mirror + 1
        reports.append(LayerReport(l + 1, (d_in, d_hid, d_in), len(losses), losses[0], losses[-1], copied))
    return reports
