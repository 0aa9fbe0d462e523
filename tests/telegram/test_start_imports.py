"""The running bot does not load what only reports, exports, the poster or the tests need: a
library imported at start costs every process its memory for as long as it runs."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("matplotlib", "numpy", "PIL", "openpyxl", "segno", "playwright")


def test_starting_the_bot_loads_no_report_libraries():
    probe = (
        "import sys; import bot.telegram.app; "
        f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.split() == [], f"loaded at start: {done.stdout.strip()}"
