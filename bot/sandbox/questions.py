"""Product questions in the stand-in: questions as tests and the simulated buyers ask them, their
answers (the seller's, moderated, and other people's), status changes, and the six methods over
them (`/v1/question/count`, `list`, `info`, `change-status`, `answer/create`, `answer/list`).

As Ozon does: a list page holds at most 10 questions whatever `limit` says, newest first unless
asked ASC, the next page starting after `last_id`; `count` follows the statuses (`unprocessed`
here is NEW plus VIEWED, one reading of what Ozon leaves undocumented); an answer is 2..3000
characters and names its question's SKU; the answer list has no `has_next`: it pages after
`last_id` (`answer_page_size` a page) until a page is empty, and holds the seller's answers only
once moderation passed them (`moderation_delay`). Errors carry `details` as a string, as Ozon
documents them for these methods. Subscription and role refusals as for reviews
(`questions_subscription(False)`, `refuse_questions()`). With `quirks`, `sku` and
`answers_count` are sometimes text and enum case varies.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Unpack

from aiohttp import web

from bot.sandbox.feedback import (
    SELLER_NAME,
    STATUSES,
    VALIDATION_ERROR,
    FeedbackState,
    StandInAnswer,
    StandInQuestion,
    after,
    no_subscription,
    question_error,
)
from bot.sandbox.model import Json, ok, parse_uint64, utc
from bot.sandbox.order_model import parse_moment
from bot.sandbox.state import Methods, StandInOptions

COUNT = "/v1/question/count"
LIST = "/v1/question/list"
INFO = "/v1/question/info"
CHANGE_STATUS = "/v1/question/change-status"
ANSWER_CREATE = "/v1/question/answer/create"
ANSWER_LIST = "/v1/question/answer/list"
QUESTION_METHODS = (COUNT, LIST, INFO, CHANGE_STATUS, ANSWER_CREATE, ANSWER_LIST)
_MOST_A_PAGE = 10
_FIRST_NUMBER = 312004518
"""The first question's number on its product page."""


