"""Every supported format, from small files written into tmp_path."""
import numpy as np
import pytest

from aeviz.data import RatingScale, load_ratings, load_titles


def write(tmp_path, name, text, encoding="utf-8", newline="\n"):
    p = tmp_path / name
    data = text.replace("\n", newline).encode(encoding) if isinstance(text, str) else text
    p.write_bytes(data)
    return p


def dense(r):
    v, m = r.to_dense()
    return np.where(m, v, np.nan)


def cell(r, user, item):
    v, m = r.to_dense()
    i, j = r.user_index(user), r.item_index(item)
    return float(v[i, j]) if m[i, j] else None


# ---------------------------------------------------------------- MovieLens as distributed
def test_ml100k_u_data_tab_no_header(tmp_path):
    p = write(tmp_path, "u.data", "196\t242\t3\t881250949\n186\t302\t3\t891717742\n22\t377\t1\t878887116\n"
                                  "196\t377\t5\t881250950\n")
    r = load_ratings(p)
    assert r.user_ids.tolist() == [22, 186, 196]
    assert r.item_ids.tolist() == [242, 302, 377]
    assert r.user_ids.dtype == np.int64
    assert cell(r, 196, 242) == 3 and cell(r, 196, 377) == 5 and cell(r, 22, 377) == 1
    assert cell(r, 22, 242) is None
    assert r.nnz == 4
    assert r.scale == RatingScale(1, 5, 1, "stars")
    assert r.scale.describe() == "1-5 stars"
    assert r.warnings == ()


def test_ml100k_split_files_u1_base_and_test_load_alone(tmp_path):
    p = write(tmp_path, "u1.base", "1\t1\t5\t874965758\n1\t2\t3\t876893171\n2\t1\t4\t888550871\n")
    r = load_ratings(p)
    assert (r.n_users, r.n_items, r.nnz) == (2, 2, 3)


def test_ml1m_ratings_dat_double_colon(tmp_path):
    p = write(tmp_path, "ratings.dat", "1::1193::5::978300760\n1::661::3::978302109\n2::1193::4::978298413\n")
    r = load_ratings(p)
    assert r.item_ids.tolist() == [661, 1193]
    assert cell(r, 1, 1193) == 5 and cell(r, 2, 1193) == 4 and cell(r, 1, 661) == 3


def test_ml_latest_header_half_stars(tmp_path):
    p = write(tmp_path, "ratings.csv", "userId,movieId,rating,timestamp\n1,1,4.0,964982703\n1,3,4.5,964981247\n"
                                      "2,3,0.5,964982224\n2,6,2.5,964983815\n")
    r = load_ratings(p)
    assert r.scale == RatingScale(0.5, 5, 0.5, "half-stars")
    assert r.scale.describe() == "0.5-5 half stars"
    assert cell(r, 1, 3) == 4.5 and cell(r, 2, 3) == 0.5 and cell(r, 2, 6) == 2.5
    assert r.values.dtype == np.float32 and r.indices.dtype == np.int32 and r.indptr.dtype == np.int64


@pytest.mark.parametrize("sep", [",", "\t", ";", "|", "::"])
@pytest.mark.parametrize("header", [True, False])
def test_every_separator_with_and_without_header(tmp_path, sep, header):
    rows = [("10", "100", "4"), ("10", "200", "2"), ("20", "100", "5"), ("30", "300", "1")]
    text = ("user" + sep + "item" + sep + "rating\n" if header else "") + "".join(sep.join(r) + "\n" for r in rows)
    r = load_ratings(write(tmp_path, "r.txt", text))
    assert r.user_ids.tolist() == [10, 20, 30]
    assert r.item_ids.tolist() == [100, 200, 300]
    assert cell(r, 10, 200) == 2 and cell(r, 30, 300) == 1 and cell(r, 20, 100) == 5
    assert r.nnz == 4


def test_three_columns_without_timestamp(tmp_path):
    r = load_ratings(write(tmp_path, "r.csv", "1,10,3\n1,11,4\n2,10,5\n2,12,1\n3,11,2\n"))
    assert r.shape == (3, 3) and cell(r, 3, 11) == 2


