"""The desktop app (PySide6 + pyqtgraph): draws engine snapshots and sends commands; no maths here.

`app.main()` starts it; `main_window.MainWindow` assembles the views; `bridge.EngineBridge` owns the
one worker thread running the engine.
"""
