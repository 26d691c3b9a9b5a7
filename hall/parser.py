"""The command line's grammar: `hall [--db URL] [--config FILE] [--json] COMMAND ...`.

Every command is here, with its options, its help and its handler, named as
"module:function" in `hall/` (`"tickets:issue"` is `hall.tickets.issue`). Nothing of a
command is imported until it runs: the handler's module when it is called, and a command's
own parser (its options) only when that command is the one given, or when help or a test
asks for all of them. So `hall issue A` reads one command's grammar and loads what issuing
needs, not the apps, the reports or Alembic.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, NoReturn, cast

from hall.arguments import (
    COUNTER,
    COUNTER_VARIABLE,
    LIMIT,
    PORT,
    WholeNumber,
    amount,
    authority_yuan,
    network,
    parse_day,
    parse_score,
    whole,
)
from hall.errors import UsageError

if TYPE_CHECKING:
    from hall.run import Run

Options = Callable[["HallParser"], None]
"""Adds a command's arguments to its parser."""


class HallParser(argparse.ArgumentParser):
    """An ArgumentParser whose mistakes are one line and exit code 2, raised not printed."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A bare `type=int` anywhere in the grammar still cannot pass the database a number
        # it cannot store: such a number is misuse, not an OverflowError (exit 3).
        self.register("type", int, WholeNumber())

    def error(self, message: str) -> NoReturn:
        """Raise UsageError instead of printing the usage block and exiting."""
        command = self.prog.removeprefix("hall").strip()
        where = f"{command}: " if command else ""
        raise UsageError(f"{where}{message} (see `{self.prog} --help`)")


class Handler:
    """A command's handler, "module:function" in `hall/`, imported when it is called."""

    def __init__(self, where: str) -> None:
        module, _, name = where.partition(":")
        self.module = f"hall.{module}"
        self.__name__ = name

    def __call__(self, run: Run) -> None:
        getattr(importlib.import_module(self.module), self.__name__)(run)

    def __repr__(self) -> str:
        return f"Handler({self.module}:{self.__name__})"


class Unreachable:
    """The handler of a command that only groups sub-commands (one is required, so argparse
    refuses a bare one first): every parser has a handler."""

    __name__ = "unreachable"

    def __init__(self, message: str) -> None:
        self.message = message

    def __call__(self, run: Run) -> None:
        raise UsageError(self.message)


class _Parsers(dict[str, Any]):
    """The sub-commands' parsers by name, each made when first looked up. argparse looks up
    only the command given; `values()` and `items()` make them all (help, a test's walk)."""

    def __init__(self, make: Callable[[str], HallParser]) -> None:
        super().__init__()
        self._make = make

    def __getitem__(self, name: str) -> Any:
        parser = super().__getitem__(name)
        if parser is None:
            parser = self._make(name)
            super().__setitem__(name, parser)
        return parser

    def get(self, name: str, default: Any = None) -> Any:
        if name not in self:
            return default
        return self[name]

    def values(self) -> Iterator[Any]:  # type: ignore[override]
        return (self[name] for name in list(self))

    def items(self) -> Iterator[tuple[str, Any]]:  # type: ignore[override]
        return ((name, self[name]) for name in list(self))


