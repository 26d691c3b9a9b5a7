"""Everything the evaluator says, in Chinese and English: one dict per language and `t()`.

Names from the hall config (counters, the hall) and the core's dissatisfaction reasons
carry their own `name_zh` / `name_en`; `ui.text.name()` picks one.
"""

from __future__ import annotations

from ui.text import Texts

ZH: dict[str, str] = {
    "serving": "为您服务",
    "clerk": "{name}  工号 {id}",
    "closed": "暂停服务",
    "closed_hint": "本窗口暂无工作人员",
    "paused_hint": "{name}（工号 {id}）暂时离开",
    "idle_hint": "办理完毕后请在此评价我们的服务",
    "reconnecting": "正在重新连接…",
    "ask": "请您对本次服务进行评价",
    "ask_ticket": "{number} · {name}（工号 {id}）",
    "ask_ticket_anon": "{number}",
    "score_4": "非常满意",
    "score_3": "满意",
    "score_2": "基本满意",
    "score_1": "不满意",
    "left": "请在 {s} 秒内评价",
    "reason_title": "很抱歉！请告诉我们不满意的原因",
    "skip": "跳过",
    "thanks": "谢谢您的评价！",
    "thanks_low": "谢谢！值班领导会跟进您的意见",
    "sending": "正在提交…",
    "language": "English",
    "keys_rate": "按 4（非常满意）至 1（不满意）评价",
    "keys_reason": "按 1-{n} 选择，0 跳过",
    "leader_title": "值班领导解锁",
    "staff_id": "工号",
    "pin": "密码",
    "unlock": "解锁",
    "cancel": "取消",
    "checking": "正在核对…",
    "not_leader": "只有值班领导可以关闭评价器",
    "system_fault": "系统故障，请联系工作人员",
}
"""Chinese, the default."""

EN: dict[str, str] = {
    "serving": "Serving you",
    "clerk": "{name}  staff no. {id}",
    "closed": "Closed",
    "closed_hint": "No one is at this counter",
    "paused_hint": "{name} (staff no. {id}) will be back shortly",
    "idle_hint": "Please rate our service here when you are done",
    "reconnecting": "Reconnecting…",
    "ask": "How satisfied are you with our service?",
    "ask_ticket": "{number} · {name} (staff no. {id})",
    "ask_ticket_anon": "{number}",
    "score_4": "Very satisfied",
    "score_3": "Satisfied",
    "score_2": "Fair",
    "score_1": "Dissatisfied",
    "left": "{s} s left to rate",
    "reason_title": "We are sorry! What went wrong?",
    "skip": "Skip",
    "thanks": "Thank you for your rating!",
    "thanks_low": "Thank you! The duty manager will follow it up",
    "sending": "Sending…",
    "language": "中文",
    "keys_rate": "Keys 4 (very satisfied) to 1 (dissatisfied) rate",
    "keys_reason": "Keys 1-{n} choose, 0 skips",
    "leader_title": "Duty leader unlock",
    "staff_id": "Staff id",
    "pin": "PIN",
    "unlock": "Unlock",
    "cancel": "Cancel",
    "checking": "Checking…",
    "not_leader": "Only the duty leader can close the evaluator",
    "system_fault": "System fault, please call a member of staff",
}
"""English."""

t = Texts(ZH, EN)
"""The text `key` in language `lang` ("zh" or "en"), with `fields` filled in."""
