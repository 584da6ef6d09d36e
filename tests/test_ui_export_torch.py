"""File > Export > PyTorch training script: the script and the model it reads are written from the
live session; what the script trains opens back in the window (File > Open model)."""
import importlib.util

import numpy as np
import pytest
from PySide6.QtWidgets import QMenu

from aeviz.engine.evaluation import predict_rows
from aeviz.engine.serialize import load_model

from test_ui_keep import _open_window, idle, open_model, predictions, train


def _menu_action(window, *path):
    """The QAction at File > Export > ... in the window's real menu bar."""
    menu = next(a.menu() for a in window.menuBar().actions() if a.text().replace("&", "") == path[0])
    for name in path[1:]:
        action = next(a for a in menu.actions() if a.text().replace("&", "") == name)
        if isinstance(action.menu(), QMenu):
            menu = action.menu()
    return action


def test_export_pytorch_script_from_the_menu_trains_and_opens_back(qtbot, ratings_path, tmp_path):
    w = _open_window(qtbot, ratings_path)
    train(qtbot, w, 4)
    script = tmp_path / "train_torch.py"
    asked = []
    w.exporter.choose_path = lambda title, name, filters: asked.append((name, filters)) or str(script)
    _menu_action(w, "File", "Export", "PyTorch training script…").trigger()
    model = tmp_path / "train_torch.aeviz.npz"
    qtbot.waitUntil(lambda: w.exporter.last_written == [str(script), str(model)], timeout=10000)
    idle(qtbot, w)
    assert asked == [("train_torch.py", "Python (*.py)")]
    assert "train_torch.py" in w.statusBar().currentMessage()
    np.testing.assert_array_equal(load_model(model).network.params, w.bridge.trainer.network.params)
    text = script.read_text()
    assert "MODEL_FILE = 'train_torch.aeviz.npz'" in text and "class Autoencoder(nn.Module)" in text

    pytest.importorskip("torch")
    spec = importlib.util.spec_from_file_location("exported_from_window", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    trained = tmp_path / "trained.npz"
    assert module.main([str(ratings_path), "--epochs", "2", "--save", str(trained)]) == 0

    assert open_model(qtbot, w, trained)
    expected = predict_rows(load_model(trained).network, w.dataset, np.arange(w.dataset.n_users),
                            clip=w.bridge.trainer.clip)
    np.testing.assert_allclose(predictions(w), expected)
    assert len(w.bridge.trainer.history) == 2 + len(load_model(model).history)
    w.close()


def test_export_without_a_writable_folder_is_a_message(qtbot, ratings_path, tmp_path):
    w = _open_window(qtbot, ratings_path)
    blocker = tmp_path / "file"
    blocker.write_text("")
    w.exporter.export_torch(str(blocker / "train_torch.py"))
    qtbot.waitUntil(lambda: w.error_box is not None and "train_torch.py" in w.error_box.text(), timeout=10000)
    assert "Export failed" in w.error_box.windowTitle()
    assert not w.exporter.last_written
    w.close()
