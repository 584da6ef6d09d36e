"""Export a model as a standalone PyTorch training script (torch.distributed ready).

A model designed in aeviz often needs more data than a laptop trains in reasonable time. Rather
than grow a cluster of its own, aeviz writes the model out as plain PyTorch code that runs under
`torchrun` (DistributedDataParallel, gloo on CPU, NCCL on GPUs) and saves a model file aeviz
opens again. The script's fixed parts live in `torch_script.tmpl`; this module fills in what
depends on the model: the network class, the loss, the type's penalty or corruption, the
optimizer and the settings. Every value comes from aeviz's own objects (the Network, the
Trainer's optimizer, penalties and corruption), so nothing about a model is decided twice.
The weights and optimizer state stay in the model file, which the script reads with np.load.
"""
from __future__ import annotations

import json
import os
import pathlib
import string
from dataclasses import fields

import numpy as np

from .atomic import atomic_write
from .config import build_trainer
from .corruption import GaussianNoise, MaskingNoise
from .penalties import Contractive, KLSparsity, L1Sparsity, L2Weights
from .rows import DenseRows
from .serialize import load_model
from .snapshot import EpochRecord
from .vae import KLDivergence, VAENetwork

TEMPLATE = pathlib.Path(__file__).with_name("torch_script.tmpl")
EXPORTABLE_KINDS = ("plain", "sparse", "denoising", "contractive", "vae")  # the script writes these out

ACTIVATION_CODE = {"sigmoid": "torch.sigmoid({})", "tanh": "torch.tanh({})", "relu": "torch.relu({})",
                   "identity": "{}", "softmax": "torch.softmax({}, dim=1)"}

# the slope f'(a1) of the first layer's activation, written through its output h1 (contractive)
SLOPE_CODE = {"sigmoid": "h1 * (1 - h1)", "tanh": "1 - h1 * h1", "relu": "(a1 > 0).to(a1.dtype)",
              "identity": "torch.ones_like(a1)"}

LOSS_CODE = {
    "sse": '''def reconstruction_loss(y, x, mask):
    """Each observation's sum of squared errors over its rated entries (I-AutoRec's; aeviz's
    "sse"): an observation with many ratings weighs more than one with few."""
    diff = torch.where(mask, y - x, 0.0)
    return (diff * diff).sum(1)''',
    "mse": '''def reconstruction_loss(y, x, mask):
    """Each observation's mean squared error over the movies it rated (aeviz's "mse")."""
    diff = torch.where(mask, y - x, 0.0)
    return (diff * diff).sum(1) / mask.sum(1).clamp_min(1)''',
    "distance": '''def reconstruction_loss(y, x, mask):
    """Each observation's distance ||x - y|| over the movies it rated (aeviz's "distance")."""
    diff = torch.where(mask, y - x, 0.0)
    squares = (diff * diff).sum(1)
    return torch.sqrt(squares.clamp_min(torch.finfo(squares.dtype).tiny))  # no NaN gradient at 0''',
    "bce": '''def reconstruction_loss(y, x, mask):
    """Each observation's binary cross-entropy over the movies it rated (0/1 ratings)."""
    p = y.clamp(1e-7, 1 - 1e-7)
    terms = -(x * torch.log(p) + (1 - x) * torch.log(1 - p))
    return torch.where(mask, terms, 0.0).sum(1) / mask.sum(1).clamp_min(1)''',
    "cross_entropy": '''def reconstruction_loss(y, x, mask):
    """Each observation's cross-entropy -sum_i x_i log y_i over its rated entries (softmax output)."""
    return torch.where(mask, -x * torch.log(y.clamp_min(1e-12)), 0.0).sum(1)''',
    "multinomial": '''def reconstruction_loss(y, x, mask):
    """Mult-VAE's multinomial log-likelihood: the outputs are logits, softmax spreads one unit of
    probability over all movies, and each observation's loss is -sum_i x_i log softmax(y)_i."""
    return -torch.where(mask, x * torch.log_softmax(y, dim=1), 0.0).sum(1)''',
}