class QuestionMethods(FeedbackState):
    """Questions by id (in the order they were asked) and the handlers of the question methods."""

    def __init__(self, **options: Unpack[StandInOptions]) -> None:
        super().__init__(**options)
        self.questions: dict[str, StandInQuestion] = {}
        self.questions_subscribed = True
        """False: every question method answers Ozon's 403 for the subscription."""
        self.questions_refused = False
        """True: the key's roles do not open the question methods."""
        self.answer_page_size = 20
        """Answers a page of `/v1/question/answer/list` (Ozon does not say)."""
        self.posted_answers: list[StandInAnswer] = []
        """What the seller answered through the API, in order."""
        self.question_status_changes: list[tuple[str, str]] = []
        """(question id, status) of every `/v1/question/change-status`, in order."""

    def _question_methods(self) -> Methods:
        handlers = {
            COUNT: self._question_count,
            LIST: self._question_list,
            INFO: self._question_info,
            CHANGE_STATUS: self._question_change_status,
            ANSWER_CREATE: self._answer_create,
            ANSWER_LIST: self._answer_list,
        }
        return Methods(
            handlers={
                path: self._question_gate(path, handler) for path, handler in handlers.items()
            },
            roles=self._question_roles,
            refused=lambda path: self.questions_refused and path in QUESTION_METHODS,
        )

    def _question_roles(self) -> list[Json]:
        role = {"name": "Question", "methods": [*QUESTION_METHODS]}
        return [] if self.questions_refused else [role]

    def _question_gate(
        self, path: str, handler: Callable[[Json], web.Response]
    ) -> Callable[[Json], Awaitable[web.Response]]:
        async def handle(body: Json) -> web.Response:
            if not self.questions_subscribed:
                return no_subscription(path, details_as_text=True)
            return handler(body)

        return handle

    # ---- set-up ----------------------------------------------------------------------------

    def add_question(
        self,
        sku: str | int,
        text: str,
        *,
        author_name: str = "Покупатель",
        status: str = "NEW",
        published_at: datetime | None = None,
    ) -> str:
        """A buyer's question about a product given to `add_product`; returns its id."""
        if status.upper() not in STATUSES:
            raise ValueError("status must be NEW, VIEWED or PROCESSED")
        moment = utc(published_at)
        question = StandInQuestion(
            id=self._feedback_id(moment),
            sku=self.known_product(sku),
            text=text,
            author_name=author_name,
            published_at=moment,
            variant=len(self.questions),
            number=_FIRST_NUMBER + len(self.questions),
            status=status.upper(),
        )
        self.questions[question.id] = question
        return question.id

    def add_answer(self, question_id: str, text: str, *, author_name: str = "Покупатель") -> str:
        """Another person's answer to a question (published at once); returns its id."""
        return self._answer(self.questions[question_id], text, author_name, False).id

    def questions_subscription(self, on: bool = True) -> None:
        """Whether the seller's subscription includes questions (off: Ozon's 403 everywhere)."""
        self.questions_subscribed = on

    def refuse_questions(self, refused: bool = True) -> None:
        """Answer the question methods 403, as Ozon answers a key without their role."""
        self.questions_refused = refused

    # ---- handlers --------------------------------------------------------------------------

    def _question_count(self, body: Json) -> web.Response:
        statuses = [question.status for question in self.questions.values()]
        counts = {status.lower(): statuses.count(status) for status in STATUSES}
        unprocessed = counts["new"] + counts["viewed"]
        return ok({"all": len(statuses), **counts, "unprocessed": unprocessed})

    def _question_list(self, body: Json) -> web.Response:
        search: Json = body.get("filter") or {}
        try:
            wanted = _question_filter(search)
        except ValueError as exc:
            return self._violation(LIST, str(exc))
        descending = str(body.get("sort_dir", "DESC")).upper() != "ASC"
        ordered = sorted(self.questions.values(), key=_order, reverse=descending)
        last_id = str(body.get("last_id") or "")
        if last_id:
            last = self.questions.get(last_id)
            if last is None:
                return question_error(400, "last_id: no such question")
            ordered = after(ordered, last, _order, descending=descending)
        chosen = [question for question in ordered if wanted(question)]
        page = chosen[: min(int(body.get("limit") or _MOST_A_PAGE), _MOST_A_PAGE)]
        return ok(
            {
                "questions": [self._render_question(question) for question in page],
                "has_next": self._flag(len(chosen) > len(page)),
                "last_id": page[-1].id if page else "",
            }
        )

    def _question_info(self, body: Json) -> web.Response:
        question = self.questions.get(body["question_id"])
        if question is None:
            return question_error(404, "question not found")
        return ok(self._render_question(question))

    def _question_change_status(self, body: Json) -> web.Response:
        ids, status = body["question_ids"], str(body["status"]).upper()
        if not ids or status not in STATUSES:
            return question_error(400, VALIDATION_ERROR)
        if any(question_id not in self.questions for question_id in ids):
            return question_error(404, "question not found")
        for question_id in ids:
            self.questions[question_id].status = status
            self.question_status_changes.append((question_id, status))
        return ok({})

    def _answer_create(self, body: Json) -> web.Response:
        question = self.questions.get(body["question_id"])
        if question is None:
            return question_error(404, "question not found")
        if parse_uint64(body["sku"]) != question.sku:
            return question_error(400, VALIDATION_ERROR, "sku: not the product of the question")
        if not 2 <= len(body["text"]) <= 3000:
            return question_error(400, VALIDATION_ERROR, "text: 2..3000 characters")
        answer = self._answer(question, body["text"], SELLER_NAME, True)
        self.posted_answers.append(answer)
        return ok({"answer_id": answer.id})

    def _answer_list(self, body: Json) -> web.Response:
        question = self.questions.get(body["question_id"])
        if question is None:
            return question_error(404, "question not found")
        if parse_uint64(body["sku"]) != question.sku:
            return question_error(400, VALIDATION_ERROR, "sku: not the product of the question")
        shown = self._shown_answers(question)
        last_id = str(body.get("last_id") or "")
        ids = [answer.id for answer in question.answers]
        if last_id and last_id not in ids:
            return question_error(400, "last_id: no such answer")
        if last_id:
            shown = [a for a in shown if ids.index(a.id) > ids.index(last_id)]
        page = shown[: self.answer_page_size]
        return ok(
            {
                "answers": [self._render_answer(answer) for answer in page],
                "last_id": page[-1].id if page else "",
            }
        )

    # ---- rendering -------------------------------------------------------------------------

    def _answer(
        self, question: StandInQuestion, text: str, author_name: str, by_seller: bool
    ) -> StandInAnswer:
        moment = utc(None)
        answer = StandInAnswer(
            self._feedback_id(moment), question.id, question.sku, text, author_name, moment,
            by_seller,
        )  # fmt: skip
        question.answers.append(answer)
        return answer

    def _shown_answers(self, question: StandInQuestion) -> list[StandInAnswer]:
        """The answers Ozon lists: the seller's once moderation passed them."""
        return [a for a in question.answers if not a.by_seller or self._moderated(a.created)]

    def _render_question(self, question: StandInQuestion) -> Json:
        variant, count = question.variant, len(self._shown_answers(question))
        product_url = f"https://www.ozon.ru/product/{question.sku}/"
        return {
            "id": question.id,
            "sku": str(question.sku) if self.quirks and variant % 3 == 1 else question.sku,
            "text": question.text,
            "author_name": question.author_name,
            "answers_count": str(count) if self.quirks and variant % 2 else count,
            "status": self._enum(question.status, variant),
            "published_at": self._time(question.published_at, variant),
            "product_url": product_url,
            "question_link": f"{product_url}questions/?qid={question.number}",
        }

    def _render_answer(self, answer: StandInAnswer) -> Json:
        return {
            "id": answer.id,
            "question_id": answer.question_id,
            "sku": answer.sku,
            "text": answer.text,
            "author_name": answer.author_name,
            "published_at": self._time(answer.published_at, 0),
            "status_publication": answer.status_publication,
        }


def _order(question: StandInQuestion) -> tuple[datetime, str]:
    return (question.published_at, question.id)


def _question_filter(search: Json) -> Callable[[StandInQuestion], bool]:
    """Whether a question passes the list's `filter` (absent and ALL pass everything)."""
    status = str(search.get("status") or "ALL").upper()
    since = parse_moment(search["date_from"]) if "date_from" in search else None
    until = parse_moment(search["date_to"]) if "date_to" in search else None
    statuses = {"ALL": STATUSES, "UNPROCESSED": ("NEW", "VIEWED")}.get(status, (status,))

    def passes(question: StandInQuestion) -> bool:
        return (
            question.status in statuses
            and (since is None or question.published_at >= since)
            and (until is None or question.published_at <= until)
        )

    return passes
