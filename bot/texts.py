"""Every buyer- and staff-facing string, in Russian, in one place.

Templates use `str.format` fields; values substituted into HTML templates are escaped by the caller.
"""

from __future__ import annotations

# Who wrote a message, by Ozon's user type (normalised upper-case).
AUTHOR_LABELS = {
    "CUSTOMER": "👤 Покупатель",
    "SELLER": "🏪 Продавец (из кабинета Ozon)",
    "SUPPORT": "🛟 Поддержка Ozon",
    "COURIER": "🚚 Курьер",
    "CRM": "⚙️ Ozon",
    "NOTIFICATION_USER": "🔔 Уведомление Ozon",
    "UNKNOWN": "❔ Участник чата",
}

TOPIC_NAME_ORDER = "Заказ {order_number}"
TOPIC_NAME_ORDER_SKU = "Заказ {order_number} · SKU {sku}"
TOPIC_NAME_SKU = "SKU {sku}"
TOPIC_NAME_CHAT = "Чат {short_id}"

# The opening message of a topic (HTML; values are escaped).
TOPIC_HEADER_TITLE = "💬 <b>Чат с покупателем Ozon</b>"
TOPIC_HEADER_ORDER = "Заказ: <code>{order_number}</code>"
TOPIC_HEADER_SKU = "SKU: <code>{sku}</code>"
TOPIC_HEADER_CHAT = "ID чата: <code>{chat_id}</code>"
TOPIC_HEADER_CREATED = "Чат создан: {created}"
TOPIC_HEADER_LINK = '<a href="{url}">Открыть чат в кабинете продавца</a>'
TOPIC_RECREATED = "♻️ Прежняя тема этого чата была удалена, переписка продолжается здесь."

IMAGE_LINK = "🖼 Изображение: {link}"
EMPTY_MESSAGE = "(пустое сообщение)"
MESSAGE_TOO_LONG_TAIL = "… (сообщение сокращено, полностью — в кабинете Ozon)"
MESSAGE_UNSHOWABLE = (
    "⚠️ Сообщение покупателя не удалось показать в Telegram. Откройте чат в кабинете Ozon."
)

DATETIME_FORMAT = "%d.%m.%Y %H:%M"

# --- Staff replies (Telegram -> Ozon) ---------------------------------------------------------

REACTION_DELIVERED = "👌"
REACTION_FAILED = "👎"
RETRY_BUTTON = "Повторить"
RETRY_QUEUED = "Отправляю снова"
RETRY_NOTHING = "Повторять нечего: сообщение уже отправлено или ещё в очереди"

EDIT_NOT_POSSIBLE = (
    "✏️ Ozon не умеет изменять отправленные сообщения: покупатель видит прежний текст. "
    "Если нужно поправиться, напишите новое сообщение."
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
    "other": "такие сообщения",
}
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
    "chat_not_found": "Ozon не нашёл этот чат.",
    "file_too_large": "Файл больше {max_mb} МБ.",
    "file_wrong_type": "Файл не JPEG, PNG, WEBP или PDF.",
    "file_unavailable": "Не удалось скачать файл из Telegram.",
    "unavailable": "Ozon не отвечает или перегружен; попытки исчерпаны.",
    "previous_part": "Не отправлено, потому что не ушла предыдущая часть.",
}
FAILED_RETRY_HINT = "Нажмите «Повторить», когда причина будет устранена."
