"""The lesson file format (aeviz/lesson.py, no Qt): reading, checking, writing, and the numbers a
question names, read from a real trainer's snapshots."""
import json

import numpy as np
import pytest

from aeviz.lesson import (LessonError, Step, bundled_lesson, fingerprint, layer_index, link_syntax, load_lesson,
                          parse_lesson, read_value, same_numbers, save_lesson, value_syntax)
from aeviz.presets import get_preset


def minimal(**step):
    return {"format": "aeviz-lesson", "version": 1, "data": {"sample": "toy"}, "model": {"preset": "toy"},
            "steps": [dict({"title": "One", "action": "forward"}, **step)]}


def test_the_seed_lesson_reads_and_survives_a_round_trip(tmp_path):
    lesson = bundled_lesson()
    titles = [s.title for s in lesson.steps]
    for n in range(1, 9):
        assert any(t.startswith(f"STEP {n} ") for t in titles), n
    assert any(t.startswith("Uses") for t in titles) and any(t.startswith("Types") for t in titles)
    path = tmp_path / "again.json"
    save_lesson(lesson, path)
    again = load_lesson(path)
    assert again.steps == lesson.steps and again.data == lesson.data and again.model == lesson.model


@pytest.mark.parametrize("change, reason", [
    ({"action": "jump"}, "step 1: unknown action 'jump'"),
    ({"action": "preset:nope"}, "step 1: no preset 'nope'"),
    ({"repeat": 0}, 'step 1: "repeat" must be a whole number'),
    ({"text": "see [it](node:middle)"}, "step 1: link [it](node:middle): write node:LAYER"),
    ({"text": "see [it](edge:0.1)"}, "step 1: link [it](edge:0.1): write edge:LAYER"),
    ({"question": {"ask": "?", "value": "node:1"}}, "step 1: question value 'node:1'"),
    ({"colour": "red"}, "step 1: unknown key 'colour'"),
    ({"action": "load"}, 'step 1: action "load" needs'),
    ({"action": "load", "model": {"config": {"hiden": [3]}}}, "step 1: the model's config has unknown settings: hiden"),
    ({"action": "load", "model": {"config": {"hidden": [3], "lr": -1}}}, "step 1: the model's config is not valid"),
])
def test_a_bad_step_is_named_with_its_reason(change, reason):
    with pytest.raises(LessonError) as e:
        parse_lesson(minimal(**change), "my.json")
    assert str(e.value).startswith(f"my.json, {reason}")


def test_bad_tops_are_named_too(tmp_path):
    for raw, reason in (({"format": "x"}, '"format" must be'),
                        (dict(minimal(), version=2), "version 2 is newer"),
                        (dict(minimal(), data={"sample": "huge"}), "no bundled sample 'huge'"),
                        (dict(minimal(), steps=[]), '"steps" must be a non-empty list')):
        with pytest.raises(LessonError, match=reason):
            parse_lesson(raw, "x.json")
    with pytest.raises(LessonError, match="no panel named 'Nope'"):
        parse_lesson(dict(minimal(), panels={"show": ["Nope"]}), "x.json", panel_names=["Loss curves"])
    missing = tmp_path / "missing.json"
    with pytest.raises(LessonError, match=f"{missing}: cannot be read"):
        load_lesson(missing)


def test_link_and_value_grammar():
    assert link_syntax("node", "code") == link_syntax("node", "2.7") == link_syntax("edge", "decoder") == ""
    assert link_syntax("cell", "3.4") == link_syntax("panel", "Loss curves") == ""
    assert link_syntax("cell", "a") and link_syntax("edge", "0.1")
    assert value_syntax("loss") == value_syntax("test_rmse") == value_syntax("weight:0.1.2") == ""
    assert value_syntax("weight:0.1") and value_syntax("loss:1")
    sizes = (60, 40, 20, 10, 20, 40, 60)
    assert layer_index("code", sizes) == [3] and layer_index("hidden", sizes) == [1, 2, 3, 4, 5]
    assert layer_index("output", sizes) == [6] and layer_index("9", sizes) == []
    step = Step("t", "a [b](node:1.0) and [c d](panel:Loss curves)")
    assert step.links() == [("b", "node", "1.0"), ("c d", "panel", "Loss curves")]
    assert Step("t", action="step_epoch", repeat=5).button_text == "Run 5 epochs"


def test_values_a_question_names_are_the_trainers():
    trainer, _ = get_preset("toy").make_trainer()
    trainer.forward()
    s = trainer.snapshot()
    assert read_value("node:1.0", s) == 1.0 and read_value("pre:2.3", s) == -2.0
    assert read_value("node:2.0", s) == pytest.approx(0.7758, abs=1e-4)
    assert read_value("loss", s) is None and read_value("delta:2.0", s) is None  # not computed yet
    assert read_value("weight:0.1.2", s) == 1.0  # the encoder's h2 row is [+1 -1 +1 -1]
    trainer.compute_loss()
    assert read_value("loss", trainer.snapshot()) == pytest.approx(-np.log(0.77580345), abs=1e-6)
    trainer.backward()
    assert read_value("delta:2.0", trainer.snapshot()) == pytest.approx(0.7758 - 1, abs=1e-4)
    before = fingerprint(trainer.snapshot())
    trainer.update()
    after = fingerprint(trainer.snapshot())
    assert not same_numbers(before, after) and same_numbers(after, json.loads(json.dumps(after)))


def test_a_lessons_data_path_is_read_beside_the_lesson(tmp_path):
    from aeviz.data.errors import RatingsFileError
    from aeviz.lesson import make_dataset, make_model
    (tmp_path / "r.csv").write_text("user,item,rating\n1,1,5\n1,2,3\n2,1,4\n")
    raw = dict(minimal(), data={"path": "r.csv"}, model={"config": {"hidden": [2], "lr": 0.05}})
    (tmp_path / "l.json").write_text(json.dumps(raw))
    lesson = load_lesson(tmp_path / "l.json")
    ratings = make_dataset(lesson.data, lesson.base_dir)
    assert (ratings.n_users, ratings.n_items, ratings.nnz) == (2, 2, 3)
    config, preset = make_model(lesson.model)
    assert config.hidden == (2,) and config.lr == 0.05 and preset is None
    (tmp_path / "r.csv").write_text("user,item,rating\n1,1,five\n")
    with pytest.raises(RatingsFileError, match="r.csv"):
        make_dataset(lesson.data, lesson.base_dir)
