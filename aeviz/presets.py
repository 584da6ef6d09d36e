"""Ready-made models for the app's Presets menu and the CLI's defaults (no Qt here).

Each preset is a dataset plus a ModelConfig chosen so that the thing it demonstrates really happens
on that dataset within a minute or two of training; the explanation says what to watch for.
The settings were measured with `benchmarks/types_rmse.py` and by hand on the bundled samples.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .engine.config import ModelConfig, build_network, build_trainer

TOY_TITLES = ("Movie A", "Movie B", "Movie C", "Movie D")


def toy_ratings():
    """The seed's 4 users x 4 movies one-hot table; every cell is a rating, zeros included."""
    from .data.ratings import BINARY, Ratings
    n = 4
    return Ratings(indptr=np.arange(0, n * n + 1, n, dtype=np.int64),
                   indices=np.tile(np.arange(n, dtype=np.int32), n),
                   values=np.eye(n, dtype=np.float32).ravel(),
                   user_ids=np.arange(1, n + 1, dtype=np.int64), item_ids=np.arange(1, n + 1, dtype=np.int64),
                   titles=TOY_TITLES, scale=BINARY, source="the seed's 4-2-4 example")


@dataclass(frozen=True)
class Preset:
    key: str
    title: str
    explanation: str
    config: ModelConfig
    dataset: str  # "toy", or a bundled sample name ("genres", "tiny")
    epochs: int = 20  # a sensible number of epochs to run (the CLI's default)
    # (weights per layer, biases or None) to start from; also in config.extras["initial_weights"]
    # (JSON lists), which build_network honours, so any code building from the config gets them
    initial_weights: tuple | None = None
    # early stopping's patience for `train --preset` (epochs without a better validation RMSE);
    # None: the CLI's default
    patience: int | None = None

    def load_dataset(self):
        """The preset's ratings (aeviz.data.Ratings)."""
        if self.dataset == "toy":
            return toy_ratings()
        from .data import load_sample
        return load_sample(self.dataset)

    def build_network(self, n_items: int):
        weights, biases = self.initial_weights if self.initial_weights else (None, None)
        return build_network(self.config, n_items, weights=weights, biases=biases)

    def make_trainer(self, ratings=None):
        """(trainer, split or None): the preset's data split as configured (per user), network ready
        to train on it in the preset's orientation (engine/orientation.py)."""
        ratings = self.load_dataset() if ratings is None else ratings
        split, parts = split_for(self.config, ratings)
        net = self.build_network(parts["train"].n_items) if self.initial_weights else None
        if self.dataset == "toy":
            parts["clip"] = None  # softmax probabilities: nothing to clip
        return build_trainer(self.config, network=net, **parts), split


def split_for(config: ModelConfig, ratings):
    """(split or None, build_trainer's data arguments): the config's seeded split into train,
    validation (from the training ratings) and test, made per user, then seen in the config's
    orientation (engine/orientation.py), and predictions clipped to the rating scale. The split
    returned stays users x items (baselines and top-N read it). Every caller (app, presets, CLI)
    splits through here, so they split alike."""
    from .data import three_way_split
    from .engine.orientation import observations
    clip = (float(ratings.scale.minimum), float(ratings.scale.maximum))
    if config.test_fraction <= 0 and config.validation_fraction <= 0:
        return None, {"train": observations(ratings, config.orientation), "test": None, "validation": None,
                      "clip": clip}
    split = three_way_split(ratings, config.test_fraction, config.validation_fraction, config.seed)
    test = split.test if split.test.nnz else None
    val = split.validation if split.validation is not None and split.validation.nnz else None
    train = split.train
    if config.implicit:  # the network learns likes over every cell; held-out parts stay stars
        from .data.implicit import implicit
        train, clip = implicit(train), None

    def seen(part):
        return observations(part, config.orientation)
    return split, {"train": seen(train), "test": seen(test), "validation": seen(val), "clip": clip}


def _toy() -> Preset:
    from .engine.toy import DECODER, ENCODER
    cfg = ModelConfig(hidden=(2,), hidden_activation="identity", output_activation="softmax", bias=False,
                      tied=True, init="zeros", loss="cross_entropy", optimizer="sgd", lr=0.1,
                      batch_size=1, shuffle=False, test_fraction=0.0, validation_fraction=0.0,
                      extras={"initial_weights": [ENCODER.tolist(), DECODER.tolist()]})
    return Preset(
        "toy", "The seed's example (4-2-4)",
        "Four users, each rating exactly one movie: every 1 and every 0 is a rating. Step the first "
        "user forward: the hidden layer shows [1 1], the output [2 0 0 -2], and the softmax "
        "[0.78 0.10 0.10 0.01], whose arg-max is the input's one-hot [1 0 0 0]. Then step backward and "
        "watch the cross-entropy pull the other three outputs down.",
        cfg, "toy", epochs=50,
        initial_weights=([ENCODER.copy(), DECODER.copy()], None))


