"""The console's screens: sign-in, the tabbed console, the resolve dialog."""