def test_binary_scale(tmp_path):
    r = load_ratings(write(tmp_path, "likes.csv", "u,i,like\n1,1,1\n1,2,0\n2,1,0\n2,2,1\n"))
    assert r.scale == RatingScale(0, 1, 1, "binary")
    assert r.scale.describe() == "0/1 like/dislike"
    assert r.nnz == 4  # a stored 0 is a rating (a dislike), not a gap
    v, m = r.to_dense()
    assert m.all() and v.tolist() == [[1, 0], [0, 1]]


def test_continuous_scale(tmp_path):
    r = load_ratings(write(tmp_path, "r.csv", "1,1,3.7\n1,2,2.25\n2,1,4.9\n"))
    assert r.scale.kind == "continuous" and r.scale.describe() == "1-5 (continuous)"
    assert cell(r, 1, 2) == pytest.approx(2.25)


# ---------------------------------------------------------------- encodings, line ends
def test_crlf_and_bom(tmp_path):
    text = "userId,movieId,rating\n1,1,4\n1,2,5\n2,1,3\n"
    p = tmp_path / "r.csv"
    p.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    r = load_ratings(p)
    assert r.user_ids.tolist() == [1, 2] and cell(r, 1, 2) == 5 and r.warnings == ()


def test_crlf_without_header_fast_path(tmp_path):
    p = write(tmp_path, "u.data", "1\t1\t4\n1\t2\t5\n2\t1\t3\n", newline="\r\n")
    r = load_ratings(p)
    assert cell(r, 2, 1) == 3


def test_string_ids_utf8_and_latin1(tmp_path):
    text = "user,item,rating\nzoë,Amélie,5\nbob,Amélie,3\nzoë,Heat,2\n"
    for enc in ("utf-8", "latin-1"):
        r = load_ratings(write(tmp_path, f"r-{enc}.csv", text, encoding=enc))
        assert r.user_ids.dtype == object
        assert r.user_ids.tolist() == ["bob", "zoë"]
        assert r.item_ids.tolist() == ["Amélie", "Heat"]
        assert cell(r, "zoë", "Heat") == 2


def test_mixed_and_leading_zero_ids_stay_strings(tmp_path):
    r = load_ratings(write(tmp_path, "r.csv", "007,1,4\n7,1,3\nx,2,5\n"))
    assert r.user_ids.tolist() == ["007", "7", "x"]
    assert r.user_index("007") == 0 and r.user_index("7") == 1


def test_large_and_gappy_int_ids(tmp_path):
    big = 9_000_000_000_000
    r = load_ratings(write(tmp_path, "r.csv", f"{big},5,3\n1,123456789,4\n{big},123456789,2\n"))
    assert r.user_ids.tolist() == [1, big] and r.item_ids.tolist() == [5, 123456789]
    assert r.user_ids.dtype == np.int64
    assert cell(r, big, 123456789) == 2
    assert r.user_index(str(big)) == 1


def test_blank_lines_and_duplicates_warn(tmp_path):
    p = write(tmp_path, "r.csv", "\n1,1,4\n\n1,2,5\n1,1,2\n2,1,3\n\n2,1,1\n")
    r = load_ratings(p)
    assert cell(r, 1, 1) == 2 and cell(r, 2, 1) == 1  # the last one wins
    assert "3 blank lines skipped" in r.warnings
    assert "2 duplicated user/item pairs: kept the last" in r.warnings


def test_spaces_around_fields(tmp_path):
    r = load_ratings(write(tmp_path, "r.csv", "user, item, rating\n1, 10, 4\n2, 10, 3\n2, 11, 5\n"))
    assert cell(r, 2, 11) == 5


def test_quoted_string_ids(tmp_path):
    r = load_ratings(write(tmp_path, "r.csv", 'user,item,rating\n"Smith, J",a,4\nb,"x, y",3\nb,a,5\n'))
    assert r.user_ids.tolist() == ["Smith, J", "b"]
    assert r.item_ids.tolist() == ["a", "x, y"]


