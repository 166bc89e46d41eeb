"""What staff are told about their messages: outcomes, notices, refusals of files."""

from __future__ import annotations

# --- Staff replies (Telegram -> Ozon) ---------------------------------------------------------

ECHO_SHORTENED = "… (сокращено)"
"""Ends staff text echoed back to staff when the whole would not fit in one message."""
REACTION_DELIVERED = "👌"
REACTION_FAILED = "👎"
RETRY_BUTTON = "Повторить"
RETRY_QUEUED = "Отправляю снова"
RETRY_NOTHING = "Повторять нечего: сообщение уже отправлено или ещё в очереди"

EDIT_DELIVERED = (
    "✏️ Ozon не умеет изменять отправленные сообщения: покупатель видит прежний текст. "
    "Если нужно поправиться, напишите новое сообщение."
)
EDIT_ON_ITS_WAY = (
    "✏️ Исправление не отправлено: исходное сообщение ещё в пути, и покупатель получит его "
    "в прежнем виде — Ozon не умеет изменять сообщения. Если нужно поправиться, напишите новое."
)
EDIT_REFUSED = (
    "✏️ Исправление не отправлено: исходное сообщение покупатель не получил (Ozon его не "
    "принял, причина — в ответе бота выше). Чтобы ответить, напишите новое сообщение."
)
EDIT_NOT_SENT = (
    "✏️ Исправление не отправлено: исходное сообщение покупателю не уходило (например, это "
    "была заметка //). Чтобы ответить покупателю, напишите новое сообщение."
)
UNSUPPORTED_CONTENT = {
    "sticker": "стикеры",
    "voice": "голосовые сообщения",
    "audio": "аудиофайлы",
    "video": "видео",
    "video_note": "видеосообщения",
    "animation": "GIF-анимации",
    "poll": "опросы",
    "location": "геопозиции",
    "venue": "места на карте",
    "contact": "контакты",
    "dice": "кубики и игры",
    "story": "истории",
    "game": "игры",
    "other": "такие сообщения",
}
UNNAMED_FILE = "файл"
UNSUPPORTED = (
    "🚫 Чат Ozon не принимает {what}: покупателю ничего не отправлено. "
    "Можно отправить текст, фото (JPEG, PNG, WEBP) или PDF до {max_mb} МБ."
)
FILE_TOO_LARGE = (
    "🚫 Файл «{name}» весит {size_mb} МБ, а можно не больше {max_mb} МБ: покупателю ничего "
    "не отправлено."
)
FILE_WRONG_TYPE = (
    "🚫 Файл «{name}» не подходит: Ozon принимает только JPEG, PNG, WEBP и PDF. "
    "Покупателю ничего не отправлено."
)
TEXT_TOO_LONG = (
    "🚫 Сообщение слишком длинное: Ozon принимает до {limit} символов, такой текст ушёл бы "
    "{parts} частями, а можно не больше {max_parts}. Сократите его — покупателю ничего "
    "не отправлено."
)
STORAGE_REFUSED = (
    "база данных бриджа сейчас не принимает записи (например, закончилось место на диске); "
    "попробуйте позже"
)
COMMAND_IN_TOPIC = (
    "ℹ️ Команды бриджа работают в теме General или в личном чате с ботом. "
    "Покупателю ничего не отправлено."
)
BRIDGE_POST_FORWARDED = (
    "🚫 Это пересланное сообщение бриджа: в нём могут быть данные другого чата (номер заказа, "
    "ссылка на кабинет, слова другого покупателя). Покупателю ничего не отправлено — напишите "
    "ответ своими словами."
)
TOPIC_NOT_LINKED = (
    "⚠️ Эта тема не связана ни с одним чатом Ozon (бридж создал её, но не запомнил, или заменил "
    "новой). Покупателю ничего не отправлено: ответьте в теме с его сообщениями — она "
    "называется так же."
)
NOT_ACCEPTED_STORAGE = (
    "🚫 Сообщение не принято: база данных бриджа сейчас не принимает записи (например, "
    "закончилось место на диске). Покупателю ничего не отправлено — отправьте его ещё раз, "
    "когда администратор устранит проблему."
)

FAILED_HEADER = "⚠️ Сообщение не доставлено покупателю."
FAILED_PARTIAL = "⚠️ Доставлено частей: {delivered} из {total}, остальные не доставлены."
FAILURE_REASONS = {
    "window_closed": (
        "Ozon больше не принимает сообщения в этот чат: окно для ответа закрыто (48 часов после "
        "последнего сообщения покупателя; для FBS/rFBS — до 72 часов после доставки)."
    ),
    "no_premium": (
        "Для отправки сообщений покупателям нужна подписка Premium Plus или Premium Pro."
    ),
    "key_expired": (
        "Срок действия API-ключа Ozon истёк. Администратору нужно выпустить новый ключ "
        "с ролью для чатов."
    ),
    "no_role": "У API-ключа Ozon нет роли для работы с чатами. Нужен ключ с этой ролью.",
    "auth": "Ozon не принял ключ API. Администратору нужно проверить настройки бриджа.",
    "rejected": "Ozon отклонил сообщение: {detail}",
    "chat_not_found": "Ozon не нашёл этот чат (или отзыв, вопрос: его могли удалить).",
    "file_too_large": "Файл больше {max_mb} МБ.",
    "file_wrong_type": "Файл не JPEG, PNG, WEBP или PDF.",
    "file_unavailable": "Не удалось скачать файл из Telegram.",
    "unavailable": "Ozon не отвечает или перегружен; попытки исчерпаны.",
    "previous_part": "Не отправлено, потому что не ушла предыдущая часть.",
    "unconfirmed": (
        "Ozon мог принять ответ, но ещё не показывает его: ответы продавца проходят модерацию. "
        "Проверьте в кабинете Ozon, прежде чем отправлять снова — иначе ответ может появиться "
        "дважды."
    ),
    "no_subscription": (
        "Ozon не принимает ответ: в подписке продавца нет работы с отзывами («Управление "
        "отзывами» или Premium Pro) или с вопросами (Premium Plus)."
    ),
}
FAILED_RETRY_HINT = "Нажмите «Повторить», когда причина будет устранена."

# What staff are told about a message of theirs, by `bot.core.replies.notices.NoticeKind` (HTML templates;
# values are escaped).
NOTICES = {
    "unsupported": UNSUPPORTED,
    "file_too_large": FILE_TOO_LARGE,
    "file_wrong_type": FILE_WRONG_TYPE,
    "text_too_long": TEXT_TOO_LONG,
    "command_in_topic": COMMAND_IN_TOPIC,
    "bridge_post_forwarded": BRIDGE_POST_FORWARDED,
    "topic_not_linked": TOPIC_NOT_LINKED,
    "not_accepted_storage": NOT_ACCEPTED_STORAGE,
    "edit_delivered": EDIT_DELIVERED,
    "edit_on_its_way": EDIT_ON_ITS_WAY,
    "edit_refused": EDIT_REFUSED,
    "edit_not_sent": EDIT_NOT_SENT,
}
