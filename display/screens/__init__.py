"""The display's screens, one per module."""
