"""The data layer: ratings files in, a sparse ratings matrix out.

Pure Python/NumPy: never imports Qt, pyqtgraph or pandas.

    from aeviz.data import load_ratings, holdout_split, load_sample
    r = load_ratings("ml-100k/u.data")          # titles from u.item beside it
    split = holdout_split(r, test_fraction=0.2, seed=0)
    values, mask = split.train.dense_rows([0, 1, 2])

Formats are detected, not configured:

* separator: the one of ``::``, tab, ``,``, ``;``, ``|`` that splits the first lines
  into the same number (>= 2) of fields; ties go to the most fields.
* header: a first line with words where the data below has numbers.
* long (``user, item, rating[, timestamp]``) or wide (rows users, columns items,
  0/empty = not rated)? 5+ columns: wide. 3-4 columns: long if the header names
  long columns (userId, movieId, rating, timestamp...), wide if it holds titles;
  without a telling header, long if any column after the first holds a value that
  cannot be a rating (ids > 5, timestamps, strings), else wide if there are empty
  cells, a 0 beside 2-5 stars (0 = not rated), or every first-column value is
  different (a row per user); else long.
* wide id column: a first header cell like ``user``/``id``/empty, or first-column
  values that cannot be ratings, or (no header) values counting the rows 1, 2, 3...
* scale: the smallest of 0/1, 1-5 stars, 0.5-5 half stars holding every value;
  else continuous. Values < 0 or > 5 are refused.
* encoding: UTF-8 (BOM or not), else latin-1; CRLF fine.

Every refused file raises :class:`RatingsFileError` (file, line, column, reason);
recoverable oddities (blank lines, repeated user/item pairs: the last wins) load
with ``Ratings.warnings``.
"""
from .errors import LoadCancelled, RatingsFileError
from .loader import load_ratings
from .titles import load_titles
from .ratings import RatingScale, Ratings, detect_scale
from .samples import SAMPLE_NAMES, load_sample, sample_path
from .split import Split, holdout_split, split_from_files, three_way_split, with_validation

__all__ = [
    "LoadCancelled", "RatingsFileError", "RatingScale", "Ratings", "detect_scale",
    "load_ratings", "load_titles", "Split", "holdout_split", "split_from_files",
    "three_way_split", "with_validation",
    "SAMPLE_NAMES", "load_sample", "sample_path",
]
