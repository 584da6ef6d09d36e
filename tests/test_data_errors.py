"""A corpus of malformed files: each refusal names file, line, column and reason."""
import pickle

import pytest

from aeviz.data import LoadCancelled, RatingsFileError, load_ratings, load_titles


def write(tmp_path, name, data):
    p = tmp_path / name
    p.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return p


GOOD = "userId,movieId,rating,timestamp\n1,10,4,1\n1,11,3,1\n2,10,5,1\n"

# (file name, content, line, column, column name, reason fragment)
CORPUS = [
    ("notnum.csv", "1,10,4\n1,11,abc\n2,10,5\n", 2, 3, "rating", "'abc' is not a number"),
    ("nan.csv", "userId,movieId,rating\n1,10,4\n2,10,nan\n2,11,3\n", 3, 3, "rating", "'nan' is not a number (NaN)"),
    ("inf.csv", "1,10,4\n2,10,inf\n", 2, 3, "rating", "'inf' is not a finite number"),
    ("neg.csv", "1,10,4\n1,11,3\n2,10,-1\n", 3, 3, "rating", "-1 is negative: ratings must be between 0 and 5"),
    ("seven.csv", "1,10,4\n1,11,3\n2,10,5\n2,11,7\n3,10,9\n", 4, 3, "rating",
     "7 is outside the rating scale: ratings must be between 0 and 5"),
    ("half_bad.tsv", "1\t10\t4.5\n1\t11\t5.5\n", 2, 3, "rating", "5.5 is outside the rating scale"),
    ("missing.csv", "1,10,4\n1,11,\n", 2, 3, "rating", "the rating is missing"),
    ("nouser.csv", "1,10,4\n,11,3\n", 2, 1, "user", "the user id is missing"),
    ("noitem.csv", "1,10,4\n2,,3\n", 2, 2, "item", "the item id is missing"),
    ("short_line.csv", "1,10,4,5\n1,11,3,5\n2,10,5\n2,11,5,5\n", 3, None, None,
     "expected 4 columns separated by comma, found 3"),
    ("long_line.dat", "1::10::4::5\n1::11::3::5\n2::10::5::5::9\n2::11::1::5\n", 3, None, None,
     "expected 4 columns separated by '::', found 5"),
    ("two_cols.csv", "1,10\n2,11\n3,12\n", 1, None, None, "too few columns: found 2, need at least 3"),
    ("one_col.csv", "1\n2\n3\n", 1, None, None, "too few columns: found 1"),
    ("empty.csv", "", None, None, None, "the file is empty"),
    ("blank.csv", "\n\n  \n", None, None, None, "the file is empty"),
    ("header_only.csv", "userId,movieId,rating,timestamp\n", 1, None, None,
     "there is a header row but no ratings below it"),
    ("wide_header_only.csv", "user,Heat,Alien,Up,Jaws\n\n", 1, None, None,
     "there is a header row but no ratings below it"),
    ("one_user.csv", "1,10,4\n1,11,3\n1,12,5\n", None, None, None,
     "only one user (id 1): need at least two users"),
    ("one_item.csv", "1,10,4\n2,10,3\n3,10,5\n", None, None, None,
     "only one item (id 10): need at least two items"),
    ("zeros_wide.csv", "user,A,B,C,D\n1,0,0,0,0\n2,0,,0,0\n", None, None, None, "there are no ratings"),
    ("wide_bad.csv", "user,Heat,Alien,Up,Jaws\n1,5,0,3,1\n2,1,x,0,2\n", 3, 3, "Alien", "'x' is not a number"),
    ("wide_big.csv", "user,Heat,Alien,Up,Jaws\n1,5,0,3,1\n2,1,2,0,6\n", 3, 5, "Jaws",
     "6 is outside the rating scale"),
    ("wide_ragged.csv", "user,Heat,Alien,Up,Jaws\n1,5,0,3,1\n2,1,2,0\n", 3, None, None,
     "expected 5 columns separated by comma, found 4"),
    ("nul.csv", b"1,10,4\n2,10,3\n2,1\x001,4\n", 3, None, None, "binary file"),
    ("utf16.csv", "1,10,4\n2,10,3\n".encode("utf-16"), 1, None, None, "UTF-16 text: save it as UTF-8"),
    ("gzip.csv.gz", bytes.fromhex("1f8b0808") + bytes(range(0, 256)) * 4, 1, None, None, "binary file"),
]


@pytest.mark.parametrize("name,data,line,column,colname,reason", CORPUS, ids=[c[0] for c in CORPUS])
def test_refused_with_a_precise_message(tmp_path, name, data, line, column, colname, reason):
    p = write(tmp_path, name, data)
    with pytest.raises(RatingsFileError) as info:
        load_ratings(p)
    e = info.value
    assert e.path == str(p)
    assert e.line == line
    assert e.column == column
    assert e.column_name == colname
    assert reason in e.reason
    msg = str(e)
    assert msg.startswith(name)
    if line is not None:
        assert f"line {line}" in msg
    if column is not None:
        assert f"column {column} ({colname})" in msg
    assert reason in msg
    assert isinstance(e, ValueError)


