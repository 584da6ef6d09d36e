"""Hostile and careless ratings files (issue 14): each refusal is fast, bounded and clean.

The files here are small; the big cases (hundreds of MB) are timed in benchmarks/hostile.py.
Speed shows as *how much was read* before a refusal (the progress reported), never as time.
"""
import os
import threading

import numpy as np
import pytest

import aeviz.data.careful as careful
import aeviz.data.reading as reading
import aeviz.data.wide as wide
from aeviz.data import LoadCancelled, RatingsFileError, load_ratings, load_titles


def write(tmp_path, name, data):
    p = tmp_path / name
    p.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return p


def refusal(path, **kw) -> RatingsFileError:
    with pytest.raises(RatingsFileError) as info:
        load_ratings(path, **kw)
    return info.value


def wide_text(n_users, n_items, header=True, seed=0) -> str:
    rng = np.random.default_rng(seed)
    vals = rng.integers(0, 6, size=(n_users, n_items))
    lines = ["user," + ",".join(f"m{j}" for j in range(n_items))] if header else []
    lines += [f"{u + 1}," + ",".join(map(str, row)) for u, row in enumerate(vals)]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------ 1. pipes, devices, Cancel
def _in_thread(fn, timeout=5.0):
    out = {}

    def run():
        try:
            out["value"] = fn()
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            out["error"] = exc
    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(timeout)
    assert not t.is_alive(), "the loader blocked"
    return out


def test_a_fifo_is_refused_without_being_opened(tmp_path):
    fifo = tmp_path / "ratings.csv"
    os.mkfifo(fifo)
    out = _in_thread(lambda: load_ratings(fifo))
    err = out["error"]
    assert isinstance(err, RatingsFileError) and err.path == str(fifo)
    assert "named pipe (FIFO)" in err.reason


def test_a_device_is_refused_at_once():
    out = _in_thread(lambda: load_ratings("/dev/zero"))
    assert isinstance(out["error"], RatingsFileError) and "a device" in out["error"].reason


def _cancel_while_splitting(monkeypatch, module, after: int):
    """Press Cancel once `module` has split `after` lines; returns (cancel flag, lines split)."""
    flag = threading.Event()
    seen = []
    real_split = module.split_fields

    def split(line, sep):
        seen.append(1)
        if len(seen) == after:
            flag.set()  # the user presses Cancel in the middle of the parse
        return real_split(line, sep)
    monkeypatch.setattr(module, "split_fields", split)
    return flag, seen


def test_wide_parsing_honours_cancel_between_chunks(tmp_path, monkeypatch):
    """The careful wide parse used to run to its end once the bytes were read."""
    p = write(tmp_path, "wide.csv", wide_text(400, 30).replace(",", ", "))  # spaces: the careful path
    flag, seen = _cancel_while_splitting(monkeypatch, wide, 300)
    with pytest.raises(LoadCancelled):
        load_ratings(p, cancel=flag.is_set, chunk_bytes=4096)
    assert len(seen) < 500  # stopped within a chunk, not after all 400 rows


def test_the_careful_long_parse_honours_cancel_within_a_chunk(tmp_path, monkeypatch):
    lines = [f'"{u}","{i}",{1 + (u + i) % 5}' for u in range(1, 201) for i in range(1, 61)]  # quotes: careful
    p = write(tmp_path, "quoted.csv", "\n".join(lines) + "\n")
    flag, seen = _cancel_while_splitting(monkeypatch, careful, 1000)
    with pytest.raises(LoadCancelled):
        load_ratings(p, cancel=flag.is_set)
    assert p.stat().st_size < 1 << 20 and len(seen) < 5000  # one chunk of 12,000 lines, stopped early


def test_wide_file_loads_the_same_through_both_parsers(tmp_path):
    text = wide_text(50, 12)
    fast = load_ratings(write(tmp_path, "a.csv", text), chunk_bytes=1024)
    careful = load_ratings(write(tmp_path, "b.csv", text.replace(",", ", ")), chunk_bytes=1024)
    np.testing.assert_array_equal(fast.indptr, careful.indptr)
    np.testing.assert_array_equal(fast.indices, careful.indices)
    np.testing.assert_array_equal(fast.values, careful.values)
    assert fast.n_users == 50 and fast.n_items == 12 and fast.titles[0] == "m0"
    dense = np.array([[int(c) for c in line.split(",")[1:]] for line in text.splitlines()[1:]])
    assert fast.nnz == np.count_nonzero(dense)


