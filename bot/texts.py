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

# The newsroom desk: curating the table (`factbot facts ...`, and editors in chat).
UNKNOWN_FACT = "There is no fact {fact_id!r} in the table."
FACT_RETRACTED = (
    "Fact {fact_id!r} is retracted; make an earlier version current again with "
    "`factbot facts revert {fact_id} VERSION`."
)
UNKNOWN_VERSION = "Fact {fact_id!r} has versions 1 to {last}; there is no version {version}."
ALREADY_A_QUESTION = "Fact {fact_id!r} already has the question form {question!r}."
EMPTY_QUESTION_FORM = "A question form needs some words."
QUESTION_FORM_TOO_LONG = (
    "A question form is what people type: at most {limit} characters. Teach a shorter one."
)
REASON_NEEDED = "Say why the fact is retracted (--reason): the history keeps it."
EDIT_ONE_FACT = "Keep exactly one fact in the file, the one with id {fact_id!r}."
EDIT_ID_FIXED = (
    "A fact's id never changes (it was {fact_id!r}); to say something else, add a new fact."
)
NO_CONFLICT = "Fact {fact_id!r} has no open conflict with seeds/."
UNKNOWN_SOURCE_FOR_CLAIM = (
    "unknown source: no stored document has this id (`factbot sources` lists them, "
    "`factbot sources add` stores one)"
)
SOURCE_ID_TAKEN = "There is already a document {id!r}; choose another --id."
BAD_SOURCE_ID = "A document id is 1 to 16 letters, digits, - or _ (e.g. 005); got {id!r}."
SOURCE_DUPLICATE = "This text is already stored, as document {id}."
SOURCE_EMPTY = "The document is empty."
SOURCE_NEEDS_NAMES = "A document needs a --title and a --speaker."
SOURCE_TOO_LARGE = "The document is larger than the {limit:,} bytes a document may have."
SOURCE_NOT_UTF8 = "{file}: not UTF-8 text (byte 0x{byte:02x} at line {line}); save it as UTF-8."
BAD_URL = "The --url must start with http:// or https://."
SEEDS_DOCUMENT_TAKEN = (
    "sources.yaml: source {id!r} is the id of a document an editor stored; give the seeds' "
    "document another id"
)
SEEDS_DOCUMENT_LOSES_QUOTE = (
    "sources.yaml: source {id!r}: the new text no longer holds the quote of fact {fact!r}, "
    "which an editor changed; correct that fact first"
)
IMPORT_KEPT = (
    "{count} kept as an editor changed them since the last import "
    "(see `factbot facts conflicts`)"
)
NOTHING_TO_CHANGE = "Nothing to change: {fact_id} already says that."

# Summaries of a version: what changed, in words (history, corrections in chat).
SUMMARY_NEW = "new fact"
SUMMARY_BACK = "back in the table"
SUMMARY_DROPPED_FROM_SEEDS = "retracted: seeds/ no longer holds it"
SUMMARY_RETRACTED = "retracted: {reason}"
SUMMARY_REVERTED = "reverted to version {version}: {what}"
SUMMARY_TAUGHT = "question form added: {question!r}"
NOTHING_CHANGED_SUMMARY = "no change to what it says"
FIELD_CHANGED = "{field} changed"
QUESTIONS_ADDED = "{count} question form(s) added"
QUESTIONS_REMOVED = "{count} question form(s) removed"
CLAIM_FIELD_CHANGED = "{field} of claim {number} ({source}) changed"
CLAIM_ADDED = "a claim from {source} added"
CLAIM_REMOVED = "the claim from {source} removed"
FACT_FIELD_NAMES = {
    "headline": "headline", "short": "short answer", "tags": "tags",
    "event_date": "event date", "sources_differ": "sources-differ mark",
}
CLAIM_FIELD_NAMES = {
    "source": "source", "says": "what it says", "quote": "quote", "speaker": "speaker",
}
NOT_STATED = "Not stated"
SOURCE_KINDS = "must be statement, commentary or interview"

