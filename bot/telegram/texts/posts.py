"""What topics show of buyer chats: names, opening posts, authors, marks (HTML; values escaped)."""

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

SANDBOX_TOPIC_PREFIX = "🧪 Песочница · "
SANDBOX_NO_CABINET = (
    "🧪 Это песочница: покупатель и Ozon — имитация бриджа, настоящим покупателям ничего "
    "не уходит, кабинета продавца у этого чата нет."
)
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
# Stands in, in its place, for a message Ozon sent in a shape the bridge cannot read (Markdown).
MESSAGE_UNREADABLE = (
    "⚠️ Бридж не смог прочитать это сообщение: Ozon прислал его в незнакомом виде. "
    "Откройте чат в кабинете Ozon, чтобы его увидеть."
)
# Over a message the buyer changed after it was shown: the post answers the old one.
MESSAGE_EDITED = "✏️ Сообщение изменено, новый текст:"
PICTURE_UNDER_MODERATION = "🕓 Изображение ещё на модерации Ozon."
PICTURE_REJECTED = "🚫 Изображение отклонено модерацией Ozon и не показано."
# Over a message whose earlier post Telegram never confirmed (a restart, a lost answer).
MAYBE_SHOWN_ALREADY = (
    "♻️ Возможно, это сообщение уже есть выше: Telegram не подтвердил его отправку."
)

DATETIME_FORMAT = "%d.%m.%Y %H:%M"
