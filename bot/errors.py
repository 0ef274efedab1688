"""The one error type a person running factbot can act on.

Anything raised as a `UserError` (bad settings, a broken seed file, a database that
cannot be reached) reaches the user as its message alone, never as a traceback: the
console front end catches this type and nothing else.
"""

from __future__ import annotations


class UserError(Exception):
    """A problem the user can fix; `str()` is the whole message, `exit_code` the CLI's."""

    exit_code = 1