# ---------------------------------------------------------------- wide matrices
def test_wide_with_titles_and_id_column(tmp_path):
    p = write(tmp_path, "w.csv", "user,Toy Story,Heat,Alien,Up\n1,5,0,3,\n2,,4,1,2\n3,1,1,0,5\n")
    r = load_ratings(p)
    assert r.titles == ("Toy Story", "Heat", "Alien", "Up")
    assert r.user_ids.tolist() == [1, 2, 3]
    np.testing.assert_array_equal(dense(r), [[5, np.nan, 3, np.nan], [np.nan, 4, 1, 2], [1, 1, np.nan, 5]])


def test_wide_titles_without_id_column(tmp_path):
    r = load_ratings(write(tmp_path, "w.csv", "Toy Story,Heat,Alien\n5,0,3\n0,4,1\n2,2,0\n"))
    assert r.titles == ("Toy Story", "Heat", "Alien")
    assert r.user_ids.tolist() == [1, 2, 3]
    np.testing.assert_array_equal(dense(r), [[5, np.nan, 3], [np.nan, 4, 1], [2, 2, np.nan]])


def test_wide_no_header_with_id_column(tmp_path):
    r = load_ratings(write(tmp_path, "w.csv", "101,5,0,3,1,2\n102,0,4,1,1,0\n103,2,2,0,5,5\n"))
    assert r.user_ids.tolist() == [101, 102, 103]
    assert r.n_items == 5 and r.titles == ("1", "2", "3", "4", "5")
    assert cell(r, 103, 5) == 5 and cell(r, 102, 1) is None


def test_wide_no_header_no_ids(tmp_path):
    r = load_ratings(write(tmp_path, "w.csv", "5,0,3,1,2\n0,4,1,1,0\n2,2,0,5,5\n"))
    assert r.user_ids.tolist() == [1, 2, 3] and r.n_items == 5
    np.testing.assert_array_equal(dense(r)[0], [5, np.nan, 3, 1, 2])


def test_wide_quoted_titles_with_commas_semicolons(tmp_path):
    r = load_ratings(write(tmp_path, "w.csv", 'user;"Love; Again";Heat;Alien;Up\n1;5;0;3;1\n2;1;4;1;0\n'))
    assert r.titles == ("Love; Again", "Heat", "Alien", "Up")
    r = load_ratings(write(tmp_path, "w2.csv", 'user,"Love, Again",Heat,Up\n1,5,0,3\n2,1,4,0\n'))
    assert r.titles == ("Love, Again", "Heat", "Up")


# The 3-4 column ambiguity: long or wide? (expected users x items)
@pytest.mark.parametrize("text,shape", [
    ("user,Heat,Alien,Up\n1,5,0,3\n2,1,4,0\n", (2, 3)),           # header of titles: wide
    ("userId,movieId,rating\n1,5,3\n2,1,4\n", (2, 2)),            # header of long words: long
    ("1,10,4\n1,20,3\n2,10,5\n", (2, 2)),                          # item ids > 5: long
    ("1,1,4,964982703\n1,2,3,964982704\n2,1,5,964982705\n", (2, 2)),  # timestamps: long
    ("5,0,3\n4,0,0\n1,5,0\n", (3, 3)),                             # 0 beside 3-5 stars = unrated: wide
    ("1,5,3,2\n2,4,2,1\n3,1,1,5\n", (3, 3)),                       # each "user" once: wide, id column
    ("1,1,4\n1,2,3\n2,1,5\n2,2,1\n", (2, 2)),                     # users repeat, pairs unique: long
    ("5,,3\n4,2,\n", (2, 3)),                                      # empty cells: wide
    ("a,x,4\na,y,3\nb,x,5\n", (2, 2)),                             # string ids: long
    ("name,Heat,Alien,Up\nann,5,0,3\nbob,1,4,0\n", (2, 3)),       # named users: wide
])
def test_long_or_wide_heuristic(tmp_path, text, shape):
    r = load_ratings(write(tmp_path, "amb.csv", text))
    assert r.shape == shape


# ---------------------------------------------------------------- titles
U_ITEM = ("1|Toy Story (1995)|01-Jan-1995||http://us.imdb.com/M/title-exact?Toy%20Story%20(1995)|0|0|0|1|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0\n"
          "2|GoldenEye (1995)|01-Jan-1995||http://x|0|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0|1|0|0\n"
          "3|Café Flesh (1982)|01-Jan-1982||http://x|1|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0\n")


