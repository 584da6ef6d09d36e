"""The seed's worked example: a 4-2-4 network with weights of +-1 (see shared/seed/toy-example.md).

[1 0 0 0] -> hidden [1 1] -> output [2 0 0 -2] -> softmax [0.776 0.105 0.105 0.014]; the
arg-max one-hot is [1 0 0 0]. The softmax itself never equals [1 0 0 0]: we show both.
"""
from __future__ import annotations

import numpy as np

from .network import Network

ENCODER = np.array([[1, 1, -1, -1],
                    [1, -1, 1, -1]], dtype=np.float64)
DECODER = ENCODER.T.copy()
INPUTS = np.eye(4)


def toy_network(dtype=np.float64) -> Network:
    """Identity hidden layer, softmax output, no biases, decoder = encoder transposed."""
    return Network([4, 2, 4], ["identity", "softmax"], bias=False, init="zeros", dtype=dtype,
                   weights=[ENCODER, DECODER])


def one_hot_argmax(p: np.ndarray) -> np.ndarray:
    out = np.zeros_like(p)
    out[..., :] = (p == p.max(axis=-1, keepdims=True))
    return out
