"""Reviews and questions in Russian: their topics' names, their posts (implements
`bot.core.feedback.posting.FeedbackRenderer`), and their lines in `/queue`, the reminders and
`/stats`. Buyer text is escaped; links are kept only when they are http(s).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.core.feedback.desk import KindFigures, QuestionReminder, WaitingItem
from bot.core.records import FeedbackItem
from bot.core.replies.split import grapheme_floor
from bot.core.states import FeedbackKind, FeedbackOutcome, FeedbackPost
from bot.telegram.gateway.speaker import Speaker
from bot.telegram.rendering.links import escape, is_http_url
from bot.telegram.rendering.measure import visible_length
from bot.telegram.texts.desk import QUEUE_MORE
from bot.telegram.texts.feedback import (
    AUTHOR,
    HOW_TO_ANSWER,
    NO_TEXT,
    ORDER_CANCELLED,
    ORDER_DELIVERED,
    OUTCOME_ANSWERED,
    OUTCOME_CABINET,
    OUTCOME_DONE,
    PHOTO_LINK,
    PHOTO_LINKS,
    PHOTOS_IN_CABINET,
    PRODUCT,
    PRODUCT_UNKNOWN,
    PRODUCT_UNNAMED,
    PUBLISHED,
    QUESTION_LINK,
    QUESTION_TITLE,
    QUEUE_FEEDBACK_TITLE,
    QUEUE_LINK_QUESTION,
    QUEUE_LINK_REVIEW,
    QUEUE_NOT_POSTED,
    QUEUE_PRODUCT_SKU,
    QUEUE_QUESTION,
    QUEUE_REVIEW,
    REMINDER_QUESTION,
    REMINDER_QUESTIONS,
    REVIEW_NO_RATING,
    REVIEW_TITLE,
    STATS_FEEDBACK_TITLE,
    STATS_KIND,
    STATS_KIND_LINE,
    STATS_KIND_NONE,
    STATS_NO_ANSWER_YET,
    STATS_SHARE_UNKNOWN,
    TEXT_CUT,
    TIME_FORMAT,
    TOPIC_QUESTIONS,
    TOPIC_REVIEWS,
)
from bot.telegram.texts.posts import MAYBE_SHOWN_ALREADY, SANDBOX_TOPIC_PREFIX
from bot.telegram.views.desk import QUEUE_LIMIT, duration, threshold

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
OUTCOME_ROOM = 120
"""Characters a post keeps free for the longest outcome line (a name included)."""
_NAMES = {FeedbackKind.REVIEW: TOPIC_REVIEWS, FeedbackKind.QUESTION: TOPIC_QUESTIONS}


def stars(rating: int | None) -> str:
    return "⭐" * max(0, min(rating or 0, 5))


class FeedbackView:
    def __init__(self, forum_chat_id: int, tz: ZoneInfo, *, sandbox: bool = False) -> None:
        self._tz = tz
        self._sandbox = sandbox
        text = str(forum_chat_id)
        # Links to a supergroup's messages use its id without the -100 in front.
        self._link_id = text[4:] if text.startswith("-100") else text.lstrip("-")

    def topic_name(self, kind: FeedbackKind) -> str:
        name = _NAMES[kind]
        return SANDBOX_TOPIC_PREFIX + name if self._sandbox else name

    # ---- posts -----------------------------------------------------------------------------

    def post(self, item: FeedbackItem, *, caption: bool) -> str:
        """The whole post within Telegram's limit: the buyer's text is cut when it is longer."""
        head, tail = self._head(item), self._tail(item, links=not caption)
        room = (CAPTION_LIMIT if caption else TEXT_LIMIT) - visible_length("\n".join(head + tail))
        return "\n".join([*head, self._text(item.text, room - 4), *tail])

    def fits_caption(self, item: FeedbackItem) -> bool:
        whole = "\n".join([*self._head(item), self._text(item.text, None)])
        tail = "\n".join(self._tail(item, links=False))
        return visible_length(whole) + visible_length(tail) + OUTCOME_ROOM <= CAPTION_LIMIT

    def _head(self, item: FeedbackItem) -> list[str]:
        lines = []
        if item.post is FeedbackPost.PENDING and item.post_started_at is not None:
            lines.append(MAYBE_SHOWN_ALREADY)
        if item.kind is FeedbackKind.QUESTION:
            lines.append(QUESTION_TITLE)
        elif item.rating:
            lines.append(REVIEW_TITLE.format(stars=stars(item.rating), rating=item.rating))
        else:
            lines.append(REVIEW_NO_RATING)
        lines.append(_product(item))
        if item.kind is FeedbackKind.QUESTION and item.author:
            lines.append(AUTHOR.format(author=escape(item.author)))
        return lines

    def _text(self, text: str, room: int | None) -> str:
        if not text.strip():
            return NO_TEXT
        if room is not None and len(text.encode("utf-16-le")) // 2 > room:
            cut = max(0, room - len(TEXT_CUT) - 1)
            text = text[: grapheme_floor(text, cut)].rstrip() + TEXT_CUT
        return f"<blockquote>{escape(text)}</blockquote>"

    def _tail(self, item: FeedbackItem, *, links: bool) -> list[str]:
        lines = []
        if item.order_status == "DELIVERED":
            lines.append(ORDER_DELIVERED)
        elif item.order_status == "CANCELLED":
            lines.append(ORDER_CANCELLED)
        lines.append(
            PUBLISHED.format(time=item.published_at.astimezone(self._tz).strftime(TIME_FORMAT))
        )
        if links:
            lines += _photo_lines(item)
        if item.link and is_http_url(item.link):
            lines.append(QUESTION_LINK.format(url=escape(item.link, True)))
        lines.append(_outcome(item))
        return lines

    # ---- the desk --------------------------------------------------------------------------

    def post_link(self, item: FeedbackItem) -> str | None:
        if item.message_id is None:
            return None
        return f"https://t.me/c/{self._link_id}/{item.message_id}"

    def _linked(self, item: FeedbackItem) -> str:
        what = QUEUE_LINK_QUESTION if item.kind is FeedbackKind.QUESTION else QUEUE_LINK_REVIEW
        url = self.post_link(item)
        if url is None:
            return QUEUE_NOT_POSTED.format(what=what)
        return f'<a href="{url}">{what}</a>'

    def queue(self, waiting: Sequence[WaitingItem]) -> str:
        """The queue's part for reviews and questions ("" when none waits)."""
        if not waiting:
            return ""
        lines = [QUEUE_FEEDBACK_TITLE.format(count=len(waiting))]
        for number, entry in enumerate(waiting[:QUEUE_LIMIT], start=1):
            item = entry.item
            template = QUEUE_QUESTION if item.kind is FeedbackKind.QUESTION else QUEUE_REVIEW
            lines.append(
                template.format(
                    number=number,
                    stars=stars(item.rating),
                    link=self._linked(item),
                    product=_short_product(item),
                    waited=duration(entry.waited),
                )
            )
        if len(waiting) > QUEUE_LIMIT:
            lines.append(QUEUE_MORE.format(count=len(waiting) - QUEUE_LIMIT))
        return "\n".join(lines)

    def reminder(self, reminders: Sequence[QuestionReminder]) -> str:
        longest = max(reminder.threshold for reminder in reminders)
        lines = [REMINDER_QUESTIONS.format(threshold=threshold(longest))]
        ordered = sorted(reminders, key=lambda r: -r.waiting.waited)
        for reminder in ordered[:QUEUE_LIMIT]:
            item = reminder.waiting.item
            lines.append(
                REMINDER_QUESTION.format(
                    link=self._linked(item),
                    product=_short_product(item),
                    waited=duration(reminder.waiting.waited),
                )
            )
        if len(ordered) > QUEUE_LIMIT:
            lines.append(QUEUE_MORE.format(count=len(ordered) - QUEUE_LIMIT))
        return "\n".join(lines)

    def figures(self, figures: Sequence[KindFigures]) -> str:
        """The statistics' part for reviews and questions ("" when neither is on)."""
        if not figures:
            return ""
        lines = [STATS_FEEDBACK_TITLE]
        for kind_figures in figures:
            lines.append(_figures_line(kind_figures))
        return "\n".join(lines)


