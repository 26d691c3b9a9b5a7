"""Reusable widgets of the counter client; each carries its own DEFAULT_CSS only."""
