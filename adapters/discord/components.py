"""The Discord adapter's pieces that discord.py dispatches to: the client, the command
tree, the persistent buttons and the channel option. Each hands its interaction to the
adapter, inside the adapter's error boundary."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from adapters.discord import render
from adapters.discord.gateway import ShardedClient

if TYPE_CHECKING:
    from adapters.discord.app import DiscordAdapter

_FACT_ID = r"(?P<fact_id>[a-z0-9][a-z0-9-]{0,80})"
# The core's `TeachChoice.data` (short hashes of the gap's question and of the fact).
_TEACH_CHOICE = r"(?P<choice>[0-9a-z][0-9a-z:_-]{0,93})"


def _adapter(interaction: discord.Interaction[Any]) -> DiscordAdapter:
    client = interaction.client
    assert isinstance(client, FactbotClient)
    return client.adapter


class FactbotClient(ShardedClient):
    """The sharded client, knowing its adapter and its buttons."""

    def __init__(self, adapter: DiscordAdapter, **options: Any) -> None:
        super().__init__(**options)
        self.adapter = adapter

    async def setup_hook(self) -> None:
        self.add_dynamic_items(FullQuotesButton, SuggestedFactButton, TeachButton)

    async def on_message(self, message: discord.Message) -> None:
        """Replies to the bot's answers are follow-ups; every other message is ignored."""
        reference = message.reference
        if (message.author.bot or reference is None or reference.message_id is None
                or self.user is None):
            return
        replied = reference.resolved
        if isinstance(replied, discord.Message) and replied.author.id != self.user.id:
            return
        await self.adapter.guarded_message(message, self.adapter.follow_up(message))


class FactbotCommandTree(app_commands.CommandTree[Any]):
    """discord.py's command tree, counting each command as in flight for the drain."""

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        _adapter(interaction).track()
        return True


class FullQuotesButton(discord.ui.DynamicItem[discord.ui.Button[Any]],
                       template=rf"quotes:{_FACT_ID}"):
    """Shows the verbatim quotes of an answer in full, only to whoever pressed it."""

    def __init__(self, fact_id: str) -> None:
        super().__init__(discord.ui.Button(label="Show full quotes",
                                           style=discord.ButtonStyle.secondary,
                                           custom_id=f"quotes:{fact_id}"))
        self.fact_id = fact_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any],
                             item: discord.ui.Item[Any], match: re.Match[str]
                             ) -> FullQuotesButton:
        return cls(match["fact_id"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        adapter = _adapter(interaction)
        await adapter.guarded(interaction, "the quotes button",
                              adapter.show_full_quotes(interaction, self.fact_id))


class SuggestedFactButton(discord.ui.DynamicItem[discord.ui.Button[Any]],
                          template=rf"fact:{_FACT_ID}"):
    """A "did you mean" choice: pressing it posts that fact's answer to the channel."""

    def __init__(self, fact_id: str, label: str) -> None:
        super().__init__(discord.ui.Button(label=render.button_label(label),
                                           style=discord.ButtonStyle.primary,
                                           custom_id=f"fact:{fact_id}"))
        self.fact_id = fact_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any],
                             item: discord.ui.Item[Any], match: re.Match[str]
                             ) -> SuggestedFactButton:
        label = item.label if isinstance(item, discord.ui.Button) else None
        return cls(match["fact_id"], label or match["fact_id"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        adapter = _adapter(interaction)
        await adapter.guarded(interaction, "a suggestion button",
                              adapter.answer_fact(interaction, self.fact_id))


class TeachButton(discord.ui.DynamicItem[discord.ui.Button[Any]],
                  template=rf"teach:{_TEACH_CHOICE}"):
    """Under /gaps: teach a gap's question to one of its candidate facts. The custom id
    holds the core's choice (no state on our side), so the button outlives restarts and
    works on whichever instance receives the press."""

    def __init__(self, choice: str, label: str, *, row: int | None = None) -> None:
        super().__init__(discord.ui.Button(label=label, style=discord.ButtonStyle.primary,
                                           custom_id=f"teach:{choice}", row=row))
        self.choice = choice

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any],
                             item: discord.ui.Item[Any], match: re.Match[str]
                             ) -> TeachButton:
        label = item.label if isinstance(item, discord.ui.Button) else None
        return cls(match["choice"], label or match["choice"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        adapter = _adapter(interaction)
        await adapter.guarded(interaction, "a teach button",
                              adapter.desk.teach_from_button(interaction, self.choice))


class PostableChannel(app_commands.Transformer[Any]):
    """A text or announcement channel, as Discord resolved it: no channel cache needed."""

    @property
    def type(self) -> discord.AppCommandOptionType:
        return discord.AppCommandOptionType.channel

    @property
    def channel_types(self) -> list[discord.ChannelType]:
        return [discord.ChannelType.text, discord.ChannelType.news]

    async def transform(self, interaction: discord.Interaction[Any], value: Any, /
                        ) -> app_commands.AppCommandChannel:
        if not isinstance(value, app_commands.AppCommandChannel):
            raise app_commands.TransformerError(value, self.type, self)
        return value


ChannelOption = app_commands.Transform[app_commands.AppCommandChannel, PostableChannel]
