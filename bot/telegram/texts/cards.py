"""The order card at the top of a buyer's topic, and /card."""

from __future__ import annotations

CARD_TITLE = "📦 <b>Заказ</b>"
CARD_LOADING = "⏳ Сведения о заказе загружаются…"
CARD_POSTING = "• <code>{number}</code> · {scheme} · {status}"
CARD_SHIP_BY = "отгрузить до {date}"
CARD_HANDED_OVER = "передан в доставку {date}"
CARD_DELIVERY = "доставка {window}"
CARD_TRACKING = "трек-номер <code>{tracking}</code>"
CARD_PRODUCT_LINE = "  — {name}{offer}{quantity}{price}"
CARD_OFFER = " (арт. {offer_id})"
CARD_QUANTITY = " × {quantity}"
CARD_PRICE = " — {price}"
CARD_PRODUCT = "🛍 Товар: {name}{offer}{price}"
CARD_NO_POSTINGS = "Отправлений этого заказа Ozon не нашёл (заказ старше полугода или не ваш)."
CARD_REFUSED = {
    "postings": "ключ API не даёт читать отправления",
    "products": "ключ API не даёт читать товары",
}
CARD_REFUSED_LINE = "ℹ️ Не всё известно: {what} (нужна роль ключа, см. python -m bot check)."
CARD_UNAVAILABLE = "⚠️ Ozon пока не ответил о заказе; карточка дополнится сама."
CARD_KEPT = "⚠️ Ozon сейчас не ответил о заказе: показаны прежние сведения."
CARD_NOTHING = "ℹ️ В этом чате не упоминается заказ или товар: карточке нечего показать."
CARD_REFRESHED = "🔄 Карточка заказа обновлена."
CARD_UNCHANGED = "🔄 Карточка заказа проверена: у Ozon нового нет."
CARD_REPOSTED = "🔄 Карточка заказа показана новым сообщением."
CARD_REPOSTED_WHY = (
    "🔄 Карточка заказа показана новым сообщением: первый пост темы Telegram изменить не дал "
    "(«{reason}»)."
)
CARD_NOT_SHOWN = "⚠️ Карточку заказа не удалось показать: Telegram ответил «{reason}»."
CARD_NO_POST = (
    "⚠️ Карточку заказа сейчас негде показать: она появится в теме со следующим сообщением "
    "покупателя."
)
CARD_OZON_KEPT = (
    "⚠️ Ozon сейчас не ответил о заказе: в карточке остались прежние сведения, бот спросит ещё "
    "раз сам."
)
CARD_OZON_SILENT = "⚠️ Ozon сейчас не ответил о заказе: карточка дополнится, когда ответит."
CARD_DATE_FORMAT = "%d.%m"
CARD_STATUSES = {
    "awaiting_registration": "ожидает регистрации",
    "acceptance_in_progress": "идёт приёмка",
    "awaiting_approve": "ожидает подтверждения",
    "awaiting_packaging": "ожидает сборки",
    "awaiting_deliver": "ожидает отгрузки",
    "arbitration": "арбитраж",
    "client_arbitration": "арбитраж клиента",
    "delivering": "доставляется",
    "driver_pickup": "у водителя",
    "delivered": "доставлен",
    "cancelled": "отменён",
    "not_accepted": "не принят на сортировке",
    "sent_by_seller": "отправлен продавцом",
}
CURRENCIES = {"RUB": "₽", "BYN": "Br", "KZT": "₸", "USD": "$", "EUR": "€", "CNY": "¥"}