NO_PENALTY = '''def penalty(model, hidden, a1, side, batch, world, updates):
    """A plain autoencoder adds nothing to the reconstruction error.
    Returns (the term added to this process's loss, this process's share of its value)."""
    return 0.0, 0.0'''

KL_IMPORT = ("\n# an all_reduce that passes gradients back to every process (the KL penalty's batch mean)\n"
             "from torch.distributed.nn.functional import all_reduce as all_reduce_with_gradients")

KL_PENALTY = '''SPARSITY_TARGET = {rho!r}  # rho: each code unit should be active this fraction of the time
SPARSITY_WEIGHT = {beta!r}  # beta
RUNNING = {running!r}  # > 0: blend a running mean of earlier batches into rho_hat (online learning)
CODE_LAYER = {layer}  # the code: hidden layer {layer}, the narrowest
running_mean = None


def penalty(model, hidden, a1, side, batch, world, updates):
    """KL sparsity: beta * sum_j KL(rho || rho_hat_j), rho_hat_j = unit j's mean activation over
    the whole batch. The processes' sums are added with an all_reduce that passes gradients, and
    every process adds the same value: DDP's average then gives the batch's gradient.
    Returns (the term added to this process's loss, this process's share of its value)."""
    global running_mean
    total = hidden[CODE_LAYER - 1].sum(0, dtype=torch.float64)
    if world > 1:
        total = all_reduce_with_gradients(total)
    rho_hat = total / batch
    if RUNNING and running_mean is not None:
        rho_hat = RUNNING * running_mean + (1 - RUNNING) * rho_hat
    if RUNNING:
        running_mean = rho_hat.detach()
    q, rho = rho_hat.clamp(1e-6, 1 - 1e-6), SPARSITY_TARGET
    value = SPARSITY_WEIGHT * (rho * torch.log(rho / q) + (1 - rho) * torch.log((1 - rho) / (1 - q))).sum()
    return value, float(value.detach()) / world'''

L1_PENALTY = '''L1_WEIGHT = {weight!r}
CODE_LAYER = {layer}  # the code: hidden layer {layer}, the narrowest


def penalty(model, hidden, a1, side, batch, world, updates):
    """L1 sparsity: weight * (sum over the batch of sum_j |h_j|) / batch size, on the code layer.
    Returns (the term added to this process's loss, this process's share of its value)."""
    value = L1_WEIGHT * hidden[CODE_LAYER - 1].abs().sum() / batch
    return value * world, float(value.detach())'''

CONTRACTIVE_PENALTY = '''CONTRACTIVE_WEIGHT = {weight!r}  # lambda


def penalty(model, hidden, a1, side, batch, world, updates):
    """Contractive: lambda * ||J||_F^2 of the encoding layer, averaged over the batch. With
    h1 = f(a1), a1 = W1 x + b1: J = diag(f'(a1)) W1, so ||J||_F^2 = sum_j f'(a1_j)^2 sum_i W1_ji^2.
    Returns (the term added to this process's loss, this process's share of its value)."""
    h1 = hidden[0]
    slope = {slope}
    w1 = model.layer1.weight
    value = CONTRACTIVE_WEIGHT * ((slope * slope) @ (w1 * w1).sum(1)).sum() / batch
    return value * world, float(value.detach())'''

VAE_PENALTY = '''KL_CAP = {cap!r}  # beta's cap
ANNEAL_STEPS = {anneal!r}  # updates over which beta warms up linearly from 0 to its cap (0: none)


def penalty(model, hidden, a1, side, batch, world, updates):
    """The VAE's KL term: beta * mean over the batch of KL(N(mu, sigma^2) || N(0, I)), with
    KL = 1/2 sum_j (mu_j^2 + sigma_j^2 - 1 - log sigma_j^2). beta = KL_CAP * min(1, updates /
    ANNEAL_STEPS), `updates` counting this run's updates (aeviz's warm-up restarts when a saved
    model is continued, and so does this script's).
    Returns (the term added to this process's loss, this process's share of its value)."""
    mu, logvar = side
    beta = KL_CAP * min(1.0, updates / ANNEAL_STEPS) if ANNEAL_STEPS else KL_CAP
    kl = 0.5 * (mu * mu + torch.exp(logvar) - 1 - logvar).sum(1)
    value = beta * kl.sum() / batch
    return value * world, float(value.detach())'''

