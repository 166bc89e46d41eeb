"""/help, /status, /sync and the refusals of admin commands."""

from __future__ import annotations

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
Ответы покупателям в очереди: {outbox_open}, не доставлено: {outbox_failed}{desk}
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
