"""The shape of the code base: the import contracts of pyproject.toml hold (and catch a planted
violation), and no module of bot/ or storage/ is over about 400 lines."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
MAX_LINES = 400


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """`lint-imports` on the copy of the project at `root`, importing bot and storage from it."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    """bot/, storage/ and pyproject.toml, copied: a place to plant violations."""
    for package in ("bot", "storage"):
        shutil.copytree(
            ROOT / package,
            tmp_path / package,
            ignore=shutil.ignore_patterns("__pycache__", "locales"),
        )
    shutil.copyfile(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def plant(root: Path, module: str, line: str) -> None:
    path = root / module
    path.write_text((path.read_text() if path.exists() else "") + f"\n{line}\n")


def test_the_import_contracts_hold_and_fail_on_a_planted_violation(project_copy):
    kept = lint_imports(project_copy)
    assert kept.returncode == 0, kept.stdout + kept.stderr
    assert "0 broken" in kept.stdout

    plant(project_copy, "bot/core/vocabulary.py", "import aiogram  # noqa")
    plant(project_copy, "bot/flows/needs.py", "from storage import interviews  # noqa")
    plant(project_copy, "bot/reports/figures_planted.py", "from bot.telegram import render")
    broken = lint_imports(project_copy)

    assert broken.returncode != 0
    assert "bot.core.vocabulary -> aiogram" in broken.stdout
    assert "bot.flows.needs -> storage.interviews" in broken.stdout
    assert "bot.reports.figures_planted -> bot.telegram.render" in broken.stdout


def test_a_feature_importing_another_breaks_the_contract(project_copy):
    plant(project_copy, "bot/retention.py", "from bot.broadcasts import service  # noqa")
    broken = lint_imports(project_copy)
    assert broken.returncode != 0
    assert "bot.retention is not allowed to import bot.broadcasts" in broken.stdout


def modules() -> list[Path]:
    found = [*(ROOT / "bot").rglob("*.py"), *(ROOT / "storage").rglob("*.py")]
    return sorted(p for p in found if "migrations" not in p.relative_to(ROOT).parts)


def test_no_module_is_over_400_lines():
    lines = {str(p.relative_to(ROOT)): len(p.read_text().splitlines()) for p in modules()}
    assert {m: n for m, n in lines.items() if n > MAX_LINES} == {}
