"""The newsroom desk on Discord: /gaps, /teach, /retract, /revert, the teach buttons under
/gaps and the new-fact form.

The core's `Desk` decides everything — who is an editor, what changes, what to say; this
module gathers what Discord tells about the person (`requester`) and what they typed,
pressed or filled in, and shows the reply. Desk replies are ephemeral: an editor's work
is not the channel's business (the change itself is versioned, attributed and listed in
the digest).

The new-fact form is a `discord.ui.Modal` held in this process's memory for
`FORM_TIMEOUT_SECONDS`: Discord sends its submission on the shard that opened it, so it
comes back here unless the process restarted in between (then Discord tells the editor
the form failed, and `/teach` opens a new one).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, ParamSpec

import discord
from discord import app_commands

from adapters.discord import render
from adapters.discord.components import TeachButton
from bot import texts
from bot.answers import Answer, Notice, SourceInfo
from bot.desk import FactDraft, GapsBoard
from bot.editors import Requester
from bot.layout import shorten

if TYPE_CHECKING:
    from adapters.discord.app import DiscordAdapter

P = ParamSpec("P")

PLATFORM = "discord"
FORM_TIMEOUT_SECONDS = 3600.0  # Discord never says when a form is closed unsent
FACT_CHOICES = 25  # Discord shows at most 25 autocomplete choices
SELECT_OPTIONS_LIMIT = 25
FORM_TITLE_LIMIT = 45
SELECT_DESCRIPTION_LIMIT = 100
# What the form accepts, well above what the table holds (its longest quote is ~300).
QUOTE_CHARS = 1500
SAYS_CHARS = 600
QUESTIONS_CHARS = 2000
HEADLINE_CHARS = 120
LAST_VERSION = 999_999


def requester(interaction: discord.Interaction[Any]) -> Requester:
    """Who pressed or typed: the user id and, in a server, the member's role ids.

    The role ids are read from the member as the interaction carries them: `Member.roles`
    resolves them through the guild cache, which is empty for a server Discord has not
    (yet) sent the bot, and an editor would then be refused for no reason of theirs."""
    user = interaction.user
    roles = (frozenset(str(role_id) for role_id in user._roles)
             if isinstance(user, discord.Member) else frozenset[str]())
    return Requester(PLATFORM, str(user.id), roles)


def _chat_id(interaction: discord.Interaction[Any]) -> str | None:
    return str(interaction.channel_id) if interaction.channel_id else None


class DiscordDesk:
    """The editors' commands on the adapter's command tree, and what their buttons and
    form call. Built once by the adapter: `DiscordDesk(adapter)` registers the commands."""

    def __init__(self, adapter: DiscordAdapter) -> None:
        self.adapter = adapter
        self.desk = adapter.core.desk
        self._add_commands(adapter.tree)

    def _add_commands(self, tree: app_commands.CommandTree[Any]) -> None:
        @tree.command(name="gaps",
                      description="Editors: the questions I could not answer, most asked first.")
        async def gaps(interaction: discord.Interaction[Any]) -> None:
            await self.show_gaps(interaction)

        @tree.command(name="teach",
                      description="Editors: teach a question to a fact, or write a new fact.")
        @app_commands.describe(
            document="The document a new fact quotes (opens the form)",
            fact="An existing fact to teach the question to",
            question="The question, as people ask it")
        async def teach(interaction: discord.Interaction[Any], document: str | None = None,
                        fact: str | None = None, question: str | None = None) -> None:
            if fact is not None:
                await self.teach_fact(interaction, fact, question or "")
            else:
                await self.open_form(interaction, document, FactDraft(
                    "", "", "", (question,) if question else ()))

        @teach.autocomplete("document")
        async def document_choices(interaction: discord.Interaction[Any], current: str
                                   ) -> list[app_commands.Choice[str]]:
            return self.adapter.source_choices(current)

        @tree.command(name="retract", description="Editors: take a fact out of every answer.")
        @app_commands.describe(fact="The fact to retract",
                               reason="Why: the history keeps it")
        async def retract(interaction: discord.Interaction[Any], fact: str, reason: str
                          ) -> None:
            await self._decide(interaction, self.desk.retract, requester(interaction), fact,
                               reason, chat_id=_chat_id(interaction))

        @tree.command(name="revert",
                      description="Editors: make an earlier version of a fact current again.")
        @app_commands.describe(fact="The fact to revert",
                               version="The version to make current (see the history)")
        async def revert(interaction: discord.Interaction[Any], fact: str,
                         version: app_commands.Range[int, 1, LAST_VERSION]) -> None:
            await self._decide(interaction, self.desk.revert, requester(interaction), fact,
                               str(version), chat_id=_chat_id(interaction))

        for command in (teach, retract, revert):
            command.autocomplete("fact")(self._fact_choices)

    async def _fact_choices(self, interaction: discord.Interaction[Any], current: str
                            ) -> list[app_commands.Choice[str]]:
        return self.fact_choices(current)

    # --- autocomplete -------------------------------------------------------------------

    def fact_choices(self, current: str) -> list[app_commands.Choice[str]]:
        """Facts whose id starts with what was typed, then those whose questions match it;
        the value is the fact id. In memory: well within Discord's 3 seconds."""
        typed = current.strip().casefold()
        headlines = {fact.id: fact.headline for fact in self.adapter.core.index.facts
                     if typed and fact.id.startswith(typed)}
        for suggestion in self.adapter.core.question_choices(current, FACT_CHOICES):
            headlines.setdefault(suggestion.fact_id, suggestion.headline)
        return [app_commands.Choice(name=render.choice_name(f"{fact_id} — {headline}"),
                                    value=render.choice_value(fact_id))
                for fact_id, headline in list(headlines.items())[:FACT_CHOICES]]

    # --- gaps and teaching --------------------------------------------------------------

    async def show_gaps(self, interaction: discord.Interaction[Any]) -> None:
        """/gaps: the board with a row of teach buttons per gap, or one line."""
        board = await self.adapter._in_time(interaction, asyncio.to_thread(
            self.desk.gaps, requester(interaction)), ephemeral=True)
        if isinstance(board, Notice):
            await self._tell(interaction, board)
            return
        await self.adapter._reply(interaction, ephemeral=True,
                                  embed=render.gaps_embed(board), view=teach_buttons(board))

    async def teach_from_button(self, interaction: discord.Interaction[Any], choice: str
                                ) -> None:
        await self._decide(interaction, self.desk.teach_choice, requester(interaction), choice,
                           chat_id=_chat_id(interaction))

    async def teach_fact(self, interaction: discord.Interaction[Any], fact: str, question: str
                         ) -> None:
        """/teach with a fact: the question becomes one of its question forms."""
        await self._decide(interaction, self.desk.teach, requester(interaction),
                           fact.removeprefix("fact:"), question, chat_id=_chat_id(interaction))

    # --- a new fact ---------------------------------------------------------------------

    async def open_form(self, interaction: discord.Interaction[Any], document: str | None,
                        draft: FactDraft) -> None:
        """The new-fact form, filled with what is known; only editors get it. A form must
        be the first reply, so nothing here may wait for the database."""
        if not self.desk.is_editor(requester(interaction)):
            await self._tell(interaction, Notice(texts.EDITORS_ONLY))
            return
        sources = self.adapter.core.sources()
        chosen = self.adapter.core.answering.source(document) if document else None
        if document and chosen is None:
            await self._tell(interaction, Notice(texts.UNKNOWN_SOURCE.format(
                wanted=shorten(" ".join(document.split()), texts.ECHO_CHARS))))
            return
        await interaction.response.send_modal(
            NewFactForm(self, sources, chosen.id if chosen else draft.source_id, draft))

    async def add_new_fact(self, interaction: discord.Interaction[Any], draft: FactDraft
                           ) -> None:
        """The form sent: the quote must be verbatim (else the closest passage, and the form
        offered again as filled in); then the fact is added and previewed."""
        who = requester(interaction)
        if not self.desk.is_editor(who):
            await self._tell(interaction, Notice(texts.EDITORS_ONLY))
            return
        if not draft.questions:
            await self._tell(interaction, Notice(texts.EMPTY_QUESTION_FORM),
                             view=FormAgain(self, draft))
            return
        verdict = self.desk.check_quote(draft.source_id, draft.quote)
        if not verdict.verbatim:
            await self._tell(interaction, Notice(verdict.message), view=FormAgain(self, draft))
            return
        added = await self.adapter._in_time(interaction, asyncio.to_thread(
            self.desk.add_fact, who, draft, chat_id=_chat_id(interaction)), ephemeral=True)
        preview = self.desk.preview(draft)
        await self.adapter._reply(
            interaction, ephemeral=True, content=render.notice_text(added),
            embed=render.answer_embed(preview) if isinstance(preview, Answer) else None)

    # --- replying -----------------------------------------------------------------------

    async def _decide(self, interaction: discord.Interaction[Any],
                      decision: Callable[P, Notice], *args: P.args, **kwargs: P.kwargs
                      ) -> None:
        """A desk call that reads or writes the database, off the event loop and within
        Discord's window; its one line, privately."""
        notice = await self.adapter._in_time(interaction, asyncio.to_thread(
            decision, *args, **kwargs), ephemeral=True)
        await self._tell(interaction, notice)

    async def _tell(self, interaction: discord.Interaction[Any], notice: Notice, *,
                    view: discord.ui.View | None = None) -> None:
        await self.adapter._reply(interaction, ephemeral=True,
                                  content=render.notice_text(notice), view=view)


