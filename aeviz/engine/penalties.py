"""Regularising penalties added to the reconstruction loss (sparse, contractive, ...).

A penalty sees the forward trace of a batch and contributes three things: its value (reported
apart from the reconstruction error in the history), an extra dL/dh for hidden layers (joins the
backward pass, as sparsity does), and direct parameter gradients added after backward (as the
contractive penalty's do). Each is gradient-checked against finite differences.

Convention (the losses' one): `value` is a per-batch quantity comparable to one observation's
penalty, and every gradient is the exact derivative of `value` with respect to the batch's
activations / the parameters. The Trainer multiplies the gradients by 1/B when it steps a batch of
B one observation at a time, exactly as it does for the loss.
"""
from __future__ import annotations

import numpy as np


class Penalty:
    name = "penalty"

    def at_update(self, updates: int) -> None:
        """Told, before each step's value, how many updates came before (an annealed weight
        follows the training's own counter, so undo and going back to the best epoch replay it)."""

    def value(self, network, trace) -> float:
        raise NotImplementedError

    def hidden_gradients(self, network, trace) -> dict[int, np.ndarray]:
        """{hidden layer l (1-based): dP/dh_l with shape (B, size)}; mean-over-batch convention."""
        return {}

    def add_parameter_gradients(self, network, trace, scale: float = 1.0) -> None:
        """Add dP/dparams (times scale) to network.grads, for penalties that depend on weights."""

    def describe(self) -> str:
        return self.name


def _hidden_layers(network, layers) -> list[int]:
    """1-based hidden layers a penalty acts on; default: the code (narrowest hidden layer)."""
    if network.n_layers < 2:
        raise ValueError("a penalty on hidden units needs at least one hidden layer")
    if layers is None:
        return [network.bottleneck_layer()]
    out = sorted({int(l) for l in layers})
    for l in out:
        if not 1 <= l < network.n_layers:
            raise ValueError(f"layer {l} is not a hidden layer (1..{network.n_layers - 1})")
    return out


class KLSparsity(Penalty):
    """beta * sum_j KL(rho || rho_hat_j): each hidden unit should be active a fraction rho of the time.

    rho_hat_j is unit j's mean activation over the batch (Ng's sparse autoencoder notes). With
    online learning (a batch of 1) that mean is the one observation's activation, which pushes
    every unit towards rho for every user; `running` > 0 blends in a running average of earlier
    batches instead (rho_hat = running*avg + (1-running)*batch mean), as Ng suggests. The running
    average is a constant within a step, so the gradient stays exact for what `value` computes.
    Needs activations in (0, 1): sigmoid hidden units.
    """

    name = "KL sparsity"
    eps = 1e-6

    def __init__(self, rho: float = 0.05, beta: float = 0.1, layers=None, running: float = 0.0):
        if not 0 < rho < 1:
            raise ValueError("the sparsity target rho must lie strictly between 0 and 1")
        if not (np.isfinite(beta) and beta >= 0):
            raise ValueError("the sparsity weight beta must be zero or positive")
        if not 0 <= running < 1:
            raise ValueError("the running-average factor must lie in [0, 1)")
        self.rho, self.beta, self.layers, self.running = float(rho), float(beta), layers, float(running)
        self._avg: dict[int, np.ndarray] = {}

    def _rho_hat(self, layer, h):
        batch_mean = h.mean(axis=0, dtype=np.float64)
        if self.running and layer in self._avg:
            return self.running * self._avg[layer] + (1 - self.running) * batch_mean, 1 - self.running
        return batch_mean, 1.0

    def value(self, network, trace) -> float:
        total = 0.0
        rho = self.rho
        for l in _hidden_layers(network, self.layers):
            q, _ = self._rho_hat(l, trace.outputs[l - 1])
            q = np.clip(q, self.eps, 1 - self.eps)
            total += float(np.sum(rho * np.log(rho / q) + (1 - rho) * np.log((1 - rho) / (1 - q))))
        return self.beta * total

    def hidden_gradients(self, network, trace):
        out = {}
        rho = self.rho
        for l in _hidden_layers(network, self.layers):
            h = trace.outputs[l - 1]
            q, w = self._rho_hat(l, h)
            inside = (q > self.eps) & (q < 1 - self.eps)
            q = np.clip(q, self.eps, 1 - self.eps)
            d = np.where(inside, self.beta * (-rho / q + (1 - rho) / (1 - q)), 0.0) * (w / h.shape[0])
            out[l] = np.broadcast_to(d.astype(h.dtype), h.shape).copy()
        return out

    def add_parameter_gradients(self, network, trace, scale=1.0):
        # No direct parameter dependence; called once per backward: update the running average.
        if self.running:
            for l in _hidden_layers(network, self.layers):
                q, _ = self._rho_hat(l, trace.outputs[l - 1])
                self._avg[l] = q

    @property
    def running_means(self) -> dict[int, np.ndarray]:
        """The running average of each hidden layer's mean activations so far (a copy; empty
        before the first backward step or with running = 0)."""
        return {l: a.copy() for l, a in self._avg.items()}

    def mean_activations(self, network, trace) -> dict[int, np.ndarray]:
        """Each unit's mean activation over the batch (what the app shows against rho)."""
        return {l: trace.outputs[l - 1].mean(axis=0) for l in _hidden_layers(network, self.layers)}

    def describe(self):
        return f"KL sparsity (rho={self.rho:g}, beta={self.beta:g})"


