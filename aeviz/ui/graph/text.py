"""Words and numbers of the graph: value formatting, phase captions, hover texts.

Kept apart from the painting so tests can check the exact text a user reads.
"""
from __future__ import annotations

import numpy as np

from .colors import FLASH_SHARE

PHASE_CAPTIONS = {
    "idle": "Idle: no observation fed yet (nodes are grey until the forward pass)",
    "forward": "Forward: each layer computes h = f(W·h_prev + b), left to right",
    "loss": "Loss: every rated output compares its prediction ŷ with the rating x (error ŷ − x)",
    "backward": "Backward: error signals δ (purple rings) flow right to left; purple edges = |gradient|",
    "update": ("Update: weights moved against their gradient; dark flashes = the largest "
               f"{FLASH_SHARE:.0%} of |Δw| per layer pair"),
}


def num(v) -> str:
    """A short, honest number: 'not finite' for NaN/inf, integers without decimals."""
    if v is None:
        return "–"
    v = float(v)
    if not np.isfinite(v):
        return "not finite"
    if v == int(v) and abs(v) < 1e6:
        return str(int(v))
    if abs(v) >= 1e6:  # a diverging network: "1.2e+30", never thirty digits cut to "000000"
        return f"{v:.2g}"
    if abs(v) >= 1000:
        return f"{v:.0f}"
    if abs(v) < 1e-3:
        return f"{v:.1e}"
    return f"{v:.3g}"


WIDEST_NUMBER = "-8.8e+88"  # the longest text num() gives (-999999 is as long): sizes value columns


def more_label(count: int, what: str, room: float, advance) -> str:
    """'⋮ +1,673 more movies' for collapsed nodes, shortened until it fits `room` pixels
    (advance(text) -> px); singular for one ('+1 more node')."""
    noun = what if count != 1 else what[:-1]
    for text in (f"⋮ +{count:,} more {noun}", f"+{count:,} more {noun}", f"+{count:,} more", f"+{count:,}"):
        if advance(text) <= room:
            return text
    return f"+{count:,}"


def signed(v) -> str:
    s = num(v)
    return s if s.startswith("-") or s == "not finite" or s == "–" else "+" + s


def node_name(sizes, layer: int) -> str:
    L = len(sizes) - 1
    return "input" if layer == 0 else ("output" if layer == L else f"hidden {layer}")


def node_tooltip(snapshot, layer: int, index: int, titles=None) -> str:
    """Everything known about one node, as the hover text."""
    sizes = snapshot.sizes
    L = len(sizes) - 1
    lines = []
    movie = layer in (0, L)
    if movie:
        title = titles[index] if titles is not None and index < len(titles) else f"movie {index + 1}"
        lines.append(f"<b>{title}</b> ({node_name(sizes, layer)} {index + 1})")
    else:
        act = snapshot.activation_names[layer - 1]
        lines.append(f"<b>h{layer}.{index + 1}</b> (hidden layer {layer}, {act})")
    rated = None if snapshot.mask is None else bool(snapshot.mask[index])
    if movie and snapshot.x_target is not None:
        lines.append(f"rating: {num(snapshot.x_target[index])}" if rated else "rating: not rated")
        if layer == 0 and snapshot.x_input is not None and snapshot.x_input[index] != snapshot.x_target[index]:
            lines.append(f"fed as: {num(snapshot.x_input[index])} (corrupted)")
        if layer == L and snapshot.heldout_mask is not None and snapshot.heldout_mask[index]:
            lines.append(f"held-out rating: {num(snapshot.heldout_values[index])}")
    if layer > 0 and snapshot.preacts is not None:
        lines.append(f"pre-activation a: {num(snapshot.preacts[layer - 1][index])}")
    if snapshot.activations is not None:
        label = "prediction ŷ" if layer == L else ("value" if layer == 0 else "activation h")
        lines.append(f"{label}: {num(snapshot.activations[layer][index])}")
    else:
        lines.append("not computed yet (run the forward pass)")
    if layer == L and snapshot.output_error is not None and rated:
        lines.append(f"error ŷ − x: {signed(snapshot.output_error[index])}")
    if layer > 0 and snapshot.deltas is not None:
        lines.append(f"delta δ: {num(snapshot.deltas[layer - 1][index])}")
    if layer > 0 and snapshot.biases[layer - 1] is not None:
        lines.append(f"bias: {num(snapshot.biases[layer - 1][index])}")
    return "<br>".join(lines)


def edge_tooltip(snapshot, layer: int, row: int, col: int, titles=None) -> str:
    """Weight, gradient and last change of one edge."""
    sizes = snapshot.sizes
    L = len(sizes) - 1

    def name(l, i):
        if l in (0, L) and titles is not None and i < len(titles):
            return titles[i]
        return f"{node_name(sizes, l)} {i + 1}" if l in (0, L) else f"h{l}.{i + 1}"
    lines = [f"<b>W{layer + 1}[{row + 1}, {col + 1}]</b>: {name(layer, col)} → {name(layer + 1, row)}",
             f"weight: {num(snapshot.weights[layer][row, col])}"]
    tied = getattr(snapshot, "tied_with", ()) or ()
    if layer < len(tied) and tied[layer] is not None:
        lines.append(f"tied: the same number as W{tied[layer] + 1}[{col + 1}, {row + 1}] "
                     "(its gradient sums both uses)")
    if snapshot.grad_weights is not None:
        lines.append(f"gradient: {num(snapshot.grad_weights[layer][row, col])}")
    if snapshot.change_weights is not None:
        lines.append(f"last change: {signed(snapshot.change_weights[layer][row, col])}")
    lines.append("<i>click to type a new weight</i>")
    return "<br>".join(lines)


def counters(snapshot) -> tuple[int, int]:
    """(epoch, observation), both 1-based, as the status bar counts them: the epoch in progress
    and the observation being processed (or next), never past the last one."""
    n = int(snapshot.n_observations)
    obs = max(1, min(int(snapshot.position) + 1, n)) if n else 0
    return int(snapshot.epoch) + 1, obs


def status_line(snapshot) -> str:
    """The caption's second line. Once an observation is finished (its update applied, or its
    backward pass closed into the batch), the user shown is the one just done and the counter
    already points at the next one: the line says so instead of pairing them."""
    epoch, obs = counters(snapshot)
    n = snapshot.n_observations
    done = snapshot.phase in ("backward", "update") and snapshot.next_phase == "forward"
    parts = [f"epoch {epoch}"]
    if done and snapshot.user_row is not None:
        verb = "updated" if snapshot.phase == "update" else "added to the batch"
        parts.append(f"user row {snapshot.user_row + 1} {verb}")
        if snapshot.loss is not None:
            parts.append(f"loss {num(snapshot.loss)}")
        parts.append(f"next: observation {obs} of {n}, forward")
        return "  ·  ".join(parts)
    parts.append(f"observation {obs} of {n}")
    if snapshot.user_row is not None:
        parts.append(f"user row {snapshot.user_row + 1}")
    if snapshot.loss is not None:
        parts.append(f"loss {num(snapshot.loss)}")
    parts.append(f"next: {snapshot.next_phase}")
    return "  ·  ".join(parts)
