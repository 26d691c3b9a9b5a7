"""Starting the Textual apps from the command line. Each app is imported only when its
command runs, so the other commands never load Textual."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from db.errors import Refused
from hall.arguments import machine_counter, needed_counter
from hall.errors import NotInitialised, UsageError, masked
from hall.run import Run

if TYPE_CHECKING:
    from db.store.session import Hall


def kiosk(run: Run) -> None:
    """`kiosk [--guide]`: the customer kiosk, full screen until the duty leader unlocks it."""
    hall = ready_hall(run)
    need_terminal("kiosk")
    from kiosk.app import make_app

    make_app(run.config, hall, guide=run.args.guide, tidy_memory=True).run()


def counter(run: Run) -> None:
    """`counter [--counter N]`: the clerk's app at counter N, by default the machine's own
    (`$HALL_COUNTER`); staff id and PIN to sign in."""
    number = at_counter(run, "counter")
    hall = ready_hall(run)
    need_terminal("counter")
    from counter.app import make_app

    make_app(run.config, hall, counter=number).run()


def evaluator(run: Run) -> None:
    """`evaluator [--counter N]`: the customer evaluator beside counter N, by default the
    machine's own (`$HALL_COUNTER`); F12 + leader PIN to leave."""
    number = at_counter(run, "evaluator")
    hall = ready_hall(run)
    need_terminal("evaluator")
    from counter.evaluator.app import make_app

    make_app(run.config, hall, counter=number).run()


def at_counter(run: Run, command: str) -> int:
    """The counter an app at a counter runs for (`--counter`, else `$HALL_COUNTER`), an
    unknown one refused before the screen opens."""
    number = needed_counter(run.args.counter, command)
    run.config.counter(number)
    return number


def support_desk(run: Run) -> None:
    """`support`: the support post's app (staff id and PIN of support or leader)."""
    hall = ready_hall(run)
    need_terminal("support")
    from counter.support.app import make_app

    make_app(run.config, hall).run()


def leader(run: Run) -> None:
    """`leader`: the duty leader's console (staff id and PIN of a duty leader)."""
    hall = ready_hall(run)
    need_terminal("leader")
    from leader.app import make_app

    make_app(run.config, hall).run()


def display(run: Run) -> None:
    """`display [--counter N | --wall] [--voice-to DIR | --no-voice]`: the wall display,
    announcing the calls, or counter N's display (by default the machine's own counter,
    `$HALL_COUNTER`, where it is set)."""
    hall = ready_hall(run)
    counter = None if run.args.wall else machine_counter(run.args.counter, "display")
    if counter is not None:
        run.config.counter(counter)  # an unknown counter is refused before the screen opens
        if run.args.voice_to:
            raise UsageError("display: --voice-to is for the wall display (a counter's "
                             "display does not speak)")
    need_terminal("display")
    from display.app import make_app
    from display.voice import make_announcer

    voice = None
    if counter is None and not run.args.no_voice and run.config.voice.enabled:
        folder = Path(run.args.voice_to) if run.args.voice_to else None
        voice = make_announcer(run.config.voice, voice_to=folder)
    app = make_app(run.config, hall, counter=counter, voice=voice)
    app.run()
    if app.display_screen.voice_off:
        print(f"display: voice was off: {app.display_screen.voice_off}", file=sys.stderr)


def serve(run: Run) -> None:
    """`serve [--host H] [--port P] [--allow NETWORK …]`: the hall server, every terminal
    for browsers (each browser session an app process of its own) and each ticket's page
    for phones. The database URL reaches the apps in their environment, never on a command
    line."""
    hall = ready_hall(run)
    a = run.args
    from server.app import Settings, parse_network, serve_forever

    source = Path(run.config.source)
    settings = Settings(config=run.config, database=run.url, hall=run.code,
                        config_file=source.resolve() if source.is_file() else None,
                        allow=tuple(parse_network(n) for n in a.allow))
    said: list[str] = []  # said once the server listens (a port in use is one line alone)
    if run.config.server.public_url is None:
        said.append("serve: [server] public_url is not set in the hall file: the slips' QR "
                    "codes carry the number only (set it to this server's address on the "
                    "hall's Wi-Fi, e.g. http://192.168.1.10:8000, for each ticket's page on "
                    "phones)")
    if not _loopback(a.host) and not a.allow and not run.config.server.allow:
        said.append(f"serve: listening on {a.host} without --allow: every device that "
                    "reaches this port may open the terminals (give --allow 192.168.1.0/24 "
                    "to restrict)")
    base = f"http://{_in_url(a.host)}:{a.port}"
    ready = f"serve: the hall's terminals are listed at {base}/"
    if a.app == "display":
        ready += f" (the wall display is {base}/display)"
    try:
        serve_forever(settings, hall, host=a.host, port=a.port, ready="\n".join([*said, ready]))
    except OSError as error:  # the port is taken, the address is not this machine's, …
        why = str(error.strerror or error).rpartition("): ")[2]  # aiohttp names the address
        raise Refused(f"serve: cannot listen on {a.host}:{a.port}: {why}") from None


def _loopback(host: str) -> bool:
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _in_url(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def need_terminal(command: str) -> None:
    """Refuse in one line to start a full-screen app without a terminal, unless a Textual
    driver is named outright: a browser's (`hall serve`, textual-serve) or the headless one
    (the installed-package check in `.ci/run` starts every app that way)."""
    if os.environ.get("TEXTUAL_DRIVER"):
        return
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise UsageError(f"{command}: needs a terminal (it is a full-screen app)")


def ready_hall(run: Run) -> Hall:
    """The hall, refused in one line unless its database is initialised and up to date: an
    app would otherwise fail later, in front of a customer."""
    from db.store.schema import current_revision, head_revision

    hall = run.hall()
    revision = current_revision(hall.engine)
    if revision is None:
        raise NotInitialised(run.url)
    if revision != head_revision(hall.engine):
        raise UsageError(f"the database {masked(run.url)} is older than this program: "
                         "run `hall init` to upgrade it")
    return hall
