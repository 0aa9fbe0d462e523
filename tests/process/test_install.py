"""Reproducible installs: kim.py builds its environment from the hash-pinned lock files."""

from __future__ import annotations

import importlib.util
import re
import shutil
import sys
import tomllib
from pathlib import Path
from types import ModuleType

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9_.-]+)==(\S+?)(?: ; (.+?))? \\$")


def load_kim(root: Path = ROOT) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"kim_{abs(hash(root))}", root / "kim.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pins(lock: Path) -> dict[tuple[str, str], tuple[str, int]]:
    """(name, marker) → (version, number of hashes) for every requirement in a lock file."""
    found: dict[tuple[str, str], tuple[str, int]] = {}
    current: tuple[str, str] | None = None
    for line in lock.read_text(encoding="utf-8").splitlines():
        if match := PIN.match(line):
            name, version, marker = match.groups()
            current = (canonicalize_name(name), marker or "")
            found[current] = (version, 0)
        elif line.strip().startswith("--hash=sha256:") and current is not None:
            version, count = found[current]
            found[current] = (version, count + 1)
        elif line and not line.startswith("#") and not line.startswith(" "):
            pytest.fail(f"{lock.name}: not a pinned requirement: {line!r}")
    return found


def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def kim() -> ModuleType:
    return load_kim()


def test_every_package_in_the_locks_is_pinned_with_hashes(kim):
    for lock in (kim.RUNTIME_LOCK, kim.TEST_LOCK):
        found = pins(lock)
        assert len(found) > 40, lock.name
        unhashed = [name for name, (_, hashes) in found.items() if hashes == 0]
        assert unhashed == [], lock.name


def test_the_locks_satisfy_pyproject_and_its_build_requirements(kim):
    wanted = project()["project"]
    runtime = {name for name, _ in pins(kim.RUNTIME_LOCK)}
    tested = pins(kim.TEST_LOCK)
    requirements = [Requirement(r) for r in wanted["dependencies"]]
    test_requirements = [Requirement(r) for r in wanted["optional-dependencies"]["test"]]
    build = [Requirement(r) for r in project()["build-system"]["requires"]]
    for requirement in [*requirements, *build]:
        assert canonicalize_name(requirement.name) in runtime, requirement.name
    for requirement in [*requirements, *test_requirements, *build]:
        versions = [v for (name, _), (v, _) in tested.items() if name == requirement.name]
        assert versions, f"{requirement.name} is not in {kim.TEST_LOCK.name}"
        for version in versions:
            assert requirement.specifier.contains(version), f"{requirement.name}=={version}"


def test_the_test_lock_holds_the_runtime_pins_and_only_adds_test_tools(kim):
    runtime = pins(kim.RUNTIME_LOCK)
    tested = pins(kim.TEST_LOCK)
    assert {key: value for key, value in tested.items() if key in runtime} == runtime
    assert {"pytest", "hypothesis", "ruff"} <= {name for name, _ in tested} - {
        name for name, _ in runtime
    }


def test_the_locks_serve_every_platform_not_only_this_one(kim):
    # pytest needs colorama on Windows only: a lock resolved for this Linux machine lacks it.
    assert ("colorama", "sys_platform == 'win32'") in pins(kim.TEST_LOCK)
    for command in kim.lock_commands(Path("uv"), upgrade=False):
        assert {"--universal", "--generate-hashes"} <= set(command)
        assert command[command.index("--python-version") + 1] == kim.MIN_PYTHON
    assert project()["project"]["requires-python"] == f">={kim.MIN_PYTHON}"


def test_the_install_takes_hash_checked_pins_then_the_project_without_dependencies(kim):
    pinned, itself = kim.install_commands(Path("/env/bin/python"))
    assert pinned[-3:] == ["--require-hashes", "-r", str(kim.TEST_LOCK)]
    assert {"--no-deps", "--no-build-isolation", "-e"} <= set(itself)
    assert "-r" not in itself


def test_kim_venv_names_the_environment_folder(kim, monkeypatch, tmp_path):
    monkeypatch.delenv("KIM_VENV", raising=False)
    assert kim.venv_dir() == ROOT / ".venv"
    monkeypatch.setenv("KIM_VENV", str(tmp_path / "env"))
    assert kim.venv_dir() == tmp_path / "env"


@pytest.mark.parametrize("changed", ["pyproject.toml", "requirements-test.lock"])
def test_a_changed_lock_or_pyproject_makes_the_environment_stale(tmp_path, changed):
    for name in ("kim.py", "pyproject.toml", "requirements-test.lock"):
        shutil.copy(ROOT / name, tmp_path / name)
    kim = load_kim(tmp_path)
    env = tmp_path / "env"
    python = kim.venv_python(env)
    python.parent.mkdir(parents=True)
    python.symlink_to(sys.executable)
    (env / kim.STAMP).write_text(kim.wanted_stamp())
    assert kim.is_current(env)
    with (tmp_path / changed).open("a", encoding="utf-8") as file:
        file.write("\n# changed\n")
    assert not kim.is_current(env)
