"""The counter client's screens: the sign-in, the desk, and the small dialogs of the desk."""
