"""What to draw, decided once per snapshot with NumPy: which nodes fit, which edges matter.

Nothing here paints. A MovieLens network has 1682 movies on each side and ~67k edges, so the
scene keeps the most relevant movies (rated ones, largest |error|, strongest predictions) and,
when the network is big, only the strongest k edges of each layer pair among the shown nodes.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

ALL_EDGES_LIMIT = 10_000  # networks with at most this many weights draw every edge


@dataclass
class EdgePair:
    """The drawn edges of weight layer `layer` (from layer `layer` nodes to layer `layer+1`)."""
    layer: int
    rows: np.ndarray  # global index of the target node (row of W)
    cols: np.ndarray  # global index of the source node (column of W)
    ri: np.ndarray  # position of the target among the shown nodes of layer+1
    ci: np.ndarray  # position of the source among the shown nodes of layer
    w: np.ndarray
    grad: np.ndarray | None
    change: np.ndarray | None
    available: int  # edges between the shown nodes (before the level of detail)


@dataclass
class Sampling:
    """A VAE's reparameterisation at its code layer for the observation just forwarded,
    z = mu + sigma * eps, for the few code units worth a row (those the drawn eps moved most)."""
    layer: int
    units: np.ndarray  # global indices of the code units listed, ascending
    positions: np.ndarray  # where each sits among the shown nodes of `layer` (-1: collapsed)
    mu: np.ndarray
    sigma: np.ndarray
    eps: np.ndarray
    z: np.ndarray
    kl: float  # the KL term of this observation, summed over all units
    beta: float
    n_units: int  # code units in all (the rest are not listed)


@dataclass
class Scene:
    sizes: tuple
    shown: list  # per layer: sorted global indices of the drawn nodes
    hidden_count: list  # per layer: how many nodes are collapsed into "+N more"
    values: list  # per layer: activation at the shown nodes, or None before forward
    pre: list  # per layer: pre-activation (None for inputs / before forward)
    deltas: list  # per layer: error signal at the shown nodes (None outside backward)
    biases: list  # per layer: bias at the shown nodes (None for inputs / no bias)
    edges: list = field(default_factory=list)  # EdgePair per weight layer
    lod: bool = False  # True when only the strongest edges are drawn
    total_edges: int = 0
    wmax: float = 0.0
    gmax: float = 0.0
    cmax: float = 0.0
    # movies (layer 0 and the output layer)
    rated_in: np.ndarray | None = None
    rated_out: np.ndarray | None = None
    target: np.ndarray | None = None  # clean rating of the shown outputs
    error: np.ndarray | None = None  # prediction - target of the shown outputs (0 if unrated)
    heldout: np.ndarray | None = None
    sampling: Sampling | None = None  # a VAE right after its forward phase

    def position(self, layer: int, index: int) -> int | None:
        """Where global node `index` sits among the shown nodes of `layer` (None if collapsed)."""
        s = self.shown[layer]
        k = int(np.searchsorted(s, index))
        return k if k < len(s) and s[k] == index else None


def _finite_abs(a):
    return np.abs(np.nan_to_num(np.asarray(a, dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0))


def _strength(w, axis: int) -> np.ndarray:
    """Sum of |w| along `axis`, in one pass over the matrix (no float64 copy of it: a 943 x 500
    layer is half a million weights per snapshot); a node whose sum is not finite scores 0."""
    total = np.abs(np.asarray(w)).sum(axis=axis, dtype=np.float64)
    return np.nan_to_num(total, nan=0.0, posinf=0.0, neginf=0.0)


def _top(score: np.ndarray, n: int, keep=()) -> np.ndarray:
    """Sorted indices of the n highest scores, always including `keep`."""
    size = len(score)
    if n >= size:
        return np.arange(size)
    score = np.asarray(score, dtype=np.float64).copy()
    for k in keep:
        if 0 <= k < size:
            score[k] = np.inf
    idx = np.argpartition(-score, n - 1)[:n]
    return np.sort(idx)


def node_scores(snapshot, layer: int) -> np.ndarray:
    """Relevance of each node of a layer, for deciding which to show when they do not all fit.

    Inputs: rated movies first (higher ratings first). Outputs: rated movies by |error|, then
    the strongest predictions (what the network would recommend). Hidden: |activation|.
    Ties and the state before forward fall back on the node's total weight strength.
    """
    sizes = snapshot.sizes
    L = len(sizes) - 1
    w = snapshot.weights
    if layer == 0:
        strength = _strength(w[0], 0)
    elif layer == L:
        strength = _strength(w[L - 1], 1)
    else:
        strength = _strength(w[layer - 1], 1) + _strength(w[layer], 0)
    strength = strength / (strength.max() + 1e-12)  # in [0, 1]: a tie breaker
    acts = snapshot.activations
    if layer == 0:
        score = strength.copy()
        x = snapshot.x_input if snapshot.x_input is not None else snapshot.x_target
        if snapshot.mask is not None:
            score += 100.0 * snapshot.mask + (_finite_abs(x) if x is not None else 0.0)
        elif x is not None:
            score += 100.0 * (np.asarray(x) != 0)
        return score
    if layer == L:
        score = strength.copy()
        if acts is not None:
            score += _finite_abs(acts[L])
        if snapshot.mask is not None:
            err = _finite_abs(snapshot.output_error) if snapshot.output_error is not None else 0.0
            score += snapshot.mask * (100.0 + 10.0 * err)
        return score
    if acts is not None:
        return _finite_abs(acts[layer]) + strength * 1e-3
    return strength


def sampling_rows(snapshot, scene: Scene, keep=(), max_rows: int = 6) -> Sampling | None:
    """The sampling of the snapshot's 'sampling' record, a moment of its own only right after
    the Forward phase drew eps (a preview without eps, or any later phase: None). Rows: the
    units where sigma*eps moved z furthest from mu, the kept (selected) ones always."""
    s = (snapshot.extras or {}).get("sampling")
    if not s or s.get("eps") is None or snapshot.phase != "forward":
        return None
    mu, sigma, eps, z = (np.asarray(s[k], dtype=np.float64) for k in ("mu", "sigma", "eps", "z"))
    units = _top(_finite_abs(sigma * eps), min(max_rows, mu.size), keep)
    layer = int(s["layer"])
    pos = np.array([-1 if k is None else k for k in (scene.position(layer, int(u)) for u in units)],
                   dtype=np.int64)
    return Sampling(layer, units, pos, mu[units], sigma[units], eps[units], z[units], float(s["kl"]),
                    float(s["beta"]), int(mu.size))


def _at(arr, idx):
    return None if arr is None else np.asarray(arr)[idx]


def build_scene(snapshot, max_nodes: int | None = 40, max_edges: int | None = 500,
                keep: dict | None = None, all_edges_limit: int = ALL_EDGES_LIMIT) -> Scene:
    """Choose the shown nodes and edges of `snapshot`.

    max_nodes: per layer (None = all); max_edges: strongest edges per layer pair when the network
    has more than `all_edges_limit` weights (None = all); keep: {layer: [index]} always shown.
    """
    sizes = tuple(int(s) for s in snapshot.sizes)
    L = len(sizes) - 1
    keep = keep or {}
    shown, hidden_count = [], []
    for l, n in enumerate(sizes):
        if max_nodes is None or n <= max_nodes:
            idx = np.arange(n)
        else:
            idx = _top(node_scores(snapshot, l), int(max_nodes), keep.get(l, ()))
        shown.append(idx)
        hidden_count.append(n - len(idx))
    acts = snapshot.activations
    values = [None if acts is None else np.asarray(acts[l])[shown[l]] for l in range(L + 1)]
    pre = [None] + [None if snapshot.preacts is None else np.asarray(snapshot.preacts[l - 1])[shown[l]]
                    for l in range(1, L + 1)]
    deltas = [None] + [None if snapshot.deltas is None else np.asarray(snapshot.deltas[l - 1])[shown[l]]
                       for l in range(1, L + 1)]
    biases = [None] + [None if snapshot.biases[l - 1] is None else np.asarray(snapshot.biases[l - 1])[shown[l]]
                       for l in range(1, L + 1)]
    total = int(sum(sizes[l] * sizes[l + 1] for l in range(L)))
    lod = max_edges is not None and total > all_edges_limit
    scene = Scene(sizes, shown, hidden_count, values, pre, deltas, biases, lod=lod, total_edges=total)
    for l in range(L):
        cols_all, rows_all = shown[l], shown[l + 1]
        W = np.asarray(snapshot.weights[l])
        sub = W[np.ix_(rows_all, cols_all)]
        ri, ci = np.divmod(np.arange(sub.size), sub.shape[1])
        available = sub.size
        flat = sub.ravel()
        if lod and sub.size > max_edges:
            mag = np.abs(flat)
            mag = np.where(np.isfinite(mag), mag, np.inf)  # a non-finite weight is always shown
            pick = np.argpartition(-mag, max_edges - 1)[:max_edges]
            pick = pick[np.argsort(mag[pick], kind="stable")]  # weak first: strong drawn on top
            ri, ci, flat = ri[pick], ci[pick], flat[pick]
        rows, cols = rows_all[ri], cols_all[ci]
        g = None if snapshot.grad_weights is None else np.asarray(snapshot.grad_weights[l])[rows, cols]
        c = None if snapshot.change_weights is None else np.asarray(snapshot.change_weights[l])[rows, cols]
        scene.edges.append(EdgePair(l, rows, cols, ri, ci, np.asarray(flat, dtype=np.float64), g, c, available))

    def fmax(parts):
        vals = [float(_finite_abs(p).max()) for p in parts if p is not None and np.size(p)]
        return max(vals) if vals else 0.0
    scene.wmax = fmax([e.w for e in scene.edges])
    scene.gmax = fmax([e.grad for e in scene.edges])
    scene.cmax = fmax([e.change for e in scene.edges])
    out = shown[L]
    if snapshot.mask is not None:
        scene.rated_in = np.asarray(snapshot.mask)[shown[0]]
        scene.rated_out = np.asarray(snapshot.mask)[out]
    scene.target = _at(snapshot.x_target, out)
    scene.error = _at(snapshot.output_error, out)
    if snapshot.heldout_mask is not None:
        scene.heldout = np.asarray(snapshot.heldout_mask)[out]
    layer = ((snapshot.extras or {}).get("sampling") or {}).get("layer")
    scene.sampling = sampling_rows(snapshot, scene, keep.get(layer, ()))
    return scene