# ------------------------------------------------------------------ 5. quoting
@pytest.mark.parametrize("field", ["x" * 20_000, "9" * 20_000], ids=["letters", "digits"])
def test_a_huge_field_is_quoted_short(tmp_path, field):
    err = refusal(write(tmp_path, "r.csv", f"1,10,4\n1,11,3\n2,10,{field}\n"))
    assert err.line == 3 and err.column == 3
    assert len(str(err)) < 250 and "20,000 characters" in str(err)


def test_a_huge_header_title_is_cut_in_the_column_name(tmp_path):
    title = "T" * 5000
    err = refusal(write(tmp_path, "w.csv", f"user,{title},b,c,d\n1,4,x,3,2\n2,1,2,3,4\n"))
    assert err.line == 2 and err.column == 3 and len(str(err)) < 250


# ------------------------------------------------------------------ 6. sniffing whole lines
def test_more_than_64kb_of_blank_lines_before_the_data(tmp_path):
    r = load_ratings(write(tmp_path, "r.csv", "\n" * 70_000 + "1,10,4\n1,11,3\n2,10,5\n2,11,1\n"))
    assert r.nnz == 4 and r.n_users == 2


def test_a_wide_header_over_64kb(tmp_path):
    n = 20_000
    text = "user," + ",".join(f"Movie number {j}" for j in range(n)) + "\n"
    for u in range(3):
        text += f"{u + 1}," + ",".join("4" if (j + u) % 7 == 0 else "0" for j in range(n)) + "\n"
    assert text.index("\n") > 64 << 10
    r = load_ratings(write(tmp_path, "w.csv", text))
    assert r.n_items == n and r.n_users == 3 and r.titles[5] == "Movie number 5"
    assert r.nnz == sum(1 for u in range(3) for j in range(n) if (j + u) % 7 == 0)


