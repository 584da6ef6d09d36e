"""A fully connected autoencoder [n, h1, ..., hk, n] whose parameters live in one flat buffer.

Weights follow PyTorch's layout (out x in). Every weight matrix and bias vector is a *view* into
`params`, and every gradient a view into `grads`, so an optimizer updates the whole network with a
handful of vectorised NumPy calls instead of one loop per layer: at the recommender's size the
update, not the forward pass, is what costs.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import kernels
from .activations import Activation, get_activation

INITS = ("pytorch", "xavier", "zeros")


@dataclass
class ForwardTrace:
    """Everything the forward pass computed: inputs[l] feeds layer l, outputs[l] is what it gives."""

    inputs: list[np.ndarray]  # h_0 (= x), h_1, ..., h_{L-1}  shape (B, fan_in)
    preacts: list[np.ndarray]  # a_1..a_L  shape (B, fan_out)
    outputs: list[np.ndarray]  # h_1..h_L  shape (B, fan_out)
    side: dict | None = None  # what a subclass's extra step computed (the VAE's mu, sigma, eps)

    @property
    def y(self) -> np.ndarray:
        return self.outputs[-1]

    @property
    def activations(self) -> list[np.ndarray]:
        """h_0 .. h_L: every layer's values, input included."""
        return [self.inputs[0], *self.outputs]


@dataclass
class Gradients:
    """Error signals (deltas, dL/da per layer) and the gradients of every parameter."""

    deltas: list[np.ndarray]  # per layer, shape (B, fan_out)
    weights: list[np.ndarray]  # dL/dW per layer (views into the network's grad buffer)
    biases: list[np.ndarray | None]


