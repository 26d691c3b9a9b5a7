"""The words of a ticket's history, in Chinese and English: the event log's kinds by name
(`event_name`) and how their details read (`t`). Every app that shows a history (the duty
leader's console, the support desk) reads it in these words, so a step is named alike
wherever it is read."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ui.text import Texts

ZH: dict[str, str] = {
    "detail_sep": "：",
    "detail_join": "，",
    "at_counter_no": "{n}号窗口",
    "d_directed": "指定 {n}号窗口",
    "d_named": "指名叫号",
    "d_count": "第 {v} 次",
    "d_recalls": "重呼 {v} 次",
    "d_auto": "自动",
    "d_note": "备注：{v}",
    "d_reason": "原因：{v}",
    "d_remedy": "第 {v} 号补救",
    "d_complaint": "第 {v} 号投诉",
    "d_feedback": "第 {v} 条意见",
    "d_handler": "首办人 {who}",
    "d_support": "转给 {who}",
    "d_upheld": "投诉成立",
    "d_not_upheld": "投诉不成立",
    "d_question": "有疑问",
    "d_day": "营业日 {v}",
    "d_appointment": "预约签到（预约码 {v}）",
    "d_role": "岗位：{v}",
    "d_terminal": "终端：{v}",
    "d_notice": "公告：{v}",
    "d_at": "{v}",
    "d_called_at": "叫号时间 {v}",
    "rating_very_satisfied": "非常满意",
    "rating_satisfied": "满意",
    "rating_fair": "基本满意",
    "rating_dissatisfied": "不满意",
}
"""Chinese, the default."""

EN: dict[str, str] = {
    "detail_sep": ": ",
    "detail_join": ", ",
    "at_counter_no": "counter {n}",
    "d_directed": "sent to counter {n}",
    "d_named": "called by number",
    "d_count": "time {v}",
    "d_recalls": "recalled {v} times",
    "d_auto": "automatically",
    "d_note": "note: {v}",
    "d_reason": "reason: {v}",
    "d_remedy": "remedy #{v}",
    "d_complaint": "complaint #{v}",
    "d_feedback": "feedback #{v}",
    "d_handler": "handler {who}",
    "d_support": "to {who}",
    "d_upheld": "upheld",
    "d_not_upheld": "not upheld",
    "d_question": "a question",
    "d_day": "business day {v}",
    "d_appointment": "appointment check-in (code {v})",
    "d_role": "post: {v}",
    "d_terminal": "terminal: {v}",
    "d_notice": "notice: {v}",
    "d_at": "{v}",
    "d_called_at": "called at {v}",
    "rating_very_satisfied": "very satisfied",
    "rating_satisfied": "satisfied",
    "rating_fair": "fair",
    "rating_dissatisfied": "dissatisfied",
}
"""English."""

t = Texts(ZH, EN)
"""The text `key` in language `lang` ("zh" or "en"), with `fields` filled in."""

EVENTS: dict[str, tuple[str, str]] = {
    "issue": ("取号", "issue"),
    "enquiry": ("咨询解答", "enquiry answered"),
    "printer_fault": ("打印机故障", "printer fault"),
    "profile": ("调整业务", "work profile changed"),
    "staff_add": ("新增人员", "staff added"),
    "pin_failed": ("PIN 错误", "wrong PIN"),
    "pin_locked": ("账号锁定", "account locked"),
    "feedback_reply": ("回复意见", "feedback answered"),
    "feedback_close": ("意见已处理", "feedback handled"),
    "walk_in": ("直接受理", "walk in"),
    "call": ("叫号", "call"),
    "recall": ("重呼", "recall"),
    "no_show": ("过号", "no show"),
    "requeue": ("重新排队", "requeue"),
    "start": ("开始办理", "start"),
    "complete": ("办结", "complete"),
    "complete+away": ("办结（客户不在场）", "closed away"),
    "transfer": ("转办", "transfer"),
    "next_service": ("续办", "next service"),
    "refer": ("转后台", "refer"),
    "refer+again": ("再次转后台", "referred again"),
    "take": ("后台接单", "take"),
    "support_note": ("后台备注", "support note"),
    "return": ("后台回复", "return"),
    "set_aside": ("待客户补件", "set aside for the customer"),
    "resume": ("接回窗口办理", "served at the counter again"),
    "cancel": ("作废", "cancel"),
    "expire": ("日终作废", "voided at day close"),
    "rate": ("评价", "rate"),
    "not_rated": ("未评价", "not rated"),
    "complaint": ("投诉", "complaint"),
    "complaint_resolve": ("投诉处理", "complaint resolve"),
    "reassign": ("改派首办人", "reassign"),
    "reopen": ("重新办理", "reopen"),
    "remedy_grant": ("给予补救", "remedy grant"),
    "remedy_request": ("申请补救", "remedy request"),
    "remedy_approve": ("批准补救", "remedy approve"),
    "remedy_refuse": ("驳回补救", "remedy refuse"),
    "reprint": ("补打", "reprint"),
    "feedback": ("监督箱意见", "feedback"),
    "sign_in": ("签到", "sign in"),
    "sign_in+again": ("再次签到", "signed in again"),
    "sign_out": ("签退", "sign out"),
    "appointment_import": ("导入预约名单", "appointments imported"),
    "appointment_add": ("登记预约", "appointment added"),
    "appointment_missed": ("预约未到", "appointments missed"),
}
"""The event log's kinds as a person reads them, (Chinese, English); `KIND+FLAG` names the
kind when its detail carries that flag (`FLAGS`). Kinds not listed show as stored."""

ROLES: dict[str, tuple[str, str]] = {
    "guide": ("引导岗", "guide"),
    "clerk": ("工作岗", "counter clerk"),
    "support": ("服务岗（后台）", "support"),
    "leader": ("值班领导岗", "duty leader"),
}
"""A staff member's post, (Chinese, English)."""

TERMINALS: dict[str, tuple[str, str]] = {
    "kiosk": ("取号机", "kiosk"),
    "counter": ("{n}号窗口", "counter {n}"),
    "evaluator": ("{n}号窗口评价器", "evaluator of counter {n}"),
    "display": ("{n}号窗口显示屏", "display of counter {n}"),
    "support": ("后台服务台", "support desk"),
    "leader": ("值班领导台", "duty leader's console"),
}
"""Where a PIN was typed (`terminal`: "kiosk", "counter 3", "display"…), (Chinese, English);
`{n}` is the counter, a wall display has none."""

WALL_DISPLAY = ("大厅显示屏", "wall display")
"""The display without a counter."""

FLAGS = ("again", "away")
"""Detail flags that change what a step is called (a referral again, a completion with the
customer away); the name says them, so the details leave them out."""


def event_name(kind: str, lang: str, detail: Mapping[str, Any] | None = None) -> str:
    """An event kind as a person reads it, told apart by a flag of its `detail`."""
    flags = [f"{kind}+{flag}" for flag in FLAGS if (detail or {}).get(flag)]
    key = next((k for k in flags if k in EVENTS), kind)
    zh, en = EVENTS.get(key, (kind, kind.replace("_", " ")))
    return en if lang == "en" else zh
