#!/usr/bin/env python3
"""Set up a local virtual environment on first use, then run KIM Intake or its tests.

    python3 kim.py run            # the bot (SQLite under ./data/ unless KIM_DATABASE_URL is set)
    python3 kim.py test           # lint, format check and the test suite
    python3 kim.py chat|check|…   # any other `kim-intake` command, inside the environment

Only the Python standard library is used here, so this works on a machine that has nothing but
Python 3.11+ and pip.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
STAMP = VENV / ".kim-installed"
PIP_INSTALL = ["-m", "pip", "install", "--quiet", "--disable-pip-version-check"]


def _python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _wanted_stamp() -> str:
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()


def ensure_environment() -> Path:
    """Create .venv and install the project with its test extras when pyproject.toml changed."""
    if sys.version_info < (3, 11):  # noqa: UP036 - this file must speak on an older Python too
        sys.exit("KIM Intake needs Python 3.11 or newer; this is " + sys.version.split()[0])
    python = _python()
    if not python.exists():
        print("Creating the virtual environment in .venv …", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    wanted = _wanted_stamp()
    if not STAMP.exists() or STAMP.read_text().strip() != wanted:
        print("Installing KIM Intake and its dependencies into .venv …", flush=True)
        subprocess.run(
            [str(python), *PIP_INSTALL, "-e", f"{ROOT}[test]"],
            check=True,
        )
        STAMP.write_text(wanted)
    return python


def _forward(command: list[str]) -> int:
    """Run a command and return its status; Ctrl-C reaches it too, and it decides how to end."""
    with subprocess.Popen(command) as child:
        while True:
            try:
                status = child.wait()
            except KeyboardInterrupt:
                continue
            return 128 - status if status < 0 else status  # killed by a signal: as a shell says


def main(argv: list[str]) -> int:
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(__doc__)
        return 0
    python = ensure_environment()
    os.chdir(ROOT)
    if argv[0] == "test":
        for step in (["-m", "ruff", "check", "."], ["-m", "ruff", "format", "--check", "."]):
            if subprocess.run([str(python), *step]).returncode != 0:
                print("Lint failed: run `python3 kim.py lint` to fix what can be fixed.")
                return 1
        return _forward([str(python), "-m", "pytest", *argv[1:]])
    if argv[0] == "lint":
        subprocess.run([str(python), "-m", "ruff", "check", "--fix", "."])
        return subprocess.run([str(python), "-m", "ruff", "format", "."]).returncode
    if argv[0] == "bench":
        return _forward([str(python), *argv[1:]])
    return _forward([str(python), "-m", "bot", *argv])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
