"""Careless hands on the command line (issue 14, points 9-11): saves that must not destroy,
pipes that close early, terminals that cannot show every title."""
import os
import pathlib
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from aeviz import cli
from aeviz.engine.atomic import WriteError, atomic_write

ROOT = pathlib.Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("hostile_cli")
    rng = np.random.default_rng(0)
    lines = ["userId,movieId,rating"]
    for u in range(1, 31):
        for m in rng.choice(np.arange(1, 11), 5, replace=False):
            lines.append(f"{u},{m},{rng.integers(1, 6)}")
    ratings = d / "ratings.csv"
    ratings.write_text("\n".join(lines) + "\n")
    titles = d / "titles.csv"
    titles.write_text("movieId,title\n" + "".join(f"{m},Les Misérables {m}\n" for m in range(1, 11)),
                      encoding="utf-8")
    return {"dir": d, "ratings": ratings, "titles": titles}


def run(argv, capsys):
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def subprocess_env(**extra):
    return {**os.environ, "PYTHONPATH": str(ROOT), **extra}


TRAIN = ["train", "--epochs", "1", "--layers", "4", "--quiet"]


# ------------------------------------------------------------------ 9. --save
def test_save_refuses_the_open_ratings_file(files, capsys):
    before = files["ratings"].read_bytes()
    code, out, err = run(TRAIN[:1] + [files["ratings"]] + TRAIN[1:] + ["--save", files["ratings"]], capsys)
    assert code == cli.EXIT_INPUT and "ratings file that is open" in err and "ratings.csv" in err
    assert files["ratings"].read_bytes() == before


def test_save_refuses_a_pipe_and_leaves_it_a_pipe(files, capsys, tmp_path):
    fifo = tmp_path / "model.npz"
    os.mkfifo(fifo)
    code, out, err = run(["train", files["ratings"], *TRAIN[1:], "--save", fifo], capsys)
    assert code == cli.EXIT_INPUT and "not a regular file" in err
    assert fifo.is_fifo()


def test_save_refuses_an_empty_name(files, capsys):
    code, out, err = run(["train", files["ratings"], *TRAIN[1:], "--save", ""], capsys)
    assert code == cli.EXIT_INPUT and "no file name given" in err


def test_save_writes_through_a_symlink(files, capsys, tmp_path):
    target = tmp_path / "real.npz"
    target.write_bytes(b"old")
    link = tmp_path / "link.npz"
    link.symlink_to(target)
    code, out, err = run(["train", files["ratings"], *TRAIN[1:], "--save", link], capsys)
    assert code == 0, err
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_bytes()[:2] == b"PK"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.npz", "real.npz"]


def test_a_failed_write_names_the_target_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "out.npz"

    def full_disk(fh):
        fh.write(b"partial")
        raise OSError(28, "No space left on device", fh.name)
    with pytest.raises(WriteError) as info:
        atomic_write(target, full_disk, binary=True)
    assert info.value.filename == str(target) and str(info.value) == "No space left on device"
    assert list(tmp_path.iterdir()) == []


def test_sigterm_during_a_save_leaves_no_temporary(tmp_path):
    script = textwrap.dedent(f"""
        import os, signal
        from aeviz.engine.atomic import atomic_write
        def write(fh):
            fh.write(b"half a model")
            os.kill(os.getpid(), signal.SIGTERM)
            fh.write(b"never")
        atomic_write({str(tmp_path / "m.npz")!r}, write, binary=True)
    """)
    run_ = subprocess.run([sys.executable, "-c", script], env=subprocess_env(), capture_output=True, text=True,
                          timeout=60)
    assert run_.returncode == 128 + signal.SIGTERM, run_.stderr
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------ 10. the right file is blamed
def test_an_unreadable_titles_file_is_named(files, capsys, tmp_path):
    folder = tmp_path / "titles.csv"
    folder.mkdir()
    code, out, err = run(["train", files["ratings"], *TRAIN[1:], "--titles", folder], capsys)
    assert code == cli.EXIT_INPUT and "titles.csv: this is a folder" in err and "ratings.csv" not in err


# ------------------------------------------------------------------ 11. pipes and encodings
def test_train_into_head_exits_quietly(files):
    proc = subprocess.Popen([sys.executable, "-m", "aeviz", "train", str(files["ratings"]), "--epochs", "300",
                             "--layers", "4"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=subprocess_env(PYTHONUNBUFFERED="1"))
    first = proc.stdout.readline()
    proc.stdout.close()  # `| head -1`
    err = proc.stderr.read().decode()
    proc.wait(timeout=120)
    assert b"users x" in first
    assert "Traceback" not in err and "BrokenPipeError" not in err, err
    assert proc.returncode == cli.EXIT_BROKEN_PIPE


def test_recommend_on_an_ascii_terminal_replaces_what_it_cannot_show(files, tmp_path):
    model = tmp_path / "m.npz"
    assert cli.main(["train", str(files["ratings"]), "--epochs", "1", "--layers", "4", "--quiet",
                     "--save", str(model)]) == 0
    run_ = subprocess.run([sys.executable, "-m", "aeviz", "recommend", str(model), str(files["ratings"]),
                           "--user", "1", "-n", "3", "--titles", str(files["titles"])],
                          env=subprocess_env(PYTHONIOENCODING="ascii"), capture_output=True, timeout=120)
    assert run_.returncode == 0, run_.stderr
    out = run_.stdout.decode("ascii")
    assert "Les Mis?rables" in out and "UnicodeEncodeError" not in run_.stderr.decode()
