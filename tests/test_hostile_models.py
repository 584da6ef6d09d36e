"""Hostile model files (issue 14, points 3-4): every one is a clean ModelFileError, and nothing
is decompressed before the header says it should exist and how big it is."""
import io
import json
import tracemalloc
import zipfile

import numpy as np
import pytest

from aeviz.data.ratings import build_ratings
from aeviz.engine import ModelConfig, build_trainer
from aeviz.engine.serialize import ModelFileError, ModelLoadCancelled, dataset_identity, load_model, save_model


@pytest.fixture
def model(tmp_path):
    rng = np.random.default_rng(0)
    u, i = np.nonzero(rng.random((20, 8)) < 0.6)
    r = build_ratings(u + 1, i + 10, rng.integers(1, 6, size=u.size), source="r.csv")
    cfg = ModelConfig(hidden=(5, 3, 5), optimizer="adam", batch_size=4)
    tr = build_trainer(cfg, r)
    tr.train(2)
    return save_model(tmp_path / "m.aeviz.npz", tr, cfg, dataset_identity(r, "r.csv"))


def _arrays(path):
    with np.load(path) as npz:
        return {k: npz[k] for k in npz.files}


def _write(path, arrays, header=None, compress=True):
    arrays = dict(arrays)
    if header is not None:
        arrays["header"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    (np.savez_compressed if compress else np.savez)(path, **arrays)


def _header(path):
    return json.loads(_arrays(path)["header"].tobytes())


def _refused(path, match):
    with pytest.raises(ModelFileError, match=match) as info:
        load_model(path)
    assert len(str(info.value)) < 400
    return info.value


# ------------------------------------------------------------------ 3. schema
@pytest.mark.parametrize("change,match", [
    (lambda h: h.update(config=[1, 2]), "config: expected an object"),
    (lambda h: h["optimizer"].update(hyper=[0.1]), "optimizer.hyper"),
    (lambda h: h["network"].update(dtype="int8"), "network.dtype: expected float32 or float64"),
    (lambda h: h["network"].update(dtype="object"), "network.dtype"),
    (lambda h: h["optimizer"].update(t=-5), "optimizer.t"),
    (lambda h: h["optimizer"].update(t=2.5), "optimizer.t"),
    (lambda h: h["network"].update(sizes=[8, "5", 3]), "network.sizes"),
    (lambda h: h["network"].update(sizes=[10 ** 6, 10 ** 6, 8]), "weights is more than"),
    (lambda h: h["network"].update(activations=["sigmoid"]), "network.activations"),
    (lambda h: h["network"].update(tied="yes"), "network.tied"),
    (lambda h: h["config"].update(lr="fast"), "config:"),
    (lambda h: h.update(history=[{"epoch": "one"}]), "history"),
    (lambda h: h.update(dataset=[]), "dataset"),
], ids=["config-list", "hyper-list", "int8", "object", "t-negative", "t-float", "sizes-str", "sizes-huge",
        "activations", "tied", "lr-str", "history", "dataset-list"])
def test_a_header_of_the_wrong_shape_is_refused(model, change, match):
    arrays = _arrays(model)
    header = _header(model)
    change(header)
    _write(model, arrays, header)
    _refused(model, match)


def test_a_deeply_nested_header_is_refused(model):
    arrays = _arrays(model)
    arrays["header"] = np.frombuffer(b'{"format": "aeviz-model", "version": 1, "x": ' + b"[" * 200_000
                                     + b"]" * 200_000 + b"}", dtype=np.uint8)
    _write(model, arrays)
    _refused(model, "damaged header|invalid header")


def test_single_bit_flips_never_escape_as_tracebacks(model):
    data = model.read_bytes()
    rng = np.random.default_rng(3)
    outcomes = set()
    for pos in rng.integers(0, len(data), 150):
        bad = bytearray(data)
        bad[pos] ^= 1 << int(rng.integers(8))
        model.write_bytes(bytes(bad))
        try:
            load_model(model)
            outcomes.add("loaded")
        except ModelFileError:
            outcomes.add("refused")
    assert "refused" in outcomes


def test_a_zlib_error_is_a_model_file_error(model):
    """Damage inside a member's deflate stream: zipfile raises zlib.error, not BadZipFile."""
    with zipfile.ZipFile(model) as zf:
        info = zf.getinfo("params.npy")
        offset = info.header_offset + 30 + len(info.filename) + len(info.extra)
    data = bytearray(model.read_bytes())
    data[offset + 2:offset + 40] = b"\xff" * 38
    model.write_bytes(bytes(data))
    _refused(model, "truncated or corrupted")


# ------------------------------------------------------------------ 4. zip bombs
def _npy_header(shape, dtype="<f4") -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": dtype, "fortran_order": False, "shape": shape})
    return buf.getvalue()


def test_an_array_declared_bigger_than_the_header_implies_is_refused_unread(model):
    header = _header(model)
    header["optimizer"] = None
    with zipfile.ZipFile(model, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("header.npy", _npy_header((len(json.dumps(header)),), "|u1") + json.dumps(header).encode())
        zf.writestr("params.npy", _npy_header((750_000_000,)) + b"\0" * 4096)  # declares 3 GB
    err = _refused(model, "params holds 750,000,000 values")
    assert "implies" in str(err)


def test_a_bomb_beside_the_model_is_never_decompressed(model):
    arrays = _arrays(model)
    arrays["junk"] = np.zeros(40_000_000, np.uint8)  # 40 MB of zeros, ~40 KB compressed
    _write(model, arrays)
    assert model.stat().st_size < 1 << 20
    tracemalloc.start()
    try:
        saved = load_model(model)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert saved.network.sizes == [8, 5, 3, 5, 8]
    assert peak < 8 << 20


def test_a_header_bomb_is_refused_by_its_declared_size(model):
    with zipfile.ZipFile(model, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("header.npy", _npy_header((2_000_000_000,), "|u1") + b"{" * 1000)
    _refused(model, "header.*expected at most")


def test_wrong_dtypes_in_arrays_are_refused(model):
    arrays = _arrays(model)
    arrays["params"] = arrays["params"].astype(np.float64)
    _write(model, arrays)
    _refused(model, "params has dtype float64, expected float32")


def test_opening_reports_progress_and_honours_cancel(model):
    seen = []
    saved = load_model(model, progress=seen.append)
    assert saved is not None and seen and seen[-1] == pytest.approx(1.0)
    with pytest.raises(ModelLoadCancelled):
        load_model(model, cancel=lambda: True)


def test_devices_are_refused_at_once():
    _refused("/dev/zero", "not a regular file")
