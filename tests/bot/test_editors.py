"""Who counts as an editor, from the settings and what the platform says about a person."""

from __future__ import annotations

import pytest

from bot.editors import EditorPolicy, Requester
from bot.settings import SettingsError, load_settings

POLICY = EditorPolicy(load_settings(
    telegram_editor_ids="111, 222", telegram_editors_chat_id=-100900,
    discord_editor_ids="333", discord_editor_role_id=444))


@pytest.mark.parametrize(("requester", "editor"), [
    (Requester("telegram", "111"), True),
    (Requester("telegram", "999"), False),
    (Requester("telegram", "999", administers_editors_chat=True), True),
    (Requester("discord", "333"), True),
    (Requester("discord", "999", role_ids=frozenset({"444"})), True),
    (Requester("discord", "999", role_ids=frozenset({"555"})), False),
    (Requester("discord", "111"), False),  # a Telegram editor's id means nothing on Discord
    (Requester("cli", "alice"), True),
])
def test_editors_are_who_the_settings_name(requester: Requester, editor: bool) -> None:
    """Ids, the editors' chat admins and the editor role make editors; nobody else."""
    assert POLICY.is_editor(requester) is editor


def test_without_settings_nobody_edits_from_chat() -> None:
    """No editor settings: chat users can ask but never change the table."""
    policy = EditorPolicy(load_settings())
    assert not policy.any_configured
    assert not policy.is_editor(Requester("telegram", "1", administers_editors_chat=True))
    assert not policy.is_editor(Requester("discord", "1", role_ids=frozenset({"1"})))


def test_the_editors_chat_is_asked_only_when_it_could_matter() -> None:
    """A listed editor needs no look-up in the editors' chat; others do."""
    assert not POLICY.needs_editors_chat_check(Requester("telegram", "111"))
    assert POLICY.needs_editors_chat_check(Requester("telegram", "999"))
    assert not POLICY.needs_editors_chat_check(Requester("discord", "999"))


def test_a_malformed_editor_list_names_the_setting() -> None:
    """A typo in an id list stops start-up with the setting's name."""
    with pytest.raises(SettingsError, match="TELEGRAM_EDITOR_IDS"):
        load_settings(telegram_editor_ids="12, abc")
