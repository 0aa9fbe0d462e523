#!/usr/bin/env python3
"""Set up a virtual environment from the lock file on first use, then run KIM Intake or its tests.

    python3 kim.py run            # the bot (SQLite under ./data/ unless KIM_DATABASE_URL is set)
    python3 kim.py test           # lint, format check, import contracts and the test suite
    python3 kim.py chat|check|…   # any other `kim-intake` command, inside the environment
    python3 kim.py lock           # re-resolve the lock files after a change to pyproject.toml
    python3 kim.py lock --upgrade # … and move every pin to the newest version pyproject allows

The environment is `.venv/` (or the folder KIM_VENV names). It holds exactly the versions of
requirements-test.lock, checked against the hashes there, and is built anew whenever the lock or
pyproject.toml changes. Only the Python standard library is used here, so this works on a
machine that has nothing but Python 3.11+ and pip.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
PYPROJECT = ROOT / "pyproject.toml"
# What the bot runs on (the Docker image installs it), and the same pins plus the test tools.
RUNTIME_LOCK = ROOT / "requirements.lock"
TEST_LOCK = ROOT / "requirements-test.lock"
STAMP = ".kim-installed"
PIP_INSTALL = ["-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
# The resolver that writes the lock files, and the oldest Python they must serve.
UV = "uv==0.13.8"
MIN_PYTHON = "3.11"


def venv_dir() -> Path:
    return Path(os.environ.get("KIM_VENV") or ROOT / ".venv").resolve()


def venv_python(env: Path) -> Path:
    return env / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def wanted_stamp() -> str:
    """Changes whenever what the environment is built from changes."""
    digest = hashlib.sha256()
    for path in (PYPROJECT, TEST_LOCK):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def is_current(env: Path) -> bool:
    stamp = env / STAMP
    return (
        venv_python(env).exists() and stamp.exists() and stamp.read_text().strip() == wanted_stamp()
    )


def install_commands(python: Path) -> list[list[str]]:
    """Every pinned package, hash-checked; then the project itself, editable, adding nothing.

    setuptools is in the lock, so the project is built without fetching anything unpinned.
    """
    return [
        [str(python), *PIP_INSTALL, "--require-hashes", "-r", str(TEST_LOCK)],
        [str(python), *PIP_INSTALL, "--no-deps", "--no-build-isolation", "-e", str(ROOT)],
    ]


def ensure_environment() -> Path:
    """Build the environment from nothing unless it was built from today's lock and pyproject."""
    if sys.version_info < (3, 11):  # noqa: UP036 - this file must speak on an older Python too
        sys.exit("KIM Intake needs Python 3.11 or newer; this is " + sys.version.split()[0])
    env = venv_dir()
    python = venv_python(env)
    if is_current(env):
        return python
    if env.exists():
        if not (env / "pyvenv.cfg").exists() and any(env.iterdir()):
            sys.exit(f"{env} is not a virtual environment; move it away or set KIM_VENV.")
        print(f"The lock or pyproject.toml changed: building {env} anew …", flush=True)
        shutil.rmtree(env)
    print(f"Creating the virtual environment in {env} …", flush=True)
    venv.EnvBuilder(with_pip=True).create(env)
    print("Installing KIM Intake and the versions of requirements-test.lock …", flush=True)
    for command in install_commands(python):
        if subprocess.run(command).returncode != 0:
            sys.exit("Installing failed (see above); the next run starts the installation again.")
    (env / STAMP).write_text(wanted_stamp())
    return python


def lock_commands(uv: Path, upgrade: bool) -> list[list[str]]:
    """uv resolves for every platform and Python from MIN_PYTHON on, with the hashes of every
    file of each pinned version; the test lock keeps the runtime lock's pins."""
    common = ["--universal", "--python-version", MIN_PYTHON, "--generate-hashes", "--quiet"]
    common += ["--custom-compile-command", "python3 kim.py lock"]
    common += ["--upgrade"] if upgrade else []
    # "-" reads the build requirements (setuptools) from standard input, so they are pinned too.
    compile_ = [str(uv), "pip", "compile", "pyproject.toml", "-", *common]
    return [
        [*compile_, "--output-file", RUNTIME_LOCK.name],
        [*compile_, "--extra", "test", "--constraint", RUNTIME_LOCK.name,
         "--output-file", TEST_LOCK.name],
    ]  # fmt: skip


def lock(upgrade: bool) -> int:
    import tomllib

    build = "\n".join(tomllib.loads(PYPROJECT.read_text())["build-system"]["requires"])
    with tempfile.TemporaryDirectory(prefix="kim-lock-") as tmp:
        tool = Path(tmp) / "venv"
        venv.EnvBuilder(with_pip=True).create(tool)
        if subprocess.run([str(venv_python(tool)), *PIP_INSTALL, UV]).returncode != 0:
            return 1
        uv = venv_python(tool).with_name("uv.exe" if os.name == "nt" else "uv")
        for command in lock_commands(uv, upgrade):
            if subprocess.run(command, input=build, text=True, cwd=ROOT).returncode != 0:
                return 1
    print(f"Wrote {RUNTIME_LOCK.name} and {TEST_LOCK.name}; commit them with pyproject.toml.")
    return 0


def _forward(command: list[str]) -> int:
    """Run a command and return its status; Ctrl-C reaches it too, and it decides how to end.
    SIGTERM (a supervisor stopping `kim.py run`) is passed on, so the bot stops as it should."""
    with subprocess.Popen(command) as child:
        if hasattr(signal, "SIGTERM") and os.name != "nt":
            signal.signal(signal.SIGTERM, lambda signum, frame: child.send_signal(signum))
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
    if argv[0] == "lock":
        return lock(upgrade="--upgrade" in argv[1:])
    python = ensure_environment()
    os.chdir(ROOT)
    if argv[0] == "test":
        for step in (["-m", "ruff", "check", "."], ["-m", "ruff", "format", "--check", "."]):
            if subprocess.run([str(python), *step]).returncode != 0:
                print("Lint failed: run `python3 kim.py lint` to fix what can be fixed.")
                return 1
        # The layers of pyproject.toml [tool.importlinter]: channels -> app -> features -> core.
        lint_imports = python.with_name("lint-imports.exe" if os.name == "nt" else "lint-imports")
        if subprocess.run([str(lint_imports), "--no-cache"]).returncode != 0:
            print("The import contracts are broken (see above): fix the imports, not the contract.")
            return 1
        # Most tests wait on real HTTP and processes: three workers keep two cores busy.
        workers = ["-n", os.environ.get("KIM_TEST_WORKERS", "3")]
        return _forward([str(python), "-m", "pytest", *workers, *argv[1:]])
    if argv[0] == "lint":
        subprocess.run([str(python), "-m", "ruff", "check", "--fix", "."])
        return subprocess.run([str(python), "-m", "ruff", "format", "."]).returncode
    if argv[0] == "bench":
        return _forward([str(python), *argv[1:]])
    return _forward([str(python), "-m", "bot", *argv])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
