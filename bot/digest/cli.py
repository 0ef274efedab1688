"""`factbot digest ...` commands."""

from __future__ import annotations

import argparse


def add_digest_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Registered by `bot.cli`; the digest commands land with the digest feature."""
