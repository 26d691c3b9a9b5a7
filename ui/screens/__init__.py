"""Screens and screen bases every app of the hall may build on."""
