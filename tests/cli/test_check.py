"""`kim-intake check` as a process: passes on the shipped files, fails precisely on broken ones."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from storage.migrate import alembic_config
from tests.fixtures.command import kim_intake

ROOT = Path(__file__).resolve().parents[2]


def check(
    tmp_path: Path, config: Path, flows: Path, **variables: str
) -> subprocess.CompletedProcess[str]:
    return kim_intake(
        "check", tmp_path, KIM_CONFIG=str(config), KIM_FLOWS_DIR=str(flows), **variables
    )


def refused(tmp_path: Path, config: Path, flows: Path, **variables: str) -> str:
    """What `check` prints when it fails, as it must."""
    result = check(tmp_path, config, flows, **variables)
    assert result.returncode == 1, result.stdout + result.stderr
    return result.stdout


def copies(tmp_path: Path) -> tuple[Path, Path]:
    config = tmp_path / "config.yaml"
    shutil.copy(ROOT / "config.yaml", config)
    flows = tmp_path / "flows"
    flows.mkdir()
    shutil.copy(ROOT / "bot" / "flows" / "needs.yaml", flows / "needs.yaml")
    return config, flows


def test_the_shipped_config_flows_and_catalogs_pass(tmp_path):
    result = check(tmp_path, ROOT / "config.yaml", ROOT / "bot" / "flows")
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("OK")


def test_a_broken_flow_and_config_fail_with_every_problem_listed(tmp_path):
    config, flows = copies(tmp_path)
    text = (flows / "needs.yaml").read_text(encoding="utf-8")
    text = text.replace(
        '{answer: children, op: ">", value: 0}', '{answer: pets, op: ">", value: 0}'
    )
    (flows / "needs.yaml").write_text(text, encoding="utf-8")
    config.write_text(
        config.read_text(encoding="utf-8").replace("timezone: Europe/Berlin", "timezone: Mars"),
        encoding="utf-8",
    )
    out = refused(tmp_path, config, flows)
    assert "childcare_need: condition: refers to 'pets'" in out
    assert "unknown time zone 'Mars'" in out
    assert "2 problem(s) found" in out


@pytest.mark.parametrize(
    ("renamed", "said"),
    [
        # a flow named in config must exist
        ("other.yaml", ["flow 'needs' has no file"]),
        # a missing flow names the file it looked for and the flows there
        ("needs2.yaml", ["{flows}/needs.yaml not found", "Did you mean 'needs2'?"]),
    ],
)
def test_a_flow_named_in_config_must_exist_and_is_looked_for_by_name(tmp_path, renamed, said):
    config, flows = copies(tmp_path)
    (flows / "needs.yaml").rename(flows / renamed)
    out = refused(tmp_path, config, flows)
    for text in said:
        assert text.format(flows=flows) in out


def with_languages(config: Path, languages: str) -> None:
    text = config.read_text(encoding="utf-8")
    start = text.index("languages: [")
    end = text.index("]", start)
    config.write_text(text[:start] + f"languages: [{languages}" + text[end:], encoding="utf-8")


def test_an_unknown_language_gets_the_closest_codes_not_advice_to_make_a_catalog(tmp_path):
    config, flows = copies(tmp_path)
    with_languages(config, "de, en, ukr, xx, arabic")
    out = refused(tmp_path, config, flows)
    assert "unknown language code 'ukr'" in out
    assert "Did you mean 'uk' (Ukrainian)" in out
    assert "unknown language code 'arabic'" in out
    assert "Did you mean 'ar' (Arabic)" in out
    assert "unknown language code 'xx'" in out
    assert (
        "Languages with a catalog: ar, bg, ckb, de, en, fa, fr, kmr, pl, ps, ro, ru, sq, ti, tr, uk"
    ) in out
    assert "i18n update" not in out


def test_a_real_language_without_a_catalog_is_told_how_to_add_it(tmp_path):
    config, flows = copies(tmp_path)
    with_languages(config, "de, en, sw")
    out = refused(tmp_path, config, flows)
    assert "languages: 'sw' (Swahili) has no catalog yet" in out
    assert str(Path("sw") / "LC_MESSAGES" / "messages.po") in out
    assert "run `kim-intake i18n update`" in out


def test_a_yaml_error_in_a_flow_names_the_file_line_and_column(tmp_path):
    config, flows = copies(tmp_path)
    text = (flows / "needs.yaml").read_text(encoding="utf-8")
    line = text.index("\n      - id: age_group")
    broken = text[:line] + "\n        bad: [unclosed" + text[line:]
    (flows / "needs.yaml").write_text(broken, encoding="utf-8")
    number = text[:line].count("\n") + 2  # of the inserted line
    out = refused(tmp_path, config, flows)
    assert f"{flows / 'needs.yaml'}: line {number + 1}, column 11: not valid YAML" in out
    assert f"flow sequence that begins at line {number}, column 14" in out


def test_a_yaml_error_in_config_names_where_an_unclosed_quote_begins(tmp_path):
    config, flows = copies(tmp_path)
    text = config.read_text(encoding="utf-8").rstrip("\n") + '\ncity: "Troisdorf\n'
    config.write_text(text, encoding="utf-8")
    number = text.count("\n")
    out = refused(tmp_path, config, flows)
    assert f"{config}: line {number + 1}, column 1: not valid YAML" in out
    assert f"quoted scalar that begins at line {number}, column 7" in out


def test_a_malformed_token_is_named_without_repeating_it(tmp_path):
    config, flows = copies(tmp_path)
    out = refused(tmp_path, config, flows, KIM_BOT_TOKEN="123456 secret")
    assert "KIM_BOT_TOKEN does not look like a bot token (it contains a space" in out
    assert "secret" not in out


def test_the_installed_package_carries_its_flows_catalogs_and_migrations(tmp_path):
    """What the Docker image does at build and start: install the project (not editable), then
    check and migrate with nothing of the source tree around."""
    source, site = tmp_path / "source", tmp_path / "site"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):  # as the Dockerfile copies them: no build/ dir
        shutil.copy(ROOT / name, source / name)
    for name in ("bot", "storage"):
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    install = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--target",
            str(site),
            str(source),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert install.returncode == 0, install.stderr
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIM_")}
    env.update(
        PYTHONPATH=str(site),
        KIM_CONFIG=str(ROOT / "config.yaml"),
        KIM_DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path}/data/kim.db",
    )

    def kim(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    where = kim("-c", "import bot, storage; print(bot.__file__); print(storage.__file__)")
    assert where.stdout.splitlines() == [
        str(site / "bot" / "__init__.py"),
        str(site / "storage" / "__init__.py"),
    ]
    checked = kim("-m", "bot", "check")
    assert checked.returncode == 0 and checked.stdout.startswith("OK"), checked.stderr
    upgraded = kim("-m", "bot", "db", "upgrade")
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert upgraded.returncode == 0 and f"to {head}." in upgraded.stdout, upgraded.stderr


def test_a_flow_naming_a_field_the_config_does_not_define_is_named_line_by_line(tmp_path):
    config, flows = copies(tmp_path)
    text = config.read_text(encoding="utf-8")
    assert "  - {id: social, name: Soziales}\n" in text
    config.write_text(
        text.replace("  - {id: social, name: Soziales}\n", "  - {id: family, name: Familie}\n"),
        encoding="utf-8",
    )
    result = check(tmp_path, config, flows)
    assert result.returncode == 1
    flow = flows / "needs.yaml"
    undefined = "field of action 'social' is not defined in config.yaml `fields:`"
    lines = [line.strip() for line in result.stdout.splitlines()]
    assert lines[1:] == [
        f"- {flow}: section social: {undefined}",
        f"- {flow}: violence: flag rule urgent_violence: {undefined}",
        f"- {flow}: social_help: flag rule need_social: {undefined}",
        f"- {flow}: counselling_wish: flag rule counselling_wish: {undefined}",
    ]


def test_while_config_is_broken_flows_are_not_held_to_fields_it_may_define(tmp_path):
    config, flows = copies(tmp_path)
    text = config.read_text(encoding="utf-8").replace("timezone: Europe/Berlin", "timezone: Mars")
    text = text.replace(
        "  - {id: social, name: Soziales}\n",
        "  - {id: social, name: Soziales}\n  - {id: family, name: Familie}\n",
    )
    config.write_text(text, encoding="utf-8")
    flow = flows / "needs.yaml"
    flow.write_text(
        flow.read_text(encoding="utf-8").replace("    field: social\n", "    field: family\n"),
        encoding="utf-8",
    )
    result = check(tmp_path, config, flows)
    assert result.returncode == 1
    assert "unknown time zone 'Mars'" in result.stdout
    assert "1 problem(s) found" in result.stdout
