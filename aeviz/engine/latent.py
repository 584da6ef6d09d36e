"""A latent space you can walk: decode any point of the code space into an "imaginary user".

For an item model (each movie an observation) the plane holds movies and the decoder's answer is
an "imaginary movie": every user's predicted rating of it, so the users it would please most.

The Code panel's plane is either the code itself (2 units) or a PCA projection of it; a point of
the plane is lifted back into the code space (for a projection: the mean code plus the point along
the two main directions, so only those two directions move), and the decoder alone turns it into
that user's predicted ratings. Interpolating between two users walks the straight line between
their codes; a VAE can also draw a code from its prior N(0, I).
"""
from __future__ import annotations

import numpy as np


def decode(network, z) -> np.ndarray:
    """The layers after the code: a code (B, k) -> outputs (B, n). For a VAE, z is read as the
    sample the decoder would get."""
    h = np.atleast_2d(np.asarray(z, dtype=network.dtype))
    for l in range(network.bottleneck_layer(), network.n_layers):
        a = h @ network.weights[l].T
        if network.bias:
            a += network.biases[l]
        h = network.activations[l].forward(a, out=a)
    return h


def code_of(network, x) -> np.ndarray:
    """Each row's code (a VAE's mean)."""
    return network.encode(x).astype(np.float64)


def lift(xy, units: int, axes=None, mean=None) -> np.ndarray:
    """A point of the Code panel's plane as a code: the two units themselves, or the mean code
    moved along the projection's two axes."""
    xy = np.asarray(xy, dtype=np.float64).reshape(2)
    if axes is None:
        if units != 2:
            raise ValueError("a point of the plane is a code only for a 2-unit code; give the projection")
        return xy.copy()
    return np.asarray(mean, dtype=np.float64) + np.asarray(axes, dtype=np.float64) @ xy


def interpolate(z_a, z_b, t: float) -> np.ndarray:
    """The code a fraction t of the way from z_a to z_b."""
    t = float(np.clip(t, 0.0, 1.0))
    return (1.0 - t) * np.asarray(z_a, dtype=np.float64) + t * np.asarray(z_b, dtype=np.float64)


def prior_sample(units: int, seed: int) -> np.ndarray:
    """z ~ N(0, I), reproducible from `seed`."""
    return np.random.default_rng(int(seed)).standard_normal(int(units))


def imagined_user(network, z, clip=None, n: int = 10) -> dict:
    """The decoder's answer for code `z`: every entry's score (movies for a user model, users
    for an item model) and the top `n`, best first (an imaginary observation has no ratings, so
    every entry is a candidate)."""
    y = decode(network, z)[0].astype(np.float64)
    shown = np.clip(y, *clip) if clip is not None else y
    top = np.argsort(-shown, kind="stable")[:n]
    return {"z": np.asarray(z, dtype=np.float64), "output": y, "output_clipped": shown,
            "top": [(int(i), float(shown[i])) for i in top]}


def observation_name(train, row: int, orientation: str = "user") -> str:
    """How a label names observation `row`: a user by id, a movie by title (an item model's
    rows are movies: `train` is then the transposed view, which still names them)."""
    row = int(row)
    if orientation == "item":
        titles = getattr(train, "movie_titles", None)
        return str(titles[row]) if titles is not None and 0 <= row < len(titles) else f"movie row {row + 1}"
    ids = getattr(train, "user_ids", None)
    return f"user {ids[row]}" if ids is not None and 0 <= row < len(ids) else f"user row {row + 1}"


def imagined_code(network, train, spec: dict, every: dict, orientation: str = "user") -> tuple[np.ndarray, str]:
    """(code, label) for a walk request: {"kind": "point", "xy": (x, y)} in the Code panel's
    plane (`every`: its projection), {"kind": "between", "a": row, "b": row, "t": 0..1}, or
    {"kind": "prior", "seed": s} (a VAE's N(0, I)). The label names an imaginary user, or for
    an item model an imaginary movie."""
    kind = spec.get("kind")
    units = int(every["units"])
    who = "imaginary movie" if orientation == "item" else "imaginary user"
    if kind == "point":
        xy = np.asarray(spec["xy"], dtype=np.float64)
        if units == 1:
            return xy[:1].copy(), f"{who} at unit 1 = {xy[0]:.3g}"
        z = lift(xy, units, every.get("_axes"), every.get("_mean"))
        where = "" if every.get("_axes") is None else " of the 2-D projection"
        return z, f"{who} at ({xy[0]:.3g}, {xy[1]:.3g}){where}"
    if kind == "between":
        a, b, t = int(spec["a"]), int(spec["b"]), float(spec["t"])
        za, zb = code_of(network, train.dense_rows([a, b])[0])
        names = (observation_name(train, r, orientation) for r in (a, b))
        return interpolate(za, zb, t), f"{who} {t:.0%} of the way from {next(names)} to {next(names)}"
    if kind == "prior":
        seed = int(spec.get("seed", 0))
        return prior_sample(units, seed), f"{who} drawn from the prior N(0, I) (draw {seed})"
    raise ValueError(f"unknown walk {kind!r}")


def as_imagined(rec: dict, view: dict, label: str) -> dict:
    """A Reconstruction panel record (insights' layout) for an imaginary user: no ratings, none
    held out, every movie ordered by the decoder's prediction."""
    y, yc = view["output"], view["output_clipped"]
    none = np.zeros(y.size, dtype=bool)
    zeros = np.zeros(y.size)
    return {**rec, "input": zeros, "output": y, "output_clipped": yc, "mask": none,
            "heldout_mask": none, "heldout_values": zeros, "order": np.argsort(-yc, kind="stable"),
            "distance": None, "rmse_rated": None, "rmse_heldout": None, "n_rated": 0, "n_heldout": 0,
            "label": label, "code": view["z"]}
