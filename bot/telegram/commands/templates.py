"""Quick-reply templates in Telegram: admins keep them in General or a private chat (`/template`,
`/templates`, `/template_delete`); any member sends one from a buyer's topic with `/t name`, or
`/t` and a button."""

from __future__ import annotations

import html
import re

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot.core.cards.templates import PLACEHOLDERS, Sent, TemplateRefused, Templates
from bot.core.records import Staff
from bot.telegram.commands.admin import outside_topics
from bot.telegram.commands.admins import AdminOnly, Admins
from bot.telegram.commands.callbacks import TemplatePick
from bot.telegram.commands.people import staff_of
from bot.telegram.gateway.speaker import Speaker
from bot.telegram.rendering.entities import command_args
from bot.telegram.rendering.fit import PREVIEW_ROOM, WORD_ROOM, fill_echo, shortened
from bot.telegram.rendering.measure import split_html
from bot.telegram.texts.templates import (
    TEMPLATE_BUTTON_SENT,
    TEMPLATE_DELETED,
    TEMPLATE_FACTS,
    TEMPLATE_KEYBOARD_USED,
    TEMPLATE_KEYBOARD_USED_BY_SOMEONE,
    TEMPLATE_PICK,
    TEMPLATE_PICK_MORE,
    TEMPLATE_REFUSED,
    TEMPLATE_REPLACED,
    TEMPLATE_SAVED,
    TEMPLATE_SENT,
    TEMPLATE_SHOWN,
    TEMPLATE_USAGE,
    TEMPLATES_LINE,
    TEMPLATES_NONE,
    TEMPLATES_TITLE,
)

BUTTONS = 40
"""Template buttons under `/t` (two a row)."""
_NAME_AND_TEXT = re.compile(r"\s*(\S+)(.*)", re.DOTALL)


def refusal(exc: TemplateRefused) -> str:
    values = dict(exc.values)
    if "facts" in values:
        names = str(values["facts"]).split(", ")
        values["facts"] = ", ".join(TEMPLATE_FACTS.get(n, n) for n in names)
    escaped = {key: html.escape(shortened(str(value), WORD_ROOM)) for key, value in values.items()}
    return TEMPLATE_REFUSED[exc.problem].format(**escaped)


def sent_text(sent: Sent, staff: str) -> str:
    """What was sent, and by whom: the text shortened to fit one message."""
    return fill_echo(
        TEMPLATE_SENT, "text", sent.text, name=html.escape(sent.name), staff=html.escape(staff)
    )


def pick_text(names: list[str]) -> str:
    """Above `/t`'s buttons: which template to send, and the names of those left without a
    button (to send by name)."""
    rest = names[BUTTONS:]
    if not rest:
        return TEMPLATE_PICK
    frame = TEMPLATE_PICK + TEMPLATE_PICK_MORE
    return fill_echo(frame, "names", ", ".join(rest), count=len(rest), buttons=BUTTONS)


def used_text(sent: Sent) -> str:
    """A keyboard pressed again after a template went out under it: who sent that one."""
    if sent.by is None:
        return TEMPLATE_KEYBOARD_USED_BY_SOMEONE
    return TEMPLATE_KEYBOARD_USED.format(staff=html.escape(sent.by.name))


def _known() -> str:
    return ", ".join(f"<code>{{{name}}}</code>" for name in PLACEHOLDERS)


