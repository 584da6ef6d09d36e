"""Make the sample datasets in resources/ (synthetic, fixed seed; the output is committed).

    python scripts/make_sample.py          # writes resources/tiny.csv and resources/genres/*
    python scripts/make_sample.py --check  # also prints item-mean vs low-rank held-out RMSE

* tiny.csv: wide table, header ``user,<6 titles>``, 8 users x 6 movies, 1-5 stars, 0 = not rated.
* genres/ratings.csv + genres/movies.csv: ml-latest-like, 300 users x 60 movies in five
  latent genres; each user's taste is a mix of genre affinities plus noise; each movie is
  mostly one genre; users rate ~35% of movies, more of the genres they like.
"""
from __future__ import annotations

import argparse
import csv
import pathlib

import numpy as np

SEED = 20240603
ROOT = pathlib.Path(__file__).resolve().parents[1]
RES = ROOT / "resources"

GENRES = ("Action", "Comedy", "Drama", "Sci-Fi", "Romance")
# Invented titles (any resemblance to real films is accidental), 12 per genre.
TITLES = {
    "Action": ["Steel Horizon", "Redline Protocol", "Iron Harbor", "The Last Convoy", "Blackout Run",
               "Crossfire Alley", "Thunder Pass", "Zero Hour Strike", "Granite Fist", "Night Raid at Kesh",
               "Hollow Point", "Vendetta Road"],
    "Comedy": ["My Neighbor's Goat", "The Wedding Crashers' Cousin", "Accidentally Mayor", "Two Left Feet",
               "Office Party Panic", "Grandma Goes Viral", "The Substitute Chef", "Honk If You're Lost",
               "Pajama Summit", "Lucky Socks", "Oops, Wrong House", "Uncle Barry's Boat"],
    "Drama": ["The Quiet Orchard", "Letters from Aldgate", "Salt and Ashes", "A Winter in Tromsø",
              "The Weight of Rivers", "Paper Lanterns", "Still Waters, Deep Roots", "The Long Shift",
              "Borrowed Names", "Harvest Moon Road", "The Glassmaker's Son", "What the Tide Leaves"],
    "Sci-Fi": ["Orbital Decay", "The Kepler Drift", "Signal from Tau Ceti", "Neon Genesis Station",
               "Chrono Loop", "The Mars Ledger", "Synthetic Dawn", "Gravity Well", "Echoes of Andromeda",
               "Quantum Harvest", "The Ninth Colony", "Starlight Protocol"],
    "Romance": ["Love, Again", "Summer in Saint-Malo", "The Bookshop Letters", "Two Tickets to Lisbon",
                "Maybe Tomorrow", "Rain on Rue Cler", "The Proposal Season", "Dancing at the Pier",
                "Hearts of the Valley", "Second Spring", "Postcards to Nobody", "A Kiss in Kyoto"],
}


def make_genres(rng: np.random.Generator, n_users=300, per_genre=12):
    g = len(GENRES)
    n_items = g * per_genre
    primary = np.repeat(np.arange(g), per_genre)
    # movie profile: mostly its primary genre, a little of one other
    profile = np.zeros((n_items, g))
    profile[np.arange(n_items), primary] = 0.8
    secondary = (primary + rng.integers(1, g, n_items)) % g
    profile[np.arange(n_items), secondary] += 0.2
    # user taste: a mix of genre affinities (centred), plus noise
    taste = rng.normal(0, 1.0, (n_users, g))
    favourite = rng.integers(0, g, n_users)
    taste[np.arange(n_users), favourite] += 1.2
    user_bias = rng.normal(0, 0.3, n_users)
    item_bias = rng.normal(0, 0.3, n_items)
    affinity = taste @ profile.T  # users x items
    raw = 3.0 + 0.9 * affinity + user_bias[:, None] + item_bias[None, :] + rng.normal(0, 0.45, affinity.shape)
    ratings = np.clip(np.rint(raw), 1, 5).astype(int)
    # who rates what: ~35% on average, more of the genres a user likes
    p = 0.35 * np.exp(0.6 * (affinity - affinity.mean(axis=1, keepdims=True)))
    p = np.clip(p * (0.35 / p.mean()), 0.02, 0.95)
    rated = rng.random(affinity.shape) < p
    for u in range(n_users):  # everyone rates at least 8 movies
        if rated[u].sum() < 8:
            rated[u, rng.choice(n_items, 8, replace=False)] = True
    movie_ids = np.sort(rng.choice(np.arange(1, 400), n_items, replace=False))  # ids with gaps
    years = rng.integers(1978, 2023, n_items)
    titles, genre_str = [], []
    for j in range(n_items):
        name = TITLES[GENRES[primary[j]]][j % per_genre]
        titles.append(f"{name} ({years[j]})")
        genre_str.append(GENRES[primary[j]] + ("|" + GENRES[secondary[j]] if profile[j, secondary[j]] else ""))
    return movie_ids, titles, genre_str, ratings, rated


