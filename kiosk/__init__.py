"""The kiosk (取号机): the Textual app customers take a number at, with the guide's mode.

Start it with `hall kiosk` (or `python -m kiosk`); tests build it with `kiosk.app.make_app`.
"""
