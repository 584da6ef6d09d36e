"""The house rule: the engine and the data layer never import Qt or pyqtgraph."""
import ast
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1] / "aeviz"
FORBIDDEN = ("PySide6", "PyQt5", "PyQt6", "pyqtgraph", "superqt", "qtpy", "shiboken6")


def _imported_modules(path: pathlib.Path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module


@pytest.mark.parametrize("package", ["engine", "data"])
def test_no_qt_import_in_source(package):
    offenders = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for lineno, name in _imported_modules(path):
            if name.split(".")[0] in FORBIDDEN:
                offenders.append(f"{path.relative_to(ROOT.parent)}:{lineno} imports {name}")
    assert not offenders, "\n".join(offenders)


def test_importing_engine_and_data_loads_no_qt():
    code = (
        "import sys, pkgutil, importlib\n"
        "import aeviz.engine, aeviz.data\n"
        "for pkg in (aeviz.engine, aeviz.data):\n"
        "    for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
        "        importlib.import_module(m.name)\n"
        f"bad = [m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r}]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_the_check_itself_can_fail(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import numpy\nfrom PySide6 import QtCore\n")
    found = [name for _, name in _imported_modules(bad) if name.split(".")[0] in FORBIDDEN]
    assert found == ["PySide6"]


def test_the_layers_hold():
    """import-linter's contracts (.importlinter): aeviz.cli above aeviz.ui above aeviz.presets
    above aeviz.engine and aeviz.data, which never import each other; no Qt below aeviz.ui.
    In a subprocess: import-linter reconfigures logging, which the other tests' caplog reads."""
    root = pathlib.Path(__file__).resolve().parents[1]
    code = ("import sys; from importlinter.cli import lint_imports; "
            f"sys.exit(lint_imports(config_filename={str(root / '.importlinter')!r}, no_cache=True))")
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
