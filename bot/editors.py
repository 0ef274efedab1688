"""Who may change the fact table from chat.

Anyone may ask; only editors may teach, add, edit, retract or revert. Editors are named
in settings — user ids per platform, the administrators of one Telegram editors' chat, a
Discord role. The adapter gathers what the platform says about the person (their id,
their roles, whether they administer the editors' chat); the decision is made here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.settings import Settings


@dataclass(frozen=True, slots=True)
class Requester:
    """What a platform tells about the person behind a request; used only for the
    editor check and for the actor recorded with a change ("telegram:<id>")."""

    platform: str
    user_id: str
    role_ids: frozenset[str] = field(default_factory=frozenset)
    administers_editors_chat: bool = False

    @property
    def actor(self) -> str:
        return f"{self.platform}:{self.user_id}"


class EditorPolicy:
    def __init__(self, settings: Settings):
        self._telegram_ids = {str(i) for i in settings.telegram_editor_ids}
        self._discord_ids = {str(i) for i in settings.discord_editor_ids}
        self._discord_role = (str(settings.discord_editor_role_id)
                              if settings.discord_editor_role_id else None)
        self.telegram_editors_chat_id = settings.telegram_editors_chat_id

    @property
    def any_configured(self) -> bool:
        return bool(self._telegram_ids or self._discord_ids or self._discord_role
                    or self.telegram_editors_chat_id)

    def is_editor(self, requester: Requester) -> bool:
        if requester.platform == "telegram":
            return (requester.user_id in self._telegram_ids
                    or (self.telegram_editors_chat_id is not None
                        and requester.administers_editors_chat))
        if requester.platform == "discord":
            return (requester.user_id in self._discord_ids
                    or (self._discord_role is not None
                        and self._discord_role in requester.role_ids))
        return requester.platform == "cli"  # whoever runs the command line owns the table

    def needs_editors_chat_check(self, requester: Requester) -> bool:
        """Telegram only: whether asking the editors' chat about this user could matter."""
        return (requester.platform == "telegram" and self.telegram_editors_chat_id is not None
                and requester.user_id not in self._telegram_ids)