# The console's curation commands.
CANNOT_READ = "cannot read {path}: {reason}"
CANNOT_WRITE = "cannot write {path}: {reason}"
FILE_TOO_LARGE = "{path} is larger than the {limit:,} bytes a file may have"
IMPORTED = "imported {file}: {summary}"
CHANGED = "{fact_id}: version {version}: {summary}"
NO_CONFLICTS = "No conflicts: seeds/ has changed no fact an editor changed."
CONFLICT = (
    "{fact_id}: seeds/ {change} it ({at}); kept the editor's version {version} "
    "({actor}, {kept_at})."
)
CONFLICT_RESOLVE = "Decide: factbot facts resolve {fact_id} --keep editor|seeds"
RESOLVED = {
    "editor": "{fact_id}: conflict closed; the editor's version stays, and seeds/ still "
              "may not overwrite it.",
    "seeds": "{fact_id}: conflict closed; the fact now says what seeds/ says, and later "
             "seeds/ changes apply to it again.",
}
EDIT_HEADER = (
    "Fact {fact_id}: edit, save and close to apply it as a new version.\n"
    "It is checked first (fields, quotes verbatim in their documents); the id stays.\n"
    "Empty the file to give up."
)
EDIT_AGAIN = "Edit again? [Y/n] "
EDIT_CANCELLED = "Nothing changed."
EDIT_PROBLEMS_HINT = "fix them, save and close; this block is dropped"
EDITOR_FAILED = "cannot edit with {editor}: {reason}; set EDITOR to your editor. Nothing changed."

# Questions about a document itself, answered from its metadata (sources.yaml).
DOCUMENT_HEADLINE = "About the document: {title}"
DOCUMENT_SAYS = "{title}: a {kind} of {cited_as}, published by {publisher}, {dated}"
DOCUMENT_DATED = "dated {date}"
DOCUMENT_UNDATED = "with no date given"
# A question naming a speaker who says nothing on the matched topic.
SPEAKER_SILENT = "{speakers} {verb} nothing on this in my sources; {others} {other_verb}."
# Gaps (`factbot gaps`): the questions the table could not answer, for its editors.
GAPS_TITLE = "Questions I could not answer in the last {window}, most asked first"
GAPS_NONE = "No unanswered questions in the last {window}."
GAPS_PRIVATE_LEFT_OUT = "Questions asked in private chats are left out (GAPS_INCLUDE_PRIVATE)."
GAPS_ASKED = "asked {count} times, first {first}, last {last}"
GAPS_ASKED_ONCE = "asked once, {last}"
GAPS_ALSO_ASKED = "also asked as:"
GAPS_CANDIDATES = "closest facts:"
GAPS_NO_CANDIDATES = "no fact comes close: a new fact?"
GAPS_BAD_DURATION = (
    "{value} is not a duration: use a number and m, h, d or w, e.g. 90m, 12h, 7d, 2w."
)
GAPS_ZERO_DURATION = "{value} is no time at all: use e.g. 90m, 12h, 7d, 2w."
GAPS_LONG_DURATION = "{value} is too long: at most {most}."
GAPS_BAD_LIMIT = "Show between 1 and {most} gaps, not {value}."

# A passage answer: a document's own sentence when no curated fact answers.
PASSAGE_HEADLINE = "From the documents (not curated)"
PASSAGE_NOTE = "Not in the curated table; the closest passage in the sources:"

