"""The variational autoencoder: the code is a distribution, sampled by the reparameterisation trick.

The encoder's code layer gives the mean mu (identity units) and a side branch of the same size gives
the log-variance; the decoder reads z = mu + sigma * eps, eps ~ N(0, 1) drawn from the trainer's
seeded generator (so a step is reproducible), with sigma = exp(logvar / 2). Because z is a
deterministic function of mu, logvar and eps, the gradient flows through it:

    dL/dmu = dL/dz,   dL/dlogvar = dL/dz * eps * sigma / 2.

The KL divergence KL(q(z|x) || N(0, I)) = 1/2 sum_j (mu_j^2 + sigma_j^2 - 1 - logvar_j) joins the
loss as a penalty weighted by beta, which warms up linearly over `anneal_steps` updates to its cap
(Mult-VAE, Liang et al. 2018). Evaluation and recommendations decode the mean (z = mu).

Everything else (layers, flat parameter buffer, optimizers, stepping) is the plain Network's.
"""
from __future__ import annotations

import numpy as np

from .network import Network
from .penalties import Penalty

LOGVAR = "logvar"  # the key of dKL/dlogvar among the penalties' extra gradients


class VAENetwork(Network):
    """[n, h..., k, h..., n] whose narrowest hidden layer k is the mean; W_logvar / b_logvar
    (stored after the biases) give the log-variance from the same input. With `normalize_input`
    each input row is divided by its length first (Mult-VAE's input for implicit feedback)."""

    def __init__(self, sizes, activations, normalize_input: bool = False, **kw):
        sizes = [int(s) for s in sizes]
        if len(sizes) < 3:
            raise ValueError("a variational autoencoder needs a hidden code layer")
        hidden = sizes[1:-1]
        self.code_layer = 1 + int(np.argmin(hidden))  # 1-based, as bottleneck_layer()
        self.normalize_input = bool(normalize_input)
        acts = list(activations) if not isinstance(activations, str) else [activations] * (len(sizes) - 1)
        acts[self.code_layer - 1] = "identity"  # the mean is unbounded
        super().__init__(sizes, acts, **kw)

    # ----------------------------------------------------------------------------- parameters
    @property
    def code_size(self) -> int:
        return self.sizes[self.code_layer]

    def extra_parameters(self):
        k, fan_in = self.sizes[self.code_layer], self.sizes[self.code_layer - 1]
        return [("W_logvar", (k, fan_in))] + ([("b_logvar", (k,))] if self.bias else [])

    @property
    def logvar_weights(self) -> np.ndarray:
        return self.extra_params[0]

    @property
    def logvar_bias(self) -> np.ndarray | None:
        return self.extra_params[1] if self.bias else None

    def initialise(self, seed=None):
        super().initialise(seed)
        if getattr(self, "extra_params", None):
            rng = np.random.default_rng(None if seed is None else [int(seed), 1])
            fan_in = self.sizes[self.code_layer - 1]
            bound = 1.0 / np.sqrt(fan_in) if self.init != "zeros" else 0.0
            self.logvar_weights[...] = rng.uniform(-bound, bound, size=self.logvar_weights.shape)
            if self.bias:
                self.logvar_bias[...] = 0.0

    def copy(self) -> "VAENetwork":
        other = VAENetwork(self.sizes, self.activations, normalize_input=self.normalize_input,
                           bias=self.bias, tied=self.tied, init=self.init, seed=self.seed, dtype=self.dtype)
        other.params[...] = self.params
        return other

    def describe(self) -> str:
        return super().describe() + f", variational code of {self.code_size}"

    # -------------------------------------------------------------------------------- forward
    def prepare_input(self, x) -> np.ndarray:
        h = np.atleast_2d(np.asarray(x, dtype=self.dtype))
        if not self.normalize_input:
            return h
        norm = np.sqrt(np.einsum("ij,ij->i", h, h))
        return h / np.maximum(norm, 1e-12)[:, None].astype(self.dtype)

    def forward(self, x, rng=None, noise=None):
        """Training pass: z is sampled with eps from `rng` (or the given `noise`, shape (B, k));
        without either, z = mu (the mean, as evaluation uses)."""
        return super().forward(self.prepare_input(x), rng=rng, noise=noise)

    def side_forward(self, layer, h_in, out, side, rng, noise):
        if layer != self.code_layer - 1:
            return out
        logvar = h_in @ self.logvar_weights.T
        if self.bias:
            logvar += self.logvar_bias
        sigma = np.exp(0.5 * logvar)
        if noise is not None:
            eps = np.broadcast_to(np.asarray(noise, dtype=self.dtype), out.shape)
        elif rng is not None:
            eps = rng.standard_normal(out.shape).astype(self.dtype)
        else:
            eps = np.zeros_like(out)
        side.update(mu=out, logvar=logvar, sigma=sigma, eps=eps)
        return out + sigma * eps

    def side_backward(self, layer, trace, grad_out, extra, accumulate):
        """The log-variance branch: dL/dlogvar = dL/dz * eps * sigma / 2 (+ the KL's own)."""
        if layer != self.code_layer - 1:
            return None
        s = trace.side
        d_logvar = grad_out * s["eps"] * s["sigma"] * 0.5
        if extra and LOGVAR in extra:
            d_logvar = d_logvar + extra[LOGVAR]
        s.update(dL_dz=grad_out, dL_dlogvar=d_logvar)  # for the Math inspector's numbers
        inp = trace.inputs[layer]
        gw = self.extra_grads[0]
        if accumulate:
            gw += d_logvar.T @ inp
        else:
            np.matmul(d_logvar.T, inp, out=gw)
        if self.bias:
            gb = self.extra_grads[1]
            if accumulate:
                gb += d_logvar.sum(axis=0)
            else:
                gb[...] = d_logvar.sum(axis=0)
        return d_logvar @ self.logvar_weights

    # ----------------------------------------------------------------------------- inference
    def predict(self, x):
        return super().predict(self.prepare_input(x))

    def encode(self, x, layer=None):
        return super().encode(self.prepare_input(x), layer)

    def encode_distribution(self, x) -> tuple[np.ndarray, np.ndarray]:
        """(mu, sigma) of q(z | x) for each row: where the user sits, and how sure the encoder is."""
        h = self.prepare_input(x)
        c = self.code_layer - 1
        for l in range(c):
            a = h @ self.weights[l].T
            if self.bias:
                a += self.biases[l]
            h = self.activations[l].forward(a, out=a)
        mu = h @ self.weights[c].T
        logvar = h @ self.logvar_weights.T
        if self.bias:
            mu += self.biases[c]
            logvar += self.logvar_bias
        return mu, np.exp(0.5 * logvar)


