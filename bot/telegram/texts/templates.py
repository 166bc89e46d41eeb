"""Quick-reply templates: /template, /templates, /template_delete, and /t in a buyer's topic."""

from __future__ import annotations

TEMPLATE_USAGE = (
    "Шаблоны быстрых ответов:\n"
    "<code>/template имя текст</code> — добавить или заменить\n"
    "<code>/template имя</code> — показать\n"
    "<code>/templates</code> — все шаблоны\n"
    "<code>/template_delete имя</code> — удалить\n"
    "Подстановки в тексте: {known}. В теме покупателя: <code>/t имя</code> или <code>/t</code>."
)
TEMPLATE_SAVED = "✅ Шаблон «{name}» сохранён."
TEMPLATE_REPLACED = "✅ Шаблон «{name}» заменён."
TEMPLATE_SHOWN = "Шаблон «{name}»:\n<pre>{body}</pre>"
TEMPLATE_DELETED = "🗑 Шаблон «{name}» удалён."
TEMPLATES_TITLE = "<b>Шаблоны</b> (в теме покупателя: <code>/t имя</code>):"
TEMPLATES_LINE = "• <code>{name}</code> — {preview}"
TEMPLATES_NONE = "Шаблонов пока нет. Добавьте: <code>/template имя текст</code>."
TEMPLATE_PICK = "Какой шаблон отправить покупателю?"
TEMPLATE_PICK_MORE = (
    "\n\nЕщё {count} — без кнопок (кнопок не больше {buttons}): отправьте такой по имени, "
    "<code>/t имя</code>. Это: {names}"
)
TEMPLATE_SENT = "📋 Шаблон «{name}» — отправил(а) {staff}:\n{text}"
TEMPLATE_BUTTON_SENT = "Отправлено"
TEMPLATE_KEYBOARD_USED = (
    "Эта клавиатура уже использована: шаблон из неё отправил(а) {staff}. Второй не отправлен; "
    "нужен ещё один — напишите /t заново."
)
TEMPLATE_KEYBOARD_USED_BY_SOMEONE = (
    "Эта клавиатура уже использована: шаблон из неё уже отправлен. Второй не отправлен; "
    "нужен ещё один — напишите /t заново."
)

TEMPLATE_REFUSED = {
    "bad_name": (
        "⚠️ Имя шаблона — одно слово до 20 знаков (буквы, цифры, «_» и «-»): «{name}» не подходит."
    ),
    "no_text": "⚠️ Напишите текст шаблона после имени: <code>/template имя текст</code>.",
    "unpaired_brace": (
        "⚠️ В тексте непарная фигурная скобка. Подстановка пишется так: <code>{{sku}}</code>."
    ),
    "bad_placeholder": (
        "⚠️ Подстановка <code>{written}</code> записана неверно: только имя в скобках, "
        "без пробелов, например <code>{{sku}}</code>."
    ),
    "unknown_placeholder": (
        "⚠️ Неизвестная подстановка <code>{{{name}}}</code>. Доступны: {known}. Шаблон не сохранён."
    ),
    "not_found": "⚠️ Шаблона «{name}» нет. Список: /templates.",
    "no_chat": "⚠️ Эта тема не связана с чатом Ozon: отправлять некуда.",
    "missing_fact": (
        "⚠️ Шаблон не отправлен: для этого чата неизвестно {facts}. Напишите ответ вручную."
    ),
    "too_long": (
        "⚠️ Шаблон не отправлен: он длиннее {max_parts} сообщений Ozon по {limit} знаков "
        "(вышло бы {parts})."
    ),
}
TEMPLATE_FACTS = {
    "order_number": "номер заказа",
    "sku": "SKU товара",
    "product": "название товара",
    "posting_number": "номер отправления",
}
