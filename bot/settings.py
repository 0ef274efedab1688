"""Settings, read from the environment and `.env` by pydantic-settings.

Nothing reads the environment at import time: `get_settings()` builds the
settings on first use, so a bad value fails at start-up with a message that
names the setting, and tests can build their own `Settings(...)`.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated

import platformdirs
from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy import URL

from bot.errors import UserError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The repository's seeds/: a checkout or an editable install reads the table from here.
DEFAULT_SEEDS_DIR = PROJECT_ROOT / "seeds"
# Where a wheel puts the same folder (pyproject.toml maps seeds/ to the package bot.seeds).
PACKAGED_SEEDS_DIR = Path(__file__).resolve().parent / "seeds"


def default_seeds_dir() -> Path:
    """The seeds shipped in the wheel when installed from one, else the repository's."""
    return PACKAGED_SEEDS_DIR if PACKAGED_SEEDS_DIR.is_dir() else DEFAULT_SEEDS_DIR


def default_data_dir() -> Path:
    """The per-user data folder (e.g. ~/.local/share/factbot): never the installed package
    or the current directory, so the database survives upgrades and `cd`."""
    return platformdirs.user_data_path("factbot", appauthor=False)


# Shorter secrets are refused: they are easier to guess, and redacting them from the logs
# would blank out ordinary words (bot.redact replaces every occurrence).
MIN_SECRET_LENGTH = 16


class SettingsError(UserError):
    """A setting is missing or malformed; the message names it and never shows a secret."""

    exit_code = 2


def _split_ints(value: object) -> object:
    if isinstance(value, str):
        return [int(part) for part in re.split(r"[,\s]+", value.strip()) if part]
    return value


def _split_words(value: object) -> object:
    if isinstance(value, str):
        return [part for part in re.split(r"[,\s]+", value.strip()) if part]
    return value


