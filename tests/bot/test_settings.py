from __future__ import annotations

import re
from pathlib import Path

import platformdirs
import pytest
from sqlalchemy import make_url

from adapters.console.cli import main
from bot.settings import (
    DEFAULT_SEEDS_DIR,
    PROJECT_ROOT,
    SettingsError,
    get_settings,
    load_settings,
)


def test_defaults_need_no_environment() -> None:
    settings = load_settings()
    assert settings.resolved_database_url.startswith("sqlite:///")
    assert settings.telegram_bot_token is None and settings.discord_bot_token is None


@pytest.mark.parametrize(
    ("variable", "value", "named"),
    [
        ("MATCH_ANSWER_THRESHOLD", "lots", "MATCH_ANSWER_THRESHOLD"),
        ("TELEGRAM_WEBHOOK_PORT", "99999", "TELEGRAM_WEBHOOK_PORT"),
        ("DISCORD_GUILD_IDS", "12,abc", "DISCORD_GUILD_IDS"),
        ("LOG_LEVEL", "chatty", "LOG_LEVEL"),
        ("TELEGRAM_API_BASE_URL", "ftp://x", "TELEGRAM_API_BASE_URL"),
    ],
)
def test_a_bad_setting_is_named(monkeypatch: pytest.MonkeyPatch, variable: str, value: str,
                                named: str) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError, match=named):
        load_settings()


def test_settings_errors_never_show_a_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:SECRET-token-value")
    monkeypatch.setenv("TELEGRAM_WEBHOOK_URL", "https://example.org/hook")
    with pytest.raises(SettingsError) as raised:
        load_settings()
    assert "TELEGRAM_WEBHOOK_SECRET" in str(raised.value)
    assert "SECRET-token-value" not in str(raised.value)


def test_guild_ids_are_a_comma_separated_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_GUILD_IDS", "1, 2 3")
    assert load_settings().discord_guild_ids == [1, 2, 3]


def test_the_database_lives_in_the_data_folder(monkeypatch: pytest.MonkeyPatch,
                                               tmp_path: Path) -> None:
    """With DATABASE_URL empty, the SQLite file is factbot.db in FACTBOT_DATA_DIR."""
    monkeypatch.setenv("FACTBOT_DATA_DIR", str(tmp_path / "news room?#"))
    settings = load_settings()
    assert make_url(settings.resolved_database_url).database == str(
        tmp_path / "news room?#" / "factbot.db")
    assert settings.database_setting == "FACTBOT_DATA_DIR"


def test_the_default_data_folder_is_per_user(monkeypatch: pytest.MonkeyPatch) -> None:
    """Never the installed package nor the current directory: the user's data folder."""
    monkeypatch.delenv("FACTBOT_DATA_DIR")
    data_dir = load_settings().data_dir
    assert data_dir == platformdirs.user_data_path("factbot", appauthor=False)
    assert not data_dir.is_relative_to(PROJECT_ROOT)
    assert not data_dir.is_relative_to(Path.cwd())


def test_a_checkout_reads_the_repository_seeds() -> None:
    """A checkout or an editable install answers from the seeds/ reviewed in the repository."""
    assert load_settings().seeds_dir == DEFAULT_SEEDS_DIR == PROJECT_ROOT / "seeds"


def test_an_installed_wheel_reads_its_packaged_seeds(monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path: Path) -> None:
    """Where the wheel placed bot/seeds/, that copy is the default."""
    packaged = tmp_path / "site-packages" / "bot" / "seeds"
    packaged.mkdir(parents=True)
    monkeypatch.setattr("bot.settings.PACKAGED_SEEDS_DIR", packaged)
    assert load_settings().seeds_dir == packaged


def test_factbot_seeds_dir_overrides_the_default(monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path: Path) -> None:
    """An operator's own seeds folder wins over the shipped one."""
    monkeypatch.setenv("FACTBOT_SEEDS_DIR", str(tmp_path))
    assert load_settings().seeds_dir == tmp_path


@pytest.mark.parametrize("variable", ["TELEGRAM_BOT_TOKEN", "DISCORD_BOT_TOKEN",
                                      "TELEGRAM_WEBHOOK_SECRET"])
def test_a_short_secret_is_refused_by_name(monkeypatch: pytest.MonkeyPatch,
                                           variable: str) -> None:
    """Under 16 characters a secret is refused, named, and not shown."""
    monkeypatch.setenv(variable, "k3y-15-chars-xx")
    with pytest.raises(SettingsError, match=f"{variable}: .*at least 16") as raised:
        load_settings()
    assert "k3y-15-chars-xx" not in str(raised.value)


def test_a_webhook_secret_telegram_would_reject_is_refused(
    monkeypatch: pytest.MonkeyPatch
) -> None:
    """Telegram takes only A-Z, a-z, 0-9, _ and -; anything else fails at start-up, not later."""
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "a webhook secret with spaces")
    with pytest.raises(SettingsError, match="TELEGRAM_WEBHOOK_SECRET"):
        load_settings()


def test_factbot_run_refuses_a_short_webhook_secret(monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """`factbot run` stops before connecting anywhere, naming the setting, exit code 2."""
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456789:AAH-test-token-abcdefghijklmnopqrstu")
    monkeypatch.setenv("TELEGRAM_WEBHOOK_URL", "https://bot.example.org/telegram")
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "s3cr7")
    get_settings.cache_clear()
    try:
        assert main(["run"]) == 2
    finally:
        get_settings.cache_clear()
    err = capsys.readouterr().err
    assert "TELEGRAM_WEBHOOK_SECRET" in err and "at least 16" in err and "s3cr7" not in err


def test_env_example_documents_every_setting_with_its_default() -> None:
    """Copying .env.example to .env changes nothing, and every setting is listed there."""
    from bot.settings import PROJECT_ROOT, Settings

    written: dict[str, str] = {}
    for line in (PROJECT_ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        commented = re.fullmatch(r"# ([A-Z_]+)=.*", line)  # documented, default left alone
        if commented:
            written.setdefault(commented[1], "")
        elif line and not line.startswith("#") and "=" in line:
            name, _, value = line.partition("=")
            written[name.strip()] = value.strip()
    defaults = Settings.model_construct()
    for name, field in Settings.model_fields.items():
        env_name = (field.alias or name).upper()
        assert env_name in written, f"{env_name} is missing from .env.example"
        value = written[env_name]
        if value and field.annotation is bool:
            assert (value.casefold() == "true") == getattr(defaults, name), env_name
        elif value and field.annotation in (int, float, str):
            assert field.annotation(value) == getattr(defaults, name), env_name