class Commands(argparse._SubParsersAction):  # type: ignore[type-arg]
    """argparse's sub-commands, each declared with its help and made on first use."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._name_parser_map = self.choices = _Parsers(self._make)
        self._declared: dict[str, tuple[dict[str, Any], Options | None]] = {}

    def declare(self, name: str, options: Options | None, **kwargs: Any) -> None:
        """A command `name` whose parser is made with `kwargs` (help=, description=, …),
        then given its arguments by `options`, when it is first needed."""
        self._choices_actions.append(self._ChoicesPseudoAction(name, (), kwargs.pop("help")))
        dict.__setitem__(self._name_parser_map, name, None)
        self._declared[name] = (kwargs, options)

    def _make(self, name: str) -> HallParser:
        kwargs, options = self._declared.pop(name)
        parser: HallParser = self._parser_class(prog=f"{self._prog_prefix} {name}", **kwargs)
        if options is not None:
            options(parser)
        return parser


class Grammar:
    """Declares the commands; each gets the common options and its handler."""

    def __init__(self) -> None:
        self.common = _common()
        self.root = HallParser(
            prog="hall", parents=[self.common],
            description="一站式营业厅排队叫号 — one-stop service hall queue system",
            epilog="Try `hall demo`, then `hall status`. Exit codes: 0 done, 1 refused, 2 misuse.",
        )
        self.root.add_argument("--version", action=_Version)
        self.sub = cast(Commands, self.root.add_subparsers(
            dest="command", metavar="COMMAND", parser_class=HallParser, action=Commands
        ))

    def add(self, name: str, handler: str | Unreachable, text: str,
            options: Options | None = None, sub: Commands | None = None) -> None:
        """A command with its one-line help; `handler` is "module:function" in `hall/`."""

        def build(parser: HallParser) -> None:
            called = Handler(handler) if isinstance(handler, str) else handler
            parser.set_defaults(handler=called)
            if options is not None:
                options(parser)

        (sub or self.sub).declare(name, build, help=text, description=text,
                                  parents=[self.common])

    def group(self, name: str, text: str, dest: str, metavar: str, missing: str,
              commands: Callable[[Commands], None]) -> None:
        """A command that only groups sub-commands (`staff add|list`, …)."""

        def options(parser: HallParser) -> None:
            commands(cast(Commands, parser.add_subparsers(
                dest=dest, metavar=metavar, required=True, parser_class=HallParser,
                action=Commands)))

        self.add(name, Unreachable(missing), text, options)

    def at_counter(self, name: str, handler: str, text: str, *, number: str = "",
                   options: Options | None = None) -> None:
        """A counter step: --counter N, and optionally the NUMBER the clerk believes it holds."""

        def counter(parser: HallParser) -> None:
            parser.add_argument("--counter", "-c", type=COUNTER, required=True, metavar="N",
                                help="counter number 窗口号")
            if number:
                parser.add_argument("number", nargs="?", metavar="NUMBER", help=number)
            if options is not None:
                options(parser)

        self.add(name, handler, text, counter)

    def at_machine(self, name: str, handler: str, text: str) -> None:
        """An app at a counter: --counter N, else the machine's own `$HALL_COUNTER`."""

        def counter(parser: HallParser) -> None:
            parser.add_argument("--counter", "-c", type=COUNTER, metavar="N",
                                help=f"counter number 窗口号 (default: ${COUNTER_VARIABLE}, "
                                     "this machine's counter)")

        self.add(name, handler, text, counter)


def _common() -> argparse.ArgumentParser:
    """--db, --hall, --config and --json, accepted before or after the command. SUPPRESS: a
    command's parser leaves an option unset unless it is given there."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", metavar="URL", default=argparse.SUPPRESS,
                        help="database URL (default: $HALL_DB, else the user data dir)")
    common.add_argument("--hall", metavar="CODE", default=argparse.SUPPRESS,
                        help="the hall of the database (default: $HALL_CODE, else its only "
                             "hall; `hall halls` lists them)")
    common.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS,
                        help="hall config TOML (default: $HALL_CONFIG, else the user's hall.toml)")
    common.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                        help="print JSON instead of text")
    return common


class _Version(argparse._VersionAction):
    """`--version`, read from the installed package only when asked (reading the package
    metadata costs more than the rest of the grammar)."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        self.version = _version()
        super().__call__(parser, namespace, values, option_string)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"hall {version('onestop-hall')}"
    except PackageNotFoundError:
        return "hall (not installed)"


# -- setting up ----------------------------------------------------------------------------


