"""Everything the counter client says, in Chinese and English: one dict per language and `t()`.

Names that come from the hall config (business types, priority classes, counters, the hall)
are not here; `name()` picks the right one of their `name_zh` / `name_en`.
"""

from __future__ import annotations

from typing import Protocol

ZH: dict[str, str] = {
    "signin_title": "{counter} · 工作人员登录",
    "staff_id": "工号",
    "pin": "密码",
    "sign_in": "登录",
    "checking": "正在核对…",
    "desk_mode": "{name}（{id}）· {state}",
    "state_open": "开放",
    "state_paused": "暂停",
    "state_closed": "关闭",
    "no_ticket": "当前没有客户 · 按 F1 叫下一位",
    "card_title": "当前客户",
    "status_called": "已叫号，等候客户",
    "status_serving": "办理中",
    "business": "业务：{business}",
    "priority": "类别：{priority}",
    "account": "户号：{account}",
    "waited": "已等候 {m} 分钟",
    "at_counter": "在窗口 {m} 分钟",
    "handler": "首办责任人：{name}（{id}）",
    "recalls": "重呼 {n} 次",
    "visits": "近期来访",
    "visit_line": "{day} {number} {business} {status}",
    "queue_title": "本窗口排队",
    "queue_line": "{business}：{n} 人",
    "longest": "最长等候 {m} 分钟",
    "longest_none": "暂无等候",
    "a_call_next": "叫号 F1",
    "a_call_number": "指呼 F2",
    "a_recall": "重呼 F3",
    "a_no_show": "过号 F4",
    "a_start": "开始 F5",
    "a_complete": "办结 F6",
    "a_transfer": "转办 F7",
    "a_next_service": "续办 F8",
    "a_refer": "转后台 F9",
    "a_walk_in": "受理 F10",
    "a_pause": "暂停 F11",
    "a_resume": "恢复 F11",
    "a_sign_out": "签退 F12",
    "keys_hint": "n 叫号 · o 在办事项 · l English · Esc 取消",
    "ask_number": "指呼：输入号码（如 A023）",
    "ask_note": "办结：办理结果（可选）",
    "pick_transfer": "转办到哪项业务",
    "pick_next": "续办哪项业务",
    "pick_walk_in": "直接受理：选择业务",
    "pick_support": "转后台：选择服务岗或公共池",
    "field_note": "备注（可选）",
    "field_account": "户号（可选）",
    "field_request": "需后台办理的内容",
    "pool": "公共池（任一服务岗）",
    "ok": "确定",
    "cancel": "取消",
    "need_ticket": "窗口没有当前客户",
    "done_call": "已呼叫 {number}",
    "done_recall": "已重呼 {number}",
    "done_no_show": "{number} 过号",
    "done_start": "{number} 开始办理",
    "done_complete": "{number} 已办结",
    "done_transfer": "{number} 已转办到 {business}",
    "done_next_service": "{number} 续办 {business}",
    "done_refer": "{number} 已转后台",
    "done_walk_in": "已受理 {number}",
    "done_pause": "窗口已暂停",
    "done_resume": "窗口已恢复",
    "matters_title": "我的在办事项（后台/待办结）",
    "matters_none": "没有在办事项",
    "still_with_support": "{number} 仍在后台，服务岗回复后才能办结",
    "matter_line": "{number} {business} {status}",
    "ticket_with_support": "在后台",
    "ticket_serving": "待办结",
    "ticket_done": "已办结",
    "ticket_waiting": "等候中",
    "ticket_called": "已叫号",
    "ticket_no_show": "过号",
    "ticket_cancelled": "已作废",
    "system_fault": "系统故障，请联系管理员",
}
"""Chinese, the default."""

