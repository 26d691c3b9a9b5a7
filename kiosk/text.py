"""Everything the kiosk says, in Chinese and English: one dict per language and `t()`.

Names that come from the hall config (business types, priority classes, counters, the
hall) are not here; `ui.text.name()` picks the right one of their `name_zh` / `name_en`.
"""

from __future__ import annotations

from ui.text import Named, Texts

ZH: dict[str, str] = {
    "choose": "请选择业务",
    "keys_hint": "数字键 1-{n} 选业务 · 方向键移动 · 回车确认 · F2 English",
    "priority": "优先类别",
    "account": "户号：{value}",
    "account_none": "未输入（可选）",
    "feedback": "监督箱 · 意见建议",
    "language": "English / 中文",
    "issuing": "正在取号，请稍候…",
    "your_number": "您的号码",
    "ahead": "前面还有 {n} 人",
    "ahead_none": "前面没有人在等候",
    "wait": "预计等候约 {m} 分钟",
    "wait_unknown": "暂未开放办理此业务的窗口，请稍候",
    "go_to": "请到 {counter} 办理",
    "watch": "请留意叫号屏幕和语音提示",
    "printing": "正在打印号票…",
    "printed": "请取走您的号票",
    "printer_fault": "打印机故障，请记下您的号码",
    "touch_return": "触摸屏幕或按任意键返回",
    "reprint": "补打号票",
    "card_priority": "优先类别：{name}",
    "pad_title": "请输入户号",
    "pad_hint": "可用屏幕键盘或数字键输入",
    "ok": "确定",
    "cancel": "取消",
    "clear": "清除",
    "backspace": "退格",
    "fb_title": "监督箱 · 您的意见与建议",
    "fb_kind": "请选择意见类别（匿名）",
    "fb_counter": "涉及的窗口（可不选）",
    "fb_counter_n": "{n}号窗口",
    "fb_chosen": "已选择：{what}",
    "fb_body": "补充说明（可不填，有键盘时可输入）",
    "fb_number": "您的号码（可不填）",
    "fb_send": "提交",
    "fb_thanks": "感谢您的意见，值班领导会认真处理",
    "guide_title": "引导岗登录",
    "leader_title": "值班领导解锁",
    "staff_id": "工号",
    "pin": "密码",
    "sign_in": "登录",
    "unlock": "解锁退出",
    "checking": "正在核对…",
    "not_guide": "仅引导岗或值班领导可登录引导模式",
    "not_leader": "仅值班领导可以退出取号机",
    "guide_mode": "引导岗：{name}（{id}）",
    "guide_desk": "为客户办理：先选业务，再选操作",
    "selected": "已选业务：{business}",
    "selected_none": "未选业务",
    "counter": "窗口",
    "counter_prompt": "指定窗口",
    "note": "咨询备注（可选）",
    "g_issue": "取号 F3",
    "g_direct": "派往窗口 F4",
    "g_enquiry": "咨询登记 F5",
    "g_reprint": "补打 F6",
    "g_sign_out": "退出 F10",
    "pick_business": "请先选择业务",
    "pick_counter": "请先选择窗口",
    "enquiry_done": "已登记咨询：{business}",
    "no_ticket": "今天还没有发出号票",
    "system_fault": "系统故障，请联系工作人员",
}
"""Chinese, the default."""

EN: dict[str, str] = {
    "choose": "Please choose a service",
    "keys_hint": "Keys 1-{n} choose · arrows move · Enter takes · F2 中文",
    "priority": "Priority",
    "account": "Account: {value}",
    "account_none": "optional",
    "feedback": "Feedback box",
    "language": "English / 中文",
    "issuing": "Taking a number, one moment…",
    "your_number": "Your number",
    "ahead": "{n} ahead of you",
    "ahead_none": "Nobody is waiting ahead of you",
    "wait": "Estimated wait about {m} min",
    "wait_unknown": "No counter for this service is open yet, please wait",
    "go_to": "Please go to {counter}",
    "watch": "Please watch the screen and listen for your number",
    "printing": "Printing your ticket…",
    "printed": "Please take your ticket",
    "printer_fault": "Printer fault, please note your number",
    "card_priority": "Priority: {name}",
    "touch_return": "Touch the screen or press any key to return",
    "reprint": "Ticket reprinted",
    "pad_title": "Enter your account number",
    "pad_hint": "Use the keypad on screen or the digit keys",
    "ok": "OK",
    "cancel": "Cancel",
    "clear": "Clear",
    "backspace": "Delete",
    "fb_title": "Supervision box · your feedback",
    "fb_kind": "Choose what your feedback is (anonymous)",
    "fb_counter": "The counter concerned (optional)",
    "fb_counter_n": "Counter {n}",
    "fb_chosen": "Chosen: {what}",
    "fb_body": "More details (optional, if you have a keyboard)",
    "fb_number": "Your ticket number (optional)",
    "fb_send": "Send",
    "fb_thanks": "Thank you. The duty leader will look into it.",
    "guide_title": "Guide sign-in",
    "leader_title": "Duty leader unlock",
    "staff_id": "Staff id",
    "pin": "PIN",
    "sign_in": "Sign in",
    "unlock": "Unlock and exit",
    "checking": "Checking…",
    "not_guide": "Only a guide or the duty leader may use guide mode",
    "not_leader": "Only the duty leader can close the kiosk",
    "guide_mode": "Guide: {name} ({id})",
    "guide_desk": "For a customer: choose a service, then an action",
    "selected": "Service: {business}",
    "selected_none": "No service chosen",
    "counter": "Counter",
    "counter_prompt": "Choose a counter",
    "note": "Enquiry note (optional)",
    "g_issue": "Issue F3",
    "g_direct": "To counter F4",
    "g_enquiry": "Enquiry F5",
    "g_reprint": "Reprint F6",
    "g_sign_out": "Sign out F10",
    "pick_business": "Choose a service first",
    "pick_counter": "Choose a counter first",
    "enquiry_done": "Enquiry recorded: {business}",
    "no_ticket": "No ticket has been issued today",
    "system_fault": "System fault, please ask a member of staff",
}
"""English."""

t = Texts(ZH, EN)
"""The text `key` in language `lang` ("zh" or "en"), with `fields` filled in."""


def other_name(thing: Named, lang: str) -> str:
    """The same name in the other language: the small second line under a big label."""
    return thing.name_zh if lang == "en" else thing.name_en


def minutes(value: float) -> str:
    """A wait in whole minutes, at least 1: customers read "about 12", not "11.6"."""
    return str(max(1, round(value)))
