"""Reusable widgets of the display; each carries its own DEFAULT_CSS only."""
