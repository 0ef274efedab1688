"""When the registered commands need rewriting: only when what we define changed."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.discord.registration import needs_writing

LOCAL = {"name": "fact", "description": "Ask", "type": 1, "nsfw": False, "dm_permission": True,
         "default_member_permissions": None, "contexts": [0, 1, 2], "integration_types": [0],
         "options": [{"name": "question", "description": "q", "type": 3, "required": True,
                      "autocomplete": True, "choices": []}]}
ECHOED = {"id": "1", "application_id": "2", "version": "3", "name": "fact",
          "description": "Ask", "type": 1, "nsfw": False, "dm_permission": True,
          "name_localizations": None, "description_localizations": None,
          "default_member_permissions": None, "contexts": [0, 1, 2], "integration_types": [0],
          "options": [{"name": "question", "description": "q", "type": 3, "required": True,
                       "autocomplete": True}]}


def _changed(**fields: Any) -> dict[str, Any]:
    return {**ECHOED, **fields}


@pytest.mark.parametrize(("registered", "guild_scoped", "expected"), [
    ([ECHOED], False, False),
    ([_changed(integration_types=None)], False, False),  # Discord's default is guild install
    ([_changed(contexts=None)], True, False),  # contexts mean nothing for guild commands
    ([_changed(contexts=[0])], False, True),
    ([_changed(description="Ask me")], False, True),
    ([_changed(default_member_permissions="32")], False, True),
    ([_changed(options=[])], False, True),
    ([], False, True),
    ([ECHOED, _changed(name="old")], False, True),
])
def test_only_a_change_in_what_we_define_rewrites(registered: list[dict[str, Any]],
                                                  guild_scoped: bool, expected: bool) -> None:
    """Ids, versions, localisations and Discord's defaults never cause a rewrite."""
    assert needs_writing([LOCAL], registered, guild_scoped=guild_scoped) is expected