def _setup(g: Grammar) -> None:
    def init(p: HallParser) -> None:
        p.add_argument("--name", metavar="NAME",
                       help="营业厅名称 the name of a hall added by --hall CODE (default: CODE)")

    g.add("init", "setup:init", "建库/升级并载入配置 create or upgrade the database "
          "(--hall CODE: add that hall)", init)
    g.add("halls", "setup:list_halls", "数据库中的营业厅 the halls of the database")
    def demo(p: HallParser) -> None:
        p.add_argument("--once", action="store_true",
                       help="只演示一个上午 play the scripted morning once and print the board "
                            "(what a plain `hall demo` does without a terminal)")
        p.add_argument("--speed", type=whole(1, 3600), metavar="N",
                       help="快进 the living hall N times faster than real time (default 1)")
        p.add_argument("--seconds", type=whole(1, 86400), metavar="N",
                       help="运行 N 秒 run the living hall N seconds without a screen, then stop")
        p.add_argument("--browser", action="store_true",
                       help="浏览器 start the hall server on the demo database and print the "
                            "addresses of the kiosk, a counter and the wall display")
        p.add_argument("--port", type=PORT, metavar="P",
                       help="--browser: the server's TCP port (default 8000)")

    g.add("demo", "demo:demo", "演示：一个活的营业厅 a demo hall at work (the apps a key away; "
          "--browser for browsers, --once for scripts)", demo)
    g.add("businesses", "setup:businesses", "业务类型与优先类别 business types in the config")

    def staff(sub: Commands) -> None:
        def add(p: HallParser) -> None:
            from db.store.models import ROLES

            p.add_argument("id", metavar="ID", help="工号 staff id, e.g. C01")
            p.add_argument("--name", required=True, help="姓名")
            p.add_argument("--role", required=True, choices=ROLES, help="岗位")
            p.add_argument("--authority-limit", type=authority_yuan(), default=0, metavar="YUAN",
                           help="授权额度 (yuan) the person may grant alone")
            p.add_argument("--by", metavar="LEADER",
                           help="值班领导工号 the duty leader who approves it (their PIN is asked "
                                "first); not needed for the first leader of a hall that has none")

        g.add("add", "setup:staff_add",
              "添加工作人员 add a staff member (a duty leader's PIN, then the new PIN twice)", add,
              sub)
        def by(p: HallParser) -> None:
            p.add_argument("id", metavar="ID", help="工号 staff id, e.g. C01")
            p.add_argument("--by", metavar="LEADER",
                           help="值班领导工号 the duty leader who approves it (required; their "
                                "PIN is asked first)")

        def change(p: HallParser) -> None:
            from db.store.models import ROLES

            by(p)
            p.add_argument("--name", help="新姓名 new name")
            p.add_argument("--role", choices=ROLES, help="新岗位 new role (the last duty leader "
                                                         "stays one; a new leader needs "
                                                         "--reset-pin)")
            p.add_argument("--authority-limit", type=authority_yuan(), metavar="YUAN",
                           help="新授权额度 new authority limit (yuan)")
            p.add_argument("--reset-pin", action="store_true",
                           help="重设 PIN: the new PIN is asked (twice) after the leader's; "
                                "it also ends a lock")

        g.add("list", "setup:staff_list", "工作人员列表 list staff", sub=sub)
        g.add("change", "setup:staff_change",
              "变更工作人员 change a name, role, authority limit or PIN (a duty leader's PIN "
              "via --by, then the new PIN twice with --reset-pin)", change, sub)
        g.add("remove", "setup:staff_remove",
              "停用工作人员 remove a staff member (a duty leader's PIN via --by; the record "
              "is kept for the history, never the hall's last duty leader)", by, sub)

    g.group("staff", "工作人员 staff: add, list, change, remove (a duty leader's PIN)",
            "staff_command", "add|list|change|remove",
            "staff: say `staff add|change|remove ID ... --by LEADER` or `staff list`", staff)

    def printer(sub: Commands) -> None:
        g.add("test", "printer:printer_test",
              "打印测试页 print a test slip and show the printer's status answers", sub=sub)

    def doctor(p: HallParser) -> None:
        p.set_defaults(reports_bad_config=True)

    g.add("doctor", "doctor:doctor",
          "体检：数据库、配置、打印机、语音、声卡、时钟、权限 check this machine is ready to run "
          "the hall (one line per check, exit 1 if any failed)", doctor)

    def backup(p: HallParser) -> None:
        p.add_argument("file", metavar="FILE|DIR/",
                       help="备份文件 the copy to write (owner-only); a folder (ending in /): "
                            "a new hall-YYYYMMDD-HHMMSS.db in it")
        p.add_argument("--force", action="store_true",
                       help="覆盖已有文件 replace FILE if it exists")
        p.add_argument("--keep", type=whole(1, 100_000), metavar="N",
                       help="保留最近 N 份 with DIR/: delete all but the newest N copies there")

    g.add("backup", "backup:backup",
          "在线备份并校验 copy the running hall's database to FILE and verify the copy", backup)

    def restore(p: HallParser) -> None:
        p.add_argument("file", metavar="FILE", help="备份文件 a copy made by `hall backup`")
        p.add_argument("--force", action="store_true",
                       help="替换现有数据库 replace an existing hall (a copy of it is kept)")

    g.add("restore", "backup:restore",
          "从备份恢复 verify FILE and put it in place of the hall's database", restore)

    def service(sub: Commands) -> None:
        def install(p: HallParser) -> None:
            from hall.service import UNITS

            where = p.add_mutually_exclusive_group()
            where.add_argument("--user", action="store_true",
                               help="用户服务 ~/.config/systemd/user (systemctl --user)")
            where.add_argument("--dir", metavar="DIR", help="写到此文件夹 write the files into DIR")
            p.add_argument("--dry-run", action="store_true",
                           help="只显示不写入 print the files and commands, write nothing")
            p.add_argument("--units", metavar="LIST",
                           help=f"只写这些 comma-separated, of: {', '.join(UNITS)} (default all)")
            p.add_argument("--as", dest="run_as", metavar="USER",
                           help="运行用户 the user the services run as (default: you, or "
                                "$SUDO_USER)")
            p.add_argument("--host", default="127.0.0.1",
                           help="hall serve --host (default 127.0.0.1)")
            p.add_argument("--port", type=PORT, default=8000, help="hall serve --port")
            p.add_argument("--allow", action="append", type=network, default=[],
                           metavar="NETWORK", help="hall serve --allow (repeatable)")
            p.add_argument("--backup-dir", metavar="DIR",
                           help="夜间备份文件夹 where the nightly backup goes (default: "
                                "/var/lib/onestop-hall/backups, ~/hall-backups with --user)")
            p.add_argument("--keep", type=whole(1, 100_000), default=30, metavar="N",
                           help="保留备份份数 nightly copies kept (default 30)")

        g.add("install", "service:install",
              "写入 systemd 服务 write systemd units: server, kiosk on tty1, wall display "
              "with sound, nightly backup", install, sub)

    g.group("service", "系统服务 systemd units: install", "service_command", "install",
            "service: say `service install`", service)

    def migrate(p: HallParser) -> None:
        p.add_argument("--to", metavar="URL",
                       help="目标数据库 the database to fill, e.g. postgresql+psycopg://hall@host/"
                            "hall (or $HALL_MIGRATE_TO; keep a password in ~/.pgpass, not here)")

    g.add("migrate", "migrate:migrate",
          "迁移到另一数据库 copy the whole hall (SQLite) into another database (PostgreSQL), "
          "verified; run it again to resume; stop the apps first", migrate)

    g.group("printer", "取号机打印机 the kiosk's receipt printer: test", "printer_command", "test",
            "printer: say `printer test`", printer)


