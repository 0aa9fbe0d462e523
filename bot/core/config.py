"""Settings of one deployment: config.yaml plus the KIM_* environment variables (and .env)."""

from __future__ import annotations

import os
import re
from datetime import time
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.core.i18n import english_name, shipped_languages, similar_languages
from bot.core.vocabulary import DEFAULT_FIELD_NAMES

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///./data/kim-intake.db"
FREE_RATE = 30.0  # messages per second Telegram lets a bot send in all, free of charge
_ID = re.compile(r"^[a-z0-9_]{1,24}$")
_SLUG = re.compile(r"^[a-z][a-z0-9_]{0,23}$")


class ConfigError(Exception):
    """config.yaml (or the environment) cannot be used; `problems` lists every reason."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        super().__init__(f"{path}: " + "; ".join(problems))


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class District(_Strict):
    """A district of the city; `neighbours` are the ids of the districts next to it (offers
    there are suggested after those in the district itself and the city-wide ones)."""

    id: str
    name: str
    neighbours: list[str] = []

    @field_validator("id")
    @classmethod
    def _short_id(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError("district id must be 1-24 characters of a-z, 0-9 and _")
        return value


class FieldOfAction(_Strict):
    """A field of action (Handlungsfeld): the code flows and teams use, the German name staff read,
    and an optional short name where space is tight (chart axes, buttons)."""

    id: str
    name: str
    short: str | None = None

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not _SLUG.match(value):
            raise ValueError(
                f"field id {value!r} must be 1-24 characters of a-z, 0-9 and _, "
                "beginning with a letter"
            )
        return value

    @field_validator("name", "short")
    @classmethod
    def _not_blank(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("name is empty")
        return value

    @property
    def label(self) -> str:
        """The short name if there is one, else the name."""
        return self.short or self.name


# config.yaml without `fields:` (written before fields were configurable) keeps the seven of
# the shipped questionnaire.
DEFAULT_FIELDS = tuple(FieldOfAction(id=i, name=n) for i, n in DEFAULT_FIELD_NAMES.items())


class Webhook(_Strict):
    url: str = ""
    listen_host: str = "0.0.0.0"
    listen_port: int = Field(8080, ge=1, le=65535)
    path: str = "/telegram"


class TelegramConfig(_Strict):
    mode: Literal["polling", "webhook"] = "polling"
    webhook: Webhook = Webhook()

    @model_validator(mode="after")
    def _webhook_needs_url(self) -> TelegramConfig:
        if self.mode == "webhook" and not self.webhook.url.startswith("https://"):
            raise ValueError("telegram.mode is webhook, so telegram.webhook.url must be https://…")
        return self


class Web(_Strict):
    """The web chat: the questionnaire in a browser, for people without Telegram. Served by the
    same process: beside the webhook on its server, or on its own port when polling."""

    enabled: bool = False
    path: str = "/fragebogen"
    listen_host: str = "127.0.0.1"
    listen_port: int = Field(8081, ge=1, le=65535)
    public_url: str = ""  # e.g. https://kim.troisdorf.de/fragebogen (for the poster)
    secure_cookie: bool = True  # the cookie only over HTTPS (behind the city's TLS proxy)
    session_days: int = Field(90, ge=1, le=730)

    @field_validator("path")
    @classmethod
    def _path(cls, value: str) -> str:
        if not re.fullmatch(r"(/[a-z0-9_-]+)+", value):
            raise ValueError("web.path must look like /fragebogen (a-z, 0-9, _ and -)")
        return value


class Privacy(_Strict):
    consent_version: str = "1"
    controller: str = ""
    contact: str = ""


class Team(_Strict):
    """A caseworker team and the rules that route cases to it (empty rule = any)."""

    id: str
    name: str
    chat_id: int
    default: bool = False
    fields: list[str] = []
    districts: list[str] = []
    languages: list[str] = []


class Casework(_Strict):
    unclaimed_after_hours: float = Field(24, gt=0)
    urgent_unclaimed_after_hours: float = Field(2, gt=0)


class QuietHours(_Strict):
    start: time = time(20, 0)
    end: time = time(8, 0)


class Reminders(_Strict):
    after_hours: float = Field(72, gt=0)
    max_count: int = Field(2, ge=0, le=10)
    quiet_hours: QuietHours = QuietHours()


class Broadcasts(_Strict):
    rate_per_second: float = Field(25, gt=0, le=1000)  # above 30: paid broadcasts only
    allow_paid_broadcast: bool = False
    per_chat_interval_seconds: float = Field(1.0, ge=0)
    max_attempts: int = Field(5, ge=1, le=20)

    @model_validator(mode="after")
    def _above_free_is_paid(self) -> Broadcasts:
        if self.rate_per_second > FREE_RATE and not self.allow_paid_broadcast:
            raise ValueError("broadcasts.rate_per_second above 30 needs allow_paid_broadcast: true")
        return self


class Retention(_Strict):
    answers_days: int = Field(730, ge=1)
    cases_days: int = Field(1095, ge=1)


class Settings(BaseSettings):
    """Everything one running KIM Intake needs to know."""

    model_config = SettingsConfigDict(
        # extra="ignore": a shared .env may hold other variables (POSTGRES_PASSWORD for docker
        # compose); unknown keys in config.yaml are still reported, by load_settings.
        env_prefix="KIM_",
        extra="ignore",
        frozen=True,
        env_file_encoding="utf-8",
    )

    # From the environment (KIM_*) or .env: secrets and deployment.
    bot_token: SecretStr | None = None
    # Given apart from the URL, the password needs no escaping (docker-compose.yml passes it so).
    database_password: SecretStr | None = None
    database_url: str = Field(DEFAULT_DATABASE_URL, validate_default=True)
    telegram_api_url: str = "https://api.telegram.org"
    webhook_secret: SecretStr | None = None
    log_format: Literal["text", "json"] = "text"
    log_level: str = "INFO"
    heartbeat_file: Path | None = None

    # From config.yaml.
    city: str
    timezone: str = "Europe/Berlin"
    flow: str = "needs"
    languages: list[str] = ["de", "en"]
    districts: list[District] = []
    fields: tuple[FieldOfAction, ...] = Field(DEFAULT_FIELDS, min_length=1)
    telegram: TelegramConfig = TelegramConfig()
    web: Web = Web()
    privacy: Privacy = Privacy()
    teams: list[Team] = []
    coordinators: list[int] = []
    casework: Casework = Casework()
    reminders: Reminders = Reminders()
    broadcasts: Broadcasts = Broadcasts()
    retention: Retention = Retention()

    @field_validator("database_url")
    @classmethod
    def _with_password(cls, value: str, info: ValidationInfo) -> str:
        password = info.data.get("database_password")
        if password is None:
            return value
        from storage.db import with_password

        return with_password(value, password.get_secret_value())

    @field_validator("bot_token", "webhook_secret", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        # .env.example ships `KIM_BOT_TOKEN=`: an empty value means "not set yet".
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (use e.g. Europe/Berlin)") from None
        return value

    @field_validator("languages")
    @classmethod
    def _known_languages(cls, value: list[str]) -> list[str]:
        problems = [_unknown_language(code) for code in value if not _known_language(code)]
        if "de" not in value:
            problems.append("German (de) is the source language and must be enabled")
        if len(set(value)) != len(value):
            problems.append("a language is listed twice")
        if problems:
            raise ValueError("; ".join(problems))
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        district_ids = [d.id for d in self.districts]
        if len(set(district_ids)) != len(district_ids):
            raise ValueError("two districts share an id")
        for district in self.districts:
            unknown = sorted(set(district.neighbours) - set(district_ids))
            if unknown:
                raise ValueError(f"district {district.id} names unknown neighbour(s) {unknown}")
            if district.id in district.neighbours:
                raise ValueError(f"district {district.id} names itself as its neighbour")
        field_ids = [f.id for f in self.fields]
        if len(set(field_ids)) != len(field_ids):
            raise ValueError("two fields of action share an id")
        team_ids = [t.id for t in self.teams]
        if len(set(team_ids)) != len(team_ids):
            raise ValueError("two teams share an id")
        if self.teams and sum(t.default for t in self.teams) != 1:
            raise ValueError("exactly one team must be marked `default: true`")
        for team in self.teams:
            unknown = sorted(set(team.districts) - set(district_ids))
            if unknown:
                raise ValueError(f"team {team.id} names unknown district(s) {unknown}")
            unknown = [f for f in team.fields if f not in field_ids]
            if unknown:
                raise ValueError(
                    f"team {team.id} names field(s) of action not in `fields:`: {unknown}; "
                    f"defined: {field_ids}"
                )
            unknown = sorted(set(team.languages) - set(self.languages))
            if unknown:
                raise ValueError(f"team {team.id} names language(s) not enabled: {unknown}")
        return self

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def field_ids(self) -> tuple[str, ...]:
        """The codes of the fields of action, in the order of config.yaml."""
        return tuple(f.id for f in self.fields)

    def field_name(self, field_id: str) -> str:
        """The German name of a field of action; an unknown code as it is."""
        return next((f.name for f in self.fields if f.id == field_id), field_id)

    def field_label(self, field_id: str) -> str:
        """The short name of a field of action (the name if it has none)."""
        return next((f.label for f in self.fields if f.id == field_id), field_id)

    @property
    def neighbours(self) -> dict[str, frozenset[str]]:
        """Each district's neighbours, both ways: naming B a neighbour of A makes A one of B."""
        near: dict[str, set[str]] = {d.id: set(d.neighbours) for d in self.districts}
        for district in self.districts:
            for other in district.neighbours:
                near[other].add(district.id)
        return {district: frozenset(ids) for district, ids in near.items()}

    def district_name(self, district_id: str) -> str:
        return next((d.name for d in self.districts if d.id == district_id), district_id)


