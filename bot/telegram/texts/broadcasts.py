"""/broadcast: its preview, progress, report, list and refusals."""

from __future__ import annotations

# --- Broadcasts -------------------------------------------------------------------------------

BROADCAST_USAGE = "Напишите текст: <code>/broadcast [фильтры] текст</code>, или ответьте командой <code>/broadcast</code> на сообщение с текстом. Фильтры — в /help."
BROADCAST_REFUSED = "🚫 Рассылка не создана: {reason}."
BROADCAST_NOBODY = "Никому: ни один чат не подходит.{left_out}"
BROADCAST_PREVIEW = """📣 <b>Рассылка №{job_id}: предпросмотр</b>
Получателей: {count}. Займёт примерно {duration}.{left_out}

<b>Примеры:</b>
{samples}

Ничего не отправлено. Подтвердите в течение 15 минут."""
BROADCAST_SAMPLE = "— {text}"
BROADCAST_LEFT_OUT_HEAD = "\nНе попали в рассылку:"
BROADCAST_LEFT_OUT = {
    "closed": "чат закрыт",
    "window_closed": "окно ответа закрыто (покупатель не писал 48 часов)",
    "unread": "есть непрочитанные",
    "not_repeat": "покупатель с одним чатом",
    "not_recent": "покупатель давно не писал",
    "no_value": "нет данных для подстановки",
}
BROADCAST_LEFT_OUT_LINE = "\n• {reason}: {count}"
BROADCAST_CONFIRM = "Отправить"
BROADCAST_CANCEL = "Отменить"
BROADCAST_CONFIRMED = "Рассылка запущена"
BROADCAST_CANCELLED_ANSWER = "Рассылка отменена"
BROADCAST_CANCELLED_PREVIEW = "📣 Рассылка №{job_id} отменена: ничего не отправлено."
BROADCAST_PROGRESS = "📣 <b>Рассылка №{job_id}</b>: доставлено {delivered} из {total}, в пути {in_flight}, не доставлено {failed}."
BROADCAST_REPORT = """📣 <b>Рассылка №{job_id} {outcome}</b>
Доставлено: {delivered} из {total}
Не доставлено: {failed}{reasons}
Пропущено: {skipped}"""
BROADCAST_OUTCOME = {"done": "завершена", "cancelled": "отменена"}
BROADCAST_REASON_LINE = "\n• {reason}: {count}"
BROADCAST_LIST_EMPTY = "Рассылок ещё не было."
BROADCAST_LIST_HEAD = "<b>Последние рассылки</b>"
BROADCAST_LIST_LINE = "№{job_id} · {created} · {state} · получателей {total}: {text}"
BROADCAST_TIME_FORMAT = "%d.%m %H:%M"  # in TIMEZONE
BROADCAST_STATES = {
    "preview": "предпросмотр",
    "running": "идёт",
    "done": "завершена",
    "cancelled": "отменена",
    "expired": "не подтверждена",
}

# Why a /broadcast (or its button) was refused, by `bot.core.broadcast.command.Refusal`.
BROADCAST_REFUSALS = {
    "no_text": "нет текста рассылки",
    "unknown_placeholder": "неизвестная подстановка {{{name}}}; можно: {known}",
    "bad_placeholder": (
        "подстановка {written} записана неверно: пишите имя в фигурных скобках без пробелов и "
        "знаков, например {{order_number}}"
    ),
    "unpaired_brace": (
        "в тексте непарная фигурная скобка; чтобы написать саму скобку, удвойте её: {{{{ или }}}}"
    ),
    "text_length": (
        "текст для чата {chat} получается длиной {length} символов, а Ozon принимает от 1 до "
        "{limit}"
    ),
    "preview_expired": "предпросмотр устарел (15 минут): отправьте команду заново",
    "already_decided": "эта рассылка уже подтверждена или отменена",
    "already_finished": "эта рассылка уже закончена",
    "not_found": "рассылка не найдена",
    "not_yours": "кнопки этой рассылки — только для того, кто её начал",
}