NO_WEIGHT_PENALTY = '''def weight_penalty(model, world):
    """No L2 penalty on the weights.
    Returns (the term added to this process's loss, this process's share of its value)."""
    return 0.0, 0.0'''

WEIGHT_PENALTY = '''WEIGHT_PENALTY = {lam!r}  # lambda
WEIGHT_MATRICES = {names!r}  # each layer's matrix (a tied one serves, and counts, twice)


def weight_penalty(model, world):
    """(lambda / 2) * sum over the layers of ||W||^2, the biases left free (I-AutoRec's penalty),
    once per update. Every process adds it whole: DDP's average of the gradients is then lambda W.
    Returns (the term added to this process's loss, this process's share of its value)."""
    value = WEIGHT_PENALTY / 2 * sum((model.get_parameter(name) ** 2).sum() for name in WEIGHT_MATRICES)
    return value, float(value.detach()) / world'''

NO_SAMPLING = '''def sample_noise(rng, batch, mine):
    """No sampling: the code is a plain function of the input."""
    return None'''

VAE_SAMPLING = '''CODE_UNITS = {units}  # the variational code's size


def sample_noise(rng, batch, mine):
    """eps ~ N(0, 1) for z = mu + sigma * eps, drawn (in float64) from the shared Generator right
    after the batch's corruption, as aeviz draws it: every process draws the whole batch's and
    keeps the rows of its share, so one process and many use the same eps."""
    return rng.standard_normal((batch, CODE_UNITS))[mine]'''

NO_CORRUPTION = '''def corrupt(x, mask, rng, batch, mine):
    """No corruption: the network sees the ratings as they are."""
    return x'''

MASK_CORRUPTION = '''NOISE_LEVEL = {level!r}


def corrupt(x, mask, rng, batch, mine):
    """Masking noise: hide each rated entry with probability NOISE_LEVEL (set it to 0, unrated);
    the loss still compares with the clean ratings. Every process draws the noise of the whole
    batch from the shared Generator, as aeviz does, and keeps the rows of its share."""
    hide = mask & (rng.random((batch, x.shape[1]))[mine] < NOISE_LEVEL)
    return np.where(hide, 0, x).astype(x.dtype, copy=False)'''

GAUSSIAN_CORRUPTION = '''NOISE_LEVEL = {level!r}  # standard deviation, in rating units


def corrupt(x, mask, rng, batch, mine):
    """Gaussian noise N(0, NOISE_LEVEL^2) added to each rated entry; unrated stay 0. Every process
    draws the noise of the whole batch from the shared Generator, as aeviz does, and keeps the
    rows of its share."""
    noise = rng.normal(0.0, NOISE_LEVEL, size=(batch, x.shape[1]))[mine]
    return np.where(mask, x + noise, x).astype(x.dtype, copy=False)'''

TORCH_OPTIMIZERS = {  # aeviz's name -> torch.optim class and the settings it takes, in order
    "sgd": ("SGD", ("lr", "momentum", "dampening", "weight_decay", "nesterov")),
    "rmsprop": ("RMSprop", ("lr", "alpha", "eps", "weight_decay", "momentum")),
    "adam": ("Adam", ("lr", "betas", "eps", "weight_decay")),
}


def _layers(network):
    """Per layer: (flat start, flat stop, stored shape, stored transposed, owner layer or None).

    Read from the network's own split of a flat vector of positions, so the script's layout is
    exactly aeviz's storage, whatever rule chooses it."""
    positions = np.arange(network.params.size)
    weights, biases = network.split_flat(positions)
    starts, out = {}, []
    for l, w in enumerate(weights):
        start = int(w.min())
        owner = starts.setdefault(start, l)
        plain = np.array_equal(w.reshape(-1), np.arange(start, start + w.size))
        shape = w.shape if plain else w.shape[::-1]
        out.append((start, start + w.size, tuple(int(s) for s in shape), not plain,
                    None if owner == l else owner))
    bias_spans = [(int(b[0]), int(b[0]) + b.size) for b in biases] if network.bias else []
    return out, bias_spans