class Network:
    """Layers sizes[0] -> sizes[1] -> ... -> sizes[-1], activation per layer, optional tied weights."""

    def __init__(
        self,
        sizes,
        activations,
        bias: bool = True,
        tied: bool = False,
        init: str = "pytorch",
        seed: int | None = 0,
        dtype=np.float32,
        weights=None,
        biases=None,
    ):
        sizes = [int(s) for s in sizes]
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(f"layer sizes must be at least two positive integers, got {sizes}")
        n_layers = len(sizes) - 1
        if isinstance(activations, (str, Activation)):
            activations = [activations] * n_layers
        activations = list(activations)
        if len(activations) != n_layers:
            raise ValueError(f"{n_layers} layers need {n_layers} activations, got {len(activations)}")
        self.activations = [get_activation(a) for a in activations]
        for act in self.activations[:-1]:
            if not act.elementwise:
                raise ValueError("softmax is only allowed on the output layer")
        if tied and sizes != sizes[::-1]:
            raise ValueError(f"tied weights need mirrored layer sizes, got {sizes}")
        if init not in INITS:
            raise ValueError(f"unknown initialisation {init!r}; choose one of {', '.join(INITS)}")
        self.sizes = sizes
        self.bias = bool(bias)
        self.tied = bool(tied) and n_layers >= 2
        self.init = init
        self.seed = seed
        self.dtype = np.dtype(dtype)
        self._build_buffers()
        self.initialise(seed)
        if weights is not None:
            self.set_parameters(weights, biases)

    # ----------------------------------------------------------------------------------- layout
    @property
    def n_layers(self) -> int:
        return len(self.sizes) - 1

    @property
    def n_free_weight_layers(self) -> int:
        """Layers owning their weight matrix (with tied weights, only the encoder's)."""
        return (self.n_layers + 1) // 2 if self.tied else self.n_layers

    def _owner(self, layer: int) -> int:
        """The layer whose stored matrix this layer uses (itself, or its mirror when tied)."""
        if self.tied and layer >= self.n_free_weight_layers:
            return self.n_layers - 1 - layer
        return layer

    def _build_buffers(self):
        # A matrix is stored with its longer side contiguous: a 1682 x 20 decoder is kept as
        # 20 x 1682 in memory and seen through a transposed view. Per-user gradients are outer
        # products, and NumPy writes a long contiguous row twice as fast as many short ones.
        shapes = []
        self._transposed = []
        for l in range(self.n_free_weight_layers):
            out, fan_in = self.sizes[l + 1], self.sizes[l]
            self._transposed.append(out > fan_in)
            shapes.append((fan_in, out) if out > fan_in else (out, fan_in))
        bias_shapes = [(self.sizes[l + 1],) for l in range(self.n_layers)] if self.bias else []
        bias_shapes += [shape for _, shape in self.extra_parameters()]
        total = sum(int(np.prod(s)) for s in shapes + bias_shapes)
        self.params = np.zeros(total, dtype=self.dtype)
        self.grads = np.zeros(total, dtype=self.dtype)
        self._slices = []
        offset = 0
        for s in shapes + bias_shapes:
            n = int(np.prod(s))
            self._slices.append((offset, offset + n, s))
            offset += n
        self._own_weights = [self._view(self.params, i) for i in range(len(shapes))]
        self._own_grad_weights = [self._view(self.grads, i) for i in range(len(shapes))]
        n_extra = len(self.extra_parameters())
        first_extra = len(self._slices) - n_extra
        self.extra_params = [self._view(self.params, first_extra + i) for i in range(n_extra)]
        self.extra_grads = [self._view(self.grads, first_extra + i) for i in range(n_extra)]
        self.weights, self.biases = self.split_flat(self.params)
        self.grad_weights, self.grad_biases = self.split_flat(self.grads)
        self._weights_t = [w.T for w in self.weights]  # forward multiplies by W^T: made once

    def _view(self, buf, i):
        """Parameter i of a flat buffer: weight matrices as (out x in), whatever their storage."""
        a, b, shape = self._slices[i]
        v = buf[a:b].reshape(shape)
        return v.T if i < len(self._transposed) and self._transposed[i] else v

    def tied_with(self, layer: int) -> int | None:
        """The other layer sharing this layer's matrix (W_mirror = W_layer transposed), or None."""
        if not self.tied:
            return None
        mirror = self.n_layers - 1 - layer
        return mirror if mirror != layer else None

    def extra_parameters(self) -> list[tuple[str, tuple]]:
        """(name, shape) of parameters outside the layer chain (a subclass's side branch), stored
        after the biases in `params`, so every optimizer updates them with the rest."""
        return []

    def flat_index(self, layer: int, row: int, col: int) -> int:
        """Position of W[layer][row, col] (0-based layer, out row, in column) in `params`."""
        owner = self._owner(layer)
        if owner != layer:
            row, col = col, row
        start, _, shape = self._slices[owner]
        if self._transposed[owner]:
            return int(start + col * shape[1] + row)
        return int(start + row * shape[1] + col)

    def parameter_names(self) -> list[str]:
        names = [f"W{l + 1}" for l in range(self.n_free_weight_layers)]
        if self.bias:
            names += [f"b{l + 1}" for l in range(self.n_layers)]
        return names + [name for name, _ in self.extra_parameters()]

    def split_flat(self, flat: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray | None]]:
        """View a flat vector shaped like `params` as (per-layer weights, per-layer biases)."""
        own = [self._view(flat, i) for i in range(self.n_free_weight_layers)]
        weights = [own[self._owner(l)] if self._owner(l) == l else own[self._owner(l)].T for l in range(self.n_layers)]
        nb = self.n_free_weight_layers
        biases = [self._view(flat, nb + l) for l in range(self.n_layers)] if self.bias else [None] * self.n_layers
        return weights, biases

    def parameter_spans(self) -> list[tuple[str, int, int]]:
        """(name, start, end) of each parameter's entries in `params` (and `grads`)."""
        return [(name, a, b) for name, (a, b, _) in zip(self.parameter_names(), self._slices)]

    def layer_of_flat_index(self, index: int) -> str:
        """Name of the parameter a flat index belongs to (for divergence messages)."""
        for name, a, b in self.parameter_spans():
            if a <= index < b:
                return name
        raise IndexError(index)

    # ------------------------------------------------------------------------------- initialise
    def initialise(self, seed: int | None = None):
        """PyTorch's nn.Linear default (U(+-1/sqrt(fan_in)) for weights and biases) or Xavier."""
        rng = np.random.default_rng(seed)
        for l in range(self.n_free_weight_layers):
            fan_out, fan_in = self._own_weights[l].shape
            if self.init == "pytorch":
                bound = 1.0 / np.sqrt(fan_in)
            elif self.init == "xavier":
                bound = np.sqrt(6.0 / (fan_in + fan_out))
            else:
                bound = 0.0
            self._own_weights[l][...] = rng.uniform(-bound, bound, size=(fan_out, fan_in))
        if self.bias:
            for l in range(self.n_layers):
                fan_in = self.sizes[l]
                bound = 1.0 / np.sqrt(fan_in) if self.init == "pytorch" else 0.0
                self.biases[l][...] = rng.uniform(-bound, bound, size=self.sizes[l + 1])

    def set_parameters(self, weights, biases=None):
        """Explicit weights (presets): one (out x in) matrix per layer; tied decoders must match."""
        weights = list(weights)
        if len(weights) != self.n_layers:
            raise ValueError(f"expected {self.n_layers} weight matrices, got {len(weights)}")
        for l, w in enumerate(weights):
            w = np.asarray(w, dtype=self.dtype)
            if w.shape != self.weights[l].shape:
                raise ValueError(f"W{l + 1} must have shape {self.weights[l].shape}, got {w.shape}")
            if self._owner(l) == l:
                self.weights[l][...] = w
            elif not np.allclose(w, self.weights[l]):
                raise ValueError(f"tied weights: W{l + 1} must equal W{self._owner(l) + 1} transposed")
        if biases is not None:
            if not self.bias:
                raise ValueError("this network has no biases")
            for l, b in enumerate(biases):
                self.biases[l][...] = np.asarray(b, dtype=self.dtype)

    def set_weight(self, layer: int, row: int, col: int, value: float):
        """Change one weight W[layer][row, col] (0-based layer), as a user editing an edge does."""
        self.weights[layer][row, col] = value

    def copy(self) -> "Network":
        other = Network(self.sizes, self.activations, self.bias, self.tied, self.init, self.seed, self.dtype)
        other.params[...] = self.params
        return other

    def n_parameters(self) -> int:
        return int(self.params.size)

    def describe(self) -> str:
        acts = "/".join(a.name for a in self.activations)
        return "-".join(map(str, self.sizes)) + f" ({acts}{', tied' if self.tied else ''}{'' if self.bias else ', no biases'})"

    # ---------------------------------------------------------------------------------- forward
    def forward(self, x: np.ndarray, rng=None, noise=None) -> ForwardTrace:
        """Run a batch (B, n) or one observation (n,), keeping every pre-activation and output.
        `rng` / `noise` feed a stochastic subclass (the VAE's eps); a plain network ignores them."""
        h = np.atleast_2d(np.asarray(x, dtype=self.dtype))
        if h.shape[1] != self.sizes[0]:
            raise ValueError(f"input has {h.shape[1]} values, the network expects {self.sizes[0]}")
        inputs, preacts, outputs, side = [], [], [], {}
        for l, act in enumerate(self.activations):
            inputs.append(h)
            a = h @ self._weights_t[l]
            if self.bias:
                a += self.biases[l]
            z = self.side_forward(l, h, act.forward(a), side, rng, noise)
            preacts.append(a)
            outputs.append(z)
            h = z
        return ForwardTrace(inputs, preacts, outputs, side or None)

    def side_forward(self, layer, h_in, out, side, rng, noise):
        """Layer `layer`'s output as the next layer sees it; a subclass may replace it (the VAE
        samples its code here) and note what it computed in `side`."""
        return out

    def side_backward(self, layer, trace, grad_out, extra, accumulate):
        """A subclass's side branch at `layer`: fill its parameters' gradients (added when
        `accumulate`) and return its share of dL/d(layer input), or None."""
        return None

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Outputs only, for evaluation: no trace kept."""
        h = np.atleast_2d(np.asarray(x, dtype=self.dtype))
        for l in range(self.n_layers):
            a = h @ self.weights[l].T
            if self.bias:
                a += self.biases[l]
            h = self.activations[l].forward(a, out=a)
        return h

    def encode(self, x: np.ndarray, layer: int | None = None) -> np.ndarray:
        """The code: the values of hidden layer `layer` (1-based; default the narrowest)."""
        if layer is None:
            layer = self.bottleneck_layer()
        h = np.atleast_2d(np.asarray(x, dtype=self.dtype))
        for l in range(layer):
            a = h @ self.weights[l].T
            if self.bias:
                a += self.biases[l]
            h = self.activations[l].forward(a, out=a)
        return h

    def bottleneck_layer(self) -> int:
        """1-based index of the narrowest hidden layer (the code)."""
        hidden = self.sizes[1:-1]
        if not hidden:
            return 1
        return 1 + int(np.argmin(hidden))

    # --------------------------------------------------------------------------------- backward
    def backward(self, trace: ForwardTrace, grad_y: np.ndarray, accumulate: bool = False,
                 extra_grad_hidden: dict | None = None) -> Gradients:
        """Back-propagate dL/dy (B, n_out) from right to left.

        Fills `self.grads` (or adds to it when `accumulate`), returns every layer's delta.
        `extra_grad_hidden` maps a layer index l (1-based, hidden) to an additional dL/dh_l,
        which is how activation penalties (sparsity) join the error signal.
        """
        # Write gradients straight into the flat buffer (no zero-fill, no temporaries) unless
        # accumulating or the weights are tied (a shared matrix receives two contributions).
        direct = not accumulate and not self.tied
        if not direct and not accumulate:
            self.grads.fill(0.0)
        g = np.atleast_2d(grad_y).astype(self.dtype, copy=False)
        single = g.shape[0] == 1
        deltas: list[np.ndarray] = [None] * self.n_layers  # type: ignore[list-item]
        for l in range(self.n_layers - 1, -1, -1):
            grad_out = g
            if extra_grad_hidden and (l + 1) in extra_grad_hidden and l < self.n_layers - 1:
                g = g + extra_grad_hidden[l + 1]
            delta = self.activations[l].backward(trace.preacts[l], trace.outputs[l], g)
            deltas[l] = delta
            owner = self._owner(l)
            inp = trace.inputs[l]
            if direct:
                if single:  # an outer product, straight into the matrix's storage order
                    if self._transposed[l]:
                        kernels.outer(inp[0], delta[0], self._own_grad_weights[l].T)
                    else:
                        kernels.outer(delta[0], inp[0], self._own_grad_weights[l])
                else:
                    np.matmul(delta.T, inp, out=self._own_grad_weights[l])
                if self.bias:
                    if single:
                        np.copyto(self.grad_biases[l], delta[0])
                    else:
                        np.sum(delta, axis=0, out=self.grad_biases[l])
            else:
                if owner == l:
                    self._own_grad_weights[l] += delta.T @ inp
                else:
                    self._own_grad_weights[owner] += (delta.T @ inp).T
                if self.bias:
                    self.grad_biases[l] += delta.sum(axis=0)
            side = self.side_backward(l, trace, grad_out, extra_grad_hidden, accumulate)
            if l > 0:
                g = delta @ self.weights[l]
                if side is not None:
                    g += side
        return Gradients(deltas, list(self.grad_weights), list(self.grad_biases))
