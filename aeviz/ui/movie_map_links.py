"""The Movie map joined to the search box and the You panel (issue 17's parts, built apart).

A movie found with the search box (Ctrl+F) or clicked among the You panel's recommendations is
ringed on the map too ("selected everywhere"); the You profile's rated and recommended movies are
marked on the map in their own colour, beside the marks of the user the Recommendations panel shows.
"""
from __future__ import annotations


def install(window):
    """Connect the window's search box and You panel to its Movie map panel (if it has one)."""
    from .panels.movie_map import MovieMapPanel
    panel = next((p for p in window.panels if isinstance(p, MovieMapPanel)), None)
    if panel is None:
        return None
    window.search.movieChosen.connect(panel.highlight_movie)
    window.profile.movieActivated.connect(panel.highlight_movie)
    window.profile.moviesMarked.connect(panel.mark_profile)
    return panel
