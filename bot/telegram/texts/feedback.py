"""Reviews and product questions in the forum: the two topics' names (a contract: tests and staff
find them by these), the posts, what staff are told when they answer, the queue's and the
reminders' lines, the statistics, and the status and alerts about a subscription Ozon refuses.
HTML templates; values are escaped where they are filled in."""

from __future__ import annotations

TOPIC_REVIEWS = "⭐ Отзывы"
TOPIC_QUESTIONS = "❓ Вопросы"

# --- posts ------------------------------------------------------------------------------------
REVIEW_TITLE = "{stars} <b>Отзыв: {rating} из 5</b>"
REVIEW_NO_RATING = "⭐ <b>Отзыв</b>"
QUESTION_TITLE = "❓ <b>Вопрос о товаре</b>"
PRODUCT = "📦 {name} · SKU <code>{sku}</code>"
PRODUCT_UNNAMED = "📦 SKU <code>{sku}</code>"
PRODUCT_UNKNOWN = "📦 Товар не указан"
AUTHOR = "👤 {author}"
NO_TEXT = "<i>Без текста — только оценка.</i>"
TEXT_CUT = "… (текст сокращён, полностью — в кабинете Ozon)"
ORDER_DELIVERED = "✅ Заказ доставлен"
ORDER_CANCELLED = "↩️ Заказ отменён: отзыв не влияет на рейтинг товара"
PUBLISHED = "🕒 {time}"
PHOTO_LINKS = "📷 Фото: {links}"
PHOTO_LINK = '<a href="{url}">{number}</a>'
PHOTOS_IN_CABINET = "📷 Фото: {count} — в кабинете Ozon"
QUESTION_LINK = '🔗 <a href="{url}">Вопрос на странице товара</a>'
HOW_TO_ANSWER = (
    "↩️ Ответьте на это сообщение, чтобы ответить на Ozon; /done в ответ — ответ не нужен."
)
OUTCOME_ANSWERED = "✅ <b>Ответ опубликован</b> — {name}"
OUTCOME_CABINET = "✅ <b>Обработан в кабинете Ozon</b>"
OUTCOME_DONE = "☑️ <b>Ответ не нужен</b> — отметил(а) {name}"
TIME_FORMAT = "%d.%m.%Y %H:%M"

# --- answering ----------------------------------------------------------------------------
ANSWER_HOW = (
    "ℹ️ Здесь отвечают на {what}: ответьте (reply) на сообщение бота с {one} — текст уйдёт в "
    "Ozon как ответ продавца. /done в ответ на него — ответ не нужен. Сообщения, которые ни на "
    "что не отвечают, и заметки // остаются в Telegram."
)
ANSWER_WHAT = {"review": ("отзывы", "отзывом"), "question": ("вопросы", "вопросом")}
ANSWER_NOT_TEXT = (
    "🚫 Ozon принимает в ответ только текст: фото, файлы и стикеры не отправляются. "
    "Ничего не отправлено — напишите ответ текстом."
)
ANSWER_TOO_SHORT = (
    "🚫 Ответ слишком короткий: Ozon принимает от {low} символов. Ничего не отправлено."
)
ANSWER_TOO_LONG = (
    "🚫 Ответ слишком длинный: Ozon принимает от {low} до {high} символов, а здесь {length}. "
    "Ничего не отправлено — сократите его."
)
ANSWER_COMMAND = (
    "ℹ️ Команды бриджа работают в теме General или в личном чате с ботом; здесь — только /done "
    "в ответ на отзыв или вопрос. Ничего не отправлено."
)
DONE_MARKED = "☑️ Ответ не нужен — отметил(а) {name}. Ozon узнает, что это обработано."
DONE_ALREADY = "ℹ️ На это уже ответили или отметили, что ответ не нужен."
DONE_NO_TARGET = "ℹ️ /done пишут в ответ (reply) на сообщение бота с отзывом или вопросом."

# --- the desk ---------------------------------------------------------------------------------
QUEUE_FEEDBACK_TITLE = "<b>Ждут ответа на Ozon: {count}</b>"
QUEUE_QUESTION = "{number}. ❓ {link} — {product}, ждёт {waited}"
QUEUE_REVIEW = "{number}. {stars} {link} — {product}, ждёт {waited}"
QUEUE_LINK_QUESTION = "вопрос"
QUEUE_LINK_REVIEW = "отзыв"
QUEUE_NOT_POSTED = "{what} (ещё не в теме)"
QUEUE_PRODUCT_SKU = "SKU {sku}"
REMINDER_QUESTIONS = "⏰ <b>Вопросы покупателей ждут ответа дольше {threshold}:</b>"
REMINDER_QUESTION = "• {link} — {product}, ждёт {waited}"

# --- statistics -------------------------------------------------------------------------------
STATS_FEEDBACK_TITLE = "<b>Отзывы и вопросы</b>"
STATS_KIND = {"review": "Отзывы", "question": "Вопросы"}
STATS_KIND_LINE = "{kind} за {days} дн: {count}, отвечено {share}, медиана до ответа {median}"
STATS_KIND_NONE = "{kind} за {days} дн: не было"
STATS_NO_ANSWER_YET = "ещё ни на один не ответили"
STATS_SHARE_UNKNOWN = "—"

# --- status and alerts ------------------------------------------------------------------------
STATUS_FEEDBACK_OFF = "\n⚠️ {what}: {why}"
STATUS_WHAT = {"review": "Отзывы не приходят", "question": "Вопросы не приходят"}
WHY_OFF = {
    "review": {
        "NO_SUBSCRIPTION": (
            "Ozon отказывает — в подписке нет «Управления отзывами» или Premium Pro"
        ),
        "MISSING_ROLE": "у ключа API нет роли для отзывов",
    },
    "question": {
        "NO_SUBSCRIPTION": "Ozon отказывает — в подписке нет Premium Plus",
        "MISSING_ROLE": "у ключа API нет роли для вопросов",
    },
}
ALERT_FEEDBACK_OFF = (
    "⚠️ <b>{what}</b>: {why}. Чаты работают как обычно. Мост спрашивает Ozon раз в час; "
    "чтобы не спрашивать, выключите <code>{setting}</code>."
)
ALERT_FEEDBACK_OFF_END = "✅ {what} снова приходят (перерыв {lasted})."
ALERT_WHAT = {"review": "Отзывы", "question": "Вопросы"}
ALERT_SETTING = {"review": "REVIEWS_ENABLED", "question": "QUESTIONS_ENABLED"}
