"""How long the Movie map costs: building it in the worker, one hover's neighbours, and the panel's redraw.

    python benchmarks/movie_map.py [--repeat 5]

Shapes: MovieLens-100k's 1682 movies and ML-20M's 27,000, for a user-based model (the decoder's
rows: 20 weights per movie, the app's default 20-10-20; 500 for a wide last layer) and, at the
100k shape, an item-based model (every movie's 500-unit code from the encoder, 943 users in).
Weights are the networks' random initial ones and the ratings synthetic (the cost does not depend
on what was learned). Reference, in the same process: numpy's full SVD of the same centred vectors
(what a plain PCA would call); `vs_svd` is the map's time over it. BLAS is held to one thread, as
in the app's worker. Last line: one JSON object.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import sys
import timeit
from types import SimpleNamespace

import numpy as np

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from aeviz.data.ratings import build_ratings  # noqa: E402
from aeviz.engine import Network  # noqa: E402
from aeviz.engine.movie_map import build_map, decoder_vectors  # noqa: E402
from aeviz.engine.threads import single_threaded_blas  # noqa: E402

GENRES = ("Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary", "Drama",
          "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller", "War",
          "Western", "unknown")


def ms(fn, repeat):
    """Median milliseconds of `repeat` calls."""
    return 1000 * statistics.median(timeit.repeat(fn, number=1, repeat=repeat))


def svd_reference(vectors):
    c = vectors - vectors.mean(axis=0)
    np.linalg.svd(c, full_matrices=False)


def movies(n, seed=0):
    """A ratings object with n titled movies of 19 genres (one synthetic rating each)."""
    rng = np.random.default_rng(seed)
    users = rng.integers(1, 944, n)
    return build_ratings(users, np.arange(1, n + 1), rng.integers(1, 6, n).astype(float),
                         titles=[f"Movie {k + 1}" for k in range(n)],
                         genres=tuple(GENRES[k % len(GENRES)] for k in range(n)))


def engine_rows(repeat):
    rows = []
    for n, dims in ((1682, 20), (1682, 500), (27000, 20), (27000, 500)):
        net = Network([8, dims, n], ["sigmoid", "identity"], seed=0)
        data = SimpleNamespace(movie_genres=tuple(GENRES[k % len(GENRES)] for k in range(n)))
        first = build_map(net, "user", data)
        t_map = ms(lambda: build_map(net, "user", data, previous=first), repeat)
        t_svd = ms(lambda: svd_reference(decoder_vectors(net)), max(1, repeat // 2))
        hover = ms(lambda: [first.neighbours(i) for i in range(0, n, n // 20)], repeat) / len(range(0, n, n // 20))
        rows.append({"model": "user", "movies": n, "dims": dims, "map_ms": t_map, "svd_ms": t_svd,
                     "vs_svd": t_map / t_svd, "hover_ms": hover})
    # an item model at the 100k shape: every movie encoded (943 users in, 500 units), then the map
    rng = np.random.default_rng(1)
    u, i = np.nonzero(rng.random((943, 1682)) < 0.063)
    obs = build_ratings(u + 1, i + 1, rng.integers(1, 6, u.size).astype(float)).transposed()
    net = Network([943, 500, 943], ["sigmoid", "identity"], seed=0)
    first = build_map(net, "item", obs)
    t_map = ms(lambda: build_map(net, "item", obs, previous=first), repeat)
    codes = net.encode(obs.dense_rows(np.arange(1682))[0]).astype(np.float64)
    t_svd = ms(lambda: svd_reference(codes), max(1, repeat // 2))
    hover = ms(lambda: [first.neighbours(k) for k in range(0, 1682, 84)], repeat) / len(range(0, 1682, 84))
    rows.append({"model": "item (encodes)", "movies": 1682, "dims": 500, "map_ms": t_map, "svd_ms": t_svd,
                 "vs_svd": t_map / t_svd, "hover_ms": hover})
    return rows


def panel_rows(repeat):
    """The panel's redraw with a new map (every movie's place set again) and one hover, painted."""
    from PySide6.QtWidgets import QApplication
    from aeviz.engine import DenseRows, ModelConfig, build_trainer
    from aeviz.ui.panels import MovieMapPanel
    app = QApplication.instance() or QApplication(sys.argv)
    out = []
    for n in (1682, 27000):
        r = movies(n)
        net = Network([8, 20, n], ["sigmoid", "identity"], seed=0)
        maps = [build_map(net, "user", r)]
        net.weights[-1][...] += 0.01  # a second map: the draw must place every movie again
        maps.append(build_map(net, "user", r, previous=maps[0]))
        marks = {"user": 0, "rated": np.arange(0, n, 37), "recommended": np.arange(5, 15), "label": None}
        w = MovieMapPanel()
        w.placing.share = 0  # every map drawn: what one costs (the app waits 4x that between maps)
        w.set_dataset(r)
        w.resize(440, 760)
        w.show()
        app.processEvents()
        snap = build_trainer(ModelConfig(hidden=(2,)), DenseRows(np.eye(3))).snapshot()  # extras replaced
        k = [0]

        def redraw():
            k[0] += 1
            w.show_snapshot(dataclasses.replace(snap, extras={"movie_map": maps[k[0] % 2], "movie_marks": marks}))
            w.grab()

        def hover():
            k[0] += 1
            w.hover_movie(k[0] * 7 % n)
            w.grab()

        redraw()
        out.append({"movies": n, "redraw_ms": ms(redraw, repeat), "hover_paint_ms": ms(hover, repeat)})
        w.close()
        w.deleteLater()
        app.processEvents()
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    single_threaded_blas()
    rows = engine_rows(args.repeat)
    print(f"{'model':<16}{'movies':>8}{'dims':>6}{'map ms':>10}{'full SVD ms':>13}{'map/SVD':>9}{'hover ms':>10}")
    for r in rows:
        print(f"{r['model']:<16}{r['movies']:>8}{r['dims']:>6}{r['map_ms']:>10.1f}{r['svd_ms']:>13.1f}"
              f"{r['vs_svd']:>9.2f}{r['hover_ms']:>10.2f}")
    gui = panel_rows(args.repeat)
    print(f"\n{'panel (offscreen, 440x760)':<28}{'redraw, new map ms':>20}{'hover + paint ms':>18}")
    for g in gui:
        print(f"{str(g['movies']) + ' movies':<28}{g['redraw_ms']:>20.1f}{g['hover_paint_ms']:>18.1f}")
    print(json.dumps({"engine": [{k: (round(v, 3) if isinstance(v, float) else v) for k, v in r.items()} for r in rows],
                      "panel": [{k: (round(v, 2) if isinstance(v, float) else v) for k, v in g.items()} for g in gui],
                      "data": "synthetic ratings, random initial weights", "blas_threads": 1}))


if __name__ == "__main__":
    main()