def _known_language(code: str) -> bool:
    return english_name(code) is not None or code in shipped_languages()


def _unknown_language(code: str) -> str:
    """What is wrong with a language code, and the codes that were probably meant."""
    guesses = [
        f"{guess!r} ({english_name(guess) or guess})"
        for guess in similar_languages(code)
        if _known_language(guess)
    ]
    problem = f"unknown language code {code!r} (codes are CLDR's, such as de, en or pt-br)."
    if guesses:
        problem += f" Did you mean {_or(guesses)}?"
    return problem + f" Languages with a catalog: {', '.join(shipped_languages())}."


def _or(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def config_path() -> Path:
    return Path(os.environ.get("KIM_CONFIG", "config.yaml"))


def load_settings(path: Path | None = None, **overrides: object) -> Settings:
    """Read config.yaml (and a .env beside it); raise ConfigError naming every problem."""
    path = path or config_path()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(path, ["file not found (set KIM_CONFIG to its path)"]) from None
    except yaml.YAMLError as error:
        raise ConfigError(path, [yaml_problem(error)]) from None
    if not isinstance(data, dict):
        raise ConfigError(path, ["must be a mapping of settings (key: value)"])
    env_file = path.parent / ".env"
    unknown = [f"{key}: unknown setting" for key in data if key not in Settings.model_fields]
    try:
        settings = Settings(
            _env_file=env_file if env_file.exists() else None, **{**data, **overrides}
        )
    except ValidationError as error:
        raise ConfigError(path, unknown + [_describe(e) for e in error.errors()]) from None
    if unknown:
        raise ConfigError(path, unknown)
    return settings


def yaml_problem(error: yaml.YAMLError) -> str:
    """Where a YAML file stops making sense, and what it was reading then: for an unclosed
    quote or bracket, also the line where that began."""
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error)
    text = f"{_position(mark)}: not valid YAML ({problem}" if mark else f"not valid YAML ({problem}"
    context, start = getattr(error, "context", None), getattr(error, "context_mark", None)
    if context and start and (mark is None or start.line != mark.line):
        text += f", {context} that begins at {_position(start)}"
    return text + ")"


def _position(mark: yaml.Mark) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}"


def _describe(error: dict) -> str:
    where = ".".join(str(part) for part in error["loc"]) or "(top level)"
    if error["type"] == "extra_forbidden":
        return f"{where}: unknown setting"
    message = error["msg"].removeprefix("Value error, ")
    return f"{where}: {message}"
