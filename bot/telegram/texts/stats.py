"""/stats and the weekly digest: Ozon's grades, the team's figures, the chart's labels."""

from __future__ import annotations

STATS_TITLE = "📊 <b>Как быстро мы отвечаем</b> — {made_at}"
STATS_GRADES = "<b>Оценки Ozon</b> (за 30 дней)"
STATS_GRADE = "{mark} {name}: <b>{value}</b>{trend}"
STATS_GRADE_TREND = " — {change} (было {past})"
STATS_GRADE_HISTORY = "; за 30 дней: {first} → {last}"
STATS_GRADE_MISSING = "• Ozon пока не даёт: {names} (у Ozon нет данных за период)"
STATS_GRADES_NO_ROLE = (
    "• Оценки Ozon недоступны: у ключа API нет роли, которая читает рейтинги. Выпустите ключ с "
    "ролью для рейтингов в «Настройки → Seller API» и задайте его в OZON_API_KEY."
)
STATS_GRADES_NOT_ALLOWED = "• Ozon не отдаёт оценки этому ключу: {detail}"
STATS_GRADES_UNAVAILABLE = "• Ozon сейчас не ответил на запрос оценок; попробуйте позже."
STATUS_MARKS = {"OK": "✅", "WARNING": "⚠️", "CRITICAL": "🔴"}
STATUS_MARK_UNKNOWN = "▫️"
CHANGE_GOOD = "лучше"
CHANGE_BAD = "хуже"
CHANGE_SAME = "без изменений"
GRADE_NAMES = {
    "rating_reaction_time": "Время реакции на первое сообщение",
    "rating_average_response_time": "Среднее время ответа",
    "rating_replied_dialogs_ratio": "Диалоги с ответом за 24 ч",
}

STATS_PERIOD = "<b>За {days} дней</b>{partial}"
STATS_PARTIAL = " (учёт ведётся с {since})"
STATS_DIALOGS = "Диалогов: {dialogs}, сообщений покупателей: {messages}"
STATS_FIRST_REPLY = "Первый ответ: медиана — {median}, 90-й процентиль — {p90}"
STATS_NO_REPLY_YET = "Первый ответ: ещё ни один диалог этого периода не получил ответа"
STATS_IN_24H = "Отвечено за 24 ч: {share}"
STATS_IN_24H_UNKNOWN = "Отвечено за 24 ч: пока не видно — нет диалогов старше суток"
STATS_MISSED = "Упущено окон ответа (48 ч без ответа): {missed}"
STATS_WAITING = "Ждут ответа сейчас: {waiting}"
STATS_STAFF = "<b>Кто отвечает</b> (30 дней)"
STATS_STAFF_LINE = "• {name} — ответов: {replies}, первый ответ: {median}"
STATS_STAFF_NO_FIRST = "не было"
STATS_STAFF_UNKNOWN = "до того, как бридж стал запоминать автора"
STATS_STAFF_NONE = "• Ответов из Telegram за период не было"
STATS_CABINET = "Из кабинета Ozon: {count}"
STATS_DRAFTS = (
    "✍️ Отправлено из черновиков: {replies} ({share} ответов из Telegram), от сообщения "
    "покупателя до ответа — медиана {median}"
)
STATS_DRAFTS_NO_MEDIAN = "—"
STATS_CHART_CAPTION = "Диалоги по дням и медиана первого ответа, 30 дней"
STATS_DIGEST_TITLE = "🗓 <b>Еженедельная сводка</b>"

CHART_TITLE = "Диалоги и первый ответ за 30 дней"
CHART_DIALOGS = "Диалогов начато"
CHART_REPLY = "Медиана первого ответа, ч"
CHART_NO_DATA = "За 30 дней диалогов не было"
