"""A map of the movies: every movie as a vector read from the trained network, drawn in 2-D.

Where a movie's vector comes from depends on what one observation is (engine/orientation.py):

- user-based model (each user an observation, each movie an output unit): the decoder's last
  weight matrix W_L (movies x units) has one row per movie, the weights through which the last
  hidden layer writes that movie's predicted rating. Two movies with similar rows get similar
  predictions from every user, so similar rows mean "liked by the same people". The output bias
  is left out by default: it only moves a movie's rating up or down for everyone (its popularity),
  which is not a direction of taste.
- item-based model (each movie an observation, I-AutoRec): the movie's own code, the encoder's
  output for that movie's ratings by every user.

The map is the PCA projection of those vectors to two dimensions (`insights.pca_2d`, the same
projection as the Code panel's, with the share of the variance each axis explains); nearest
neighbours are by cosine similarity in the full vector space, not on the map, which loses most of
the variance. Like the PCA, the cosine reads the vectors centred on the average movie: the part
every movie shares (with sigmoid units, much of each movie's average rating) would otherwise make
every pair look alike (on MovieLens-100k a user model's raw rows all lie within cosine 0.85-0.95 of
each other). A movie with a handful of ratings keeps nearly its random initial vector, so the
neighbours can be limited to movies with at least `min_ratings` training ratings. Neighbours are asked one movie at a time (a hover): one matrix-vector product over
unit rows, a few milliseconds for 27,000 movies, where every movie's neighbours at once would cost
n^2 (minutes on ML-20M).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .orientation import as_users
from .snapshot import frozen

N_NEIGHBOURS = 5
ENCODE_CELLS = 1 << 22  # observations x inputs densified at once when encoding every movie

__all__ = ["MovieMap", "decoder_vectors", "encoder_vectors", "project", "unit_rows", "centred", "nearest",
           "genre_index", "ratings_per_movie", "build_map", "user_marks", "N_NEIGHBOURS"]


@dataclass(frozen=True, eq=False)
class MovieMap:
    """Every movie's place on the map, read-only, safe to hand to the GUI thread.

    xy: (n, 2) the projection (NaN rows where a vector was not finite); explained: each axis's
    share of the total variance; unit: (n, dims) the vectors scaled to length 1 (what cosine
    similarity reads); genre: (n,) index into genre_names, -1 where unknown (None: no genres)."""

    xy: np.ndarray
    explained: tuple
    unit: np.ndarray
    source: str  # "decoder" (a user model's output weights) or "encoder" (an item model's codes)
    dims: int
    with_bias: bool
    genre: np.ndarray | None
    genre_names: tuple
    axes: np.ndarray  # (dims, 2): the next projection keeps their signs (the map does not flip)
    counts: np.ndarray | None = None  # (n,) training ratings per movie (None: unknown)
    genres_from: object = None  # the genre strings the index was made from (reused while unchanged)
    counts_from: object = None  # the ratings the counts were made from (reused while unchanged)

    @property
    def n_movies(self) -> int:
        return int(self.xy.shape[0])

    def neighbours(self, movie: int, k: int = N_NEIGHBOURS, min_ratings: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """(movies, cosine similarities) of the k movies most similar to `movie`, best first, among
        those with at least `min_ratings` training ratings."""
        among = self.counts >= min_ratings if min_ratings > 0 and self.counts is not None else None
        return nearest(self.unit, movie, k, among)


def decoder_vectors(network, with_bias: bool = False) -> np.ndarray:
    """A user model's movie vectors: the rows of the last weight matrix (movies x units), and the
    output bias as one more column when asked."""
    w = np.asarray(network.weights[-1], dtype=np.float64)
    if with_bias and network.bias:
        return np.column_stack([w, np.asarray(network.biases[-1], dtype=np.float64)])
    return w.copy()


def encoder_vectors(network, observations, cells: int = ENCODE_CELLS) -> np.ndarray:
    """An item model's movie vectors: every movie's code (a VAE's mean), the movies encoded in
    blocks of about `cells` dense cells so memory stays bounded on large data."""
    n, width = observations.n_users, observations.n_items
    step = max(1, cells // max(width, 1))
    out = np.empty((n, network.sizes[network.bottleneck_layer()]), dtype=np.float64)
    for lo in range(0, n, step):
        x, _ = observations.dense_rows(np.arange(lo, min(n, lo + step)))
        out[lo:lo + len(x)] = network.encode(x)
    return out


def project(vectors: np.ndarray, previous_axes=None) -> tuple[np.ndarray, tuple, np.ndarray]:
    """(xy (n, 2), (share of PC1, share of PC2), axes (dims, 2)) of the PCA of `vectors`' rows.
    Rows that are not finite are left out of the fit and get NaN places."""
    v = np.asarray(vectors, dtype=np.float64)
    n, dims = v.shape
    ok = np.isfinite(v).all(axis=1)
    xy = np.full((n, 2), np.nan)
    if ok.sum() < 2 or dims == 0:
        return xy, (0.0, 0.0), np.zeros((dims, 2))
    if dims == 1:  # one direction: the map is a line
        c = v[ok, 0] - v[ok, 0].mean()
        xy[ok] = np.column_stack([c, np.zeros_like(c)])
        return xy, (1.0 if c.any() else 0.0, 0.0), np.array([[1.0, 0.0]])
    from .insights import pca_2d  # the Code panel's projection (insights imports this module)
    xy[ok], axes, _, explained = pca_2d(v[ok], previous_axes)
    return xy, (float(explained[0]), float(explained[1])), axes


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """float32 rows scaled to length 1; a zero or non-finite row becomes all zeros (similar to
    nothing)."""
    v = np.asarray(vectors, dtype=np.float64)
    v = np.where(np.isfinite(v).all(axis=1, keepdims=True), v, 0.0)
    norm = np.linalg.norm(v, axis=1, keepdims=True)
    return np.divide(v, norm, out=np.zeros_like(v), where=norm > 0).astype(np.float32)


def nearest(unit: np.ndarray, movie: int, k: int = N_NEIGHBOURS, among=None) -> tuple[np.ndarray, np.ndarray]:
    """The k rows of `unit` (unit-length rows) with the highest cosine similarity to row `movie`,
    itself, rows without a vector (all zeros) and rows outside the mask `among` excluded, best first
    (ties by row): (rows, similarities)."""
    movie = int(movie)
    has = unit.any(axis=1)
    if among is not None:
        has = has & among
        has[movie] = unit[movie].any()
    sims = unit @ unit[movie]
    sims[~has] = -np.inf
    sims[movie] = -np.inf
    k = min(int(k), int(has.sum()) - int(has[movie])) if has[movie] else 0
    if k <= 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    top = np.argpartition(-sims, k - 1)[:k]
    top = top[np.lexsort((top, -sims[top]))]
    return top.astype(np.int64), sims[top].astype(np.float64)


def genre_index(genres) -> tuple[tuple, np.ndarray | None]:
    """(sorted genre names, index per movie with -1 where unknown), or ((), None) without genres."""
    names = sorted({str(g) for g in genres if g}) if genres else []
    if not names:
        return (), None
    lookup = {g: k for k, g in enumerate(names)}
    return tuple(names), np.array([lookup.get(str(g), -1) if g else -1 for g in genres], dtype=np.int64)


def build_map(network, orientation: str, observations, codes=None, previous: MovieMap | None = None,
              with_bias: bool = False, projection=None) -> MovieMap:
    """The map of every movie for a network of this orientation trained on `observations` (what the
    model sees: users x movies, or movies x users for an item model). `codes`: every movie's code
    when the caller already has them (an item model), and `projection`: their PCA (xy, explained,
    axes) when it was made already (the Code panel's, for an item model: the same codes); `previous`:
    the last map, whose axes' signs and genre index are kept."""
    if orientation != "item":
        codes = projection = None  # (a user model's codes are users')
    if orientation == "item":
        vectors = np.asarray(codes, dtype=np.float64) if codes is not None else encoder_vectors(network, observations)
        source = "encoder"
    else:
        vectors = decoder_vectors(network, with_bias)
        source = "decoder"
    keep = previous is not None and previous.axes.shape == (vectors.shape[1], 2) and previous.source == source
    if projection is not None and codes is not None:
        xy, explained, axes = (np.asarray(projection[0], dtype=np.float64), tuple(projection[1]),
                               np.asarray(projection[2], dtype=np.float64))
    else:
        xy, explained, axes = project(vectors, previous.axes if keep else None)
    genres = getattr(observations, "movie_genres", None)  # whichever axis the movies are on
    if previous is not None and previous.genres_from is genres and previous.n_movies == len(xy):
        names, index = previous.genre_names, previous.genre
    else:
        names, index = genre_index(genres)
    if previous is not None and previous.counts_from is observations and previous.n_movies == len(xy):
        counts = previous.counts
    else:
        counts = frozen(ratings_per_movie(observations, orientation, len(xy)))
    return MovieMap(xy=frozen(xy), explained=explained, unit=frozen(unit_rows(centred(vectors))), source=source,
                    dims=int(vectors.shape[1]), with_bias=bool(with_bias and source == "decoder" and network.bias),
                    genre=frozen(index), genre_names=names, axes=frozen(axes), counts=counts,
                    genres_from=genres, counts_from=observations)


def centred(vectors: np.ndarray) -> np.ndarray:
    """The vectors minus the average movie's (over the finite rows)."""
    v = np.asarray(vectors, dtype=np.float64)
    ok = np.isfinite(v).all(axis=1)
    return v - (v[ok].mean(axis=0) if ok.any() else 0.0)


def ratings_per_movie(observations, orientation: str, n: int) -> np.ndarray | None:
    """Training ratings of each movie: an item model's rows, a user model's columns (None when the
    data cannot say)."""
    counts = getattr(observations, "rated_counts_per_user" if orientation == "item" else "rated_counts_per_item", None)
    if counts is None:
        return None
    c = np.asarray(counts(), dtype=np.int64)
    return c if c.shape == (n,) else None


def user_marks(observations, orientation: str, recommendations: dict | None) -> dict | None:
    """The movies to mark for the user the Recommendations panel shows: those they rated in
    training and those recommended to them. An imaginary user (a latent walk) rated nothing."""
    if not recommendations or recommendations.get("row") is None:
        return None
    user = int(recommendations["row"])
    rated = np.zeros(0, dtype=np.int64)
    if not recommendations.get("label"):
        _, mask = as_users(observations, orientation).dense_rows([user])
        rated = np.flatnonzero(mask[0])
    return {"user": user, "rated": frozen(rated), "label": recommendations.get("label"),
            "recommended": frozen(np.asarray(recommendations["items"], dtype=np.int64))}