# -- a counter's day -----------------------------------------------------------------------


def _counters(g: Grammar) -> None:
    def staff(p: HallParser) -> None:
        p.add_argument("--staff", "-s", required=True, metavar="ID", help="工号")

    g.at_counter("signin", "counters:sign_in", "签到并开放窗口 sign in (PIN)", options=staff)
    g.at_counter("signout", "counters:sign_out", "签退并关闭窗口 sign out")
    g.at_counter("open", "counters:set_state", "开放窗口 open the counter")
    g.at_counter("pause", "counters:set_state", "暂停窗口 pause the counter")
    g.at_counter("close", "counters:set_state", "关闭窗口 close the counter")


# -- a customer's visit --------------------------------------------------------------------


def _ticket_options(parser: HallParser) -> None:
    parser.add_argument("business", metavar="BUSINESS",
                        help="业务：代码、中文或英文名 prefix or name, e.g. A / 缴费")
    parser.add_argument("--priority", "-p", default="normal",
                        help="优先类别 priority class (elderly, 老年人, …)")
    parser.add_argument("--account", "-a", metavar="A", help="户号 customer account number")


HELD = "号码（核对用）the number the counter holds"


def _tickets(g: Grammar) -> None:
    def issue(p: HallParser) -> None:
        _ticket_options(p)
        p.add_argument("--by", metavar="STAFF_ID", help="引导岗代取 issued by a guide")

    g.add("issue", "tickets:issue", "取号 take a number", issue)
    g.at_counter("walkin", "tickets:walk_in", "直接受理 register a walk-in at the counter",
                 options=_ticket_options)
    g.at_counter("call", "tickets:call", "叫号（下一位或指定号）call next or a named number",
                 number="指呼号码 a number to call by name")
    g.at_counter("recall", "tickets:recall", "重呼 call again", number=HELD)
    g.at_counter("noshow", "tickets:no_show", "过号 the customer did not come", number=HELD)

    def requeue(p: HallParser) -> None:
        p.add_argument("number", metavar="NUMBER")
        p.add_argument("--by", metavar="STAFF_ID", help="办理人 who re-queued it")

    g.add("requeue", "tickets:requeue", "过号重新排队 put a no-show back in line", requeue)
    g.at_counter("start", "tickets:start", "开始办理 the customer arrived", number=HELD)

    def note(p: HallParser) -> None:
        p.add_argument("--note", help="办理结果 note")

    g.at_counter("complete", "tickets:complete", "办结 finish the matter", number=HELD,
                 options=note)

    def onwards(p: HallParser) -> None:
        p.add_argument("--to", required=True, metavar="BUSINESS", help="目标业务")
        p.add_argument("--note", help="备注")

    g.at_counter("transfer", "tickets:transfer", "转办 send to another business queue",
                 number=HELD, options=onwards)
    g.at_counter("next-service", "tickets:next_service", "续办 another service in the same visit",
                 number=HELD, options=onwards)


