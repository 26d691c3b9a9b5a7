"""The counter client (窗口): the clerk's app — call, serve, refer, transfer, complete.

Start it with `hall counter --counter N` (or `python -m counter`); tests build it with
`counter.app.make_app`.
"""
