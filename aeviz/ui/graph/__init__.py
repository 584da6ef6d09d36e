"""Private parts of the network graph (aeviz.ui.graph_view): scene, colours, lines, canvas."""