def _back_office(g: Grammar) -> None:
    def refer(p: HallParser) -> None:
        p.add_argument("--to", required=True, metavar="STAFF|pool",
                       help="服务岗工号，或 pool 公共池")
        p.add_argument("--note", help="需后台办理的内容")

    g.at_counter("refer", "tickets:refer", "转后台 refer to support", number=HELD,
                 options=refer)

    def aside(p: HallParser) -> None:
        p.add_argument("--note", required=True, help="需客户补充的资料 what to bring")

    g.at_counter("aside", "tickets:set_aside",
                 "待客户补件 the matter waits on the customer, away from the counter",
                 number=HELD, options=aside)

    def resume(p: HallParser) -> None:
        p.add_argument("--counter", "-c", type=COUNTER, required=True, metavar="N",
                       help="counter number 窗口号")
        p.add_argument("number", metavar="NUMBER", help="在办事项号码 the open matter")

    g.add("resume", "tickets:resume",
          "接回办理 serve one of the clerk's open matters at the counter again", resume)

    def by_staff(last: str, text: str) -> Options:
        def options(p: HallParser) -> None:
            p.add_argument("number", metavar="NUMBER")
            p.add_argument("--staff", "-s", required=True, metavar="ID", help="工号")
            p.add_argument(last, help=text)

        return options

    g.add("take", "tickets:take", "后台接单 support takes a referral (PIN)",
          by_staff("--note", "备注"))
    g.add("return", "tickets:give_back", "后台回复 support hands it back (PIN)",
          by_staff("--note", "备注"))
    g.add("cancel", "tickets:cancel", "作废 the duty leader voids a ticket (PIN)",
          by_staff("--reason", "作废原因"))

    def close_day(p: HallParser) -> None:
        p.add_argument("--staff", "-s", required=True, metavar="ID", help="值班领导工号")

    g.add("close-day", "duty:close_day",
          "日终清理 void numbers earlier days left waiting (leader, PIN)", close_day)

    def rate(p: HallParser) -> None:
        p.add_argument("number", metavar="NUMBER")
        p.add_argument("score", type=parse_score, metavar="SCORE",
                       help="4 非常满意 very_satisfied, 3 满意 satisfied, 2 基本满意 fair, "
                            "1 不满意 dissatisfied")
        p.add_argument("--day", type=parse_day, metavar="YYYY-MM-DD",
                       help="营业日 (default today)")

    g.add("rate", "tickets:rate", "评价 the customer's rating, 4 = 非常满意 best", rate)


# -- looking things up ---------------------------------------------------------------------


def _lookup(g: Grammar) -> None:
    def ticket(p: HallParser) -> None:
        p.add_argument("number", metavar="NUMBER")
        p.add_argument("--day", type=parse_day, metavar="YYYY-MM-DD", help="营业日")

    g.add("show", "lookup:show", "查看排队号 show a ticket", ticket)
    g.add("history", "lookup:history", "排队号经过 every step of a ticket", ticket)

    def visits(p: HallParser) -> None:
        p.add_argument("account", metavar="ACCOUNT", help="户号")
        p.add_argument("--limit", type=LIMIT, default=20, metavar="N")

    g.add("visits", "lookup:visits", "客户来访记录 a customer's visits by account", visits)
    g.add("status", "lookup:status", "营业厅状态 the status board")

    def events(p: HallParser) -> None:
        p.add_argument("--day", type=parse_day, metavar="YYYY-MM-DD", help="营业日")
        p.add_argument("--limit", type=LIMIT, default=100, metavar="N")
        p.add_argument("--kind", metavar="K", help="事件类型, e.g. call, complete")

    g.add("events", "lookup:events", "事件记录 the event log", events)

    def referrals(p: HallParser) -> None:
        p.add_argument("--staff", "-s", metavar="ID", help="服务岗工号 (default: pool only)")

    g.add("referrals", "lookup:referrals", "后台待办 referrals waiting for support", referrals)

    def matters(p: HallParser) -> None:
        p.add_argument("--staff", "-s", required=True, metavar="ID", help="首办责任人工号")

    g.add("matters", "lookup:matters", "在办事项 a handler's open matters", matters)

    def export(p: HallParser) -> None:
        p.add_argument("--day", type=parse_day, metavar="YYYY-MM-DD",
                       help="营业日 (default today)")
        p.add_argument("--format", "-f", choices=("csv", "json"), default="csv")
        p.add_argument("--output", "-o", metavar="FILE", help="file to write (default stdout)")

    g.add("export", "figures:export", "导出某日排队号 export a day's tickets", export)


# -- the apps ------------------------------------------------------------------------------


