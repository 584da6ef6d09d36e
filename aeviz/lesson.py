"""Lessons as files: a guided walk through the network, written as JSON, never as code (issue 19).

A lesson names its data (a bundled sample, the seed's toy or a path), its model (a preset or a
ModelConfig), the panels it shows or hides, and a list of steps. Each step has markdown-ish text
whose links point at the view ([the code units](node:code), edge:0, cell:0.2, panel:Loss curves),
the one action that runs exactly that step, and an optional "predict first" question naming the
value to guess (node:1.0, pre:2.0, loss, test_rmse, weight:0.1.3 ...). No Qt here: the lesson pane draws it.

Why a file: a teacher writes or records one, a class opens it, and the replay gives the same
numbers at every step because every action is deterministic from the seed (`fingerprint`).
"""
from __future__ import annotations

import json
import pathlib
import re
from dataclasses import dataclass, field, replace

import numpy as np

FORMAT = "aeviz-lesson"
VERSION = 1
MAX_REPEAT = 1000

# step actions: what the bridge does for each (the lesson pane sends them)
PLAIN_ACTIONS = ("none", "forward", "loss", "backward", "update", "step_phase", "step_observation",
                 "step_batch", "step_epoch", "reset", "setup", "load")
ACTION_HELP = ("none, forward, loss, backward, update, step_phase, step_observation, step_batch, "
               "step_epoch, reset, setup (the lesson's own data and model), load (the step's data "
               "and model), preset:KEY, select:ROW")
LINK = re.compile(r"\[([^\]]+)\]\(((node|edge|cell|panel):([^)]*))\)")
LAYER_WORDS = ("input", "code", "hidden", "output")
RMSE_KINDS = {"train_rmse": "train_rmse", "test_rmse": "test_rmse", "validation_rmse": "val_rmse"}


class LessonError(ValueError):
    """A lesson file that cannot be used: the message names the file, the step and the reason."""

    def __init__(self, source: str, reason: str, step: int | None = None):
        self.source, self.reason, self.step = source, reason, step
        where = source if step is None else f"{source}, step {step}"
        super().__init__(f"{where}: {reason}")


@dataclass(frozen=True)
class Question:
    """'Predict first': the learner types `ask`'s answer, then sees the value `value` names."""
    ask: str
    value: str  # a value reference (see read_value)


@dataclass(frozen=True)
class Step:
    title: str
    text: str = ""
    action: str = "none"
    repeat: int = 1
    question: Question | None = None
    panels: tuple = ()  # docks to bring to the front when the step is shown
    data: dict | None = None  # for action "load"
    model: dict | None = None  # for action "load"
    note: str = ""  # what a recorded step left behind (the numbers after it)
    expect: dict | None = None  # fingerprint recorded after the step (replay checks it)

    @property
    def button_text(self) -> str:
        """What the step's button says."""
        if self.action == "none":
            return ""
        name, _, arg = self.action.partition(":")
        words = {"preset": f"Load the preset '{arg}'", "select": f"Choose observation {arg}",
                 "setup": "Load the lesson's network", "load": "Load this step's network",
                 "loss": "Measure the error", "step_phase": "Next phase",
                 "step_observation": "Step one observation", "step_batch": "Step one batch",
                 "step_epoch": "Run one epoch"}
        if name == "step_epoch" and self.repeat > 1:
            return f"Run {self.repeat} epochs"
        text = words.get(name, name.replace("_", " ").capitalize())
        return text + (f" \u00d7 {self.repeat}" if self.repeat > 1 else "")

    def links(self):
        """[(label, kind, target)] of the text's links, in order."""
        return [(m.group(1), m.group(3), m.group(4).strip()) for m in LINK.finditer(self.text)]


@dataclass(frozen=True)
class Lesson:
    title: str
    data: dict
    model: dict
    steps: tuple
    panels_show: tuple = ()
    panels_hide: tuple = ()
    source: str = "lesson"
    base_dir: str = "."  # relative data paths are read from here
    key: str = field(default="", compare=False)  # what progress is remembered under

    def to_dict(self) -> dict:
        steps = []
        for s in self.steps:
            d = {"title": s.title, "text": s.text, "action": s.action}
            if s.repeat != 1:
                d["repeat"] = s.repeat
            if s.question is not None:
                d["question"] = {"ask": s.question.ask, "value": s.question.value}
            for k in ("panels", "data", "model", "note", "expect"):
                v = getattr(s, k)
                if v:
                    d[k] = list(v) if k == "panels" else v
            steps.append(d)
        return {"format": FORMAT, "version": VERSION, "title": self.title, "data": self.data,
                "model": self.model, "panels": {"show": list(self.panels_show), "hide": list(self.panels_hide)},
                "steps": steps}


