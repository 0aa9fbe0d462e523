"""`kim-intake check`: config.yaml, every flow and every catalog, all problems at once.

`kim-intake run` asks the same (and whether the token looks like one) before it touches anything.
"""

from __future__ import annotations

import argparse

from bot.flows.loader import flows_dir
from bot.startup import report, run_checks


def command_check(args: argparse.Namespace) -> int:
    problems = run_checks()
    if problems:
        print(report(problems))
        return 1
    flows = ", ".join(p.stem for p in sorted(flows_dir().glob("*.yaml")))
    print(f"OK: config.yaml, flows ({flows}) and catalogs are valid.")
    return 0
