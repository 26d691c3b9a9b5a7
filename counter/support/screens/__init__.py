"""The support desk's screens: sign-in and the desk."""