def build_template_admin_router(
    forum_chat_id: int, templates: Templates, speaker: Speaker, admins: Admins
) -> Router:
    router = Router(name="templates-admin")
    router.message.filter(outside_topics(forum_chat_id), F.from_user)
    router.message.middleware(AdminOnly(admins, speaker))

    @router.message(Command("template"))
    async def template(message: Message) -> None:
        # A hidden link keeps its address, as in a reply written by hand.
        words = _NAME_AND_TEXT.match(command_args(message.text, message.entities))
        if words is None:
            await speaker.say(message.chat.id, TEMPLATE_USAGE.format(known=_known()))
            return
        name, body = words.group(1), words.group(2).strip()  # the text keeps its line breaks
        try:
            if not body:
                shown = await templates.get(name)
                answer = fill_echo(TEMPLATE_SHOWN, "body", shown.body, name=html.escape(shown.name))
            else:
                author = None if message.from_user is None else message.from_user.id
                replaced = await templates.save(name, body, author)
                done = TEMPLATE_REPLACED if replaced else TEMPLATE_SAVED
                answer = done.format(name=html.escape(name.casefold()))
        except TemplateRefused as exc:
            answer = refusal(exc)
        await speaker.say(message.chat.id, answer)

    @router.message(Command("templates"))
    async def listing(message: Message) -> None:
        every = await templates.all()
        if not every:
            await speaker.say(message.chat.id, TEMPLATES_NONE)
            return
        lines = [TEMPLATES_TITLE]
        for template in every:
            preview = shortened(template.body.strip().splitlines()[0], PREVIEW_ROOM)
            lines.append(
                TEMPLATES_LINE.format(name=html.escape(template.name), preview=html.escape(preview))
            )
        # A long list goes in several messages, cut between lines.
        for part in split_html("\n".join(lines)):
            await speaker.say(message.chat.id, part)

    @router.message(Command("template_delete"))
    async def delete(message: Message, command: CommandObject) -> None:
        name = (command.args or "").strip()
        try:
            await templates.delete(name)
        except TemplateRefused as exc:
            await speaker.say(message.chat.id, refusal(exc))
            return
        await speaker.say(message.chat.id, TEMPLATE_DELETED.format(name=html.escape(name)))

    return router


def build_template_topic_router(
    forum_chat_id: int, templates: Templates, speaker: Speaker
) -> Router:
    """`/t` in a buyer's topic, for any member; included before the staff-reply router."""
    router = Router(name="templates-topic")
    person = F.from_user & ~F.from_user.is_bot
    anonymous_admin = F.sender_chat.id == forum_chat_id
    in_topic = (F.chat.id == forum_chat_id) & F.is_topic_message
    router.message.filter(in_topic, person | anonymous_admin)
    router.callback_query.filter(F.message.chat.id == forum_chat_id)

    @router.message(Command("t"))
    async def send(message: Message, command: CommandObject) -> None:
        assert message.message_thread_id is not None
        topic = message.message_thread_id
        name = (command.args or "").strip()
        if not name:
            every = await templates.all()
            if not every:
                await speaker.reply_in_topic(topic, message.message_id, TEMPLATES_NONE)
                return
            buttons = [
                InlineKeyboardButton(text=t.name, callback_data=TemplatePick(name=t.name).pack())
                for t in every[:BUTTONS]
            ]
            rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
            await speaker.reply_in_topic(
                topic,
                message.message_id,
                pick_text([t.name for t in every]),
                markup=InlineKeyboardMarkup(inline_keyboard=rows),
            )
            return
        staff = staff_of(message, forum_chat_id)
        try:
            sent = await templates.send(topic, message.message_id, name, staff)
        except TemplateRefused as exc:
            await speaker.reply_in_topic(topic, message.message_id, refusal(exc))
            return
        if sent.queued:
            await speaker.reply_in_topic(topic, message.message_id, sent_text(sent, staff.name))

    @router.callback_query(TemplatePick.filter())
    async def pick(query: CallbackQuery, callback_data: TemplatePick) -> None:
        keyboard = query.message
        if not isinstance(keyboard, Message) or keyboard.message_thread_id is None:
            await speaker.answer_button(query.id, TEMPLATE_REFUSED["no_chat"])
            return
        staff = staff_of_query(query)
        try:
            # The keyboard's message is the key: one send per keyboard, however often pressed.
            sent = await templates.send(
                keyboard.message_thread_id, keyboard.message_id, callback_data.name, staff
            )
        except TemplateRefused as exc:
            await speaker.answer_button(query.id, _plain(refusal(exc)), alert=True)
            return
        if not sent.queued:
            # Another press of this keyboard was first: it stands as it was shown.
            await speaker.answer_button(query.id, _plain(used_text(sent)), alert=True)
            return
        await speaker.answer_button(query.id, TEMPLATE_BUTTON_SENT)
        await speaker.edit(
            forum_chat_id, keyboard.message_id, sent_text(sent, staff.name), markup=None
        )

    return router


def staff_of_query(query: CallbackQuery) -> Staff:
    return Staff(query.from_user.id, query.from_user.full_name)


def _plain(text: str) -> str:
    """A button's answer is plain text (no HTML), at most 200 characters."""
    return shortened(html.unescape(text.replace("<code>", "").replace("</code>", "")), 200)