def _apps(g: Grammar) -> None:
    def kiosk(p: HallParser) -> None:
        p.add_argument("--guide", action="store_true", help="引导岗登录 start at the guide sign-in")

    g.add("kiosk", "apps:kiosk", "取号机 the customer kiosk (F12 + leader PIN to leave)", kiosk)
    g.at_machine("counter", "apps:counter", "窗口 the clerk's counter app (staff id + PIN)")
    g.at_machine("evaluator", "apps:evaluator",
                 "评价器 the customer evaluator beside a counter (F12 + leader PIN to leave)")
    g.add("support", "apps:support_desk",
          "服务岗 the support desk app: take, note and hand back referrals (staff id + PIN)")
    g.add("leader", "apps:leader",
          "值班领导岗 the duty leader's console: board, complaints, approvals (staff id + PIN)")

    def display(p: HallParser) -> None:
        screen = p.add_mutually_exclusive_group()
        screen.add_argument("--counter", "-c", type=COUNTER, metavar="N",
                            help=f"窗口屏 the display above counter N (default: "
                                 f"${COUNTER_VARIABLE}, this machine's counter; neither: the "
                                 "wall display)")
        screen.add_argument("--wall", action="store_true",
                            help=f"综合屏 the wall display, even where ${COUNTER_VARIABLE} is set")
        voice = p.add_mutually_exclusive_group()
        voice.add_argument("--voice-to", metavar="DIR",
                           help="语音写入文件夹 write each announcement as a WAV file into DIR "
                                "instead of playing it")
        voice.add_argument("--no-voice", action="store_true", help="不播报 a silent wall display")

    g.add("display", "apps:display", "叫号屏 the wall display, or a counter's display", display)

    def serve(p: HallParser) -> None:
        p.add_argument("app", nargs="?", choices=("display",),
                       help="the earlier `serve display`: the same server (the wall display "
                            "is at /display)")
        p.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (default 127.0.0.1: this machine only; "
                            "0.0.0.0: every network, said outright)")
        p.add_argument("--port", type=PORT, default=8000, help="TCP port (default 8000)")
        p.add_argument("--allow", action="append", type=network, default=[],
                       metavar="NETWORK",
                       help="允许的网络 let in only browsers of this network, e.g. "
                            "192.168.1.0/24 (repeatable, added to [server] allow; this "
                            "machine is always let in; others get 403; phones: [server] "
                            "phone_allow)")

    g.add("serve", "apps:serve",
          "营业厅服务器 every terminal for browsers (/kiosk, /counter/N, /display, …) and "
          "each ticket's page for phones, on one port", serve)

    def notice(p: HallParser) -> None:
        p.add_argument("text", nargs="?", metavar="TEXT", help="公告内容")
        p.add_argument("--clear", action="store_true", help="清除公告 remove the notice")
        p.add_argument("--staff", "-s", required=True, metavar="ID", help="值班领导工号")

    g.add("notice", "duty:notice",
          "叫号屏公告 the duty leader sets or clears the wall display's notice (PIN)", notice)


# -- figures, simulation, the audit --------------------------------------------------------


def _period_options(parser: HallParser) -> None:
    parser.add_argument("--day", type=parse_day, metavar="YYYY-MM-DD",
                        help="一个营业日 one business day")
    parser.add_argument("--from", dest="date_from", type=parse_day, metavar="YYYY-MM-DD",
                        help="起始营业日 first business day (default: --to, else today)")
    parser.add_argument("--to", dest="date_to", type=parse_day, metavar="YYYY-MM-DD",
                        help="截止营业日 last business day (default: --from, else today)")
    parser.add_argument("--lang", choices=("zh", "en"), default="zh",
                        help="表头语言 header language")


def _figures(g: Grammar) -> None:
    def report(p: HallParser) -> None:
        _period_options(p)
        p.add_argument("--format", "-f", choices=("table", "csv", "xlsx", "json"),
                       default="table")
        p.add_argument("--output", "-o", metavar="FILE", help="file to write (xlsx needs one)")
        p.add_argument("--all-halls", action="store_true",
                       help="全部营业厅合计 every hall of the database together (default: the "
                            "selected hall)")

    g.add("report", "figures:report", "报表：业务与人员（奖惩） figures per business and staff",
          report)
    g.add("staffing", "figures:staffing_report",
          "人员配置建议（Erlang C） counters needed per hour vs open", _period_options)
    g.add("simulate", "simulate:simulate", "模拟一个营业日（离散事件） simulate a hall day",
          _simulate_options)

    def audit(sub: Commands) -> None:
        def verify(p: HallParser) -> None:
            p.add_argument("--anchor", metavar="HASH",
                           help="抄录的链头 a head hash written down earlier: must still be in "
                                "the log")
            p.add_argument("--full", action="store_true",
                           help="完整检查 SQLite's full integrity_check (also every index "
                                "against its table; slower) instead of its quick_check")

        g.add("verify", "audit:verify", "校验 check the file, the event log's chain (first "
              "edited, inserted or deleted event) and every ticket, counter, remedy and "
              "complaint against its events", verify, sub)

    g.group("audit", "事件记录防篡改校验 tamper-evident event log: verify", "audit_command",
            "verify", "audit: say `audit verify`", audit)