EN: dict[str, str] = {
    "signin_title": "{counter} · staff sign-in",
    "staff_id": "Staff id",
    "pin": "PIN",
    "sign_in": "Sign in",
    "checking": "Checking…",
    "desk_mode": "{name} ({id}) · {state}",
    "state_open": "open",
    "state_paused": "paused",
    "state_closed": "closed",
    "no_ticket": "No customer · F1 calls the next",
    "card_title": "Current customer",
    "status_called": "Called, waiting for the customer",
    "status_serving": "Serving",
    "business": "Service: {business}",
    "priority": "Class: {priority}",
    "account": "Account: {account}",
    "waited": "Waited {m} min",
    "at_counter": "At the counter {m} min",
    "handler": "Handler: {name} ({id})",
    "recalls": "Recalled {n}×",
    "visits": "Earlier visits",
    "visit_line": "{day} {number} {business} {status}",
    "queue_title": "Waiting for this counter",
    "queue_line": "{business}: {n}",
    "longest": "Longest wait {m} min",
    "longest_none": "Nobody waiting",
    # A step's button has 10 cells for its text at 80 columns.
    "a_call_next": "Next F1",
    "a_call_number": "Number F2",
    "a_recall": "Recall F3",
    "a_no_show": "No-show F4",
    "a_start": "Start F5",
    "a_complete": "Done F6",
    "a_transfer": "Trans. F7",
    "a_next_service": "Add svc F8",
    "a_refer": "Support F9",
    "a_walk_in": "Walkin F10",
    "a_pause": "Pause F11",
    "a_resume": "Resume F11",
    "a_sign_out": "Logout F12",
    "keys_hint": "n next · o open matters · l 中文 · Esc cancel",
    "ask_number": "Call a number (e.g. A023)",
    "ask_note": "Complete: outcome (optional)",
    "pick_transfer": "Transfer to which service",
    "pick_next": "Which next service",
    "pick_walk_in": "Walk-in: choose the service",
    "pick_support": "Refer to a support colleague or the pool",
    "field_note": "Note (optional)",
    "field_account": "Account no. (optional)",
    "field_request": "What support should do",
    "pool": "Pool (any support colleague)",
    "ok": "OK",
    "cancel": "Cancel",
    "need_ticket": "The counter holds no customer",
    "done_call": "Called {number}",
    "done_recall": "Recalled {number}",
    "done_no_show": "{number} did not come",
    "done_start": "{number} being served",
    "done_complete": "{number} completed",
    "done_transfer": "{number} transferred to {business}",
    "done_next_service": "{number} next service {business}",
    "done_refer": "{number} referred to support",
    "done_walk_in": "Registered {number}",
    "done_pause": "Counter paused",
    "done_resume": "Counter open again",
    "matters_title": "My open matters (support / to close)",
    "matters_none": "No open matters",
    "still_with_support": "{number} is still with support: close it once they hand it back",
    "matter_line": "{number} {business} {status}",
    "ticket_with_support": "with support",
    "ticket_serving": "to close",
    "ticket_done": "done",
    "ticket_waiting": "waiting",
    "ticket_called": "called",
    "ticket_no_show": "no-show",
    "ticket_cancelled": "voided",
    "system_fault": "System fault, please call the administrator",
}
"""English."""

STRINGS: dict[str, dict[str, str]] = {"zh": ZH, "en": EN}


class Named(Protocol):
    """Anything of the config with a Chinese and an English name."""

    @property
    def name_zh(self) -> str: ...

    @property
    def name_en(self) -> str: ...


def t(key: str, lang: str, **fields: object) -> str:
    """The text `key` in language `lang` ("zh" or "en"), with `fields` filled in."""
    text = STRINGS.get(lang, ZH)[key]
    return text.format(**fields) if fields else text


def name(thing: Named, lang: str) -> str:
    """A configured business type, priority class, counter or hall in `lang`."""
    return thing.name_en if lang == "en" else thing.name_zh


def minutes(value: float) -> str:
    """Whole minutes, never negative: a clerk reads "12", not "11.6"."""
    return str(max(0, round(value)))
