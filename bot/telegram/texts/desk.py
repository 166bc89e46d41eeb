"""The help desk: /queue, reminders, /done, and the way waiting times are written."""

from __future__ import annotations

QUEUE_TITLE = "<b>Ждут ответа: {count}</b>"
QUEUE_EMPTY = "✨ Никто не ждёт ответа."
QUEUE_LINE = "{number}. {topic} — ждёт {waited}, ответить можно ещё {left}"
QUEUE_LINE_CLOSED = "{number}. {topic} — ждёт {waited}, ⛔ окно ответа закрыто"
QUEUE_MORE = "…и ещё {count}"
QUEUE_CLOSED_HINT = (
    "Ozon не примет ответ в чате с закрытым окном (48 ч после последнего сообщения "
    "покупателя): /done в теме уберёт такой чат из очереди."
)
QUEUE_NOT_MEMBER = "⛔ Очередь видят только участники группы, куда бридж пересылает чаты."

REMINDER_TITLE = "⏰ <b>Ждут ответа дольше {threshold}:</b>"
REMINDER_CLOSING_TITLE = "🔥 <b>Окно ответа скоро закроется — ответьте сейчас:</b>"
REMINDER_LINE = "• {topic} — ждёт {waited}, ответить можно ещё {left}"

DONE_MARKED = "✅ Ответ не нужен — отметил(а) {name}. Чат убран из очереди."
DONE_BUT_NEWER = (
    "✅ На показанное в теме ответ не нужен — отметил(а) {name}. Но покупатель написал ещё, "
    "и этого в теме не было, когда вы отмечали: чат остаётся в очереди."
)
DONE_NOT_SHOWN = (
    "ℹ️ Покупатель написал то, чего в теме ещё не было, когда вы отмечали: чат остаётся в "
    "очереди. Прочитайте новое сообщение и ответьте или отметьте /done снова."
)
DONE_NOT_WAITING = "ℹ️ Этот чат и так не ждёт ответа."
DONE_OUTSIDE = (
    "ℹ️ /done пишут в теме покупателя, которому не нужен ответ (например, он просто "
    "поблагодарил): чат уйдёт из очереди."
)
DONE_UNKNOWN_TOPIC = "ℹ️ Эта тема не связана с чатом Ozon: отмечать нечего."
ANONYMOUS_ADMIN = "администратор группы"

TOPIC_NOT_YET = "{name} (темы ещё нет)"

DURATION_DAYS = "{days} дн {hours} ч"
DURATION_HOURS = "{hours} ч {minutes} мин"
DURATION_MINUTES = "{minutes} мин"
DURATION_NOW = "меньше минуты"

STATUS_DESK = "\nЖдут ответа: {waiting}{oldest}"
STATUS_DESK_OLDEST = " (дольше всех — {waited})"
STATUS_ICONS_OFF = "\n⚠️ Значки тем не меняются: {problem}"
