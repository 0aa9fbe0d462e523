"""`kim-intake check`: config.yaml, every flow and every catalog, all problems at once."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.config import ConfigError, Settings, load_settings
from bot.flows.loader import FlowError, flows_dir, load_flow


def run_checks(settings_path: Path | None = None) -> list[str]:
    """Every problem found, as lines to print; an empty list means all is well."""
    problems: list[str] = []
    settings: Settings | None = None
    try:
        settings = load_settings(settings_path)
    except ConfigError as error:
        problems += [f"{error.path}: {problem}" for problem in error.problems]
    districts = settings.districts if settings else ()
    flow_files = sorted(flows_dir().glob("*.yaml"))
    if not flow_files:
        problems.append(f"{flows_dir()}: no flow files (*.yaml)")
    for path in flow_files:
        try:
            load_flow(path, districts)
        except FlowError as error:
            problems += [str(problem) for problem in error.problems]
    if settings is not None:
        if not (flows_dir() / f"{settings.flow}.yaml").exists():
            problems.append(f"config.yaml: flow {settings.flow!r} has no file in {flows_dir()}")
        problems += _catalog_problems(settings)
    return problems


def _catalog_problems(settings: Settings) -> list[str]:
    from bot.i18n_catalogs import check_catalogs

    return [str(p) for p in check_catalogs(settings.languages) if p.severity == "error"]


def command_check(args: argparse.Namespace) -> int:
    problems = run_checks()
    if problems:
        print(f"{len(problems)} problem(s) found:")
        for problem in problems:
            print(f"  - {problem}")
        return 1
    flows = ", ".join(p.stem for p in sorted(flows_dir().glob("*.yaml")))
    print(f"OK: config.yaml, flows ({flows}) and catalogs are valid.")
    return 0
