"""Everything the support desk says, in Chinese and English: one dict per language and
`t()`; a ticket's history reads in `ui.history`'s words, as on the duty leader's console."""

from __future__ import annotations

from ui.text import Texts

ZH: dict[str, str] = {
    "signin_title": "服务岗 · 工作人员登录",
    "staff_id": "工号",
    "pin": "密码",
    "sign_in": "登录",
    "checking": "正在核对…",
    "not_support": "{id} 是{role}，服务岗只供服务岗人员和值班领导登录",
    "desk_title": "{hall} · 服务岗 · {name}（{id}）",
    "list_title": "待办转后台 {n} 件",
    "list_none": "没有待办的转后台事项",
    "line_pool": "{number} {business} · {handler} · 公共池",
    "line_mine": "{number} {business} · {handler} · 我的",
    "detail_none": "选择左侧一件事项查看",
    "detail_number": "{number} · {business}",
    "detail_handler": "首办责任人：{name}（{id}）",
    "detail_pool": "在公共池，待接单（F1 接单）",
    "detail_mine": "已由您接单",
    "detail_request": "需办理：{note}",
    "detail_account": "户号：{account}",
    "history": "经过",
    "a_take": "接单 F1",
    "a_note": "备注 F2",
    "a_done": "办结回复 F3",
    "a_question": "提问退回 F4",
    "a_sign_out": "签退 F12",
    "keys_hint": "↑↓ 选择 · t 接单 · n 备注 · d 办结 · q 提问 · l English",
    "ask_note": "备注 {number}：已做的工作或发现",
    "ask_done": "办结回复 {number}：办理结果（可选）",
    "ask_question": "提问退回 {number}：需首办责任人回答的问题",
    "need_referral": "请先选择一件事项",
    "done_take": "已接单 {number}",
    "done_note": "已为 {number} 添加备注",
    "done_done": "{number} 已回复首办责任人（办结）",
    "done_question": "{number} 已退回首办责任人（提问）",
    "system_fault": "系统故障，请联系管理员",
    "ok": "确定",
    "cancel": "取消",
}
"""Chinese, the default."""

EN: dict[str, str] = {
    "signin_title": "Support desk · staff sign-in",
    "staff_id": "Staff id",
    "pin": "PIN",
    "sign_in": "Sign in",
    "checking": "Checking…",
    "not_support": "{id} is a {role}: the support desk is for support staff and the duty leader",
    "desk_title": "{hall} · Support · {name} ({id})",
    "list_title": "Referrals waiting: {n}",
    "list_none": "No referrals waiting",
    "line_pool": "{number} {business} · {handler} · pool",
    "line_mine": "{number} {business} · {handler} · mine",
    "detail_none": "Choose a referral on the left",
    "detail_number": "{number} · {business}",
    "detail_handler": "Handler: {name} ({id})",
    "detail_pool": "In the pool, not taken yet (F1 takes it)",
    "detail_mine": "Taken by you",
    "detail_request": "Request: {note}",
    "detail_account": "Account: {account}",
    "history": "History",
    "a_take": "Take F1",
    "a_note": "Note F2",
    "a_done": "Done F3",
    "a_question": "Ask F4",
    "a_sign_out": "Logout F12",
    "keys_hint": "↑↓ choose · t take · n note · d done · q ask · l 中文",
    "ask_note": "Note on {number}: what you did or found",
    "ask_done": "Hand {number} back as done: outcome (optional)",
    "ask_question": "Hand {number} back with a question for the handler",
    "need_referral": "Choose a referral first",
    "done_take": "Took {number}",
    "done_note": "Note added to {number}",
    "done_done": "{number} handed back to its handler (done)",
    "done_question": "{number} handed back to its handler (question)",
    "system_fault": "System fault, please call the administrator",
    "ok": "OK",
    "cancel": "Cancel",
}
"""English."""

t = Texts(ZH, EN)
"""The text `key` in language `lang` ("zh" or "en"), with `fields` filled in."""

ROLES: dict[str, tuple[str, str]] = {
    "guide": ("引导岗", "guide"), "clerk": ("工作岗", "clerk"),
    "support": ("服务岗", "support"), "leader": ("值班领导", "duty leader"),
}


def role(name: str, lang: str) -> str:
    """A staff role in `lang`."""
    zh, en = ROLES.get(name, (name, name))
    return en if lang == "en" else zh
