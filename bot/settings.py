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

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.errors import UserError

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SEEDS_DIR = PROJECT_ROOT / "seeds"
DEFAULT_DATA_DIR = PROJECT_ROOT / "data"


class SettingsError(UserError):
    """A setting is missing or malformed; the message names it and never shows a secret."""

    exit_code = 2


def _split_ints(value: object) -> object:
    if isinstance(value, str):
        return [int(part) for part in re.split(r"[,\s]+", value.strip()) if part]
    return value


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False,
        env_ignore_empty=True, populate_by_name=True,
    )

    # Storage
    database_url: str = Field(
        default="", description="SQLAlchemy URL; empty means SQLite under data/."
    )
    database_connect_attempts: int = Field(default=5, ge=1, le=100)
    database_retry_seconds: float = Field(default=1.0, ge=0, le=60)
    seeds_dir: Path = Field(default=DEFAULT_SEEDS_DIR, alias="FACTBOT_SEEDS_DIR")

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

    # Telegram
    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    telegram_webhook_url: str = ""
    telegram_webhook_secret: SecretStr | None = None
    telegram_webhook_listen: str = "0.0.0.0"
    telegram_webhook_port: int = Field(default=8443, ge=1, le=65535)

    # Discord
    discord_bot_token: SecretStr | None = None
    discord_api_base_url: str = ""
    discord_gateway_url: str = ""
    discord_guild_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    discord_shard_count: int | None = Field(default=None, ge=1)
    discord_shard_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)

    # Digest scheduling
    digest_tick_seconds: float = Field(default=30.0, gt=0, le=3600)
    digest_grace_hours: float = Field(default=6.0, ge=0, le=48)
    digest_max_attempts: int = Field(default=5, ge=1, le=50)
    digest_retry_base_seconds: float = Field(default=30.0, ge=0)

    @field_validator("discord_guild_ids", "discord_shard_ids", mode="before")
    @classmethod
    def _parse_id_list(cls, value: object) -> object:
        return _split_ints(value)

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

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{DEFAULT_DATA_DIR / 'factbot.db'}"


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
