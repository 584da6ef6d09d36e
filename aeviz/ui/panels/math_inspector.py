"""The seed's formula z = f(sum_i w_i x_i + b) for the selected node, with this step's numbers.

Every figure comes from `extras['math']` (the worker's copy of the trainer's own arrays): the
largest terms are spelled out, the rest summed, and the total is shown beside the pre-activation
the forward pass actually computed, so a reader can check the arithmetic themselves.
"""
from __future__ import annotations

from PySide6 import QtWidgets

from ..numbers import fmt
from .base import Panel, esc, set_html_keeping_scroll

EMPTY = ("<p style='color:#888'>Click a node in the network, then step forward (F): its formula "
         "appears here with this step's numbers, term by term.</p>")
PHASE_TEXT = {"idle": "not stepped yet", "forward": "after the forward pass", "loss": "after the loss",
              "backward": "after back-propagation", "update": "after the weight update"}


CELL_GAP = 14  # px of padding before each number column, so headers like "w_i h1_i" never run together


def _plus(v) -> str:
    """' + 0.5' or ' \u2212 0.5': a sum written as a person would."""
    return f" \u2212 {fmt(-v)}" if v < 0 else f" + {fmt(v)}"


def render_sampling(sv: dict | None, m: dict) -> str:
    """A VAE's code unit: the reparameterised sample, its KL term and the gradients through it,
    with this step's numbers (empty for other networks and other layers)."""
    if not sv:
        return ""
    if m.get("layer") != sv["layer"]:
        return (f"<p style='color:#666'>Variational: select a unit of the code (layer {sv['layer']}) to "
                f"see its sampling z = \u03bc + \u03c3\u00b7\u03b5 and its KL term.</p>")
    j = int(m["index"])
    mu, lv, sg = sv["mu"][j], sv["logvar"][j], sv["sigma"][j]
    p = [f"<h4 style='margin:4px 0 2px'>Sampling (the reparameterisation trick), unit {j + 1}</h4>",
         f"<p>The sum above is the mean: \u03bc = <b>{fmt(mu)}</b>. A second set of weights gives the "
         f"log-variance log\u03c3\u00b2 = <b>{fmt(lv)}</b>, so \u03c3 = e<sup>log\u03c3\u00b2/2</sup> = "
         f"<b>{fmt(sg)}</b>.</p>"]
    if sv.get("eps") is not None:
        e = sv["eps"][j]
        p.append(f"<p>Drawn \u03b5 ~ N(0, 1) (seeded): \u03b5 = <b>{fmt(e)}</b>; the decoder reads "
                 f"z = \u03bc + \u03c3\u00b7\u03b5 = {fmt(mu)}{_plus(sg)} \u00d7 {fmt(e)} = "
                 f"<b>{fmt(sv['z'][j])}</b>.</p>")
    else:
        p.append("<p style='color:#a60'>No \u03b5 drawn for this user yet (preview): the decoder reads "
                 "z = \u03bc, as evaluation and recommendations do.</p>")
    p.append(f"<p><b>KL term</b>: \u00bd(\u03bc\u00b2 + \u03c3\u00b2 \u2212 1 \u2212 log\u03c3\u00b2) = "
             f"\u00bd({fmt(mu * mu)} + {fmt(sg * sg)} \u2212 1 \u2212 ({fmt(lv)})) = "
             f"<b>{fmt(sv['kl_units'][j])}</b>; over all {sv['units']} units KL = {fmt(sv['kl'])}, "
             f"weighted by \u03b2 = {fmt(sv['beta'])}: \u03b2\u00b7KL = {fmt(sv['beta'] * sv['kl'])}.</p>")
    if sv.get("dL_dz") is not None:
        b, bs, dz = sv["beta"], sv["batch"], sv["dL_dz"][j]
        kl_lv = b * (sg * sg - 1.0) / (2 * bs)
        p.append(f"<p><b>Gradients through the sample</b> (\u03b5 held fixed; batch of {bs}):<br>"
                 f"\u2202L/\u2202z = <b>{fmt(dz)}</b> (from the decoder)<br>"
                 f"\u2202L/\u2202\u03bc = \u2202L/\u2202z + \u03b2\u03bc/B = {fmt(dz)}{_plus(b * mu / bs)} = "
                 f"<b>{fmt(sv['dL_dmu'][j])}</b><br>"
                 f"\u2202L/\u2202log\u03c3\u00b2 = \u2202L/\u2202z\u00b7\u03b5\u00b7\u03c3/2 + "
                 f"\u03b2(\u03c3\u00b2 \u2212 1)/(2B) = {fmt(dz * sv['eps'][j] * sg / 2)}{_plus(kl_lv)} = "
                 f"<b>{fmt(sv['dL_dlogvar'][j])}</b></p>")
    else:
        p.append("<p style='color:#888'>The gradients through the sample appear after back-propagation.</p>")
    return "".join(p)


