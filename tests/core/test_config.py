"""Settings: the shipped config.yaml loads, and a broken one names every problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.config import ConfigError, load_settings

ROOT = Path(__file__).resolve().parents[2]


def test_shipped_config_describes_troisdorf_with_its_twelve_districts():
    settings = load_settings(ROOT / "config.yaml")
    assert settings.city == "Troisdorf"
    assert len(settings.districts) == 12
    assert settings.district_name("fwh") == "Friedrich-Wilhelms-Hütte"
    assert settings.languages[0] == "de"


def test_environment_overrides_the_database_url(monkeypatch):
    monkeypatch.setenv("KIM_DATABASE_URL", "sqlite+aiosqlite:////tmp/elsewhere.db")
    assert load_settings(ROOT / "config.yaml").database_url.endswith("/tmp/elsewhere.db")


def refusals(tmp_path, text: str) -> str:
    """What load_settings says of a config.yaml with `text`, a line per problem."""
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as raised:
        load_settings(path)
    return "\n".join(raised.value.problems)


def test_missing_file_says_how_to_point_at_it(tmp_path):
    with pytest.raises(ConfigError) as raised:
        load_settings(tmp_path / "nowhere.yaml")
    assert "KIM_CONFIG" in raised.value.problems[0]


def test_invalid_yaml_names_the_line(tmp_path):
    assert "line" in refusals(tmp_path, "city: Troisdorf\nlanguages: [de, en\n")


def test_every_problem_is_listed_not_only_the_first(tmp_path):
    problems = refusals(
        tmp_path, "city: Troisdorf\ntimezone: Mars/Olympus\nlanguages: [en]\ncolour: blue\n"
    )
    assert "unknown time zone" in problems
    assert "German (de)" in problems
    assert "colour: unknown setting" in problems


def test_team_rules_must_name_known_districts_and_one_default_team(tmp_path):
    problems = refusals(
        tmp_path,
        "city: X\ndistricts: [{id: a, name: A}]\n"
        "teams:\n  - {id: t1, name: T1, chat_id: -1, districts: [zz]}\n",
    )
    assert "default" in problems


def test_a_shared_env_file_may_hold_other_variables(tmp_path, monkeypatch):
    monkeypatch.delenv("KIM_BOT_TOKEN", raising=False)
    (tmp_path / "config.yaml").write_text("city: Troisdorf\n", encoding="utf-8")
    (tmp_path / ".env").write_text(
        "KIM_BOT_TOKEN=123:abc\nPOSTGRES_PASSWORD=secret\n", encoding="utf-8"
    )
    settings = load_settings(tmp_path / "config.yaml")
    assert settings.bot_token.get_secret_value() == "123:abc"


def test_the_shipped_fields_of_action_are_troisdorfs_seven_and_also_the_default(tmp_path):
    shipped = load_settings(ROOT / "config.yaml")
    assert shipped.field_ids == (
        "language", "education", "work", "housing", "health", "residence", "social",
    )  # fmt: skip
    assert shipped.field_name("housing") == "Wohnen"
    (tmp_path / "config.yaml").write_text("city: Troisdorf\n", encoding="utf-8")
    assert load_settings(tmp_path / "config.yaml").fields == shipped.fields


def test_a_deployment_names_its_own_fields_with_short_names(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text(
        "city: Bonn\nfields:\n  - {id: language, name: Sprache und Verständigung, short: Sprache}\n"
        "  - {id: family, name: Familie}\n",
        encoding="utf-8",
    )
    settings = load_settings(path)
    assert settings.field_ids == ("language", "family")
    assert settings.field_name("language") == "Sprache und Verständigung"
    assert settings.field_label("language") == "Sprache"
    assert settings.field_label("family") == "Familie"


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ("[]", "fields: Tuple should have at least 1 item"),
        ("[{id: Wohnen, name: Wohnen}]", "fields.0.id: field id 'Wohnen' must be"),
        ("[{id: housing, name: ' '}]", "fields.0.name: name is empty"),
        ("[{id: a, name: A}, {id: a, name: B}]", "two fields of action share an id"),
        ("[{id: a, title: A}]", "fields.0.title: unknown setting"),
    ],
)
def test_fields_of_action_need_unique_slug_ids_and_names(tmp_path, fields, problem):
    assert problem in refusals(tmp_path, f"city: X\nfields: {fields}\n")


def test_a_team_routed_by_a_field_the_config_does_not_define_is_named(tmp_path):
    problems = refusals(
        tmp_path,
        "city: X\nfields: [{id: housing, name: Wohnen}, {id: family, name: Familie}]\n"
        "teams:\n  - {id: kim, name: KIM, chat_id: -1, default: true}\n"
        "  - {id: wohnen, name: Wohnen, chat_id: -2, fields: [housing, work]}\n",
    )
    assert "team wohnen names field(s) of action not in `fields:`: ['work']" in problems


def test_a_rate_above_telegrams_free_limit_needs_paid_broadcasts(tmp_path):
    problems = refusals(tmp_path, "city: X\nbroadcasts: {rate_per_second: 1000}\n")
    assert "allow_paid_broadcast" in problems
    assert "rate_per_second" in refusals(
        tmp_path, "city: X\nbroadcasts: {rate_per_second: 1001, allow_paid_broadcast: true}\n"
    )
    path = tmp_path / "config.yaml"
    path.write_text(
        "city: X\nbroadcasts: {rate_per_second: 1000, allow_paid_broadcast: true}\n",
        encoding="utf-8",
    )
    assert load_settings(path).broadcasts.rate_per_second == 1000