# The tutorial's user-based network: 20-10-20 at twice the width, Adam lr 0.001, batches of 8 users,
# 5 epochs of greedy layer-wise pre-training per encoder layer. The best user-based network that
# benchmarks/tune_recommender.py's 18 candidates found by validation RMSE on MovieLens-100k
# (validation 0.9402), yet only level with user + item biases on the test ratings (0.950 against
# 0.946), so the recommender preset is item-based (RECOMMENDER below); the online presets start here.
TUTORIAL = ModelConfig(hidden=(40, 20, 40), hidden_activation="sigmoid", output_activation="identity",
                       optimizer="adam", lr=0.001, batch_size=8, shuffle=True, seed=0, test_fraction=0.2,
                       validation_fraction=0.05, pretrain_epochs=5)
# The other presets step one user at a time with a larger step, so their story shows in a few epochs.
ONLINE = TUTORIAL.with_(hidden=(20, 10, 20), lr=0.01, batch_size=1, pretrain_epochs=0)
OVERCOMPLETE = ONLINE.with_(hidden=(120,), lr=0.005)
# Mult-VAE on implicit feedback (Liang et al. 2018), settings chosen on MovieLens-100k's validation
# ratings by benchmarks/tune_vae.py; `train --implicit --type vae` starts from these
VARIATIONAL = ModelConfig(kind="vae", hidden=(256, 64, 256), hidden_activation="tanh",
                          output_activation="identity", loss="multinomial", implicit=True,
                          optimizer="adam", lr=0.001, batch_size=100, shuffle=True, seed=0,
                          beta=0.2, anneal_steps=2000, dropout=0.5)
# I-AutoRec (Sedhain et al. 2015): each movie an observation, 500 sigmoid units, identity output,
# squared errors summed over the ratings + an L2 penalty (the paper's lambda = weight_penalty x number
# of movies, see losses.MaskedSSE; the penalty leaves the biases free, penalties.L2Weights), with 20%
# masking noise on the input, which validation preferred (0.887 against 0.896 without).
I_AUTOREC = ModelConfig(hidden=(500,), hidden_activation="sigmoid", output_activation="identity",
                        loss="sse", optimizer="adam", lr=0.0002, weight_penalty=0.1, batch_size=32,
                        shuffle=True, seed=0, test_fraction=0.2, orientation="item",
                        kind="denoising", noise="mask", noise_level=0.2)
# The item-autorec preset: I-AutoRec with a learning rate that starts at 5e-4 and shrinks by 1.5% an
# epoch (engine/schedule.py), so that Adam settles into the minimum instead of wandering round it.
# Chosen by validation RMSE on MovieLens-100k with benchmarks/tune_autorec.py, trained as `train
# --preset item-autorec` trains (its split, up to 300 epochs, patience 40): lr 5e-4 x 0.985 per epoch
# 0.8848 (epoch 135); lr 5e-4 x 0.97 0.8867; lr 2e-4 x 0.985 0.8880; lr 5e-4 x 0.97 with weight
# penalty 0.15 0.8926; no decay (lr 2e-4) 0.8870 (docs/autoencoder_types.md).
ITEM_AUTOREC = I_AUTOREC.with_(lr=0.0005, lr_decay=0.985)
# The movie recommender (the CLI's defaults): I-AutoRec at a constant rate on a faster schedule, so
# that it fits in two minutes. Chosen by validation RMSE on MovieLens-100k (`train --preset
# item-autorec --lr X`, the CLI's split, early stopping after 10 epochs): lr 3e-4 0.894 (epoch 45);
# lr 5e-4 0.897 (epoch 36); lr 1e-3 0.913 (epoch 36), without the noise 0.919, with weight penalty
# 0.3 0.952 (README, "The recommender's defaults").
RECOMMENDER = I_AUTOREC.with_(lr=0.0003, validation_fraction=0.05)


