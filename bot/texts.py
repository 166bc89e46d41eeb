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
TOPIC_HEADER_HINT = "Сообщения покупателя появляются здесь."
TOPIC_RECREATED = "♻️ Прежняя тема этого чата была удалена, переписка продолжается здесь."

IMAGE_LINK = "🖼 Изображение: {link}"
IMAGE_UNAVAILABLE = "🖼 Изображение (не удалось загрузить)"
IMAGE_ON_MODERATION = "🖼 Изображение на модерации Ozon"
IMAGE_REJECTED = "🖼 Изображение не прошло модерацию Ozon"
EMPTY_MESSAGE = "(пустое сообщение)"
MESSAGE_TOO_LONG_TAIL = "… (сообщение сокращено, полностью — в кабинете Ozon)"
MESSAGE_UNSHOWABLE = (
    "⚠️ Сообщение покупателя не удалось показать в Telegram. Откройте чат в кабинете Ozon."
)

DATETIME_FORMAT = "%d.%m.%Y %H:%M"
TIME_FORMAT = "%H:%M"
