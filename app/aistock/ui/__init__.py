"""The workstation GUI (PySide6 + qasync) — the only package that imports Qt (DESIGN §3).

Entry point: :func:`aistock.ui.app.run_workstation`. The window is
:class:`aistock.ui.main_window.MainWindow`, built from a :class:`aistock.ui.shell_info.ShellInfo`;
later panels plug in through ``MainWindow.add_panel``. Nothing is imported here, so importing
``aistock.ui.shell_info`` (no Qt) stays cheap for the CLI.
"""