def _build() -> list[Preset]:
    return [
        _toy(),
        Preset("recommender", "Movie recommender (item-based, I-AutoRec)",
               "Each MOVIE is an observation: its ratings by every user go in, through 500 sigmoid "
               "units, and come out as predicted ratings by every user (the input and output nodes "
               "are users), and a user's recommendations read that user's column of the "
               "reconstructions. It is item-based because on the real MovieLens-100k the tutorial's "
               "user-based network (n-40-20-40-n, pre-trained) reached only test RMSE 0.950, level with "
               "user + item biases (0.946), while this one, stopped by the validation set, reaches "
               "0.898 at epoch 45. It is the I-AutoRec preset with 1.5 times its step, so that it "
               "fits in two minutes; on this synthetic sample watch the test RMSE fall below the "
               "item mean's 0.96 at about epoch 30 (0.85 by epoch 100, 0.77 by 150).",
               RECOMMENDER, "genres", epochs=200),
        Preset("overcomplete", "Overcomplete: the copying trap",
               "120 hidden units for 60 movies and nothing to stop them: the network learns to copy "
               "its input. Watch the training RMSE keep falling (0.27 after 40 epochs on this synthetic "
               "sample) while the test RMSE turns round after three epochs (0.88) and climbs to 1.09, "
               "worse than predicting each movie's mean rating (0.96): a copy has "
               "nothing to say about the movies a user has not rated.",
               OVERCOMPLETE, "genres", epochs=40),
        Preset("sparse", "Sparse",
               "The same 120 hidden units, but a KL penalty pulls each unit's mean activation towards "
               "rho = 0.05. Watch the hidden layer go dark apart from a few units per user, and the "
               "penalty curve fall next to the loss; the test RMSE (0.88 after 30 epochs on this "
               "synthetic sample) stays far below the copying trap's.",
               OVERCOMPLETE.with_(batch_size=16, kind="sparse", sparsity_target=0.05, sparsity_weight=0.1),
               "genres", epochs=30),
        Preset("denoising", "Denoising",
               "Each user enters with 30% of their ratings hidden and must reproduce all of them, the "
               "hidden ones included. Compare the input and target columns of the observation view: "
               "copying no longer works, so even 120 units have to learn how movies go together (test "
               "RMSE 0.84 after 20 epochs on this synthetic sample, against the trap's 1.09).",
               OVERCOMPLETE.with_(kind="denoising", noise="mask", noise_level=0.3), "genres", epochs=20),
        Preset("contractive", "Contractive",
               "A penalty on how strongly the code reacts to small changes of the input "
               "(the encoder's Jacobian). Watch the penalty curve: the weights into the hidden layer "
               "stay small unless the data insists, and the codes become smooth summaries of taste. "
               "It slows the copying trap down (on this synthetic sample the validation set picks "
               "epoch 18, test RMSE 0.91; the trap ends at 1.09).",
               OVERCOMPLETE.with_(kind="contractive", contractive_weight=1.0), "genres", epochs=20),
        Preset("stacked", "Stacked with pre-training",
               "A deep 60-40-20-10-20-40-60 stack. Before fine-tuning, each layer is trained alone as a "
               "small autoencoder on the codes of the one before (greedy layer-wise pre-training), so "
               "the very first epoch already starts from weights with structure: compare the first "
               "points of the loss curve with the recommender's (test RMSE 0.79 after 20 epochs on this "
               "synthetic sample; 0.89 without pre-training).",
               ONLINE.with_(hidden=(40, 20, 10, 20, 40), pretrain_epochs=5), "genres", epochs=20),
        Preset("vae", "Variational (VAE)",
               "Implicit feedback: a rating of 4 or more is a like (1), everything else 0. The "
               "encoder gives each code unit a mean mu and a spread sigma; the decoder reads a "
               "sample z = mu + sigma * eps. Step Forward to watch the sampling: the same user "
               "lands somewhere else each time. Watch the KL curve beside the loss: beta warms up "
               "from 0, so at first the codes spread out freely, then the KL term pulls them "
               "towards N(0, 1) and the sigmas grow. The softmax output spreads one unit of "
               "probability over the movies: the top of the Recommendations list is what counts.",
               VARIATIONAL, "genres", epochs=40),
        Preset("item-autorec", "Item-based recommender (I-AutoRec)",
               "Turned round: each MOVIE is an observation, its ratings by every user go in, through "
               "500 sigmoid units, and come out as predicted ratings by every user (the input and "
               "output nodes are users); stepping works movie by movie. An L2 penalty on the weights "
               "and 20% of each movie's ratings hidden at the input (denoising) keep 500 units from "
               "copying; the learning rate shrinks by 1.5% an epoch, so training settles instead of "
               "wandering. A user's recommendations read that user's column of the reconstructions: "
               "select a user node, then open Recommendations (on MovieLens-100k: test RMSE in "
               "docs/autoencoder_types.md).",
               ITEM_AUTOREC, "genres", epochs=200, patience=40),
    ]


PRESETS: list[Preset] = _build()


def get_preset(key: str) -> Preset:
    for p in PRESETS:
        if p.key == key:
            return p
    raise KeyError(f"no preset {key!r}; choose one of {', '.join(p.key for p in PRESETS)}")