def _row(*cells, head=False, style=""):
    tag = "th" if head else "td"
    pad = f" style='padding-left:{CELL_GAP}px'"
    inner = "".join(f"<{tag} align='{'left' if k == 0 else 'right'}'{'' if k == 0 else pad}>{c}</{tag}>"
                    for k, c in enumerate(cells))
    return f"<tr style='{style}'>{inner}</tr>"


class MathInspectorPanel(Panel):
    """Rich text: forward sum term by term, error, delta, one weight's gradient and update."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.view = QtWidgets.QTextBrowser()
        self.view.setOpenExternalLinks(False)
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.addWidget(self.view)
        self.view.setHtml(EMPTY)
        self.html = ""

    def dataset_changed(self):
        self.view.setHtml(EMPTY)
        self.html = ""

    def draw(self, snapshot, extras):
        m = extras.get("math")
        if not m:
            return
        sv = extras.get("sampling")
        if sv and m.get("layer") == sv["layer"]:
            m = {**m, "sampled": True}
        html = self.render(m) + render_sampling(sv, m)
        self.html = set_html_keeping_scroll(self.view, html, self.html)

    def render(self, m: dict) -> str:
        layer, index = m["layer"], m["index"]
        output = m.get("kind") == "output"
        # outputs are predicted ratings of a movie (a user, item-based): named by it, written ŷ in the formulas
        name = f"x[{index + 1}]" if layer == 0 else ("\u0177" if output else f"h{layer}[{index + 1}]")
        title = m.get("title") or (self.entry_label(index) if output else None)
        heading = f"\u0177 for {title}" if output and title else (f"\u0177[{index + 1}]" if output else name)
        where = esc(self.observation_label(m.get("row")))
        phase = PHASE_TEXT.get(m.get("phase"), m.get("phase"))
        p = [f"<h3 style='margin:2px'>{esc(heading)} <span style='font-weight:normal;color:#666'>"
             f"(layer {layer}, {esc(m.get('kind', 'input'))}{', ' + esc(m['activation']) if m.get('activation') else ''})"
             f"</span></h3><p style='margin:2px;color:#555'>{where}, {esc(phase)}; next: {esc(m.get('next_phase'))}</p>"]
        if not m.get("from_step"):
            p.append(f"<p style='color:#a60'>This {'movie' if self.item_model else 'user'} has not been stepped forward yet: the numbers below "
                     "come from a preview pass with the current weights.</p>")
        if m.get("kind") == "input":
            title = f" ({esc(m['title'])})" if m.get("title") else ""
            p.append(f"<p>Input{title}: x = <b>{fmt(m.get('value'))}</b> "
                     f"{'(rated)' if m.get('rated') else '(not rated: enters as 0)'}.</p>")
            return "".join(p)
        # ---- forward: the sum term by term
        prev = "x" if layer == 1 else f"h{layer - 1}"
        p.append(f"<p><b>Forward</b>: {esc(name)} = f(a), a = \u03a3<sub>i</sub> w<sub>i</sub> "
                 f"{prev}<sub>i</sub> + b &nbsp; ({m['nonzero_inputs']} non-zero inputs)</p>")
        p.append("<table cellspacing='0' cellpadding='2'>")
        p.append(_row("input i", "w<sub>i</sub>", f"{prev}<sub>i</sub>", f"w<sub>i</sub>\u00b7{prev}<sub>i</sub>",
                      head=True, style="background:#eee"))
        for t in m["terms"]:
            p.append(_row(esc(t["label"]), fmt(t["w"]), fmt(t["x"]), fmt(t["wx"])))
        if m["rest_count"]:
            p.append(_row(f"<i>{m['rest_count']} other terms</i>", "", "", fmt(m["rest_sum"]), style="color:#555"))
        if m.get("bias") is not None:
            p.append(_row("bias b", "", "", fmt(m["bias"])))
        p.append(_row("<b>sum</b>", "", "", f"<b>{fmt(m['sum_check'])}</b>", style="border-top:1px solid #999"))
        p.append("</table>")
        if m.get("sampled"):  # a VAE's code unit passes on a sample, not f(a)
            p.append(f"<p>Pre-activation from the forward pass: the mean \u03bc = a = <b>{fmt(m['preact'])}</b>; "
                     f"the unit passes on the sample {esc(name)} = z = <b>{fmt(m['activation_value'])}</b> "
                     f"(see Sampling below)</p>")
        else:
            p.append(f"<p>Pre-activation from the forward pass: a = <b>{fmt(m['preact'])}</b>; "
                     f"{esc(m['activation_formula'])} \u21d2 {esc(name)} = f({fmt(m['preact'])}) = "
                     f"<b>{fmt(m['activation_value'])}</b></p>")
        # ---- loss / error
        if output:
            title = f" ({esc(title)})" if title else ""
            if m.get("rated"):
                p.append(f"<p><b>Error</b>{title}: \u0177 \u2212 x = {fmt(m['activation_value'])} \u2212 "
                         f"{fmt(m['target'])} = <b>{fmt(m['error'])}</b></p>")
            else:
                p.append(f"<p><b>Error</b>{title}: not rated, so it adds nothing to the loss "
                         f"(\u2202L/\u2202\u0177 = 0).</p>")
            if m.get("dL_dy") is not None:
                p.append(f"<p>Loss {esc(m['loss_formula'])}: this observation's L = "
                         f"{fmt(m.get('observation_loss'))}; \u2202L/\u2202\u0177 = <b>{fmt(m['dL_dy'])}</b></p>")
        # ---- backward
        if m.get("delta") is not None:
            how = ("\u2202L/\u2202\u0177 \u00b7 f\u2032(a)" if output
                   else f"(\u03a3<sub>k</sub> W<sub>k,{index + 1}</sub> \u03b4<sub>k</sub>) \u00b7 f\u2032(a)")
            p.append(f"<p><b>Backward</b>: \u03b4 = \u2202L/\u2202a = {how} = <b>{fmt(m['delta'])}</b></p>")
        else:
            p.append("<p style='color:#888'><b>Backward</b>: \u03b4 appears after the backward phase.</p>")
        w = m.get("weight")
        if w:
            p.append(self._weight(w, esc(title) if output and title else esc(name), m))
        return "".join(p)

    def _weight(self, w, name, m) -> str:
        wn = f"w[{name} \u2190 {esc(w['from_label'])}]"
        tied = w.get("tied_parts")
        p = [f"<p><b>Weight</b> {wn} (W{w['layer'] + 1}[{w['row'] + 1}, {w['col'] + 1}]) = "
             f"{fmt(w['value'])}, its input is {fmt(w['input'])}</p>"]
        if tied:
            a, b = (f"W{t['layer'] + 1}[{t['row'] + 1}, {t['col'] + 1}]" for t in tied)
            p.append(f"<p style='color:#555'><b>Tied weights</b>: {a} and {b} are one shared number "
                     f"(W{tied[0]['layer'] + 1} = W{tied[1]['layer'] + 1}\u1d40), so its gradient has a "
                     "part from each use.</p>")
        if w.get("gradient") is not None:
            p.append(self._gradient(w, m, tied))
        u = w.get("update") or {}
        hyper = ", ".join(f"{esc(k)}={esc(v)}" for k, v in (u.get("hyper") or {}).items())
        p.append(f"<p><b>Update</b> by {esc(u.get('name', ''))} ({hyper}):<br><code>{esc(u.get('formula', ''))}"
                 "</code></p>")
        state = u.get("state") or {}
        extra = [f"{esc(k)} = {fmt(v)}" for k, v in state.items()]
        for k, label in (("m_hat", "m\u0302"), ("v_hat", "v\u0302")):
            if u.get(k) is not None:
                extra.append(f"{label} = {fmt(u[k])}")
        if u.get("change") is not None:
            verb = "applied" if u.get("applied") else "will apply"
            p.append(f"<p>The optimizer {verb} \u0394w = <b>{fmt(u['change'])}</b>: "
                     f"{fmt(u['w_before'])} \u2192 <b>{fmt(u['w_after'])}</b>"
                     f"{' (state after the step: ' + ', '.join(extra) + ')' if extra and u.get('applied') else ''}</p>")
        elif w.get("gradient") is None:
            p.append("<p style='color:#888'>The gradient and the update appear after back-propagation.</p>")
        return "".join(p)

    @staticmethod
    def _gradient(w, m, tied) -> str:
        """This observation's part of ∂L/∂w (the sum of both uses when tied), then the batch's
        total: 'so far (k of n)' while a batch fills, 'the update used' once it is applied."""
        if tied:
            terms = [f"as W{t['layer'] + 1}[{t['row'] + 1}, {t['col'] + 1}] ({'decoder' if k == 0 else 'encoder'}): "
                     f"\u03b4 \u00b7 input = {fmt(t['delta'])} \u00d7 {fmt(t['input'])} = {fmt(t['product'])}"
                     for k, t in enumerate(tied)]
            adds = ("this observation adds<br>&nbsp;&nbsp;" + "<br>&nbsp;&nbsp;+ ".join(terms)
                    + f"<br>&nbsp;&nbsp;= {fmt(tied[0]['product'])} + {fmt(tied[1]['product'])} = "
                    f"<b>{fmt(w['contribution'])}</b>")
        else:
            adds = (f"this observation adds \u03b4 \u00b7 input = {fmt(m['delta'])} \u00d7 {fmt(w['input'])} = "
                    f"<b>{fmt(w['contribution'])}</b>")
        n = int(w["batch_size"])
        if m.get("phase") == "update":
            batch = (f"the update used the batch's \u2202L/\u2202w = <b>{fmt(w['gradient'])}</b>"
                     + (" (this observation alone)" if n == 1 else ""))
        elif n == 1:
            batch = f"with one observation per update, that is the whole \u2202L/\u2202w = <b>{fmt(w['gradient'])}</b>"
        else:
            of = f"{w['batch_fill']} of {n}" if n > 0 else f"{w['batch_fill']}"
            batch = f"the batch's \u2202L/\u2202w so far ({of} observations) = <b>{fmt(w['gradient'])}</b>"
        return f"<p>Gradient: {adds};<br>{batch}</p>"