def _simulate_options(p: HallParser) -> None:
    count, hours = whole(1, 100_000), whole(1, 20)
    p.add_argument("--day", type=parse_day, metavar="YYYY-MM-DD",
                   help="营业日 (default: the business day after the last one --db holds, "
                        "else today)")
    p.add_argument("--days", type=whole(1, 3660), default=1, metavar="N",
                   help="连续模拟 N 个营业日（周一至周五；第 i 天种子 S+i） play N business days")
    p.add_argument("--seed", type=int, default=1, help="随机种子 (default 1)")
    volume = p.add_mutually_exclusive_group()
    volume.add_argument("--tickets", type=count, default=600, metavar="N",
                        help="全天客户数，按常见业务比例与时段分布 (default 600)")
    volume.add_argument("--arrivals-per-hour", metavar="A=40,B=8",
                        help="每小时到达数（各时段相同）")
    p.add_argument("--counters", type=count, metavar="N",
                   help="固定开放 N 个窗口 (default: Erlang C 建议)")
    p.add_argument("--hours", type=hours, default=8, metavar="H", help="营业小时数 (default 8)")
    p.add_argument("--open-hour", type=whole(0, 23), default=9, metavar="HH",
                   help="开门时刻 (default 9)")
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help="表头语言")
    like = p.add_argument_group("a day like the hall's history (its database is only read)")
    like.add_argument("--history-from", type=parse_day, metavar="YYYY-MM-DD",
                      help="按历史到达量与 hall staffing 的建议配置模拟 arrivals and staffing "
                           "from the hall's history")
    like.add_argument("--history-to", type=parse_day, metavar="YYYY-MM-DD")
    like.add_argument("--history-db", metavar="URL",
                      help="the hall's database (default: $HALL_DB, else the user data dir)")


# -- complaints and remedies ---------------------------------------------------------------


def _complaints(g: Grammar) -> None:
    def commands(sub: Commands) -> None:
        def add(p: HallParser) -> None:
            p.add_argument("number", metavar="NUMBER", help="票号 the ticket, e.g. A023")
            p.add_argument("--staff", "-s", required=True, metavar="ID", help="值班领导工号")
            p.add_argument("--what", required=True, metavar="TEXT",
                           help="投诉内容 what it is about")
            p.add_argument("--name", metavar="NAME", help="客户姓名 (optional)")
            p.add_argument("--phone", metavar="PHONE", help="客户电话 (optional)")
            p.add_argument("--day", type=parse_day, metavar="YYYY-MM-DD",
                           help="票号的营业日 (default today)")

        g.add("add", "complaints:add_complaint",
              "登记投诉 record a complaint about a ticket (leader PIN)", add, sub)

        def listing(p: HallParser) -> None:
            p.add_argument("--all", action="store_true", help="当日全部 every complaint of the day")
            p.add_argument("--day", type=parse_day, metavar="YYYY-MM-DD",
                           help="营业日 (with --all)")

        g.add("list", "complaints:list_complaints", "投诉列表 open complaints (or --all of a day)",
              listing, sub)

        def resolve(p: HallParser) -> None:
            from db.store.models import COMPLAINT_CORRECTIONS, COMPLAINT_OUTCOMES

            p.add_argument("id", type=int, metavar="ID", help="投诉编号")
            p.add_argument("--staff", "-s", required=True, metavar="ID", help="值班领导工号")
            p.add_argument("--outcome", required=True, choices=COMPLAINT_OUTCOMES,
                           help="upheld 成立 / not_upheld 不成立")
            p.add_argument("--reason", required=True, metavar="TEXT", help="处理意见")
            p.add_argument("--correction", choices=COMPLAINT_CORRECTIONS, default="none",
                           help="none 不需纠正, reassign 改派, reopen 重新办理, void 作废, "
                                "remedy 批准补救")
            p.add_argument("--to", metavar="STAFF",
                           help="新的首办责任人 (reassign; reopen optional)")
            p.add_argument("--remedy", type=int, metavar="ID", help="补救申请编号 (remedy)")

        g.add("resolve", "complaints:resolve_complaint",
              "处理投诉 resolve a complaint with an outcome and a correction (leader PIN)",
              resolve, sub)

    g.group("complaint", "投诉 complaints to the duty leader: add, list, resolve",
            "complaint_command", "add|list|resolve",
            "complaint: say `complaint add …`, `complaint list` or `complaint resolve …`",
            commands)


def _remedies(g: Grammar) -> None:
    def commands(sub: Commands) -> None:
        def grant(p: HallParser) -> None:
            p.add_argument("kind", metavar="KIND", help="补救类别：代码、中文或英文名, e.g. "
                           "late_fee_waiver / 减免违约金")
            p.add_argument("amount", type=amount, metavar="AMOUNT",
                           help="金额（元）yuan, e.g. 50 or 12.50; 0 for a service")
            p.add_argument("--reason", required=True, metavar="TEXT", help="原因")
            p.add_argument("--counter", "-c", type=int, metavar="N",
                           help="窗口号：该窗口签到的工作人员给予，票号为窗口当前客户")
            p.add_argument("--ticket", "-t", metavar="NUMBER",
                           help="票号 (with --counter: the number the counter holds, to check)")
            p.add_argument("--staff", "-s", metavar="ID",
                           help="工号 (with --ticket, without --counter; PIN asked)")

        g.add("grant", "remedies:grant_remedy",
              "给予补救 grant a remedy; above the authority limit it waits for the leader",
              grant, sub)

        def listing(p: HallParser) -> None:
            p.add_argument("--pending", action="store_true",
                           help="待审批 requests waiting for the duty leader, any day")
            p.add_argument("--staff", "-s", metavar="ID", help="某工作人员的 one staff member's")
            p.add_argument("--ticket", "-t", metavar="NUMBER", help="某票号的 one ticket's")
            p.add_argument("--day", type=parse_day, metavar="YYYY-MM-DD",
                           help="营业日 (default today)")

        g.add("list", "remedies:list_remedies", "补救列表 today's remedies, or --pending ones",
              listing, sub)

        def decision(required: bool) -> Options:
            def options(p: HallParser) -> None:
                p.add_argument("id", type=int, metavar="ID", help="补救申请编号")
                p.add_argument("--staff", "-s", required=True, metavar="ID", help="值班领导工号")
                p.add_argument("--reason", required=required, metavar="TEXT",
                               help="审批意见" + ("（必填）" if required else ""))

            return options

        g.add("approve", "remedies:approve_remedy",
              "批准补救申请 the duty leader approves a request (PIN)", decision(False), sub)
        g.add("refuse", "remedies:refuse_remedy",
              "驳回补救申请 the duty leader refuses a request (PIN)", decision(True), sub)

    g.group("remedy", "授权补救 remedies: grant, list, approve, refuse", "remedy_command",
            "grant|list|approve|refuse",
            "remedy: say `remedy grant …`, `remedy list`, `remedy approve …` or "
            "`remedy refuse …`", commands)


