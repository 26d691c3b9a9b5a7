"""Everything the displays say, in Chinese and English: one dict per language and `t()`.

A display speaks to everyone in the hall at once, so it shows every language the hall
offers together (Chinese first, English beneath), never one at a time.
"""

from __future__ import annotations

from ui.text import Texts

ZH: dict[str, str] = {
    "please": "请",
    "number_suffix": "号",
    "to": "到",
    "counter_suffix": "号窗口",
    "call": "请 {number} 号　到 {counter} 号窗口",
    "recall": "重呼",
    "waiting_turn": "待播报",
    "no_calls": "欢迎光临，请取号等候",
    "recent": "最近叫号",
    "number": "号码",
    "counter": "窗口",
    "queues": "排队等候",
    "business": "业务",
    "waiting": "等候人数",
    "wait": "预计等候",
    "reconnecting": "正在重新连接…",
    "loading": "正在读取…",
    "serving": "正在办理",
    "called": "请 {number} 号",
    "idle": "欢迎光临 · 空闲",
    "closed": "暂停服务",
    "paused": "暂停服务",
    "handler": "工作人员",
    "staff_id": "工号",
    "nobody": "本窗口暂无工作人员",
    "notice": "公告",
    "voice_off": "语音播报已关闭",
    "get_ready": "请 {number} 号准备",
    "next_none": "暂无等候",
    "free": "空闲",
    "paused_short": "暂停",
    "closed_short": "关闭",
    "counters": "窗口状态",
    "no_counter": "暂无窗口",
    "leader_title": "值班领导解锁",
    "pin": "密码",
    "cancel": "取消",
    "unlock": "解锁",
    "checking": "正在核对…",
    "system_fault": "系统故障，请联系值班领导",
}
"""Chinese, the first language."""

EN: dict[str, str] = {
    "please": "No.",
    "number_suffix": "",
    "to": "to",
    "counter_suffix": "",
    "call": "Number {number}, please go to {counter}",
    "recall": "Repeat call",
    "waiting_turn": "next",
    "no_calls": "Welcome. Please take a number and wait to be called",
    "recent": "Latest calls",
    "number": "Number",
    "counter": "Counter",
    "queues": "Waiting",
    "business": "Service",
    "waiting": "Waiting",
    "wait": "Est. wait",
    "reconnecting": "Reconnecting…",
    "loading": "Loading…",
    "serving": "Now serving",
    "called": "Calling {number}",
    "idle": "Welcome · Available",
    "closed": "Closed",
    "paused": "Paused",
    "handler": "Staff",
    "staff_id": "Staff no.",
    "nobody": "No one is at this counter",
    "notice": "Notice",
    "voice_off": "Voice off",
    "get_ready": "{number} get ready",
    "next_none": "No one waiting",
    "free": "Free",
    "paused_short": "Paused",
    "closed_short": "Closed",
    "counters": "Counters",
    "no_counter": "no counter",
    "leader_title": "Duty leader unlock",
    "pin": "PIN",
    "cancel": "Cancel",
    "unlock": "Unlock",
    "checking": "Checking…",
    "system_fault": "System fault: please call the duty leader",
}
"""English."""

t = Texts(ZH, EN)
"""The text `key` in language `lang` ("zh" or "en"), with `fields` filled in."""


def both(key: str, languages: tuple[str, ...], **fields: object) -> str:
    """The text in every language the hall offers, in the hall's order, "/" between."""
    return " / ".join(t(key, lang, **fields) for lang in languages)