def write_genres(folder: pathlib.Path, seed=SEED):
    rng = np.random.default_rng(seed)
    movie_ids, titles, genre_str, ratings, rated = make_genres(rng)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "movies.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["movieId", "title", "genres"])
        for mid, t, g in zip(movie_ids, titles, genre_str):
            w.writerow([int(mid), t, g])
    t0 = 1_262_304_000  # 2010-01-01
    with open(folder / "ratings.csv", "w", newline="", encoding="utf-8") as f:
        f.write("userId,movieId,rating,timestamp\n")
        for u in range(ratings.shape[0]):
            stamp = t0 + int(rng.integers(0, 300_000_000))
            for j in np.flatnonzero(rated[u]):
                stamp += int(rng.integers(60, 86_400))
                f.write(f"{u + 1},{int(movie_ids[j])},{float(ratings[u, j]):.1f},{stamp}\n")


def write_tiny(path: pathlib.Path, seed=SEED):
    """8 users x 6 movies: three action, three romance; users lean one way."""
    rng = np.random.default_rng(seed + 1)
    names = ["Steel Horizon", "Redline Protocol", "Iron Harbor", "Love, Again", "Maybe Tomorrow",
             "Second Spring"]
    lean = np.array([1, 1, 1, 1, -1, -1, -1, -1])  # +1 likes action, -1 likes romance
    kind = np.array([1, 1, 1, -1, -1, -1])
    raw = 3 + 1.5 * lean[:, None] * kind[None, :] + rng.normal(0, 0.5, (8, 6))
    r = np.clip(np.rint(raw), 1, 5).astype(int)
    r[rng.random(r.shape) < 0.25] = 0  # not rated
    for u in range(8):  # at least 3 ratings each
        if (r[u] > 0).sum() < 3:
            r[u, rng.choice(6, 3, replace=False)] = np.clip(np.rint(raw[u]), 1, 5).astype(int)[:3]
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["user"] + names)
        for u in range(8):
            w.writerow([u + 1] + [int(x) for x in r[u]])


def heldout_rmse(ratings, rank=5, seed=0, epochs=30, reg=2.0):
    """(item-mean baseline RMSE, low-rank ALS RMSE) on an 80/20 per-user holdout."""
    import sys
    sys.path.insert(0, str(ROOT))
    from aeviz.data import holdout_split
    split = holdout_split(ratings, 0.2, seed=seed)
    tr_v, tr_m = split.train.to_dense()
    te_v, te_m = split.test.to_dense()
    mu = split.train.global_mean()
    item_mean = split.train.item_means(fill=mu)
    base = np.sqrt(np.mean((te_v[te_m] - np.broadcast_to(item_mean, te_v.shape)[te_m]) ** 2))
    # ALS on residuals from the item means
    R = np.where(tr_m, tr_v - item_mean, 0.0)
    rng = np.random.default_rng(seed)
    n_u, n_i = R.shape
    U = rng.normal(0, 0.1, (n_u, rank))
    V = rng.normal(0, 0.1, (n_i, rank))
    eye = reg * np.eye(rank)
    for _ in range(epochs):
        for u in range(n_u):
            m = tr_m[u]
            Vm = V[m]
            U[u] = np.linalg.solve(Vm.T @ Vm + eye, Vm.T @ R[u, m])
        for i in range(n_i):
            m = tr_m[:, i]
            Um = U[m]
            V[i] = np.linalg.solve(Um.T @ Um + eye, Um.T @ R[m, i])
    pred = np.clip(item_mean + U @ V.T, split.train.scale.minimum, split.train.scale.maximum)
    low = np.sqrt(np.mean((te_v[te_m] - pred[te_m]) ** 2))
    return float(base), float(low)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="print held-out RMSE of item means vs low rank")
    args = ap.parse_args(argv)
    write_tiny(RES / "tiny.csv")
    write_genres(RES / "genres")
    print(f"wrote {RES / 'tiny.csv'} and {RES / 'genres'}")
    if args.check:
        import sys
        sys.path.insert(0, str(ROOT))
        from aeviz.data import load_sample
        r = load_sample("genres")
        print(r, f"density {r.density:.2f}")
        base, low = heldout_rmse(r)
        print(f"held-out RMSE: item mean {base:.3f}, rank-5 ALS {low:.3f}")


if __name__ == "__main__":
    main()
