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

# --- Staff replies (Telegram -> Ozon) ---------------------------------------------------------

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
    "chat_not_found": "Ozon не нашёл этот чат.",
    "file_too_large": "Файл больше {max_mb} МБ.",
    "file_wrong_type": "Файл не JPEG, PNG, WEBP или PDF.",
    "file_unavailable": "Не удалось скачать файл из Telegram.",
    "unavailable": "Ozon не отвечает или перегружен; попытки исчерпаны.",
    "previous_part": "Не отправлено, потому что не ушла предыдущая часть.",
}
FAILED_RETRY_HINT = "Нажмите «Повторить», когда причина будет устранена."

# --- Admin commands ---------------------------------------------------------------------------

NOT_DONE_STORAGE = (
    "⚠️ Не выполнено: база данных бриджа сейчас не принимает записи (например, закончилось "
    "место на диске). Попробуйте позже; администратор увидит причину в /status."
)
HANDLER_FAILED = (
    "⚠️ Бридж не смог выполнить это из-за внутренней ошибки; подробности — в его журнале. "
    "Попробуйте ещё раз или сообщите администратору."
)
NOT_ADMIN = "⛔ Эта команда только для администраторов бриджа."
NOT_ADMIN_ANONYMOUS = (
    "⛔ Вы пишете анонимно, от имени группы, а команды бриджа разрешены только людям из "
    "ADMIN_IDS: бот не может узнать, кто вы. Отключите «Анонимность» в своих правах "
    "администратора или напишите команду боту в личный чат."
)
HELP = """<b>Бридж Ozon ↔ Telegram</b>
Каждый чат с покупателем Ozon — отдельная тема в этой группе. Всё, что вы пишете в теме, уходит покупателю (текст, фото, PDF до 10 МБ). Сообщение, начинающееся с <code>//</code>, — внутренняя заметка: покупатель её не увидит.

<b>Команды администратора</b> (в теме «General» или в личке с ботом):
/status — состояние бриджа
/sync — опросить Ozon прямо сейчас
/broadcast <i>текст</i> — рассылка по открытым чатам (с предпросмотром)
/broadcasts — последние рассылки
/help — эта справка

<b>Фильтры рассылки</b> — слова <code>ключ=значение</code> перед текстом:
<code>status=opened|all</code> — открытые (по умолчанию) или все чаты
<code>days=N</code> — покупатель писал за последние N дней
<code>unread=0</code> — без непрочитанных сообщений
<code>repeat</code> — покупатели, у которых больше одного чата
Подстановки в тексте: <code>{order_number}</code>, <code>{sku}</code>."""
STATUS_SANDBOX = (
    "🧪 <b>ПЕСОЧНИЦА</b>: вместо Ozon — встроенная имитация с ненастоящими покупателями; "
    "настоящим покупателям ничего не уходит.\n"
)
STATUS = """{sandbox}<b>Состояние бриджа</b> (версия {version})
База данных: {database}
Последний опрос Ozon: {last_sync}{sync_error}
Ждут публикации в Telegram: {pending_posts}{failed_posts}
Ответы покупателям в очереди: {outbox_open}, не доставлено: {outbox_failed}
Push-уведомления Ozon: {push}
{telegram}{broadcast}"""
STATUS_DB_OK = "в порядке"
STATUS_DB_DOWN = "❌ не отвечает"
STATUS_DB_READONLY = "❌ запись невозможна, новые сообщения ждут: {problem}"
STATUS_NEVER = "ещё не было"
STATUS_AGO = "{time} ({seconds} с назад)"
STATUS_TIME_FORMAT = "%d.%m.%Y %H:%M:%S %Z"  # in TIMEZONE
STATUS_SYNC_ERROR = "\n⚠️ Ошибка опроса: {error}"
STATUS_FAILING_CHATS = (
    "\n⚠️ Не удаётся прочитать историю чатов: {count} (остальные в порядке): {chats}"
)
STATUS_FAILED_POSTS = " (не удалось показать: {count})"
STATUS_PUSH_ON = "включены (в очереди: {queue})"
STATUS_PUSH_OFF = "выключены"
STATUS_TELEGRAM_OK = "Telegram: в порядке"
STATUS_TELEGRAM_PROBLEM = "⚠️ Telegram: {problem}"
STATUS_TOPICS_PROBLEM = "⚠️ Новые темы не создаются, новые чаты ждут: {problem}"
STATUS_BROADCAST = "\nИдёт рассылка №{job_id}: отправлено {sent} из {total}"
SYNC_STARTED = "🔄 Опрашиваю Ozon…"
SYNC_DONE = "✅ Опрос завершён: чатов {chats}, новых сообщений {messages}, ошибок {failed}."
SYNC_FAILED = "❌ Опрос не удался: {error}"
SYNC_BUSY = "Опрос уже идёт, дождитесь его окончания."

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

# What staff are told about a message of theirs, by `bot.core.model.NoticeKind` (HTML templates;
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

# Why a /broadcast (or its button) was refused, by `bot.core.broadcast_command.Refusal`.
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
