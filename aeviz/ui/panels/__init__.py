"""Insight panels (issue #6): what the network learned, and the arithmetic of each step.

`PANELS` is a list of (title, factory); the main window makes a dock of each. Every panel has
`show_snapshot(snapshot)`, `set_dataset(ratings, split=None)`, `set_selected_node(layer, index)` and
the signals `userSelected(int row)` and `nodeSelected(int layer, int index)`. The numbers they draw
come from `snapshot.extras`, filled by `aeviz.engine.insights.compute_extras` in the worker.
"""
from ..numbers import fmt  # the panels' number text
from .base import Panel
from .codes import CodePanel
from .distributions import DistributionsPanel
from .features import FeatureDetectorsPanel
from .math_inspector import MathInspectorPanel
from .matrix import RatingsMatrixPanel
from .movie_map import MovieMapPanel
from .reconstruction import ReconstructionPanel
from .recommendations import RecommendationsPanel

PANELS = [
    ("Ratings matrix", RatingsMatrixPanel),
    ("Reconstruction", ReconstructionPanel),
    ("Code", CodePanel),
    ("Feature detectors", FeatureDetectorsPanel),
    ("Recommendations", RecommendationsPanel),
    ("Math inspector", MathInspectorPanel),
    ("Weights over time", DistributionsPanel),
    ("Movie map", MovieMapPanel),
]

__all__ = ["PANELS", "Panel", "fmt", "RatingsMatrixPanel", "ReconstructionPanel", "CodePanel",
           "FeatureDetectorsPanel", "RecommendationsPanel", "MathInspectorPanel", "DistributionsPanel",
           "MovieMapPanel"]
