"""The Discord digest: one embed within every limit, every section, what it holds."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.discord.render import (
    EMBED_LIMIT,
    FIELD_NAME_LIMIT,
    FIELD_VALUE_LIMIT,
    FIELDS_LIMIT,
    TITLE_LIMIT,
    digest_embed,
)
from bot import texts
from bot.core import FactBot
from bot.digest.content import Digest, DigestList
from tests.digest_support import any_digest, assert_shows_a_prefix_of_each_list


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(data=st.data())
def test_any_digest_fits_one_embed_with_every_section(shared_core: FactBot,
                                                      data: st.DataObject) -> None:
    """Whatever the digest holds, every field and the embed fit, and each section is there."""
    answers = [a for a in (shared_core.answer_for(f.id) for f in shared_core.index.facts) if a]
    digest: Digest = data.draw(any_digest(answers))
    embed, delivered = digest_embed(digest)
    fields = [(field.name or "", field.value or "") for field in embed.fields]
    assert len(embed.title or "") <= TITLE_LIMIT and len(fields) <= FIELDS_LIMIT
    assert all(len(name) <= FIELD_NAME_LIMIT and len(value) <= FIELD_VALUE_LIMIT
               for name, value in fields)
    assert len(embed) <= EMBED_LIMIT
    assert_shows_a_prefix_of_each_list(digest, delivered)
    names = [name for name, _ in fields]
    for present, heading in ((digest.changes, texts.DIGEST_CHANGES),
                             (digest.on_this_day, texts.DIGEST_ON_THIS_DAY),
                             (digest.unanswered, texts.DIGEST_UNANSWERED)):
        assert (heading in names) == bool(present)
    assert any(n.startswith("Fact of the day") for n in names) == bool(digest.highlight)
    for which in DigestList:
        more = delivered.left_out(which)
        assert not more or any(value.endswith(f"… and {more} more") for _, value in fields)
