"""What the hall's Textual apps share: the language machinery, screen bases, the staff
sign-in, the app base and a few widgets. Apps import it; it imports only `db` (and
libraries), never an app."""
