"""User-facing wording shared by every front end (plain text; adapters escape it)."""

from __future__ import annotations

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
DIGEST_ADMIN_ONLY = (
    "Sorry, only the chat's administrators (on Discord: members with the Manage Server "
    "permission) can change the daily digest."
)
DIGEST_USAGE = (
    "Usage: /digest on HH:MM [Area/City] [unanswered] [quiet] — a daily digest in this chat "
    "(time zone defaults to UTC; \"unanswered\" adds the questions I could not answer, for "
    "editors; \"quiet\" sends nothing on days without news); /digest off; /digest status."
)
DIGEST_TURNED_OFF = "Daily digest turned off."
NO_DIGEST = "This chat has no daily digest."
FACT_GONE = "That fact is no longer in the table."
UNKNOWN_SOURCE = "I have no document {wanted}."
SOURCE_USAGE = "Usage: /source <id>, one of {known}."
UNKNOWN_TIMEZONE = (
    "Unknown time zone {name}. Use an IANA name such as Asia/Almaty or Europe/London."
)
NOT_A_TIME = "{value} is not a time of day; use HH:MM, e.g. 09:00."
QUESTION_CUT = "I read only the first {limit} characters of your message."
# How much of what a user typed is echoed back in an error: enough to recognise it.
ECHO_CHARS = 40

SOURCES_HEADING = "The documents I answer from"
SOURCES_CAVEAT = (
    "Official statements and interviews of one government: claims, not established truth."
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

# Quote check ("who said '…'?", `factbot quote`): the verdict on the pasted words.
QUOTE_NOT_FOUND = "I can't find these words in my sources."
QUOTE_TOO_SHORT = (
    "That is too short to check: quote at least five words, a few of them distinctive, "
    "so I can tell my sources apart."
)
QUOTE_VERBATIM = "Verbatim: these are the document's exact words."
QUOTE_DIFFERS = "Not verbatim: {differences}."
QUOTE_ALSO_IN = "The same words also appear in:"
QUOTE_HEADLINE = "Quote check"
QUOTE_SAID = "said: “{words}” (in {title})."
# The first line of an answer: the key figure, date or name, and who says so.
LEAD = "{short} — according to {who}."
LEAD_DIFFER = "Sources differ ({short}) — according to {who}:"
MORE_CLAIMS = "({count} further claims on this in the documents are not shown.)"

# Corrections: an earlier answer edited in place (or replied to where the platform no
# longer allows an edit) after its fact was corrected or retracted.
CORRECTED_ON = "Corrected on {date}: {what}."
CORRECTION_NO_SUMMARY = "the fact was updated"
# For an answer posted from a table that had not yet caught up with a change.
CORRECTION_SINCE_POSTED = "the fact changed after this answer was posted"
CORRECTION_EARLIER = "… and {count} earlier corrections"
CORRECTION_REPLY = "A correction to my earlier answer:"
CORRECTION_RETRACTED_TITLE = "Retracted"
CORRECTION_RETRACTED = (
    "This fact was retracted: it is no longer in the table, and this answer no longer "
    "stands."
)
