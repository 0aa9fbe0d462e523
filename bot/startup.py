"""What keeps KIM Intake from starting: config.yaml, every flow, every catalog, the token and
the API address, all problems at once. `kim-intake check` prints them; `kim-intake run` refuses
to start while there are any.

`kim-intake run` makes those checks and migrates the database each in a short-lived child process
(`prepare`): the catalogs, CLDR's data of every language, Alembic and the migrations they load
would otherwise stay in the long-running bot's memory (about 30 MB).
"""

from __future__ import annotations

import difflib
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

from bot.core.config import ConfigError, Settings, config_path, load_settings
from bot.core.i18n import english_name
from bot.flows.loader import FlowError, flow_path, flows_dir, load_flow

# What @BotFather hands out: the bot's number, a colon, about 35 letters, digits, - and _.
BOT_TOKEN = re.compile(r"^[0-9]{1,20}:[A-Za-z0-9_-]{30,64}$")


def run_checks(settings_path: Path | None = None) -> list[str]:
    """Every problem found, as lines to print; an empty list means all is well."""
    try:
        settings = load_settings(settings_path)
    except ConfigError as error:
        return [f"{error.path}: {problem}" for problem in error.problems] + _flow_problems(None)
    return settings_problems(settings, settings_path)


def settings_problems(settings: Settings, settings_path: Path | None = None) -> list[str]:
    """What keeps loaded settings from running: flows, catalogs, the token, the API address."""
    return [
        *_flow_problems(settings, settings_path or config_path()),
        *_catalog_problems(settings),
        *_environment_problems(settings),
    ]


def report(problems: list[str]) -> str:
    return "\n".join([f"{len(problems)} problem(s) found:", *(f"  - {p}" for p in problems)])


def _flow_problems(settings: Settings | None, settings_path: Path | None = None) -> list[str]:
    problems: list[str] = []
    flow_files = sorted(flows_dir().glob("*.yaml"))
    if not flow_files:
        problems.append(f"{flows_dir()}: no flow files (*.yaml)")
    for path in flow_files:
        try:
            # While config.yaml cannot be read, its fields are unknown: flows are checked without.
            load_flow(path, *((settings.districts, settings.field_ids) if settings else ()))
        except FlowError as error:
            problems += [str(problem) for problem in error.problems]
    if settings is not None and not flow_path(settings.flow).exists():
        names = [path.stem for path in flow_files]
        problem = f"{settings_path}: flow {settings.flow!r} has no file: {flow_path(settings.flow)}"
        problem += " not found."
        if close := difflib.get_close_matches(settings.flow, names, n=1, cutoff=0.6):
            problem += f" Did you mean {close[0]!r}?"
        problem += (
            f" Flows in {flows_dir()}: {', '.join(names) or 'none'}. Set `flow:` to one of them, "
            f"or KIM_FLOWS_DIR to the folder that holds {settings.flow}.yaml."
        )
        problems.append(problem)
    return problems


def _catalog_problems(settings: Settings) -> list[str]:
    from bot.core.catalogs import check_catalogs

    return [
        _missing_catalog(p.language) if p.kind == "missing_catalog" else str(p)
        for p in check_catalogs(settings.languages)
        if p.severity == "error"
    ]


def _missing_catalog(language: str) -> str:
    from bot.core.catalogs import catalog_path

    name = english_name(language) or language
    return (
        f"languages: {language!r} ({name}) has no catalog yet: {catalog_path(language)} not "
        f"found. To add {name}: run `kim-intake i18n update` (it creates that file), translate "
        f"every msgstr in it, and run `kim-intake check` again. Or take {language!r} out of "
        "`languages`."
    )


def _environment_problems(settings: Settings) -> list[str]:
    problems = []
    if settings.bot_token is not None:
        token = settings.bot_token.get_secret_value()
        if not BOT_TOKEN.match(token):
            problems.append(_token_problem(token))
    address = urlsplit(settings.telegram_api_url)
    if address.scheme not in ("http", "https") or not address.netloc:
        problems.append(
            f"KIM_TELEGRAM_API_URL: {settings.telegram_api_url!r} is not an http:// or https:// "
            "address; leave it unset for Telegram's own (https://api.telegram.org)."
        )
    return problems


def _token_problem(token: str) -> str:
    """Why KIM_BOT_TOKEN is not a token, without repeating it (it is a secret)."""
    if any(c.isspace() for c in token):
        why = " (it contains a space or a line break)"
    elif token[:1] in "\"'" or token[-1:] in "\"'":
        why = " (it is in quotes)"
    elif ":" not in token:
        why = " (it has no colon)"
    else:
        why = ""
    return (
        f"KIM_BOT_TOKEN does not look like a bot token{why}. @BotFather's tokens are the bot's "
        "number, a colon and about 35 letters, digits, - and _ (123456789:AAE…). Copy it again "
        "from @BotFather: /mybots, choose the bot, API Token."
    )


def prepare(step: str) -> int:
    """Run `step` ("check" or "migrate") in a child process; 0 when it went well. The child reads
    the same config.yaml and environment, and prints what went wrong itself."""
    return subprocess.run([sys.executable, "-m", "bot.startup", step], check=False).returncode


def _prepare_here(step: str) -> int:
    settings = load_settings()
    if step == "migrate":
        from storage.migrate import upgrade

        upgrade(settings.database_url)
        return 0
    if problems := settings_problems(settings):
        print(f"KIM Intake cannot start. {report(problems)}", file=sys.stderr)
        print("`kim-intake check` lists the same and says OK once all is fixed.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(_prepare_here(sys.argv[1]))
