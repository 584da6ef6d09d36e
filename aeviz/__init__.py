"""aeviz: watch an autoencoder learn, one observation, one phase at a time."""

__version__ = "0.1.0"
