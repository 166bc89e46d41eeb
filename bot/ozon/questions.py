"""Ozon's product questions: the answers of `/v1/question/count`, `/v1/question/list`,
`/v1/question/info` and of the answers to a question (`/v1/question/answer/list`), which
`bot.ozon.calls.questions.QuestionCalls` reads and writes.

Read as reviews are (`bot.ozon.reviews`): `sku` as a canonical decimal string, statuses in upper
case and kept when unknown, counts from numbers or numeric text (Ozon's own example sends
`answers_count` as `"0"`), and `published_at` as an RFC 3339 moment though Ozon's schema calls it
a "timestamp". A question or answer without an id is left out with a line in `unreadable`.

The core imports these models: nothing here may pull in the HTTP client.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, model_validator

from bot.ozon.fields import LooseBool, entries_noting_unreadable, none_as_empty_list
from bot.ozon.products import Id, Moment, Text
from bot.ozon.reviews import Amount, Body, Enum, RequiredText

__all__ = [
    "ANSWER_CREATE_PATH",
    "ANSWER_LIST_PATH",
    "MAX_ANSWER_LENGTH",
    "MIN_ANSWER_LENGTH",
    "QUESTION_CHANGE_STATUS_PATH",
    "QUESTION_COUNT_PATH",
    "QUESTION_FILTERS",
    "QUESTION_INFO_PATH",
    "QUESTION_LIST_PATH",
    "QUESTION_STATUSES",
    "Answer",
    "AnswerPage",
    "Question",
    "QuestionCount",
    "QuestionPage",
]

QUESTION_COUNT_PATH = "/v1/question/count"
QUESTION_LIST_PATH = "/v1/question/list"
QUESTION_INFO_PATH = "/v1/question/info"
QUESTION_CHANGE_STATUS_PATH = "/v1/question/change-status"
ANSWER_CREATE_PATH = "/v1/question/answer/create"
ANSWER_LIST_PATH = "/v1/question/answer/list"
QUESTION_STATUSES = ("NEW", "VIEWED", "PROCESSED")
"""What the seller may set a question to (`/v1/question/change-status`)."""
QUESTION_FILTERS = ("ALL", "NEW", "VIEWED", "PROCESSED", "UNPROCESSED")
"""What `/v1/question/list` may be filtered by."""
MIN_ANSWER_LENGTH = 2
MAX_ANSWER_LENGTH = 3000
"""Ozon takes answers of 2..3000 characters."""


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class QuestionCount(_Model):
    """Answer of `/v1/question/count`. How `unprocessed` relates to `new` and `viewed` Ozon does
    not say (its own example does not add up): read each as given."""

    all: Amount = 0
    new: Amount = 0
    viewed: Amount = 0
    processed: Amount = 0
    unprocessed: Amount = 0


class Question(_Model):
    """One question about a product, from `/v1/question/list` or `/v1/question/info`."""

    id: RequiredText
    sku: Id = None
    text: Body = ""
    author_name: Text = None
    answers_count: Amount = 0
    status: Enum = None
    """`NEW`, `VIEWED`, `PROCESSED` (another value is kept as Ozon wrote it)."""
    published_at: Moment = None
    product_url: Text = None
    """The product's public page."""
    question_link: Text = None
    """The question on the product's public page."""


class QuestionPage(_Model):
    """One page of `/v1/question/list` (at most 10 questions, whatever `limit` said): pass
    `last_id` to the next call while `has_next`."""

    questions: Annotated[list[Question], BeforeValidator(none_as_empty_list)] = []
    has_next: LooseBool = False
    last_id: Text = None
    unreadable: list[str] = []
    """One line per question that could not be read and was left out."""

    @model_validator(mode="before")
    @classmethod
    def _entry_by_entry(cls, data: Any) -> Any:
        return entries_noting_unreadable(Question, "questions", "question")(data)


class Answer(_Model):
    """An answer to a question (`/v1/question/answer/list`). The seller's answers are moderated:
    `status_publication` is `PUBLISHED`, `AWAITING_MODERATION`, `MODERATION_FAILED` or
    `DUPLICATE`."""

    id: RequiredText
    question_id: Text = None
    sku: Id = None
    text: Body = ""
    author_name: Text = None
    published_at: Moment = None
    status_publication: Enum = None


class AnswerPage(_Model):
    """One page of `/v1/question/answer/list`. There is no `has_next`: an empty page ends the
    list."""

    answers: Annotated[list[Answer], BeforeValidator(none_as_empty_list)] = []
    last_id: Text = None
    unreadable: list[str] = []
    """One line per answer that could not be read and was left out."""

    @model_validator(mode="before")
    @classmethod
    def _entry_by_entry(cls, data: Any) -> Any:
        return entries_noting_unreadable(Answer, "answers", "answer")(data)
