"""Daily digests: what they contain, and sending each exactly once."""
