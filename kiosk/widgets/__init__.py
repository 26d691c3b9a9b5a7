"""Reusable widgets of the kiosk; each carries its own DEFAULT_CSS only."""
