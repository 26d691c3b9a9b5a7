"""The command line's grammar: `hall [--db URL] [--config FILE] [--json] COMMAND ...`."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any, NoReturn

from db.rules.remedies import MAX_AMOUNT_FEN
from db.store.models import ROLES
from hall import apps, commands, complaints, demo, figures, remedies, reports
from hall.context import (
    COUNTER,
    COUNTER_VARIABLE,
    LARGEST_INTEGER,
    Run,
    UsageError,
    WholeNumber,
    parse_day,
    parse_score,
)

Handler = Callable[[Run], None]
Subparsers = Any  # argparse's _SubParsersAction is private


LIMIT = WholeNumber(1, LARGEST_INTEGER)
"""How many rows to show at most."""
AUTHORITY_YUAN = WholeNumber(0, MAX_AMOUNT_FEN // 100)
"""An authority limit: no more than the largest remedy anyone can grant."""
PORT = WholeNumber(1, 65535)
"""A TCP port."""


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


def _common() -> argparse.ArgumentParser:
    """--db, --config and --json, accepted before or after the command. SUPPRESS: a
    command's parser leaves an option unset unless it is given there."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", metavar="URL", default=argparse.SUPPRESS,
                        help="database URL (default: $HALL_DB, else the user data dir)")
    common.add_argument("--config", metavar="FILE", default=argparse.SUPPRESS,
                        help="hall config TOML (default: $HALL_CONFIG, else the user's hall.toml)")
    common.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                        help="print JSON instead of text")
    return common


class Grammar:
    """Adds the commands; each gets the common options and its handler."""

    def __init__(self) -> None:
        self.common = _common()
        self.root = HallParser(
            prog="hall", parents=[self.common],
            description="一站式营业厅排队叫号 — one-stop service hall queue system",
            epilog="Try `hall demo`, then `hall status`. Exit codes: 0 done, 1 refused, 2 misuse.",
        )
        self.root.add_argument("--version", action="version", version=_version())
        self.sub: Subparsers = self.root.add_subparsers(
            dest="command", metavar="COMMAND", parser_class=HallParser
        )

    def add(self, name: str, handler: Handler, text: str, sub: Subparsers = None) -> HallParser:
        """A command with its one-line help."""
        parser: HallParser = (sub or self.sub).add_parser(
            name, help=text, description=text, parents=[self.common]
        )
        parser.set_defaults(handler=handler)
        return parser

    def at_counter(self, name: str, handler: Handler, text: str, *, number: str = "") -> HallParser:
        """A counter step: --counter N, and optionally the NUMBER the clerk believes it holds."""
        parser = self.add(name, handler, text)
        parser.add_argument("--counter", "-c", type=COUNTER, required=True, metavar="N",
                            help="counter number 窗口号")
        if number:
            parser.add_argument("number", nargs="?", metavar="NUMBER", help=number)
        return parser

    def at_machine(self, name: str, handler: Handler, text: str) -> HallParser:
        """An app at a counter: --counter N, else the machine's own `$HALL_COUNTER`."""
        parser = self.add(name, handler, text)
        parser.add_argument("--counter", "-c", type=COUNTER, metavar="N",
                            help=f"counter number 窗口号 (default: ${COUNTER_VARIABLE}, this "
                                 "machine's counter)")
        return parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return f"hall {version('onestop-hall')}"
    except PackageNotFoundError:
        return "hall (not installed)"


def _setup(g: Grammar) -> None:
    g.add("init", reports.init, "建库/升级并载入配置 create or upgrade the database")
    g.add("demo", demo.demo, "演示：建演示库并模拟一段营业 run a demo hall")
    g.add("businesses", reports.businesses, "业务类型与优先类别 business types in the config")
    staff = g.add("staff", _missing_staff_command, "工作人员 staff: add, list")
    sub = staff.add_subparsers(
        dest="staff_command", metavar="add|list", required=True, parser_class=HallParser
    )
    add = g.add("add", reports.staff_add, "添加工作人员 add a staff member (PIN asked twice)", sub)
    add.add_argument("id", metavar="ID", help="工号 staff id, e.g. C01")
    add.add_argument("--name", required=True, help="姓名")
    add.add_argument("--role", required=True, choices=ROLES, help="岗位")
    add.add_argument("--authority-limit", type=AUTHORITY_YUAN, default=0, metavar="YUAN",
                     help="授权额度 (yuan) the person may grant alone")
    g.add("list", reports.staff_list, "工作人员列表 list staff", sub)


def _missing_staff_command(run: Run) -> None:
    """Unreachable (the sub-command is required); here so that every parser has a handler."""
    raise UsageError("staff: say `staff add ...` or `staff list`")