def test_u_item_latin1_titles_and_genres_auto_detected(tmp_path):
    write(tmp_path, "u.item", U_ITEM, encoding="latin-1")
    p = write(tmp_path, "u.data", "1\t1\t5\t1\n1\t2\t3\t1\n2\t3\t4\t1\n2\t1\t2\t1\n")
    r = load_ratings(p)
    assert r.titles == ("Toy Story (1995)", "GoldenEye (1995)", "Café Flesh (1982)")
    assert r.genres == ("Animation", "Action", "unknown")
    titles, genres = load_titles(tmp_path / "u.item")
    assert titles[2] == "GoldenEye (1995)" and genres[1] == "Animation"


def test_movies_dat(tmp_path):
    write(tmp_path, "movies.dat", "1::Toy Story (1995)::Animation|Children's|Comedy\n"
                                  "661::James and the Giant Peach (1996)::Animation|Children's|Musical\n"
                                  "1193::One Flew Over the Cuckoo's Nest (1975)::Drama\n", encoding="latin-1")
    p = write(tmp_path, "ratings.dat", "1::1193::5::978300760\n1::661::3::978302109\n2::1193::4::978298413\n")
    r = load_ratings(p)
    assert r.titles == ("James and the Giant Peach (1996)", "One Flew Over the Cuckoo's Nest (1975)")
    assert r.genres == ("Animation", "Drama")


def test_movies_csv_quoted_titles_explicit_file(tmp_path):
    tf = write(tmp_path, "my titles.csv", 'movieId,title,genres\n1,Toy Story (1995),Adventure|Animation\n'
                                          '11,"American President, The (1995)",Comedy|Drama|Romance\n'
                                          '12,"Dracula: Dead and Loving It (1995)",(no genres listed)\n')
    p = write(tmp_path, "r.csv", "userId,movieId,rating\n1,1,4\n1,11,5\n2,12,3\n2,99,1\n")
    r = load_ratings(p, titles=tf)
    assert r.titles == ("Toy Story (1995)", "American President, The (1995)",
                        "Dracula: Dead and Loving It (1995)", "99")
    assert r.genres == ("Adventure", "Comedy", "", "")
    assert "1 item has no title in my titles.csv" in r.warnings


def test_bad_titles_beside_is_a_warning_not_an_error(tmp_path):
    write(tmp_path, "movies.csv", b"\x00\x01binary")
    r = load_ratings(write(tmp_path, "ratings.csv", "1,1,4\n2,1,3\n2,2,3\n"))
    assert r.titles == ("1", "2")
    assert any(w.startswith("titles not used: movies.csv") for w in r.warnings)


# ---------------------------------------------------------------- the fast path agrees with the careful one
@pytest.mark.parametrize("sep,lines", [
    (",", ["1,10,4.5,964982703", "1,11,3.0,964981247", "22,10,0.5,1", "22,123456,5.0,2"]),
    ("\t", ["196\t242\t3\t881250949", "186\t302\t3\t891717742", "22\t377\t1\t878887116"]),
    ("::", ["1::1193::5::978300760", "1::661::3::978302109", "6040::3952::4::1"]),
    (";", ["1;2;3", "12345678;87654321;5", "0;1;4"]),
    ("|", ["1|2|2.5", "3|4|4.75", "5|6|1"]),
])
def test_fast_path_is_taken_and_matches_the_careful_parser(sep, lines):
    from aeviz.data import loader
    from aeviz.data.loader import _Layout, _fast_long_chunk, _parse_long_text
    ncols = len(lines[0].split(sep))
    layout = _Layout(sep, ncols, False, None, None)
    text = "\n".join(lines) + "\n"
    fast = _fast_long_chunk(text.encode(), layout)
    assert fast is not None, "numeric MovieLens-like chunks must take the vectorised path"
    slow = _parse_long_text("x", text, layout, 0)
    np.testing.assert_array_equal(fast[0], slow[0].astype(np.int64))
    np.testing.assert_array_equal(fast[1], slow[1].astype(np.int64))
    np.testing.assert_array_equal(fast[2], slow[2])
    assert fast[4] == len(lines)
    assert loader  # imported for the private helpers


