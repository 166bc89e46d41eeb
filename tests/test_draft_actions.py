"""«Отправить» on its own, over complete doubles: once the draft's text is in the outbox, the
presser is told it was sent even when the database cannot mark the draft now, and a second
press sends nothing more."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.drafts.actions import Drafts, Pressed
from bot.core.drafts.conversation import Conversation, Kind, Sources
from bot.core.faults import StorageWriteError
from bot.core.records import DraftRow, Staff
from bot.core.states import DraftState, DraftTrigger

AT = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
ANNA = Staff(111, "Анна")
DRAFT = DraftRow(
    id=1,
    source="chat",
    key="c1",
    topic_id=5,
    trigger=DraftTrigger.COMMAND,
    request_message_id=40,
    state=DraftState.SHOWN,
    asked_at=AT,
    body="Здравствуйте! Заказ в пути.",
    message_id=77,
)


class Requests:
    """The drafts table, with a disk that refuses to mark a draft sent."""

    def __init__(self) -> None:
        self.marks = 0

    async def ask(
        self,
        source: str,
        key: str,
        topic_id: int,
        trigger: DraftTrigger,
        *,
        request_message_id: int | None = None,
        answers_id: str | None = None,
        answers_at: datetime | None = None,
    ) -> int | None:
        raise AssertionError("nothing is asked here")

    async def get(self, draft_id: int) -> DraftRow | None:
        return DRAFT if draft_id == DRAFT.id else None

    async def sent(self, draft_id: int, staff: Staff) -> bool:
        self.marks += 1
        raise StorageWriteError("disk full")

    async def cancel(self, draft_id: int, staff: Staff) -> bool:
        raise AssertionError("nothing is cancelled here")


class Chats:
    """Buyer chats as drafts queue into them: the outbox keyed on the draft's post."""

    def __init__(self) -> None:
        self.queued: list[str] = []

    @property
    def kind(self) -> Kind:
        return Kind("chat", 1000, "answer")

    async def in_topic(self, topic_id: int, replied_to: int | None) -> Conversation | None:
        return None

    async def read(self, key: str) -> Conversation | None:
        return None

    async def queue(self, draft: DraftRow, text: str, staff: Staff) -> bool:
        if self.queued:
            return False
        self.queued.append(text)
        return True


class Posts:
    def __init__(self) -> None:
        self.marked: list[int] = []

    async def mark_sent(self, draft: DraftRow, staff: Staff) -> None:
        self.marked.append(draft.id)

    async def remove(self, draft: DraftRow, staff: Staff) -> None:
        raise AssertionError("nothing is removed here")


async def test_a_queued_draft_is_sent_though_the_database_cannot_mark_it() -> None:
    requests, chats, posts = Requests(), Chats(), Posts()
    drafts = Drafts(requests, Sources(chats), posts, enabled=True, on_asked=lambda: None)

    first = await drafts.send(DRAFT.id, 77, ANNA)
    assert first.result is Pressed.SENT
    assert posts.marked == [DRAFT.id]

    second = await drafts.send(DRAFT.id, 77, ANNA)
    assert second.result is Pressed.ALREADY_SENT
    assert chats.queued == [DRAFT.body]
    assert requests.marks == 2