def _counters(g: Grammar) -> None:
    signin = g.at_counter("signin", commands.sign_in, "签到并开放窗口 sign in (PIN)")
    signin.add_argument("--staff", "-s", required=True, metavar="ID", help="工号")
    g.at_counter("signout", commands.sign_out, "签退并关闭窗口 sign out")
    g.at_counter("open", commands.set_state, "开放窗口 open the counter")
    g.at_counter("pause", commands.set_state, "暂停窗口 pause the counter")
    g.at_counter("close", commands.set_state, "关闭窗口 close the counter")


def _ticket_options(parser: HallParser) -> None:
    parser.add_argument("business", metavar="BUSINESS",
                        help="业务：代码、中文或英文名 prefix or name, e.g. A / 缴费")
    parser.add_argument("--priority", "-p", default="normal",
                        help="优先类别 priority class (elderly, 老年人, …)")
    parser.add_argument("--account", "-a", metavar="A", help="户号 customer account number")


def _tickets(g: Grammar) -> None:
    issue = g.add("issue", commands.issue, "取号 take a number")
    _ticket_options(issue)
    issue.add_argument("--by", metavar="STAFF_ID", help="引导岗代取 issued by a guide")
    walkin = g.at_counter("walkin", commands.walk_in, "直接受理 register a walk-in at the counter")
    _ticket_options(walkin)
    held = "号码（核对用）the number the counter holds"
    g.at_counter("call", commands.call, "叫号（下一位或指定号）call next or a named number",
                 number="指呼号码 a number to call by name")
    g.at_counter("recall", commands.recall, "重呼 call again", number=held)
    g.at_counter("noshow", commands.no_show, "过号 the customer did not come", number=held)
    requeue = g.add("requeue", commands.requeue, "过号重新排队 put a no-show back in line")
    requeue.add_argument("number", metavar="NUMBER")
    requeue.add_argument("--by", metavar="STAFF_ID", help="办理人 who re-queued it")
    g.at_counter("start", commands.start, "开始办理 the customer arrived", number=held)
    complete = g.at_counter("complete", commands.complete, "办结 finish the matter", number=held)
    complete.add_argument("--note", help="办理结果 note")
    for name, handler, text in (
        ("transfer", commands.transfer, "转办 send to another business queue"),
        ("next-service", commands.next_service, "续办 another service in the same visit"),
    ):
        parser = g.at_counter(name, handler, text, number=held)
        parser.add_argument("--to", required=True, metavar="BUSINESS", help="目标业务")
        parser.add_argument("--note", help="备注")
    _back_office(g, held)


def _back_office(g: Grammar, held: str) -> None:
    refer = g.at_counter("refer", commands.refer, "转后台 refer to support", number=held)
    refer.add_argument("--to", required=True, metavar="STAFF|pool",
                       help="服务岗工号，或 pool 公共池")
    refer.add_argument("--note", help="需后台办理的内容")
    aside = g.at_counter("aside", commands.set_aside,
                         "待客户补件 the matter waits on the customer, away from the counter",
                         number=held)
    aside.add_argument("--note", required=True, help="需客户补充的资料 what to bring")
    resume = g.add("resume", commands.resume,
                   "接回办理 serve one of the clerk's open matters at the counter again")
    resume.add_argument("--counter", "-c", type=COUNTER, required=True, metavar="N",
                        help="counter number 窗口号")
    resume.add_argument("number", metavar="NUMBER", help="在办事项号码 the open matter")
    for name, handler, text in (
        ("take", commands.take, "后台接单 support takes a referral (PIN)"),
        ("return", commands.give_back, "后台回复 support hands it back (PIN)"),
        ("cancel", commands.cancel, "作废 the duty leader voids a ticket (PIN)"),
    ):
        parser = g.add(name, handler, text)
        parser.add_argument("number", metavar="NUMBER")
        parser.add_argument("--staff", "-s", required=True, metavar="ID", help="工号")
        if name == "cancel":
            parser.add_argument("--reason", help="作废原因")
        else:
            parser.add_argument("--note", help="备注")
    close = g.add("close-day", commands.close_day,
                  "日终清理 void numbers earlier days left waiting (leader, PIN)")
    close.add_argument("--staff", "-s", required=True, metavar="ID", help="值班领导工号")
    rate = g.add("rate", commands.rate, "评价 the customer's rating, 4 = 非常满意 best")
    rate.add_argument("number", metavar="NUMBER")
    rate.add_argument("score", type=parse_score, metavar="SCORE",
                      help="4 非常满意 very_satisfied, 3 满意 satisfied, 2 基本满意 fair, "
                           "1 不满意 dissatisfied")
    rate.add_argument("--day", type=parse_day, metavar="YYYY-MM-DD", help="营业日 (default today)")