def _extra_spans(network):
    """(name, start, stop, shape) of a side branch's parameters (the VAE's log-variance layer):
    the network stores them after the biases, in order, at the end of the flat vector."""
    names = {"W_logvar": "logvar.weight", "b_logvar": "logvar.bias"}
    stop = network.params.size
    spans = []
    for name, shape in reversed(network.extra_parameters()):
        start = stop - int(np.prod(shape))
        spans.append((names[name], start, stop, tuple(int(d) for d in shape)))
        stop = start
    return spans[::-1]


def _model_class(network) -> str:
    layers, _ = _layers(network)
    sizes = network.sizes
    acts = [a.name for a in network.activations]
    bias = network.bias
    vae = isinstance(network, VAENetwork)
    code = network.code_layer - 1 if vae else None  # the layer whose output is the sampled code
    arrow = " -> ".join(map(str, sizes))
    hidden = acts[0] if len(acts) > 1 else "no"
    init = []
    for l, (_, _, _, _, owner) in enumerate(layers):
        if owner is None:
            extra = "" if bias else ", bias=False"
            init.append(f"        self.layer{l + 1} = nn.Linear({sizes[l]}, {sizes[l + 1]}{extra})")
        elif bias:
            init.append(f"        self.bias{l + 1} = nn.Parameter(torch.zeros({sizes[l + 1]}))"
                        f"  # layer {l + 1}: layer{owner + 1}'s weights, transposed (tied)")
        else:
            init.append(f"        # layer {l + 1}: layer{owner + 1}'s weights, transposed (tied)")
        if l == code:
            init.append(f"        self.logvar = nn.Linear({sizes[l]}, {sizes[l + 1]}{'' if bias else ', bias=False'})"
                        f"  # the code's log-variance, from layer {l + 1}'s input")
    body = []
    if vae and network.normalize_input:
        body.append("        x = x / x.norm(dim=1, keepdim=True).clamp_min(1e-12)  # each row to unit length")
    n = len(layers)
    for l, (_, _, _, _, owner) in enumerate(layers):
        inp = "x" if l == 0 else f"h{l}"
        if owner is None:
            pre = f"self.layer{l + 1}({inp})"
        else:
            pre = f"F.linear({inp}, self.layer{owner + 1}.weight.t(), {f'self.bias{l + 1}' if bias else 'None'})"
        out = "y" if l == n - 1 else f"h{l + 1}"
        if l == 0:
            body.append(f"        a1 = {pre}")
            pre = "a1"
        if l == code:
            body.append(f"        mu = {ACTIVATION_CODE[acts[l]].format(pre)}  # the code's mean")
            body.append(f"        logvar = self.logvar({inp})")
            body.append(f"        {out} = mu if eps is None else mu + torch.exp(0.5 * logvar) * eps"
                        "  # z = mu + sigma * eps")
        else:
            body.append(f"        {out} = {ACTIVATION_CODE[acts[l]].format(pre)}")
    hiddens = ", ".join(f"h{l + 1}" for l in range(n - 1))
    tied = ", tied weights" if network.tied else ""
    what = (f", a variational code of {sizes[code + 1]} units (z = mu + sigma * eps while training, "
            f"mu otherwise)") if vae else ""
    return (f'class Autoencoder(nn.Module):\n'
            f'    """{arrow}: {hidden} hidden units, {acts[-1]} output{tied}{"" if bias else ", no biases"}'
            f'{what}."""\n\n'
            '    def __init__(self):\n        super().__init__()\n' + "\n".join(init) + "\n\n"
            '    def forward(self, x, eps=None):\n'
            '        """The output, every hidden layer\'s values, the first pre-activation, and the\n'
            '        code\'s (mu, logvar) for a VAE (else None). `eps`: a VAE\'s noise (None: z = mu)."""\n'
            + "\n".join(body) + f"\n        return y, [{hiddens}], a1, {'(mu, logvar)' if vae else 'None'}\n")


