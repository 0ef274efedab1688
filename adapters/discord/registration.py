"""Deciding whether the registered application commands need rewriting.

Discord allows 200 command creations per day per scope, and a bulk overwrite counts every
command in it; so start-up compares what Discord has with what the `CommandTree` would
send and writes only on a difference. Discord echoes a command with extra fields (ids,
version, localisations) and fills defaults (`integration_types` [0], `nsfw` false,
`required` false), so both sides are reduced to the fields we define, defaults dropped.
For guild commands `contexts`, `integration_types` and `dm_permission` mean nothing and
are left out of the comparison.
"""

from __future__ import annotations

from typing import Any

# Fields of a command or option that we set and Discord keeps.
_DEFINED_KEYS = frozenset({
    "name", "description", "type", "options", "required", "autocomplete", "choices", "value",
    "channel_types", "min_length", "max_length", "min_value", "max_value",
    "default_member_permissions", "contexts", "integration_types", "nsfw",
})
_GLOBAL_ONLY_KEYS = frozenset({"contexts", "integration_types"})
_GUILD_INSTALL = 0


def _reduce(value: Any, keys: frozenset[str]) -> Any:
    if isinstance(value, dict):
        kept = {key: _reduce(item, keys) for key, item in value.items() if key in keys}
        return {key: item for key, item in kept.items() if item not in (None, False, [], "")}
    if isinstance(value, list):
        return [_reduce(item, keys) for item in value]
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)  # Discord sends permissions and snowflakes as strings
    return value


def comparable(commands: list[dict[str, Any]], *, guild_scoped: bool) -> list[dict[str, Any]]:
    """Commands reduced to what we define, Discord's defaults filled in, in a stable order."""
    keys = _DEFINED_KEYS - _GLOBAL_ONLY_KEYS if guild_scoped else _DEFINED_KEYS
    reduced = []
    for command in commands:
        filled = dict(command)
        if not guild_scoped and not filled.get("integration_types"):
            filled["integration_types"] = [_GUILD_INSTALL]
        reduced.append(_reduce(filled, keys))
    return sorted(reduced, key=lambda command: (command.get("type", "1"), command["name"]))


def needs_writing(local: list[dict[str, Any]], registered: list[dict[str, Any]], *,
                  guild_scoped: bool) -> bool:
    return (comparable(local, guild_scoped=guild_scoped)
            != comparable(registered, guild_scoped=guild_scoped))
