"""Product questions: counts, pages, one question, status changes, and answers to a question
(`/v1/question/*`; models in `bot.ozon.questions`)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from bot.ozon.calls.checks import SORT_DIRS, ids, one_of, required_id, sku_number
from bot.ozon.fields import rfc3339
from bot.ozon.questions import (
    ANSWER_CREATE_PATH,
    ANSWER_LIST_PATH,
    MAX_ANSWER_LENGTH,
    MIN_ANSWER_LENGTH,
    QUESTION_CHANGE_STATUS_PATH,
    QUESTION_COUNT_PATH,
    QUESTION_FILTERS,
    QUESTION_INFO_PATH,
    QUESTION_LIST_PATH,
    QUESTION_STATUSES,
    Answer,
    AnswerPage,
    Question,
    QuestionCount,
    QuestionPage,
)
from bot.ozon.reviews import RequiredText
from bot.ozon.transport import OzonTransport

__all__ = ["QuestionCalls"]

logger = logging.getLogger("bot.ozon")


class _AnswerCreated(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    answer_id: RequiredText


class QuestionCalls(OzonTransport):
    """Buyers' questions about the seller's products. Counts, pages and a question are reads,
    retried as reads are; a status change and an answer are writes, repeated only when Ozon
    cannot have received them.

    Questions are a feature of some subscriptions and of some key roles: refused as reviews are
    (`OzonNoSubscription`, or `OzonAuthError` of kind `AuthProblem.MISSING_ROLE`; see
    `bot.ozon.errors.feature_off`). Ozon gives a question's error `details` as one string.
    """

    async def question_count(self) -> QuestionCount:
        """How many questions are in each status (`/v1/question/count`): cheap, ask it first."""
        return await self._read(QUESTION_COUNT_PATH, {}, QuestionCount)

    async def list_questions(
        self,
        *,
        last_id: str | None = None,
        status: str = "ALL",
        date_from: datetime | None = None,
        date_to: datetime | None = None,
        sort_dir: str = "DESC",
    ) -> QuestionPage:
        """One page of `/v1/question/list`: at most 10 questions, newest first by default; the
        next page starts after the page's `last_id`, while `has_next`. `status` ALL, NEW,
        VIEWED, PROCESSED or UNPROCESSED; naive datetimes are UTC."""
        search: dict[str, Any] = {"status": one_of(status, QUESTION_FILTERS)}
        if date_from is not None:
            search["date_from"] = rfc3339(date_from)
        if date_to is not None:
            search["date_to"] = rfc3339(date_to)
        body: dict[str, Any] = {"filter": search, "sort_dir": one_of(sort_dir, SORT_DIRS)}
        if last_id:
            body["last_id"] = last_id
        page = await self._read(QUESTION_LIST_PATH, body, QuestionPage)
        self._unreadable.tell(QUESTION_LIST_PATH, "question(s), left out", page.unreadable)
        return page

    async def question_info(self, question_id: str) -> Question:
        """One question (`/v1/question/info`)."""
        body = {"question_id": required_id(question_id)}
        return await self._read(QUESTION_INFO_PATH, body, Question)

    async def set_question_status(self, question_ids: Sequence[str], status: str) -> None:
        """Set questions to NEW, VIEWED or PROCESSED (`/v1/question/change-status`). Whether
        an answer moves a question to PROCESSED Ozon does not say: set it after answering."""
        body = {
            "question_ids": ids(question_ids, "question_ids"),
            "status": one_of(status, QUESTION_STATUSES),
        }
        await self._post(QUESTION_CHANGE_STATUS_PATH, body)

    async def answer_question(self, question_id: str, sku: str, text: str) -> str:
        """Answer a question about product `sku` as the seller (`/v1/question/answer/create`,
        2..3000 characters); returns the answer's id. Ozon moderates answers: one shows in
        `iter_answers` only once moderation let it through."""
        if not MIN_ANSWER_LENGTH <= len(text) <= MAX_ANSWER_LENGTH:
            raise ValueError(
                f"text must be {MIN_ANSWER_LENGTH}..{MAX_ANSWER_LENGTH} characters, got {len(text)}"
            )
        body = {"question_id": required_id(question_id), "sku": sku_number(sku), "text": text}
        return (await self._write(ANSWER_CREATE_PATH, body, _AnswerCreated)).answer_id

    async def question_answers(
        self, question_id: str, sku: str, *, last_id: str | None = None
    ) -> AnswerPage:
        """One page of the answers to a question (`/v1/question/answer/list`); the next starts
        after the page's `last_id`, and an empty page is the end."""
        body: dict[str, Any] = {"question_id": required_id(question_id), "sku": sku_number(sku)}
        if last_id:
            body["last_id"] = last_id
        page = await self._read(ANSWER_LIST_PATH, body, AnswerPage)
        left_out = f"answer(s) to question {question_id}, left out"
        self._unreadable.tell(ANSWER_LIST_PATH, left_out, page.unreadable)
        return page

    async def iter_answers(self, question_id: str, sku: str) -> AsyncIterator[Answer]:
        """Every answer to a question, page after page until an empty one (or one whose
        `last_id` came before, which would never end)."""
        last_id: str | None = None
        seen: set[str] = set()
        while True:
            page = await self.question_answers(question_id, sku, last_id=last_id)
            for answer in page.answers:
                yield answer
            if not page.answers:
                return
            next_id = page.last_id or page.answers[-1].id
            if next_id in seen:
                logger.warning("Ozon %s: last_id came back, stopping", ANSWER_LIST_PATH)
                return
            seen.add(next_id)
            last_id = next_id