def _layout(network) -> str:
    layers, bias_spans = _layers(network)
    rows = []
    for l, (start, stop, shape, transposed, owner) in enumerate(layers):
        if owner is None:
            rows.append((start, f'    ("layer{l + 1}.weight", {start}, {stop}, {shape}, {transposed}),'))
    for l, (start, stop) in enumerate(bias_spans):
        name = f"layer{l + 1}.bias" if layers[l][4] is None else f"bias{l + 1}"
        rows.append((start, f'    ("{name}", {start}, {stop}, ({stop - start},), False),'))
    for name, start, stop, shape in _extra_spans(network):
        rows.append((start, f'    ("{name}", {start}, {stop}, {shape}, False),'))
    return "\n".join(text for _, text in sorted(rows))


def _weight_penalty(penalties, network) -> str:
    """The L2 weight penalty's code (kept apart from the type's own penalty: I-AutoRec has both)."""
    l2 = [p for p in penalties if isinstance(p, L2Weights)]
    if not l2 or l2[0].lam == 0:
        return NO_WEIGHT_PENALTY
    layers, _ = _layers(network)
    names = [f"layer{(l if owner is None else owner) + 1}.weight" for l, (*_, owner) in enumerate(layers)]
    return WEIGHT_PENALTY.format(lam=l2[0].lam, names=names)


def _penalty(penalties, network) -> str:
    penalties = [p for p in penalties if not isinstance(p, L2Weights)]
    if not penalties:
        return NO_PENALTY
    if len(penalties) > 1:
        raise ValueError("a model with more than one penalty cannot be exported yet")
    p = penalties[0]
    layer = network.bottleneck_layer()
    if isinstance(p, KLDivergence):
        return VAE_PENALTY.format(cap=p.cap, anneal=p.anneal_steps)
    if isinstance(p, KLSparsity):
        if p.layers is not None:
            raise ValueError("KL sparsity on chosen layers cannot be exported yet")
        return KL_PENALTY.format(rho=p.rho, beta=p.beta, running=p.running, layer=layer)
    if isinstance(p, L1Sparsity):
        if p.layers is not None:
            raise ValueError("L1 sparsity on chosen layers cannot be exported yet")
        return L1_PENALTY.format(weight=p.weight, layer=layer)
    if isinstance(p, Contractive):
        act = network.activations[0].name
        if act not in SLOPE_CODE:
            raise ValueError(f"the contractive penalty does not support a {act} first layer")
        return CONTRACTIVE_PENALTY.format(weight=p.weight, slope=SLOPE_CODE[act])
    raise ValueError(f"the {p.describe()} penalty cannot be exported yet")


def _corruption(corruption) -> str:
    if corruption is None:
        return NO_CORRUPTION
    if isinstance(corruption, MaskingNoise):
        return MASK_CORRUPTION.format(level=corruption.level)
    if isinstance(corruption, GaussianNoise):
        return GAUSSIAN_CORRUPTION.format(level=corruption.level)
    raise ValueError(f"{corruption.describe()} cannot be exported yet")


def _optimizer(optimizer) -> tuple[str, str]:
    """(make_optimizer's code, the hyper-parameters as aeviz saves them)."""
    cls, keys = TORCH_OPTIMIZERS[optimizer.name]
    hyper = optimizer.hyper
    args = ", ".join(f"{k}={tuple(hyper[k]) if k == 'betas' else hyper[k]!r}" for k in keys)
    code = (f"def make_optimizer(params):\n"
            f'    """aeviz\'s {optimizer.name}, which follows torch.optim\'s rule exactly."""\n'
            f"    return torch.optim.{cls}(params, {args})")
    saved = {k: (list(v) if isinstance(v, tuple) else v) for k, v in hyper.items()}
    return code, repr(saved)


def _config_dict(path) -> dict:
    """The model file's configuration as written, keys this aeviz does not know included."""
    with np.load(path, allow_pickle=False) as npz:
        return json.loads(npz["header"].tobytes().decode("utf-8")).get("config", {})