def _reading(g: Grammar) -> None:
    for name, handler, text in (
        ("show", reports.show, "查看排队号 show a ticket"),
        ("history", reports.history, "排队号经过 every step of a ticket"),
    ):
        parser = g.add(name, handler, text)
        parser.add_argument("number", metavar="NUMBER")
        parser.add_argument("--day", type=parse_day, metavar="YYYY-MM-DD", help="营业日")
    visits = g.add("visits", reports.visits, "客户来访记录 a customer's visits by account")
    visits.add_argument("account", metavar="ACCOUNT", help="户号")
    visits.add_argument("--limit", type=LIMIT, default=20, metavar="N")
    g.add("status", reports.status, "营业厅状态 the status board")
    events = g.add("events", reports.events, "事件记录 the event log")
    events.add_argument("--day", type=parse_day, metavar="YYYY-MM-DD", help="营业日")
    events.add_argument("--limit", type=LIMIT, default=100, metavar="N")
    events.add_argument("--kind", metavar="K", help="事件类型, e.g. call, complete")
    referrals = g.add("referrals", reports.support, "后台待办 referrals waiting for support")
    referrals.add_argument("--staff", "-s", metavar="ID", help="服务岗工号 (default: pool only)")
    matters = g.add("matters", reports.matters, "在办事项 a handler's open matters")
    matters.add_argument("--staff", "-s", required=True, metavar="ID", help="首办责任人工号")
    export = g.add("export", reports.export, "导出某日排队号 export a day's tickets")
    export.add_argument("--day", type=parse_day, metavar="YYYY-MM-DD",
                        help="营业日 (default today)")
    export.add_argument("--format", "-f", choices=("csv", "json"), default="csv")
    export.add_argument("--output", "-o", metavar="FILE", help="file to write (default stdout)")


def _apps(g: Grammar) -> None:
    kiosk = g.add("kiosk", apps.kiosk, "取号机 the customer kiosk (F12 + leader PIN to leave)")
    kiosk.add_argument("--guide", action="store_true", help="引导岗登录 start at the guide sign-in")
    g.at_machine("counter", apps.counter, "窗口 the clerk's counter app (staff id + PIN)")
    g.at_machine("evaluator", apps.evaluator,
                 "评价器 the customer evaluator beside a counter (F12 + leader PIN to leave)")
    g.add("support", apps.support_desk,
          "服务岗 the support desk app: take, note and hand back referrals (staff id + PIN)")
    g.add("leader", apps.leader,
          "值班领导岗 the duty leader's console: board, complaints, approvals (staff id + PIN)")
    display = g.add("display", apps.display, "叫号屏 the wall display, or a counter's display")
    screen = display.add_mutually_exclusive_group()
    screen.add_argument("--counter", "-c", type=COUNTER, metavar="N",
                       help=f"窗口屏 the display above counter N (default: ${COUNTER_VARIABLE}, "
                            "this machine's counter; neither: the wall display)")
    screen.add_argument("--wall", action="store_true",
                       help=f"综合屏 the wall display, even where ${COUNTER_VARIABLE} is set")
    voice = display.add_mutually_exclusive_group()
    voice.add_argument("--voice-to", metavar="DIR",
                       help="语音写入文件夹 write each announcement as a WAV file into DIR "
                            "instead of playing it")
    voice.add_argument("--no-voice", action="store_true", help="不播报 a silent wall display")
    serve = g.add("serve", apps.serve,
                  "浏览器叫号屏 serve the wall display to browsers on the local network")
    serve.add_argument("app", choices=("display",), help="what to serve: display")
    serve.add_argument("--counter", "-c", type=COUNTER, metavar="N",
                       help="窗口屏 counter N's display instead of the wall")
    serve.add_argument("--host", default="0.0.0.0",
                       help="address to listen on (default 0.0.0.0: every network)")
    serve.add_argument("--port", type=PORT, default=8000, help="TCP port (default 8000)")
    serve.add_argument("--public-url", metavar="URL",
                       help="the address browsers use, e.g. http://192.168.1.20:8000 "
                            "(default http://THIS-MACHINE'S-NAME:PORT)")
    notice = g.add("notice", commands.notice,
                   "叫号屏公告 the duty leader sets or clears the wall display's notice (PIN)")
    notice.add_argument("text", nargs="?", metavar="TEXT", help="公告内容")
    notice.add_argument("--clear", action="store_true", help="清除公告 remove the notice")
    notice.add_argument("--staff", "-s", required=True, metavar="ID", help="值班领导工号")


def build_parser() -> HallParser:
    """The whole grammar."""
    grammar = Grammar()
    for part in (_setup, _counters, _tickets, _reading, _apps, figures.grammar,
                 complaints.grammar, remedies.grammar):
        part(grammar)
    return grammar.root