# "telegram:-100123", "discord:98765": a platform's name and one of its chat ids.
_CHAT_REFERENCE = re.compile(r"^[a-z]+:-?\d+$")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False,
        env_ignore_empty=True, populate_by_name=True,
    )

    # Storage
    database_url: str = Field(
        default="", description="SQLAlchemy URL; empty means SQLite in FACTBOT_DATA_DIR."
    )
    database_connect_attempts: int = Field(default=5, ge=1, le=100)
    database_retry_seconds: float = Field(default=1.0, ge=0, le=60)
    seeds_dir: Path = Field(default_factory=default_seeds_dir, alias="FACTBOT_SEEDS_DIR")
    data_dir: Path = Field(default_factory=default_data_dir, alias="FACTBOT_DATA_DIR")
    # A load that would retract more than this share of the live facts is refused
    # (`factbot seeds load --allow-mass-retraction` overrides): an empty or truncated
    # facts.yaml must not retract the table for every instance on the database.
    seeds_max_retraction_share: float = Field(default=0.2, ge=0, le=1)

    # Matching: scores are 0-100
    match_answer_threshold: float = Field(default=60.0, ge=0, le=100)
    match_suggest_threshold: float = Field(default=45.0, ge=0, le=100)
    # Share of the closest question form (by term rarity) the question must account for,
    # unless the content words the fact accounts for are evidence enough on their own
    # (their rarity across the table, summed: one common word is ~1.5, a rare one ~4).
    match_min_form_precision: float = Field(default=0.5, ge=0, le=1)
    match_min_evidence: float = Field(default=5.0, ge=0)
    match_max_question_chars: int = Field(default=500, ge=20, le=100_000)

    log_level: str = Field(default="INFO")
    # On SIGTERM, how long to keep answering what was already fetched before exiting.
    shutdown_drain_seconds: float = Field(default=30.0, ge=0, le=600)
    instance_id: str = Field(default="", description="Names this process in digest claims.")
    # Operators' endpoints (/healthz, /metrics) for `factbot run`; no port: not served.
    health_port: int | None = Field(default=None, ge=1, le=65535)
    health_listen: str = Field(default="127.0.0.1", min_length=1)

    # Telegram
    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    telegram_webhook_url: str = ""
    telegram_webhook_secret: SecretStr | None = None
    telegram_webhook_listen: str = "0.0.0.0"
    telegram_webhook_port: int = Field(default=8443, ge=1, le=65535)
    # Editors (who may teach, add, edit, retract and revert facts from chat): these users,
    # and the administrators of this chat.
    telegram_editor_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    telegram_editors_chat_id: int | None = None

    # Discord
    discord_bot_token: SecretStr | None = None
    discord_api_base_url: str = ""
    discord_gateway_url: str = ""
    discord_guild_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    discord_shard_count: int | None = Field(default=None, ge=1)
    discord_shard_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    # Editors on Discord: these users, and members holding this role.
    discord_editor_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    discord_editor_role_id: int | None = None

    # Digest scheduling
    digest_tick_seconds: float = Field(default=30.0, gt=0, le=3600)
    digest_grace_hours: float = Field(default=6.0, ge=0, le=48)
    digest_max_attempts: int = Field(default=5, ge=1, le=50)
    digest_retry_base_seconds: float = Field(default=30.0, ge=0)
    # How long a claim on a digest holds without being renewed; the claimer renews it
    # while it works, so only a crashed or frozen instance loses its claims.
    digest_lease_seconds: float = Field(default=300.0, ge=1, le=86_400)

    # The question log (what was asked, never by whom)
    # Chats ("telegram:-100123", "discord:98765") whose digests may list the unanswered
    # questions of every group chat and channel; private chats' questions stay private.
    editors_chats: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Key of the HMAC that groups a chat's questions without storing its id. Unset: a key
    # generated once and kept in the database (anyone who can read the database can then
    # test guessed chat ids against the log; a key kept only here prevents that).
    question_log_key: SecretStr | None = None
    question_log_retention_days: int = Field(default=90, ge=1, le=3650)
    # Gaps (`factbot gaps`) leave out questions asked in private chats unless this is set:
    # a reporter's private question may name a source.
    gaps_include_private: bool = False

    @field_validator("discord_guild_ids", "discord_shard_ids", "telegram_editor_ids",
                     "discord_editor_ids", mode="before")
    @classmethod
    def _parse_id_list(cls, value: object) -> object:
        return _split_ints(value)

    @field_validator("telegram_bot_token", "discord_bot_token", "telegram_webhook_secret")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < MIN_SECRET_LENGTH:
            raise ValueError(f"must be at least {MIN_SECRET_LENGTH} characters")
        return value

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _telegram_secret_alphabet(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}",
                                                  value.get_secret_value()):
            raise ValueError("Telegram allows only A-Z, a-z, 0-9, _ and -, at most 256")
        return value

    @field_validator("editors_chats", mode="before")
    @classmethod
    def _parse_chat_list(cls, value: object) -> object:
        return _split_words(value)

    @field_validator("editors_chats")
    @classmethod
    def _chat_references(cls, value: list[str]) -> list[str]:
        chats = [chat.strip().lower() for chat in value]
        wrong = [chat for chat in chats if not _CHAT_REFERENCE.match(chat)]
        if wrong:
            raise ValueError(f"entries look like telegram:-100123 or discord:98765, not "
                             f"{', '.join(wrong)}")
        return chats

    @field_validator("question_log_key")
    @classmethod
    def _long_enough_key(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 32:
            raise ValueError("must be at least 32 characters (e.g. `openssl rand -hex 32`)")
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL")
        return level

    @field_validator("telegram_api_base_url", "discord_api_base_url", "discord_gateway_url",
                     "telegram_webhook_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if value and not re.match(r"^(https?|wss?)://", value):
            raise ValueError("must start with http://, https://, ws:// or wss://")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        if self.match_suggest_threshold > self.match_answer_threshold:
            raise ValueError(
                "MATCH_SUGGEST_THRESHOLD must not be above MATCH_ANSWER_THRESHOLD"
            )
        if self.telegram_webhook_url and not self.telegram_webhook_secret:
            raise ValueError("TELEGRAM_WEBHOOK_SECRET is required when TELEGRAM_WEBHOOK_URL is set")
        if self.discord_shard_ids and not self.discord_shard_count:
            raise ValueError("DISCORD_SHARD_IDS needs DISCORD_SHARD_COUNT")
        if self.discord_shard_count and any(
            not 0 <= shard < self.discord_shard_count for shard in self.discord_shard_ids
        ):
            raise ValueError("DISCORD_SHARD_IDS must lie in 0..DISCORD_SHARD_COUNT-1")
        return self

    @field_validator("seeds_dir", "data_dir")
    @classmethod
    def _home_expanded(cls, value: Path) -> Path:
        return value.expanduser()

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return URL.create("sqlite", database=str(self.data_dir / "factbot.db")).render_as_string()

    @property
    def database_setting(self) -> str:
        """The setting to fix when the database cannot be used."""
        return "DATABASE_URL" if self.database_url else "FACTBOT_DATA_DIR"

def describe_validation_error(error: ValidationError) -> str:
    """One line per bad setting, named as its environment variable, without its value."""
    lines = []
    for problem in error.errors():
        name = "_".join(str(part) for part in problem["loc"]).upper() or "settings"
        lines.append(f"{name}: {problem['msg']}")
    return "invalid settings:\n  " + "\n  ".join(lines)


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        raise SettingsError(describe_validation_error(error)) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