@pytest.mark.parametrize("bad", ["1,2,3.5x", "1,2,a.5", "1,2,3,5", "1,02,3", "-1,2,3", "1,2, 3", "1,2,6", "1,2,"])
def test_fast_path_declines_anything_odd(bad):
    from aeviz.data.loader import _Layout, _fast_long_chunk
    layout = _Layout(",", 3, False, None, None)
    assert _fast_long_chunk(("1,5,4\n" + bad + "\n").encode(), layout) is None


def test_negative_ids_are_ints(tmp_path):
    r = load_ratings(write(tmp_path, "r.csv", "-5,1,4\n3,-1,2\n3,1,5\n"))
    assert r.user_ids.tolist() == [-5, 3] and r.item_ids.tolist() == [-1, 1]
    assert cell(r, -5, 1) == 4 and cell(r, "3", "-1") == 2


def _big_file(path, n_users=1500, per_user=160, shuffle=False, dup=False, odd_line=None):
    rng = np.random.default_rng(1)
    users = np.repeat(np.arange(1, n_users + 1), per_user)
    items = np.concatenate([np.sort(rng.choice(5000, per_user, replace=False)) + 1 for _ in range(n_users)])
    vals = rng.integers(1, 11, len(users)) / 2
    order = rng.permutation(len(users)) if shuffle else np.arange(len(users))
    lines = [f"{users[k]},{items[k]},{vals[k]:.1f},1234567890" for k in order]
    if dup:
        lines.append(lines[10].rsplit(",", 2)[0] + ",0.5,1")  # a repeat of line 11's pair, last wins
    if odd_line is not None:
        lines[odd_line] = "u77,12,3.0,1"
    path.write_text("userId,movieId,rating,timestamp\n" + "\n".join(lines) + "\n")
    return users[order], items[order], vals[order]


@pytest.mark.parametrize("shuffle,dup,odd", [(False, False, None), (True, True, None), (False, False, 123456)])
def test_threaded_load_of_a_multi_megabyte_file_matches_the_simple_one(tmp_path, shuffle, dup, odd, monkeypatch):
    from aeviz.data import loader
    monkeypatch.setattr(loader, "parse_threads", lambda: 2)  # threads even when the machine is busy
    p = tmp_path / "ratings.csv"
    _big_file(p, shuffle=shuffle, dup=dup, odd_line=odd)
    assert p.stat().st_size > (4 << 20)  # big enough for the worker threads
    threaded = load_ratings(p)
    simple = load_ratings(p, chunk_bytes=64 << 20)  # one chunk, no threads
    assert threaded.content_hash() == simple.content_hash()
    assert threaded.nnz == 1500 * 160  # a repeated pair (dup) is counted once; the odd line is a new pair
    assert threaded.scale.describe() == "0.5-5 half stars"
    if dup:
        assert "1 duplicated user/item pair: kept the last" in threaded.warnings
    if odd is not None:
        assert threaded.user_ids.dtype == object and "u77" in threaded.user_ids.tolist()
    else:
        assert threaded.user_ids.tolist() == list(range(1, 1501))
        assert np.all(np.diff(threaded.indptr) == 160)
    # each row's items are sorted
    for r in (0, 700, 1499):
        idx, _ = threaded.row(r)
        assert np.all(np.diff(idx) > 0)


def test_cancel_and_progress_during_a_threaded_load(tmp_path, monkeypatch):
    from aeviz.data import LoadCancelled, loader
    monkeypatch.setattr(loader, "parse_threads", lambda: 2)  # threads even when the machine is busy
    p = tmp_path / "ratings.csv"
    _big_file(p)
    seen = []
    calls = []

    def cancel():
        calls.append(1)
        return len(calls) > 3

    with pytest.raises(LoadCancelled):
        load_ratings(p, progress=seen.append, cancel=cancel)
    assert len(calls) == 4 and 0 < len(seen) < 10
    seen.clear()
    r = load_ratings(p, progress=seen.append)
    assert r.nnz == 1500 * 160
    assert seen[0] == 0.0 and seen[-1] == 1.0 and len(seen) >= 5
    assert all(a <= b for a, b in zip(seen, seen[1:]))
