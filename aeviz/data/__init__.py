"""The data layer: ratings files in, a sparse ratings matrix out.

Pure Python/NumPy; never imports Qt, pyqtgraph or pandas.
"""
from .errors import LoadCancelled, RatingsFileError
from .loader import load_ratings, load_titles
from .ratings import RatingScale, Ratings, detect_scale
from .samples import SAMPLE_NAMES, load_sample, sample_path
from .split import Split, holdout_split, split_from_files

__all__ = [
    "LoadCancelled", "RatingsFileError", "RatingScale", "Ratings", "detect_scale",
    "load_ratings", "load_titles", "Split", "holdout_split", "split_from_files",
    "SAMPLE_NAMES", "load_sample", "sample_path",
]