def test_message_format_exactly():
    e = RatingsFileError("/data/ml/ratings.csv", "'abc' is not a number", line=17, column=3, column_name="rating")
    assert str(e) == "ratings.csv, line 17, column 3 (rating): 'abc' is not a number"
    assert e.path == "/data/ml/ratings.csv" and e.line == 17 and e.column == 3
    e2 = pickle.loads(pickle.dumps(e))
    assert str(e2) == str(e) and e2.line == 17
    assert str(RatingsFileError("x.csv", "the file is empty")) == "x.csv: the file is empty"


def test_the_exact_message_for_a_bad_rating(tmp_path):
    p = write(tmp_path, "ratings.csv", "userId,movieId,rating\n" + "1,1,4\n" * 15 + "1,2,abc\n")
    with pytest.raises(RatingsFileError) as info:
        load_ratings(p)
    assert str(info.value) == "ratings.csv, line 17, column 3 (rating): 'abc' is not a number"


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(RatingsFileError, match="no such file"):
        load_ratings(tmp_path / "nope.csv")
    with pytest.raises(RatingsFileError, match="folder"):
        load_ratings(tmp_path)


def test_error_line_is_right_deep_in_a_multi_chunk_file(tmp_path):
    lines = [f"{u},{i},{(u + i) % 5 + 1}" for u in range(1, 400) for i in range(1, 30)]
    lines[9000] = "5,5,x"
    p = write(tmp_path, "big.csv", "userId,movieId,rating\n" + "\n".join(lines) + "\n")
    with pytest.raises(RatingsFileError) as info:
        load_ratings(p, chunk_bytes=4096)
    assert info.value.line == 9002 and info.value.column == 3
    # a value above the scale in a later chunk
    lines[9000] = "5,5,3"
    lines[11000] = "7,7,8"
    p = write(tmp_path, "big2.csv", "\n".join(lines) + "\n")
    with pytest.raises(RatingsFileError) as info:
        load_ratings(p, chunk_bytes=4096)
    assert info.value.line == 11001 and "8 is outside the rating scale" in str(info.value)


def test_nul_deep_in_file_reports_its_line(tmp_path):
    body = "".join(f"{u},{i},3\n" for u in range(1, 300) for i in range(1, 10))
    data = body.encode() + b"1,2,\x00\n"
    p = write(tmp_path, "r.csv", data)
    with pytest.raises(RatingsFileError) as info:
        load_ratings(p, chunk_bytes=2048)
    assert info.value.line == 299 * 9 + 1 and "binary" in info.value.reason


def test_titles_errors(tmp_path):
    with pytest.raises(RatingsFileError, match="the file is empty"):
        load_titles(write(tmp_path, "movies.csv", ""))
    with pytest.raises(RatingsFileError) as info:
        load_titles(write(tmp_path, "movies2.csv", "movieId,title\n1,Heat\n2\n"))
    assert info.value.line == 3 and "expected at least 2 columns" in info.value.reason
    # an explicit titles file that is bad is an error, not a warning
    r = write(tmp_path, "r.csv", "1,1,4\n2,1,3\n2,2,3\n")
    with pytest.raises(RatingsFileError, match="binary"):
        load_ratings(r, titles=write(tmp_path, "t.bin", b"\x00\x00"))


def test_loading_is_pure_failure_changes_nothing(tmp_path):
    good = write(tmp_path, "good.csv", GOOD)
    before = load_ratings(good)
    with pytest.raises(RatingsFileError):
        load_ratings(write(tmp_path, "bad.csv", "1,1,9\n2,2,1\n"))
    after = load_ratings(good)
    assert after.content_hash() == before.content_hash()
    assert after.warnings == before.warnings == ()


def test_cancel_is_not_a_file_error(tmp_path):
    assert not issubclass(LoadCancelled, RatingsFileError)
    p = write(tmp_path, "r.csv", GOOD)
    with pytest.raises(LoadCancelled):
        load_ratings(p, cancel=lambda: True)


def test_cancel_midway_and_progress(tmp_path):
    body = "".join(f"{u},{i},{(u * i) % 5 + 1}\n" for u in range(1, 200) for i in range(1, 50))
    p = write(tmp_path, "r.csv", body)
    seen = []
    r = load_ratings(p, progress=seen.append, chunk_bytes=4096)
    assert r.nnz == 199 * 49
    assert seen[0] == 0.0 and seen[-1] == 1.0
    assert len(seen) > 5
    assert all(0.0 <= a <= b <= 1.0 for a, b in zip(seen, seen[1:]))
    calls = []

    def cancel():
        calls.append(1)
        return len(calls) > 3

    with pytest.raises(LoadCancelled):
        load_ratings(p, progress=seen.append, cancel=cancel, chunk_bytes=4096)
    assert len(calls) == 4
