"""Model setup panel: invalid values are refused in place; settings survive corruption."""
import pytest
from PySide6.QtCore import Qt

from aeviz.engine import ModelConfig
from aeviz.ui import settings
from aeviz.ui.setup_panel import SetupPanel



@pytest.fixture
def panel(qtbot):
    p = SetupPanel(ModelConfig())
    qtbot.addWidget(p)
    p.show()
    return p


def _type(qtbot, field, text):
    field.selectAll()
    qtbot.keyClicks(field, text) if text else field.clear()


def test_defaults_are_valid_and_apply_emits_them(panel, qtbot):
    assert panel.apply_button.isEnabled()
    with qtbot.waitSignal(panel.applyRequested) as sig:
        qtbot.mouseClick(panel.apply_button, Qt.MouseButton.LeftButton)
    assert sig.args[0] == ModelConfig()


def test_invalid_learning_rate_refused_in_place(panel, qtbot):
    panel.lr.clear()
    qtbot.keyClicks(panel.lr, "abc")
    assert not panel.apply_button.isEnabled()
    assert "not a number" in panel.field_error("lr")
    err = panel.findChild(type(panel.status), "error_lr")
    assert err.isVisible() and "abc" in err.text()
    assert "red" in panel.lr.styleSheet() or "#d33" in panel.lr.styleSheet()
    panel.lr.clear()
    qtbot.keyClicks(panel.lr, "-1")
    assert panel.field_error("lr") == "learning rate must be a positive number"
    assert not panel.apply_button.isEnabled()
    panel.lr.clear()
    qtbot.keyClicks(panel.lr, "0.5")
    assert panel.field_error("lr") == "" and panel.apply_button.isEnabled()
    assert panel.lr.styleSheet() == ""
    assert panel.config().lr == 0.5


def test_layers_message_from_parse_layers(panel, qtbot):
    panel.layers.clear()
    qtbot.keyClicks(panel.layers, "20,x,20")
    assert panel.field_error("layers") == "'x' is not a positive whole number"
    assert panel.config() is None and not panel.apply_button.isEnabled()
    panel.layers.clear()
    qtbot.keyClicks(panel.layers, "8, 3, 8")
    assert panel.config().hidden == (8, 3, 8)


def test_momentum_and_test_fraction_ranges(panel, qtbot):
    panel.momentum.setText("1.5")
    assert panel.field_error("momentum") == "momentum must lie in [0, 1)"
    panel.momentum.setText("0.9")
    panel.test_fraction.setText("1")
    assert panel.field_error("test_fraction") == "test fraction must lie in [0, 1)"
    assert not panel.apply_button.isEnabled()


def test_batch_modes_map_to_batch_size(panel):
    panel.batch_mode.setCurrentIndex(2)
    assert panel.config().batch_size == 0 and not panel.batch_k.isEnabled()
    panel.batch_mode.setCurrentIndex(1)
    panel.batch_k.setValue(7)
    assert panel.config().batch_size == 7
    panel.set_config(ModelConfig(batch_size=1, optimizer="sgd", lr=0.1, hidden=(5,)))
    assert panel.batch_mode.currentIndex() == 0 and panel.layers.text() == "5"
    assert panel.config() == ModelConfig(batch_size=1, optimizer="sgd", lr=0.1, hidden=(5,))


def test_corrupt_settings_fall_back_to_defaults():
    s = settings.store()
    s.setValue("model/config", "{not json")
    s.setValue("recent", 42)
    s.setValue("train/speed", "fast")
    s.sync()
    assert settings.read_config(ModelConfig()) == ModelConfig()
    assert settings.recent_files() == []
    assert settings.read_number("train/speed", 3.0, 1.0, 100.0) == 3.0
    s.setValue("model/config", '{"lr": -5}')  # a foreign but parseable value: still refused
    assert settings.read_config(ModelConfig()) == ModelConfig()
    settings.write_config(ModelConfig(lr=0.2))
    assert settings.read_config(ModelConfig()).lr == 0.2


def test_settings_live_in_the_temporary_location(tmp_path):
    settings.write("probe", 1)
    settings.store().sync()
    assert str(tmp_path) in settings.store().fileName()


def test_momentum_only_for_optimizers_that_use_it(panel):
    panel.optimizer.setCurrentText("adam")
    assert not panel.momentum.isEnabled()
    panel.optimizer.setCurrentText("sgd")
    assert panel.momentum.isEnabled()
    panel.momentum.setText("0.9")
    assert panel.config().momentum == 0.9 and panel.config().optimizer == "sgd"
