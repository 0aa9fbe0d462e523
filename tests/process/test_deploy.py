"""Deployment files: what goes into the image, the compose files, the database password."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from sqlalchemy.engine import make_url

from bot.core.config import ConfigError, load_settings
from storage.db import create_engine, ping, session_factory, sync_url
from storage.migrate import current_revision, upgrade
from tests.fixtures.database import database_kind

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "p@ss:w/rd%41 #?&='\"é"


# --- The build context ----------------------------------------------------------------------------


def docker_pattern(pattern: str) -> re.Pattern[str]:
    """A .dockerignore pattern as Docker reads it: * and ? stay within a folder, ** crosses."""
    out, i = "", 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out, i = out + "(?:.*/)?", i + 3
        elif pattern.startswith("**", i):
            out, i = out + ".*", i + 2
        else:
            out += {"*": "[^/]*", "?": "[^/]"}.get(pattern[i], re.escape(pattern[i]))
            i += 1
    return re.compile(out)


def in_context(path: str) -> bool:
    """Whether a file goes into the build context: the last pattern that matches the file or a
    folder above it decides."""
    rules = []
    for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            negated = line.startswith("!")
            rules.append((negated, docker_pattern(line.removeprefix("!").strip("/"))))
    parts = path.split("/")
    prefixes = ["/".join(parts[:n]) for n in range(1, len(parts) + 1)]
    included = True
    for negated, pattern in rules:
        if any(pattern.fullmatch(prefix) for prefix in prefixes):
            included = negated
    return included


@pytest.mark.parametrize(
    "path",
    [
        "data/kim-intake.db",
        "data/kim-intake.db-wal",
        ".env",
        ".venv/lib/python3.11/site-packages/aiogram/__init__.py",
        ".git/HEAD",
        "tests/intake/test_intake_e2e.py",
        "tests/data/telegram-bot-api.json",
        "bench/intake.py",
        "backup.db",
        "backup.sql",
        "interviews.xlsx",
        "bedarfe.html",
        "bot/__pycache__/cli.cpython-311.pyc",
        "bot/locales/en/LC_MESSAGES/messages.mo",
        "storage/kim-intake.db",
        ".pytest_cache/v/cache/lastfailed",
        ".ruff_cache/CACHEDIR.TAG",
        ".hypothesis/examples/x",
        "requirements-test.lock",
    ],
)
def test_personal_data_secrets_and_development_files_stay_out_of_the_image(path):
    assert not in_context(path)


def test_every_file_the_dockerfile_copies_is_in_the_build_context():
    copied = []
    for line in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines():
        if line.startswith("COPY ") and "--from=" not in line:
            copied += line.split()[1:-1]
    assert {"requirements.lock", "pyproject.toml", "bot", "storage", "config.yaml"} <= set(copied)
    for source in copied:
        files = [ROOT / source] if (ROOT / source).is_file() else (ROOT / source).rglob("*.py*")
        for file in files:
            if "__pycache__" not in file.parts:
                assert in_context(file.relative_to(ROOT).as_posix()), file


def test_the_image_installs_the_hash_checked_lock_and_checks_health_by_heartbeat():
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "--require-hashes -r requirements.lock" in dockerfile
    assert "--no-deps" in dockerfile
    assert "KIM_HEARTBEAT_FILE=" in dockerfile
    assert re.search(r'HEALTHCHECK .*\n?.*CMD \["kim-intake", "health"\]', dockerfile)


# --- The compose files ----------------------------------------------------------------------------


def compose(name: str) -> dict:
    return yaml.safe_load((ROOT / name).read_text(encoding="utf-8"))


def test_compose_runs_the_bot_on_postgresql_with_the_password_apart_from_the_url():
    services = compose("docker-compose.yml")["services"]
    assert set(services) == {"db", "bot"}
    bot = services["bot"]
    assert bot["depends_on"]["db"]["condition"] == "service_healthy"
    url = make_url(bot["environment"]["KIM_DATABASE_URL"])
    assert (url.host, url.database, url.username, url.password) == ("db", "kim", "kim", None)
    assert bot["environment"]["KIM_DATABASE_PASSWORD"].startswith("${POSTGRES_PASSWORD")
    assert services["db"]["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD")


def test_the_port_is_published_only_with_the_webhook_file():
    assert "ports" not in compose("docker-compose.yml")["services"]["bot"]
    webhook = compose("docker-compose.webhook.yml")["services"]
    assert webhook == {"bot": {"ports": ["127.0.0.1:8080:8080"]}}


# --- The database password ------------------------------------------------------------------------


def test_a_password_with_url_characters_is_escaped_into_the_database_url():
    settings = load_settings(
        ROOT / "config.yaml",
        database_url="postgresql+asyncpg://kim@db:5432/kim",
        database_password=PASSWORD,
    )
    for url in (make_url(settings.database_url), make_url(sync_url(settings.database_url))):
        assert (url.host, url.port, url.database, url.username) == ("db", 5432, "kim", "kim")
        assert url.password == PASSWORD


def test_a_password_for_a_sqlite_database_is_a_configuration_error(tmp_path):
    with pytest.raises(ConfigError) as error:
        load_settings(
            ROOT / "config.yaml",
            database_url=f"sqlite+aiosqlite:///{tmp_path / 'kim.db'}",
            database_password="secret",
        )
    assert any("KIM_DATABASE_PASSWORD" in problem for problem in error.value.problems)


@pytest.mark.skipif(database_kind() != "postgresql", reason="needs KIM_TEST_POSTGRES_URL")
async def test_the_server_is_reached_and_migrated_through_a_url_with_an_escaped_password(
    database_url,
):
    # The test server trusts local connections: what is checked is that the escaped password
    # leaves host, port, user and database intact on every path (Alembic, asyncpg, psycopg).
    plain = make_url(database_url).set(password=None).render_as_string(hide_password=False)
    settings = load_settings(ROOT / "config.yaml", database_url=plain, database_password=PASSWORD)
    assert make_url(settings.database_url).password == PASSWORD
    upgrade(settings.database_url)
    assert current_revision(settings.database_url) is not None
    engine = create_engine(settings.database_url)
    async with session_factory(engine)() as session:
        await ping(session)
    await engine.dispose()
