"""What the app shows of a VAE and of the code space: the sampling of one user's code, term by
term, every user's spread (sigma) as an ellipse in the Code panel's plane, and the imaginary user
a walk in that plane decodes. Plain data for the panels; no Qt."""
from __future__ import annotations

import numpy as np

from .latent import as_imagined, imagined_code, imagined_user
from .vae import KLDivergence, VAENetwork

ELLIPSE_POINTS = 24


def _beta(trainer) -> float:
    return next((p.beta for p in trainer.penalties if isinstance(p, KLDivergence)), 0.0)


def sampling_view(trainer, row: int, from_trainer: bool) -> dict | None:
    """mu, sigma, eps, z of `row`'s code with the KL term and the gradients through the
    reparameterisation: the trainer's own numbers when `row` is the observation it stepped,
    else a preview from the current weights (z = mu, no eps drawn). None for other networks."""
    net = trainer.network
    if not isinstance(net, VAENetwork):
        return None
    s = trainer.last_sampling if from_trainer else None
    if s is None:
        x, _ = trainer.train_set.dense_rows([row])
        mu, sigma = (a[0].astype(np.float64) for a in net.encode_distribution(x))
        logvar, eps, dz, dlv = 2.0 * np.log(sigma), None, None, None
    else:
        mu, logvar, sigma = (np.asarray(s[k], dtype=np.float64) for k in ("mu", "logvar", "sigma"))
        eps = np.asarray(s["eps"], dtype=np.float64)
        dz = np.asarray(s["dL_dz"], dtype=np.float64) if "dL_dz" in s else None
        dlv = np.asarray(s["dL_dlogvar"], dtype=np.float64) if "dL_dlogvar" in s else None
    beta = _beta(trainer)
    kl_units = 0.5 * (mu ** 2 + sigma ** 2 - 1.0 - logvar)
    batch = max(int(trainer.batch_size), 1)
    return {
        "units": int(mu.size), "layer": net.code_layer, "mu": mu, "sigma": sigma, "logvar": logvar,
        "eps": eps, "z": mu + sigma * eps if eps is not None else mu.copy(),
        "beta": float(beta), "kl_units": kl_units, "kl": float(kl_units.sum()), "batch": batch,
        "dL_dz": dz, "dL_dmu": dz + beta * mu / batch if dz is not None else None,
        "dL_dlogvar": dlv, "from_step": s is not None,
    }


def code_ellipses(network, x, axes=None, mean=None) -> np.ndarray | None:
    """One closed polyline per user (NaN-separated, shape (P, 2)): the 1-sigma ellipse of q(z|x)
    in the plane the Code panel draws (the first two units, or the PCA axes: the diagonal
    covariance projected, so each ellipse is the projection of the user's spread)."""
    if not isinstance(network, VAENetwork):
        return None
    mu, sigma = (a.astype(np.float64) for a in network.encode_distribution(x))
    if axes is None:
        if mu.shape[1] < 2:
            return None
        axes, mean = np.eye(mu.shape[1])[:, :2], np.zeros(mu.shape[1])
    centre = (mu - mean) @ axes  # (N, 2)
    var = sigma ** 2
    # projected covariance A^T diag(var) A per user, as (N, 2, 2)
    cov = np.einsum("ki,nk,kj->nij", axes, var, axes)
    vals, vecs = np.linalg.eigh(cov)
    t = np.linspace(0.0, 2.0 * np.pi, ELLIPSE_POINTS)
    circle = np.stack([np.cos(t), np.sin(t)])  # (2, T)
    pts = np.einsum("nij,nj,jt->nti", vecs, np.sqrt(np.maximum(vals, 0.0)), circle) + centre[:, None, :]
    out = np.full((pts.shape[0], ELLIPSE_POINTS + 1, 2), np.nan)
    out[:, :ELLIPSE_POINTS] = pts
    return out.reshape(-1, 2)


def imagined_reconstruction(trainer, spec: dict, every: dict, rec: dict) -> dict:
    """The Reconstruction / Recommendations record of the imaginary user a walk asks for."""
    z, label = imagined_code(trainer.network, trainer.train_set, spec, every, trainer.orientation)
    return as_imagined(rec, imagined_user(trainer.network, z, trainer.clip), label)