def kl_per_observation(mu, logvar) -> np.ndarray:
    """KL(N(mu, sigma^2) || N(0, 1)) summed over code units, one value per row."""
    return 0.5 * np.sum(mu.astype(np.float64) ** 2 + np.exp(logvar.astype(np.float64)) - 1.0 - logvar,
                        axis=-1)


class KLDivergence(Penalty):
    """beta * mean over the batch of KL(q(z|x) || N(0, I)); beta = cap * min(1, updates / anneal_steps)."""

    name = "KL divergence"

    def __init__(self, beta: float = 0.2, anneal_steps: int = 0):
        if not (np.isfinite(beta) and beta >= 0):
            raise ValueError("beta (the KL weight's cap) must be zero or positive")
        if anneal_steps < 0:
            raise ValueError("the annealing steps must be zero (no warm-up) or positive")
        self.cap, self.anneal_steps = float(beta), int(anneal_steps)
        self.beta = self.cap if self.anneal_steps == 0 else 0.0

    def at_update(self, updates):
        self.beta = self.cap * min(1.0, updates / self.anneal_steps) if self.anneal_steps else self.cap

    def value(self, network, trace) -> float:
        s = trace.side
        return float(self.beta * kl_per_observation(s["mu"], s["logvar"]).mean())

    def hidden_gradients(self, network, trace):
        s = trace.side
        scale = np.float32(self.beta / s["mu"].shape[0])
        return {network.code_layer: s["mu"] * scale,
                LOGVAR: (np.exp(s["logvar"]) - 1.0) * (scale * np.float32(0.5))}

    def describe(self):
        warm = f", warmed up over {self.anneal_steps} updates" if self.anneal_steps else ""
        return f"KL divergence x beta (cap {self.cap:g}{warm})"