# ------------------------------------------------------------------------------------ reading
def load_lesson(path, panel_names=None) -> Lesson:
    """Read and check a lesson file; `panel_names` (the view's dock titles) checks panel names.
    Raises LessonError naming the file, the step and the reason."""
    p = pathlib.Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LessonError(str(p), f"cannot be read ({getattr(exc, 'strerror', None) or exc})") from None
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LessonError(str(p), f"is not JSON: line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    lesson = parse_lesson(raw, str(p), panel_names)
    return replace(lesson, base_dir=str(p.resolve().parent), key=str(p.resolve()))


def parse_lesson(raw, source: str = "lesson", panel_names=None) -> Lesson:
    def fail(reason, step=None):
        raise LessonError(source, reason, step)
    if not isinstance(raw, dict):
        fail("the top level must be an object")
    if raw.get("format") != FORMAT:
        fail(f'"format" must be "{FORMAT}"')
    version = raw.get("version")
    if not isinstance(version, int) or isinstance(version, bool):
        fail('"version" must be a whole number')
    if version > VERSION:
        fail(f"version {version} is newer than this aeviz reads ({VERSION}); update aeviz")
    _unknown(raw, {"format", "version", "title", "data", "model", "panels", "steps"}, fail)
    title = raw.get("title", "Lesson")
    if not isinstance(title, str):
        fail('"title" must be text')
    data = _check_data(raw.get("data"), fail)
    model = _check_model(raw.get("model"), fail)
    panels = raw.get("panels", {})
    if not isinstance(panels, dict):
        fail('"panels" must be an object with "show" and "hide" lists')
    _unknown(panels, {"show", "hide"}, fail, where="panels")
    show = _names(panels.get("show", []), "panels.show", panel_names, fail)
    hide = _names(panels.get("hide", []), "panels.hide", panel_names, fail)
    steps = raw.get("steps")
    if not isinstance(steps, list) or not steps:
        fail('"steps" must be a non-empty list')
    parsed = tuple(_check_step(i + 1, s, panel_names, fail) for i, s in enumerate(steps))
    return Lesson(title, data, model, parsed, show, hide, source, key=source)


def _unknown(d, allowed, fail, where="", step=None):
    extra = sorted(set(d) - set(allowed))
    if extra:
        fail(f"unknown key{'s' if len(extra) > 1 else ''} {', '.join(map(repr, extra))}"
             f"{' in ' + where if where else ''} (allowed: {', '.join(sorted(allowed))})", step)


def _names(v, where, known, fail, step=None):
    if not isinstance(v, list) or not all(isinstance(n, str) for n in v):
        fail(f'"{where}" must be a list of panel names', step)
    if known is not None:
        for n in v:
            if n not in known:
                fail(f'"{where}": no panel named {n!r} (panels: {", ".join(known)})', step)
    return tuple(v)


def _check_data(d, fail, step=None):
    from .data.samples import SAMPLE_NAMES
    if not isinstance(d, dict) or len(d) != 1 or not ({"sample", "path"} & set(d)):
        fail('"data" must be {"sample": NAME} or {"path": FILE}', step)
    if "sample" in d and d["sample"] not in SAMPLE_NAMES + ("toy",):
        fail(f"no bundled sample {d['sample']!r} (choose toy, {', '.join(SAMPLE_NAMES)})", step)
    if "path" in d and (not isinstance(d["path"], str) or not d["path"]):
        fail('"data.path" must be a file name', step)
    return dict(d)


def _check_model(m, fail, step=None):
    from .engine.config import ModelConfig
    from .presets import PRESETS
    if not isinstance(m, dict) or len(m) != 1 or not ({"preset", "config"} & set(m)):
        fail('"model" must be {"preset": KEY} or {"config": {...}}', step)
    if "preset" in m and m["preset"] not in {p.key for p in PRESETS}:
        fail(f"no preset {m['preset']!r} (choose {', '.join(p.key for p in PRESETS)})", step)
    if "config" in m:
        unknown = set(m["config"]) - set(ModelConfig().to_dict()) if isinstance(m["config"], dict) else ()
        if unknown:
            fail(f"the model's config has unknown settings: {', '.join(sorted(unknown))}", step)
        try:
            problems = ModelConfig.from_dict(m["config"]).problems()
        except Exception as exc:
            problems = [f"{type(exc).__name__}: {exc}"]
        if problems:
            fail("the model's config is not valid: " + "; ".join(problems), step)
    return dict(m)


def _check_step(n, s, panel_names, fail) -> Step:
    if not isinstance(s, dict):
        fail("a step must be an object", n)
    _unknown(s, {"title", "text", "action", "repeat", "question", "panels", "data", "model", "note",
                 "expect"}, fail, step=n)
    title, text = s.get("title", f"Step {n}"), s.get("text", "")
    if not isinstance(title, str) or not isinstance(text, str):
        fail('"title" and "text" must be text', n)
    for label, kind, target in Step(title, text).links():
        problem = link_syntax(kind, target)
        if problem:
            fail(f"link [{label}]({kind}:{target}): {problem}", n)
        if kind == "panel" and panel_names is not None and target not in panel_names:
            fail(f"link [{label}]: no panel named {target!r}", n)
    action = s.get("action", "none")
    problem = action_syntax(action)
    if problem:
        fail(problem, n)
    repeat = s.get("repeat", 1)
    if not isinstance(repeat, int) or isinstance(repeat, bool) or not 1 <= repeat <= MAX_REPEAT:
        fail(f'"repeat" must be a whole number from 1 to {MAX_REPEAT}', n)
    data = model = None
    if action == "load":
        if "data" not in s and "model" not in s:
            fail('action "load" needs the step\'s "data" and/or "model"', n)
        data = _check_data(s["data"], fail, n) if "data" in s else None
        model = _check_model(s["model"], fail, n) if "model" in s else None
    elif "data" in s or "model" in s:
        fail('"data" and "model" belong to a step whose action is "load"', n)
    question = None
    if "question" in s:
        q = s["question"]
        if not isinstance(q, dict) or not isinstance(q.get("ask"), str) or not isinstance(q.get("value"), str):
            fail('"question" must be {"ask": TEXT, "value": REFERENCE}', n)
        _unknown(q, {"ask", "value"}, fail, "question", n)
        problem = value_syntax(q["value"])
        if problem:
            fail(f"question value {q['value']!r}: {problem}", n)
        question = Question(q["ask"], q["value"])
    panels = _names(s.get("panels", []), "panels", panel_names, fail, n)
    note = s.get("note", "")
    expect = s.get("expect")
    if not isinstance(note, str) or (expect is not None and not isinstance(expect, dict)):
        fail('"note" must be text and "expect" an object', n)
    return Step(title, text, action, repeat, question, panels, data, model, note, expect)


# ------------------------------------------------------------------------------ the grammar
def _layer_ok(word: str) -> bool:
    return word in LAYER_WORDS or word.isdigit()


def link_syntax(kind: str, target: str) -> str:
    """'' when the link is well formed, else why not (what it names is checked by the view)."""
    parts = target.split(".")
    if kind == "node":
        if not 1 <= len(parts) <= 2 or not _layer_ok(parts[0]) or not all(p.isdigit() for p in parts[1:]):
            return "write node:LAYER or node:LAYER.UNIT (LAYER a number or input, code, hidden, output)"
    elif kind == "edge":
        ok = parts[0].isdigit() or parts[0] in ("encoder", "decoder")
        if len(parts) not in (1, 3) or not ok or not all(p.isdigit() for p in parts[1:]):
            return "write edge:LAYER or edge:LAYER.ROW.COL (LAYER a number, encoder or decoder)"
    elif kind == "cell":
        if not 1 <= len(parts) <= 2 or not all(p.isdigit() for p in parts):
            return "write cell:ROW or cell:ROW.COLUMN (numbers from 0)"
    elif kind == "panel":
        if not target:
            return "write panel:TITLE"
    return ""


def action_syntax(action) -> str:
    if not isinstance(action, str):
        return '"action" must be text'
    name, colon, arg = action.partition(":")
    if name == "preset" and colon:
        from .presets import PRESETS
        keys = [p.key for p in PRESETS]
        return "" if arg in keys else f"no preset {arg!r} (choose {', '.join(keys)})"
    if name == "select" and colon:
        return "" if arg.isdigit() else "write select:ROW (a number from 0)"
    if name in PLAIN_ACTIONS and not colon:
        return ""
    return f"unknown action {action!r} (actions: {ACTION_HELP})"


def value_syntax(ref: str) -> str:
    kind, _, rest = ref.partition(":")
    if (kind == "loss" or kind in RMSE_KINDS) and not rest:
        return ""
    parts = rest.split(".")
    if kind in ("node", "pre", "delta") and len(parts) == 2 and all(p.isdigit() for p in parts):
        return ""
    if kind in ("weight", "grad", "change") and len(parts) == 3 and all(p.isdigit() for p in parts):
        return ""
    return ("write loss, train_rmse, test_rmse, validation_rmse, node:LAYER.UNIT, pre:LAYER.UNIT, delta:LAYER.UNIT or "
            "weight/grad/change:LAYER.ROW.COL (numbers from 0)")


# ------------------------------------------------------------------------- reading the view
def layer_index(word: str, sizes) -> list[int]:
    """The layers a layer word names in a network of `sizes` ([] when none exists)."""
    last = len(sizes) - 1
    if word == "input":
        return [0]
    if word == "output":
        return [last]
    if word == "hidden":
        return list(range(1, last))
    if word == "code":
        hidden = range(1, last)
        return [min(hidden, key=lambda l: (sizes[l], abs(2 * l - last)))] if last > 1 else []
    k = int(word)
    return [k] if 0 <= k <= last else []


def read_value(ref: str, snapshot) -> float | None:
    """The number a value reference names in a Snapshot (None: not produced yet, or no such)."""
    kind, _, rest = ref.partition(":")
    if kind == "loss":
        return None if snapshot.loss is None else float(snapshot.loss)
    if kind in RMSE_KINDS:  # the last completed epoch's
        v = getattr(snapshot.history[-1], RMSE_KINDS[kind]) if snapshot.history else None
        return None if v is None else float(v)
    idx = [int(p) for p in rest.split(".")]
    source = {"node": snapshot.activations, "pre": snapshot.preacts, "delta": snapshot.deltas,
              "weight": snapshot.weights, "grad": snapshot.grad_weights,
              "change": snapshot.change_weights}.get(kind)
    if source is None:
        return None
    layer = idx[0] - 1 if kind in ("pre", "delta") else idx[0]  # a_1..a_L, delta_1..delta_L
    try:
        if layer < 0:
            return None
        arr = source[layer]
        return None if arr is None else float(np.asarray(arr)[tuple(idx[1:])])
    except (IndexError, TypeError):
        return None


def fingerprint(snapshot) -> dict:
    """A few numbers that pin down where training stands: a replay must give the same ones."""
    w = np.concatenate([np.asarray(a, dtype=np.float64).ravel() for a in snapshot.weights])
    out = None
    if snapshot.activations is not None:
        out = float(np.asarray(snapshot.activations[-1], dtype=np.float64).sum())
    return {"epoch": int(snapshot.epoch), "position": int(snapshot.position), "phase": snapshot.phase,
            "updates": int(snapshot.updates), "loss": None if snapshot.loss is None else float(snapshot.loss),
            "weights_sum": float(w.sum()), "weights_abs": float(np.abs(w).sum()), "output_sum": out}


def same_numbers(a: dict, b: dict, rtol: float = 1e-5) -> bool:
    if set(a) != set(b):
        return False
    for k in a:
        x, y = a[k], b[k]
        if isinstance(x, float) and isinstance(y, float):
            if not np.isclose(x, y, rtol=rtol, atol=1e-9):
                return False
        elif x != y:
            return False
    return True


# ------------------------------------------------------------------- what a lesson builds
TOY = "toy"  # the seed's 4 x 4 table (presets.toy_ratings), named like a sample


def make_dataset(spec: dict, base_dir: str = "."):
    """The Ratings a data spec names; a relative path is read beside the lesson file.
    Raises the data layer's RatingsFileError (file, line, reason) for a bad file."""
    from .data import load_ratings, load_sample
    from .presets import toy_ratings
    if "sample" in spec:
        return toy_ratings() if spec["sample"] == TOY else load_sample(spec["sample"])
    path = pathlib.Path(spec["path"]).expanduser()
    return load_ratings(path if path.is_absolute() else pathlib.Path(base_dir) / path)


def make_model(spec: dict):
    """(ModelConfig, Preset or None): a preset also brings its start weights and split."""
    from .engine.config import ModelConfig
    from .presets import get_preset
    if "preset" in spec:
        preset = get_preset(spec["preset"])
        return preset.config, preset
    return ModelConfig.from_dict(spec["config"]), None


def describe_data(dataset, path: str | None) -> dict:
    """The data spec that opens `dataset` again: the toy, a bundled sample, or its file."""
    from .data.samples import SAMPLE_NAMES, sample_path
    from .presets import toy_ratings
    source = path or getattr(dataset, "source", "") or ""
    if source == toy_ratings().source:
        return {"sample": TOY}
    for name in SAMPLE_NAMES:
        try:
            if pathlib.Path(source).resolve() == sample_path(name).resolve():
                return {"sample": name}
        except (OSError, ValueError):
            continue
    return {"path": str(source)}


def describe_model(config, data: dict) -> dict:
    """{"preset": KEY} when `config` on `data` is exactly a preset's, else the whole config."""
    from .presets import PRESETS
    for p in PRESETS:
        if p.config == config and data == {"sample": p.dataset}:
            return {"preset": p.key}
    return {"config": config.to_dict()}


def save_lesson(lesson: Lesson, path) -> None:
    """Write `lesson` as JSON (UTF-8, indented, so a teacher can edit it by hand)."""
    pathlib.Path(path).write_text(json.dumps(lesson.to_dict(), indent=1, ensure_ascii=False) + "\n",
                                  encoding="utf-8")




def bundled_lesson(name: str = "seed", panel_names=None) -> Lesson:
    """A lesson shipped in resources/lessons/ (the seed's is 'seed')."""
    from .data.samples import RESOURCES
    return load_lesson(RESOURCES / "lessons" / f"{name}.json", panel_names)