def _figures_line(figures: KindFigures) -> str:
    kind = STATS_KIND[figures.kind]
    if not figures.count:
        return STATS_KIND_NONE.format(kind=kind, days=figures.days)
    share = figures.share_answered
    median = figures.median_answer
    return STATS_KIND_LINE.format(
        kind=kind,
        days=figures.days,
        count=figures.count,
        share=STATS_SHARE_UNKNOWN if share is None else f"{round(share * 100)}%",
        median=STATS_NO_ANSWER_YET if median is None else duration(max(median, timedelta(0))),
    )


def _product(item: FeedbackItem) -> str:
    if item.sku is None:
        return PRODUCT_UNKNOWN
    if item.product:
        return PRODUCT.format(name=escape(item.product), sku=escape(item.sku))
    return PRODUCT_UNNAMED.format(sku=escape(item.sku))


def _short_product(item: FeedbackItem) -> str:
    name = item.product or (QUEUE_PRODUCT_SKU.format(sku=item.sku) if item.sku else "")
    return escape(name[:60])


def _photo_lines(item: FeedbackItem) -> list[str]:
    urls = [url for url in item.photos if is_http_url(url)]
    if urls:
        links = ", ".join(
            PHOTO_LINK.format(url=escape(url, True), number=n) for n, url in enumerate(urls, 1)
        )
        return [PHOTO_LINKS.format(links=links)]
    if item.photos_amount:
        return [PHOTOS_IN_CABINET.format(count=item.photos_amount)]
    return []


def _outcome(item: FeedbackItem) -> str:
    name = escape(item.staff.name) if item.staff is not None else ""
    if item.outcome is FeedbackOutcome.ANSWERED:
        return OUTCOME_ANSWERED.format(name=name)
    if item.outcome is FeedbackOutcome.CABINET:
        return OUTCOME_CABINET
    if item.outcome is FeedbackOutcome.DONE:
        return OUTCOME_DONE.format(name=name)
    return HOW_TO_ANSWER


class GeneralQuestionReminders:
    """Implements `bot.core.feedback.desk.QuestionReminderPort`: in the General topic."""

    def __init__(self, speaker: Speaker, view: FeedbackView, forum_chat_id: int) -> None:
        self._speaker = speaker
        self._view = view
        self._forum_chat_id = forum_chat_id

    async def remind_questions(self, reminders: Sequence[QuestionReminder]) -> None:
        await self._speaker.say(self._forum_chat_id, self._view.reminder(reminders))