def test_60000_columns_without_a_header(tmp_path):
    n = 60_000
    rows = ["1,0,0" + ",3,0,5,0" * ((n - 2) // 4), "2,0,1" + ",0,2,0,0" * ((n - 2) // 4),
            "3,4,0" + ",0,0,0,1" * ((n - 2) // 4)]
    ncols = rows[0].count(",") + 1
    assert ncols > 59_000
    r = load_ratings(write(tmp_path, "w.csv", "\n".join(rows) + "\n"))
    assert r.n_items == ncols - 1 and r.n_users == 3  # the first column is the user id
    assert list(r.user_ids) == [1, 2, 3]


def test_cr_only_line_ends_with_a_header(tmp_path):
    r = load_ratings(write(tmp_path, "mac.csv", "userId,movieId,rating\r1,10,4\r1,11,3\r2,10,5\r2,11,2\r"))
    assert r.nnz == 4 and sorted(r.values.tolist()) == [2, 3, 4, 5]


# ------------------------------------------------------------------ 7. binary, long lines
def test_nul_at_the_start_is_refused_after_the_first_read(tmp_path):
    p = write(tmp_path, "zeros.csv", b"\x00" * (4 << 20))
    seen = []
    with pytest.raises(RatingsFileError) as info:
        load_ratings(p, progress=seen.append)
    assert info.value.line == 1 and "binary file" in info.value.reason
    assert max(seen) < 0.3  # one 1 MB read of four, not the whole file


def test_a_line_over_the_limit_is_refused_while_reading(tmp_path, monkeypatch):
    monkeypatch.setattr(reading, "MAX_LINE_BYTES", 64 << 10)
    p = write(tmp_path, "line.csv", "1,10,4\n" + "5," * (400 << 10))
    seen = []
    err = refusal(p, progress=seen.append, chunk_bytes=4096)
    assert err.line == 2 and "longer than" in err.reason
    assert max(seen) < 0.2


def test_a_long_last_line_without_newline_is_read_whole(tmp_path):
    text = "user,a,b,c,d\n1,1,2,3,4\n2," + ",".join(["5"] * 4)
    r = load_ratings(write(tmp_path, "w.csv", text), chunk_bytes=1024)
    assert r.nnz == 8 and r.values[-1] == 5


# ------------------------------------------------------------------ 8. garbage wide files
def test_a_garbage_wide_file_fails_at_its_first_bad_line_after_one_chunk(tmp_path):
    rng = np.random.default_rng(1)
    words = np.array(["foo", "bar", "baz", "qux", "zap"])
    lines = [",".join(rng.choice(words, 8)) for _ in range(120_000)]
    p = write(tmp_path, "junk.csv", "\n".join(lines) + "\n")
    assert p.stat().st_size > 3 << 20
    seen = []
    err = refusal(p, progress=seen.append)
    assert err.line in (1, 2) and "is not a number" in err.reason
    assert max(seen) < 0.4


# ------------------------------------------------------------------ 12. loose parsing
@pytest.mark.parametrize("value", ["\u0664", "\uff14", "3_0", "\u0663.5"],
                         ids=["arabic", "fullwidth", "underscore", "arabic-decimal"])
def test_only_ascii_digits_are_numbers(tmp_path, value):
    err = refusal(write(tmp_path, "r.csv", f"1,10,4\n1,11,3\n2,10,{value}\n2,11,1\n"))
    assert err.line == 3 and err.column == 3 and "is not a number" in err.reason


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_gets_its_own_message(tmp_path, encoding):
    err = refusal(write(tmp_path, "r.csv", "1,10,4\n2,10,3\n".encode(encoding)))
    assert "UTF-16" in err.reason and "UTF-8" in err.reason and "binary" not in err.reason


def test_a_single_zero_in_a_star_file_means_not_rated(tmp_path):
    r = load_ratings(write(tmp_path, "r.csv", "1,10,4\n1,11,0\n2,10,5\n2,11,1\n3,11,2\n"))
    assert r.scale.kind == "stars" and r.nnz == 4 and 0 not in r.values
    assert any("1 rating of 0 skipped" in w and "not rated" in w for w in r.warnings)


def test_zeros_stay_in_a_like_dislike_file(tmp_path):
    r = load_ratings(write(tmp_path, "r.csv", "1,10,1\n1,11,0\n2,10,0\n2,11,1\n"))
    assert r.scale.kind == "binary" and r.nnz == 4 and not r.warnings


def test_titles_from_a_device_are_refused_as_such(tmp_path):
    with pytest.raises(RatingsFileError) as info:
        load_titles("/dev/zero")
    assert "a device" in info.value.reason and "no such file" not in info.value.reason


# ------------------------------------------------------------------ 10. the right file is blamed
def _deny(monkeypatch, victim):
    real = open

    def fake_open(path, *a, **k):
        if os.fspath(path) == os.fspath(victim):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real(path, *a, **k)
    monkeypatch.setattr(reading, "open", fake_open, raising=False)


def test_unreadable_titles_beside_the_ratings_are_a_warning(tmp_path, monkeypatch):
    p = write(tmp_path, "ratings.csv", "userId,movieId,rating\n1,10,4\n1,11,3\n2,10,5\n")
    movies = write(tmp_path, "movies.csv", "movieId,title,genres\n10,Heat,Action\n11,Up,Comedy\n")
    _deny(monkeypatch, movies)
    r = load_ratings(p)
    assert r.nnz == 3 and any(w.startswith("titles not used: movies.csv") and "Permission denied" in w
                              for w in r.warnings)


def test_unreadable_explicit_titles_blame_the_titles_file(tmp_path, monkeypatch):
    p = write(tmp_path, "ratings.csv", "userId,movieId,rating\n1,10,4\n1,11,3\n2,10,5\n")
    titles = write(tmp_path, "names.csv", "movieId,title\n10,Heat\n")
    _deny(monkeypatch, titles)
    err = refusal(p, titles=titles)
    assert err.path == str(titles) and "Permission denied" in err.reason


def test_unreadable_ratings_blame_the_ratings_file(tmp_path, monkeypatch):
    p = write(tmp_path, "ratings.csv", "1,10,4\n1,11,3\n2,10,5\n")
    _deny(monkeypatch, p)
    err = refusal(p)
    assert err.path == str(p) and "cannot be read (Permission denied)" in err.reason


@pytest.mark.parametrize("sep", [",", "\t", ";", "|"])
def test_wide_ids_with_spaces_or_quotes_load_as_the_careful_parse_reads_them(tmp_path, sep):
    rows = (["user", "a", "b", "c", "d"], [" u1", "1", "0", "3", ""], ['"u2"', "0", "5", "0", "2"],
            ["u3 ", "4", "", "1", "0"])
    text = "\n".join(sep.join(r) for r in rows) + "\n"
    r = load_ratings(write(tmp_path, "w.csv", text))
    assert list(r.user_ids) == ["u1", "u2", "u3"]
    assert r.values.tolist() == [1, 3, 5, 2, 4, 1] and r.indices.tolist() == [0, 2, 1, 3, 0, 2]


def test_a_table_wider_than_the_limit_is_refused_before_it_is_split(tmp_path, monkeypatch):
    import aeviz.data.sniff as sniff
    monkeypatch.setattr(sniff, "MAX_COLUMNS", 1000)
    err = refusal(write(tmp_path, "w.csv", ",".join(["5"] * 1500) + "\n" + ",".join(["4"] * 1500) + "\n"))
    assert err.line == 1 and "1,500 columns" in err.reason and "long format" in err.reason