# Editors in chat (/gaps, teach buttons, /teach, /retract, /revert).
EDITORS_ONLY = (
    "Only the newsroom's editors can change the fact table; ask your desk to add you "
    "(TELEGRAM_EDITOR_IDS, DISCORD_EDITOR_ROLE_ID). Anyone may ask questions."
)
NO_GAPS = "No unanswered questions in the last 7 days."
GAPS_WINDOW = "7 days"
GAPS_HEADING = "Most asked, not answered ({window})"
GAP_LINE = "{count}× “{question}”"
TEACH_BUTTON = "Teach to: {headline}"
GAP_GONE = "That question is no longer among the gaps; send /gaps again."
TAUGHT = "Taught: “{question}” now answers with {fact_id} (version {version})."
REVERT_USAGE = "Usage: /revert FACT_ID VERSION, e.g. /revert curfew 2."
RETRACT_USAGE = "Usage: /retract FACT_ID reason, e.g. /retract curfew superseded by decree."
TEACH_USAGE = "Usage: /teach FACT_ID question — or /teach alone to build a new fact step by step."
QUOTE_TOO_SHORT_TO_CITE = (
    "Paste the exact sentence or clause from the document (8 characters or more)."
)
QUOTE_NOT_VERBATIM = "Not found verbatim in the document. The closest passage: {closest}"
NO_SIMILAR_PASSAGE = "(nothing similar)"
FACT_NOT_ADDED = "Not added: {reason}"
FACT_ADDED = "Added fact {fact_id}: it answers from now on, on every instance within a minute."
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
AS_OF = "As of {date}."

# /teach on Telegram: a new fact built in a short guided conversation.
TEACH_PICK_DOCUMENT = "A new fact, step by step (/cancel stops). Which document is the quote from?"
TEACH_PICK_WITH_BUTTON = "Pick the document with a button above, or /cancel."
TEACH_DOCUMENT_PICKED = "Document: [{id}] {title}"
TEACH_PASTE_QUOTE = "Paste the quote: the document's exact words, a sentence or a clause."
TEACH_QUOTE_AGAIN = "Paste the exact words again, or /cancel."
TEACH_WRITE_SAYS = (
    "Now what it says, as reported speech — the words that follow “according to …”, "
    "e.g. “the police did not use any force”."
)
TEACH_SAYS_EMPTY = "Write what the quote says in a few words, or /cancel."
TEACH_ADD_QUESTIONS = (
    "Last: the questions it answers, as people would ask them — one per line."
)
TEACH_QUESTIONS_EMPTY = "Write at least one question, one per line, or /cancel."
TEACH_PREVIEW = "Preview: this is how the new fact will answer."
TEACH_ADD_BUTTON = "Add this fact"
TEACH_CANCEL_BUTTON = "Cancel"
TEACH_PRESS_A_BUTTON = "Press “Add this fact” under the preview, or /cancel."
TEACH_CANCELLED = "Stopped; nothing changed."
TEACH_NOTHING_TO_CANCEL = "There is nothing to cancel."
TEACH_TIMED_OUT = (
    "The new fact was left unfinished for {minutes} min; nothing changed. "
    "Send /teach to start again."
)
TEACH_STEP_OVER = "That step is over; send /teach to start again."
GAPS_TEACH_HINT = "Press a button to teach a question to a fact, or /teach to write a new one."

# Discord's desk: the new-fact form (`/teach` without a fact) and the /gaps board.
# Discord allows form titles and field names of 45 characters, hints of 100.
FORM_TITLE = "New fact"
FORM_DOCUMENT = "Document"
FORM_DOCUMENT_HINT = "The document the quote comes from."
FORM_QUOTE = "Quote, verbatim"
FORM_QUOTE_HINT = "Paste the exact sentence or clause: it is checked against the document."
FORM_SAYS = "What it says (the reported clause)"
FORM_SAYS_HINT = "Follows “According to <speaker>,” — e.g. the police did not use any force"
FORM_QUESTIONS = "Question forms, one per line"
FORM_QUESTIONS_HINT = "How people ask it, e.g. did the police use force against protesters"
FORM_HEADLINE = "Headline (optional)"
FORM_HEADLINE_HINT = "A neutral label; without one, the first question form."
FORM_AGAIN = "Correct the form"
GAPS_NEW_FACT_HINT = (
    "A button teaches its question to that fact. No fact fits? "
    "/teach with the question starts a new one."
)