# -- appointments --------------------------------------------------------------------------

IMPORT_HELP = """\
导入当日预约名单 import the day's appointments from a CSV file.

Columns, in this order (a first line starting "code" or "预约码" is a header and skipped):
  code      预约码: 4-12 digits, unique in the day (the kiosk's keypad types digits)
  name      姓名: at most 40 characters
  phone     手机号: digits (spaces, dashes, a leading + allowed); its last four digits
            and the account check the customer in without the code
  account   户号: letters, digits, '-' (may be empty)
  business  业务: prefix or name, e.g. A / 缴费
  slot      时段: local time "09:00-09:30"

Example line:  100231,赵敏,13800138000,0012345678,A,09:00-09:30
The file is UTF-8 (Excel's "CSV UTF-8") or GB18030 (Excel's plain CSV on Chinese Windows).
A bad line is reported by its number and skipped; every good line is stored in one
transaction (a file that cannot be read imports nothing). Importing a code again updates
that booking while it is still booked; a code already checked in (or missed) is reported
and left as it is. Check-in window: [appointments] early_minutes before the slot's start
to late_minutes after its end (hall config)."""


def _appointments(g: Grammar) -> None:
    def commands(sub: Commands) -> None:
        def day(p: HallParser) -> None:
            p.add_argument("--day", type=parse_day, metavar="YYYY-MM-DD",
                           help="营业日 the business day (default today)")

        def import_file(p: HallParser) -> None:
            p.formatter_class = argparse.RawDescriptionHelpFormatter
            p.description = IMPORT_HELP
            p.add_argument("file", metavar="FILE",
                           help="CSV: code,name,phone,account,business,slot")
            day(p)

        g.add("import", "appointments:import_file",
              "导入预约名单 import the day's appointments (CSV; see --help for the columns)",
              import_file, sub)

        def add(p: HallParser) -> None:
            p.add_argument("code", metavar="CODE", help="预约码 4-12 digits")
            p.add_argument("--name", required=True, help="姓名")
            p.add_argument("--phone", required=True, help="手机号")
            p.add_argument("--account", "-a", metavar="A", help="户号 (optional)")
            p.add_argument("--business", "-b", required=True, metavar="B",
                           help="业务 prefix or name, e.g. A / 缴费")
            p.add_argument("--slot", required=True, metavar="HH:MM-HH:MM",
                           help="时段 local time, e.g. 09:00-09:30")
            day(p)

        g.add("add", "appointments:add", "登记一条预约 add one appointment", add, sub)
        g.add("list", "appointments:listing", "当日预约 the day's appointments", day, sub)

        def checkin(p: HallParser) -> None:
            p.add_argument("code", nargs="?", metavar="CODE", help="预约码")
            p.add_argument("--phone", metavar="LAST4", help="手机号后四位 (with --account)")
            p.add_argument("--account", "-a", metavar="A", help="户号 (with --phone)")

        g.add("checkin", "appointments:checkin",
              "预约签到 check an appointment in: a number with the appointment priority",
              checkin, sub)

    g.group("appoint", "预约 appointments: import, add, list, checkin", "appoint_command",
            "import|add|list|checkin",
            "appoint: say `appoint import FILE`, `appoint add …`, `appoint list` or "
            "`appoint checkin …`", commands)


def build_parser() -> HallParser:
    """The whole grammar (each command's own parser is made when it is first needed)."""
    grammar = Grammar()
    for part in (_setup, _counters, _tickets, _back_office, _lookup, _apps, _figures,
                 _complaints, _remedies, _appointments):
        part(grammar)
    return grammar.root