def teach_buttons(board: GapsBoard) -> discord.ui.View:
    """A row of teach buttons per gap shown, numbered like the gaps in the embed."""
    view = discord.ui.View(timeout=None)
    for row, card in enumerate(board.cards[:render.ACTION_ROWS_LIMIT]):
        for choice in card.choices[:render.BUTTONS_PER_ROW]:
            view.add_item(TeachButton(
                choice.data, render.teach_button_label(row + 1, choice.label), row=row))
    return view


class NewFactForm(discord.ui.Modal):
    """The new fact as a form: the document (a select), the verbatim quote, what it says,
    its question forms (one per line) and a headline. Filled in from `draft` when the
    form is offered again."""

    def __init__(self, desk: DiscordDesk, sources: Sequence[SourceInfo], source_id: str,
                 draft: FactDraft) -> None:
        super().__init__(title=texts.FORM_TITLE[:FORM_TITLE_LIMIT],
                         timeout=FORM_TIMEOUT_SECONDS)
        self.desk = desk
        listed = list(sources[:SELECT_OPTIONS_LIMIT])
        chosen = next((s for s in sources if s.id == source_id), None)
        if chosen is not None and chosen not in listed:
            listed = [chosen, *listed[:SELECT_OPTIONS_LIMIT - 1]]
        self.document: discord.ui.Select[NewFactForm] = discord.ui.Select(
            custom_id="document", required=True, min_values=1, max_values=1, options=[
                discord.SelectOption(
                    label=render.choice_name(f"{s.id} — {s.title}"), value=s.id,
                    description=shorten(s.speaker, SELECT_DESCRIPTION_LIMIT),
                    default=s.id == source_id)
                for s in listed])
        self.quote = _text_input("quote", draft.quote, QUOTE_CHARS,
                                 style=discord.TextStyle.paragraph)
        self.says = _text_input("says", draft.says, SAYS_CHARS,
                                style=discord.TextStyle.paragraph)
        self.questions = _text_input("questions", "\n".join(draft.questions), QUESTIONS_CHARS,
                                     style=discord.TextStyle.paragraph)
        self.headline = _text_input("headline", draft.headline, HEADLINE_CHARS,
                                    required=False)
        for text, hint, field in (
            (texts.FORM_DOCUMENT, texts.FORM_DOCUMENT_HINT, self.document),
            (texts.FORM_QUOTE, texts.FORM_QUOTE_HINT, self.quote),
            (texts.FORM_SAYS, texts.FORM_SAYS_HINT, self.says),
            (texts.FORM_QUESTIONS, texts.FORM_QUESTIONS_HINT, self.questions),
            (texts.FORM_HEADLINE, texts.FORM_HEADLINE_HINT, self.headline),
        ):
            self.add_item(discord.ui.Label(text=text, description=hint, component=field))

    def draft(self) -> FactDraft:
        """What the editor filled in; question forms one per line, blank lines dropped."""
        return FactDraft(
            source_id=self.document.values[0] if self.document.values else "",
            quote=self.quote.value, says=self.says.value,
            questions=tuple(line.strip() for line in self.questions.value.splitlines()
                            if line.strip()),
            headline=self.headline.value)

    async def on_submit(self, interaction: discord.Interaction[Any], /) -> None:
        adapter = self.desk.adapter
        await adapter.guarded(interaction, "the new-fact form",
                              self.desk.add_new_fact(interaction, self.draft()))


def _text_input(custom_id: str, default: str, max_length: int, *,
                style: discord.TextStyle = discord.TextStyle.short, required: bool = True
                ) -> discord.ui.TextInput[NewFactForm]:
    return discord.ui.TextInput(custom_id=custom_id, style=style, max_length=max_length,
                                required=required, default=default[:max_length] or None)


class FormAgain(discord.ui.View):
    """Under a refused form: the form again, as the editor filled it in, to correct."""

    def __init__(self, desk: DiscordDesk, draft: FactDraft) -> None:
        super().__init__(timeout=FORM_TIMEOUT_SECONDS)
        self.desk = desk
        self.draft = draft

    @discord.ui.button(label=texts.FORM_AGAIN, style=discord.ButtonStyle.secondary)
    async def again(self, interaction: discord.Interaction[Any],
                    button: discord.ui.Button[FormAgain]) -> None:
        await self.desk.adapter.guarded(interaction, "the form's correct button",
                                        self.desk.open_form(interaction, self.draft.source_id,
                                                            self.draft))
