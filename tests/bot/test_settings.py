from __future__ import annotations

import pytest

from bot.settings import SettingsError, load_settings


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