class L1Sparsity(Penalty):
    """weight * mean over the batch of sum_j |h_j|: an activity penalty that zeroes most codes."""

    name = "L1 sparsity"

    def __init__(self, weight: float = 1e-3, layers=None):
        if not (np.isfinite(weight) and weight >= 0):
            raise ValueError("the L1 weight must be zero or positive")
        self.weight, self.layers = float(weight), layers

    def value(self, network, trace) -> float:
        total = 0.0
        for l in _hidden_layers(network, self.layers):
            h = trace.outputs[l - 1]
            total += float(np.abs(h).sum(dtype=np.float64)) / h.shape[0]
        return self.weight * total

    def hidden_gradients(self, network, trace):
        out = {}
        for l in _hidden_layers(network, self.layers):
            h = trace.outputs[l - 1]
            out[l] = (np.sign(h) * (self.weight / h.shape[0])).astype(h.dtype)
        return out

    def describe(self):
        return f"L1 sparsity (weight={self.weight:g})"


def _slope_and_curvature(act_name, a, h):
    """f'(a) and f''(a) for the first layer's activation, written through h = f(a)."""
    if act_name == "sigmoid":
        s = h * (1 - h)
        return s, s * (1 - 2 * h)
    if act_name == "tanh":
        s = 1 - h * h
        return s, -2 * h * s
    if act_name == "relu":
        return (a > 0).astype(h.dtype), np.zeros_like(h)
    if act_name == "identity":
        return np.ones_like(h), np.zeros_like(h)
    raise ValueError(f"the contractive penalty does not support a {act_name} first layer")


class Contractive(Penalty):
    """lam * ||J_f(x)||_F^2 of the first (encoding) layer, averaged over the batch.

    With h = f(W x + b), J = diag(f'(a)) W, so ||J||_F^2 = sum_j f'(a_j)^2 sum_i W_ji^2; for a
    sigmoid f'(a_j) = h_j (1 - h_j). It rewards codes that barely move when the input moves: the
    encoder learns to ignore directions the data does not vary in. Its gradient reaches W1 both
    through h and directly through the row norms; both are added in `add_parameter_gradients`.
    """

    name = "contractive"

    def __init__(self, weight: float = 0.01):
        if not (np.isfinite(weight) and weight >= 0):
            raise ValueError("the contractive weight must be zero or positive")
        self.weight = float(weight)

    def _parts(self, network, trace):
        a, h = trace.preacts[0], trace.outputs[0]
        s, ds = _slope_and_curvature(network.activations[0].name, a, h)
        w = network.weights[0]
        row_sq = np.einsum("ji,ji->j", w, w, dtype=np.float64)
        return s.astype(np.float64), ds.astype(np.float64), row_sq

    def value(self, network, trace) -> float:
        s, _, row_sq = self._parts(network, trace)
        return self.weight * float(((s * s) @ row_sq).sum()) / s.shape[0]

    def frobenius_per_observation(self, network, trace) -> np.ndarray:
        """||J_f(x)||_F^2 of each observation in the batch (no weight)."""
        s, _, row_sq = self._parts(network, trace)
        return (s * s) @ row_sq

    def add_parameter_gradients(self, network, trace, scale=1.0):
        s, ds, row_sq = self._parts(network, trace)
        c = self.weight * scale / s.shape[0]
        # through the activations: d/da_bj of s_bj^2 r_j = 2 s_bj s'_bj r_j
        d_a = (2.0 * c) * s * ds * row_sq[None, :]
        x = trace.inputs[0].astype(np.float64)
        w = network.weights[0].astype(np.float64)
        # directly through the row norms: d/dW_ji of sum_b s_bj^2 W_ji^2 = 2 W_ji sum_b s_bj^2
        gw = d_a.T @ x + (2.0 * c) * (s * s).sum(axis=0)[:, None] * w
        grads_w, grads_b = network.split_flat(network.grads)
        grads_w[0] += gw.astype(network.dtype)
        if network.bias:
            grads_b[0] += d_a.sum(axis=0).astype(network.dtype)

    def describe(self):
        return f"contractive (lambda={self.weight:g})"


class L2Weights(Penalty):
    """lam/2 * sum_l ||W_l||^2 over the weight matrices, biases left free (I-AutoRec's penalty).

    Unlike the optimizer's weight decay, which pulls every parameter to zero, this leaves the
    biases alone: an output bias is where a recommender keeps each rating's baseline (about 3.5
    stars), and shrinking it towards 0 costs accuracy for nothing. A tied matrix serves two
    layers and so counts twice, in the value and in the gradient alike.
    """

    name = "L2 weight penalty"

    def __init__(self, lam: float):
        if not (np.isfinite(lam) and lam >= 0):
            raise ValueError("the weight penalty must be zero or positive")
        self.lam = float(lam)

    def value(self, network, trace) -> float:
        return 0.5 * self.lam * sum(float(np.vdot(w, w)) for w in network.weights)

    def add_parameter_gradients(self, network, trace, scale: float = 1.0) -> None:
        k = network.dtype.type(self.lam * scale)
        for w, g in zip(network.weights, network.grad_weights):
            g += k * w

    def describe(self) -> str:
        return f"L2 weight penalty (lambda/2)||W||^2, lambda={self.lam:g} (biases free)"
