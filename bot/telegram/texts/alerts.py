"""Alerts posted in General: trouble that began (what to do, naming the setting or the right)
and trouble that ended."""

from __future__ import annotations

ALERT_KEY_EXPIRING = (
    "⚠️ <b>Ключ Ozon API истекает {when}</b> (осталось {left}).\n"
    "Выпустите новый ключ в кабинете продавца (Настройки → Seller API) с ролью для чатов, "
    "впишите его в <code>OZON_API_KEY</code> и перезапустите мост; "
    "<code>python -m bot check</code> покажет новый срок."
)
ALERT_KEY_EXPIRING_END = "✅ Ключ Ozon API больше не истекает в ближайшие 14 дней."

ALERT_KEY_REFUSED = (
    "⛔ <b>Ozon не принимает ключ API</b>: новые сообщения покупателей не приходят, ответы "
    "не уходят.\n{advice}"
)
ALERT_KEY_INVALID = (
    "Скопируйте заново <code>OZON_CLIENT_ID</code> и <code>OZON_API_KEY</code> из кабинета "
    "продавца (Настройки → Seller API) и перезапустите мост."
)
ALERT_KEY_EXPIRED = (
    "Срок ключа истёк: выпустите новый в кабинете продавца (Настройки → Seller API), впишите "
    "его в <code>OZON_API_KEY</code> и перезапустите мост."
)
ALERT_KEY_NO_ROLE = (
    "У ключа нет роли для чатов: в кабинете продавца (Настройки → Seller API) дайте ключу "
    "роль с методами чатов или выпустите новый и впишите его в <code>OZON_API_KEY</code>."
)
ALERT_KEY_IP = (
    "Ozon не принимает запросы с адреса сервера моста: добавьте этот IP-адрес в список "
    "разрешённых для ключа (Настройки → Seller API)."
)
ALERT_KEY_OTHER = (
    "Проверьте <code>OZON_CLIENT_ID</code> и <code>OZON_API_KEY</code> командой "
    "<code>python -m bot check</code>: она скажет, что не так."
)
ALERT_KEY_REFUSED_END = "✅ Ozon снова принимает ключ API: сообщения идут (перерыв {lasted})."

ALERT_GROUP = "⛔ <b>Бот не может работать в группе</b>: {advice}"
ALERT_GROUP_NOT_FORUM = (
    "в группе выключены темы. Включите «Темы» в настройках группы: сообщения покупателей ждут "
    "и появятся после этого."
)
ALERT_GROUP_RIGHTS = (
    "у бота нет права управлять темами. Сделайте бота администратором группы с правом "
    "«Управление темами»."
)
ALERT_GROUP_KICKED = (
    "бота удалили из группы или запретили ему писать. Верните бота в группу администратором "
    "с правом «Управление темами»."
)
ALERT_GROUP_NO_CHAT = (
    "Telegram не знает группу <code>FORUM_CHAT_ID</code>. Проверьте идентификатор (вида "
    "-100…) и что бот состоит в группе."
)
ALERT_GROUP_MIGRATED = (
    "у группы новый идентификатор. Впишите его в <code>FORUM_CHAT_ID</code> и перезапустите мост."
)
ALERT_GROUP_UNAUTHORIZED = (
    "Telegram не принимает <code>BOT_TOKEN</code>. Впишите действующий токен из @BotFather и "
    "перезапустите мост."
)
ALERT_GROUP_END = "✅ Бот снова может работать в группе (перерыв {lasted})."

ALERT_NOT_SYNCED = (
    "⚠️ <b>Мост не получает чаты Ozon</b> с {since}: дольше трёх интервалов опроса "
    "(<code>POLL_INTERVAL_SECONDS</code>). Если Ozon недоступен, мост дождётся его сам; если "
    "нет — проверьте сеть сервера и <code>OZON_API_URL</code> "
    "(<code>python -m bot check</code>)."
)
ALERT_NOT_SYNCED_END = "✅ Мост снова получает чаты Ozon (перерыв {lasted})."
ALERT_SINCE_START = "запуска"
"""`{since}` of ALERT_NOT_SYNCED before the first successful read."""

ALERT_DATABASE = (
    "⛔ <b>База данных моста не принимает записи</b> (<code>DATABASE_PATH</code>): освободите "
    "место на диске или верните мосту права на файл. Пока так, новые сообщения не "
    "записываются; они придут из Ozon, когда запись снова станет возможна."
)
ALERT_DATABASE_END = "✅ База данных моста снова принимает записи (перерыв {lasted})."
