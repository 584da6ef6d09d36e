"""`recommend MODEL RATINGS --profile/--rate`: a new person's recommendations from the command line,
the profile file's round trip, and clean refusals (exit 2, one line, no traceback)."""
import json

import pytest

from aeviz import cli
from aeviz.data import load_ratings
from aeviz.data.profiles import (MovieNotFound, ProfileEntry, ProfileFileError, find_movie, read_profile,
                                 resolve, write_profile)
from aeviz.engine.profile import ProfileModel
from aeviz.engine.serialize import load_model
from support import make_ratings

USER_MODEL = ["--orientation", "user", "--loss", "mse", "--type", "plain", "--weight-penalty", "0",
              "--layers", "6,3,6"]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("profile")
    ratings = d / "ratings.csv"
    make_ratings(ratings, users=40, items=12, per_user=6)  # movie ids 1-12
    (d / "movies.csv").write_text("movieId,title,genres\n" + "".join(
        f"{j},{'Star Wars' if j == 1 else 'Star Trek' if j == 2 else f'Film {j}'} (1999),"
        f"{'Drama' if j % 2 else 'Action'}\n" for j in range(1, 13)))
    out = {"dir": d, "ratings": ratings, "model": d / "user.npz", "item": d / "item.npz"}
    assert cli.main(["train", str(ratings), "--epochs", "2", "--quiet", "--save", str(out["model"])] + USER_MODEL) == 0
    assert cli.main(["train", str(ratings), "--epochs", "1", "--quiet", "--layers", "4",
                     "--save", str(out["item"])]) == 0
    return out


def run(argv, capsys):
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_profile_file_round_trip(tmp_path, files):
    r = load_ratings(files["ratings"])
    entries = (ProfileEntry(1, "Star Wars (1999)", 5.0), ProfileEntry(4, "Film 4 (1999)", 2.0))
    p = write_profile(tmp_path / "me.json", entries)
    assert read_profile(p) == entries
    assert json.loads(p.read_text())["version"] == 1
    assert resolve(entries, r) == ([r.item_index(1), r.item_index(4)], [5.0, 2.0])
    # a dataset whose ids differ still finds a movie by its title
    assert resolve([ProfileEntry(9999, "star wars (1999)", 4.0)], r) == ([r.item_index(1)], [4.0])


def test_find_movie_by_id_title_and_part(files):
    r = load_ratings(files["ratings"])
    assert find_movie(r, "5") == r.item_index(5)
    assert find_movie(r, "STAR WARS (1999)") == r.item_index(1)
    assert find_movie(r, "trek") == r.item_index(2)
    with pytest.raises(MovieNotFound, match="matches 2 movies: Star Wars .* Star Trek"):
        find_movie(r, "star")
    with pytest.raises(MovieNotFound, match="no movie"):
        find_movie(r, "Casablanca")


def test_rate_explain_json_equals_the_engine(files, capsys):
    code, out, err = run(["recommend", files["model"], files["ratings"], "--rate", "Star Wars=5",
                          "--rate", "4=1", "--rate", "trek=4", "--explain", "--json", "-n", "4"], capsys)
    assert code == 0, err
    doc = json.loads(out)  # one JSON object, nothing else
    r = load_ratings(files["ratings"])
    enc = ProfileModel(load_model(files["model"]).network, "user", r.n_items, (1, 5)).encode(
        [r.item_index(1), r.item_index(4), r.item_index(2)], [5, 1, 4])
    recs = doc["recommendations"]
    assert len(recs) == 4 and doc["method"] == "forward pass"
    assert not {1, 2, 4} & {x["id"] for x in recs}
    for x in recs:
        assert x["prediction"] == pytest.approx(enc.predictions[r.item_index(x["id"])], abs=1e-3)
        assert 1 <= len(x["explanations"]) <= 3
        assert {e["id"] for e in x["explanations"]} <= {1, 2, 4}
    code, out, _ = run(["recommend", files["model"], files["ratings"], "--rate", "Star Wars=5", "--explain"], capsys)
    assert code == 0 and "because you rated Star Wars (1999) 5: " in out


def test_profile_file_and_filters(files, capsys, tmp_path):
    p = write_profile(tmp_path / "me.json", [ProfileEntry(1, "Star Wars (1999)", 5.0)])
    code, out, err = run(["recommend", files["model"], files["ratings"], "--profile", p, "--genre", "action",
                          "--json", "-n", "20"], capsys)
    assert code == 0, err
    ids = [x["id"] for x in json.loads(out)["recommendations"]]
    assert ids and all(i % 2 == 0 for i in ids)
    code, out, err = run(["recommend", files["model"], files["ratings"], "--profile", p, "--min-ratings", "1000",
                          "--json"], capsys)
    assert code == 0 and json.loads(out)["recommendations"] == []
    code, out, err = run(["recommend", files["model"], files["ratings"], "--profile", p, "--include-rated",
                          "--json", "-n", "20"], capsys)
    assert 1 in [x["id"] for x in json.loads(out)["recommendations"]]


def test_item_model_says_it_approximates(files, capsys):
    code, out, err = run(["recommend", files["item"], files["ratings"], "--rate", "Star Wars=5", "--json"], capsys)
    assert code == 0, err
    assert json.loads(out)["method"] == "fold-in approximation" and "approximation" in json.loads(out)["note"]


@pytest.mark.parametrize("content, reason", [
    ("{not json", "not JSON"),
    ('{"format": "other"}', "not an aeviz profile"),
    ('{"format": "aeviz-profile", "version": 7, "ratings": []}', "version 7"),
    ('{"format": "aeviz-profile", "version": 1, "ratings": [{"id": 1, "rating": "five"}]}', "not a number"),
    ('{"format": "aeviz-profile", "version": 1, "ratings": [{"id": 999, "title": "Nope", "rating": 4}]}',
     "not in this dataset"),
    ('{"format": "aeviz-profile", "version": 1, "ratings": [{"id": 1, "rating": 9}]}', "off this data's scale"),
    ('{"format": "aeviz-profile", "version": 1, "ratings": []}', "no ratings"),
])
def test_bad_profiles_exit_2_naming_the_file(files, capsys, tmp_path, content, reason):
    p = tmp_path / "bad.json"
    p.write_text(content)
    code, out, err = run(["recommend", files["model"], files["ratings"], "--profile", p], capsys)
    assert code == 2 and "bad.json" in err and reason in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("args, reason", [
    (["--rate", "star=5"], "matches 2 movies"),
    (["--rate", "Star Wars"], "TITLE OR ID=STARS"),
    (["--rate", "Star Wars=x"], "not a number"),
    (["--profile", "/nonexistent/me.json"], "no such file"),
    ([], "give --user ID"),
    (["--user", "1", "--rate", "Star Wars=5"], "give --user ID"),
])
def test_bad_flags_exit_2(files, capsys, args, reason):
    code, out, err = run(["recommend", files["model"], files["ratings"], *args], capsys)
    assert code == 2 and reason in err and "Traceback" not in err


def test_profile_errors_are_data_errors():
    with pytest.raises(ProfileFileError, match="x.json: rating 1 has neither"):
        from aeviz.data.profiles import parse_profile
        parse_profile({"format": "aeviz-profile", "version": 1, "ratings": [{"rating": 3}]}, "x.json")
