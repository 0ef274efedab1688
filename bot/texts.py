"""User-facing wording shared by every front end (plain text; adapters escape it)."""

from __future__ import annotations

BOT_NAME = "factbot"

ABOUT = (
    "I look up facts about the January 2022 events in Kazakhstan in a curated table. "
    "Every answer is a claim attributed to who made it — speaker, document, date — "
    "with the verbatim quote. The sources are official statements and interviews of "
    "Kazakhstan's government: claims, not established truth. Where they disagree I show "
    "every claim side by side; when I am not sure, I say so."
)

HOW_TO_ASK = (
    "Ask in plain words, e.g. \"how many CSTO troops?\" or \"when was the state of "
    "emergency?\". Short keywords work too: \"curfew\", \"death toll\"."
)

DONT_KNOW = "I don't know — I found nothing in my sources that answers this confidently."
DONT_KNOW_HINT = "Try other words, or see which documents I know with /sources."
SUGGEST_INTRO = "I'm not sure what you mean. Did you mean:"
EMPTY_QUESTION = "Please ask a question, e.g. \"how many CSTO troops?\"."
SOURCES_DIFFER = "Sources differ — every claim is shown with its attribution:"
ERROR_APOLOGY = "Sorry, something went wrong on my side. Please try again in a moment."
DIGEST_ADMIN_ONLY = "Sorry, only the chat's administrators can change the daily digest."
DIGEST_USAGE = (
    "Usage: /digest on HH:MM [Area/City] [unanswered] [quiet] — a daily digest in this chat "
    "(time zone defaults to UTC; \"unanswered\" adds the questions I could not answer, for "
    "editors; \"quiet\" sends nothing on days without news); /digest off; /digest status."
)

# The daily digest: headings and list endings every front end shows (adapters add emphasis).
DIGEST_TITLE = "Daily digest — {local_date:%d %b %Y}"
DIGEST_CHANGES = "Changes to the fact table"
DIGEST_ON_THIS_DAY = "On this day"
DIGEST_ANNIVERSARY = "{event_date:%d %b %Y} ({years_ago} years ago)"
DIGEST_HIGHLIGHT = "Fact of the day: {headline}"
DIGEST_UNANSWERED = "Asked but not answered in the last day"
DIGEST_NOTHING_NEW = "Nothing new today."
# Ends a list cut to fit a message: how many items the digest had but could not show.
DIGEST_MORE = "… and {count} more"