def generate_script(model_path, script_name: str = "train_torch.py", model_ref: str | None = None) -> str:
    """The text of a standalone training script for the model file at `model_path`.

    `model_ref` is how the script names the model file (default: its path relative to the
    script's folder when they share it, else absolute). ValueError when the model cannot be
    expressed (the message says why)."""
    saved = load_model(model_path)
    raw = _config_dict(model_path)
    config = saved.config.with_(pretrain_epochs=0)
    net = saved.network
    if config.kind not in EXPORTABLE_KINDS:
        raise ValueError(f"the {config.kind} autoencoder cannot be exported to PyTorch yet "
                         f"(exportable: {', '.join(EXPORTABLE_KINDS)})")
    orientation = str(raw.get("orientation", "user"))
    if orientation not in ("user", "item"):
        raise ValueError(f"unknown orientation {orientation!r} in the model file")
    implicit = bool(raw.get("implicit"))
    if implicit and orientation == "item":
        raise ValueError("an item-based model of implicit feedback cannot be exported to PyTorch yet")
    # aeviz's own optimizer, penalty and corruption objects for this model (on a stand-in row)
    trainer = build_trainer(config, DenseRows(np.ones((1, net.sizes[0]))), network=net)
    make_optimizer, hyper = _optimizer(trainer.optimizer)
    optimizer_name = trainer.optimizer.name
    if config.loss not in LOSS_CODE:
        raise ValueError(f"the {config.loss} loss cannot be exported yet")
    values = {
        "DESCRIPTION": f"{net.describe()}, {config.kind}, {optimizer_name}",
        "MODEL_NAME": pathlib.Path(model_path).name,
        "SCRIPT_NAME": script_name,
        "MODEL_FILE": repr(model_ref if model_ref is not None else os.fspath(model_path)),
        "DTYPE": net.dtype.name,
        "SEED": repr(int(config.seed)),
        "TEST_FRACTION": repr(float(config.test_fraction)),
        "VALIDATION_FRACTION": repr(float(raw.get("validation_fraction", 0.0))),
        "ORIENTATION": repr(orientation),
        "BATCH_SIZE": repr(int(config.batch_size)),
        "SHUFFLE": repr(bool(config.shuffle)),
        "ACCUMULATE_GRADIENTS": repr(bool(config.accumulate_gradients)),
        "EXTRA_IMPORTS": KL_IMPORT if any(isinstance(p, KLSparsity) for p in trainer.penalties) else "",
        "HISTORY_FIELDS": repr(tuple(f.name for f in fields(EpochRecord))),
        "MODEL_CLASS": _model_class(net),
        "LAYOUT": _layout(net),
        "LOSS": LOSS_CODE[config.loss],
        "PENALTY": _penalty(trainer.penalties, net),
        "WEIGHT_PENALTY": _weight_penalty(trainer.penalties, net),
        "CORRUPTION": _corruption(trainer.corruption),
        "SAMPLING": VAE_SAMPLING.format(units=net.code_size) if isinstance(net, VAENetwork) else NO_SAMPLING,
        "IMPLICIT": repr(implicit),
        "OPTIMIZER_NAME": repr(optimizer_name),
        "OPTIMIZER_HYPER": hyper,
        "MAKE_OPTIMIZER": make_optimizer,
        "LR_DECAY": repr(float(config.lr_decay)),
    }
    # the shebang is added here, not kept in the template: a file starting with "#!python" is
    # read as Python by linters, and the template is not Python until it is filled in
    return "#!/usr/bin/env python3\n" + string.Template(TEMPLATE.read_text(encoding="utf-8")).substitute(values)


def write_script(model_path, script_path) -> pathlib.Path:
    """Write the script for `model_path` to `script_path` (atomically); returns its path."""
    script_path = pathlib.Path(script_path)
    model_path = pathlib.Path(model_path)
    if model_path.resolve().parent == script_path.resolve().parent:
        ref = model_path.name
    else:
        ref = str(model_path.resolve())
    text = generate_script(model_path, script_path.name, ref)
    return atomic_write(script_path, lambda fh: fh.write(text), protect=(model_path,))
