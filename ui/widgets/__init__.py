"""Widgets more than one app of the hall shows."""
