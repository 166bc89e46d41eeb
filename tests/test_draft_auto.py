"""Automatic drafts' looks on their own, over complete doubles of what they read: a buyer message
that stays unposted holds back no other chat's draft however many messages follow it, is asked
for once it is posted, and the mark kept across restarts never passes it."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.drafts.auto import AutoDrafts
from bot.core.drafts.conversation import Conversation, Kind, Turn, Voice
from bot.core.records import DraftRow, MessageRow, Staff
from bot.core.states import Direction, DraftTrigger, MessageState

AT = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
KIND = Kind("chat", 1000, "answer")


def row(row_id: int, chat_id: str, state: MessageState = MessageState.POSTED) -> MessageRow:
    return MessageRow(
        id=row_id,
        chat_id=chat_id,
        message_id=str(row_id),
        direction=Direction.INBOUND,
        author="CUSTOMER",
        created_at=AT,
        body="где мой заказ?",
        is_image=False,
        state=state,
        tg_message_id=None if state is MessageState.PENDING else row_id,
        attempts=0,
        last_error=None,
    )


class Messages:
    """The messages table as drafts read it: rows by id, in the order recorded."""

    def __init__(self, rows: list[MessageRow]) -> None:
        self.rows = {r.id: r for r in rows}

    async def buyer_messages_after(self, row_id: int, limit: int) -> list[MessageRow]:
        return [self.rows[i] for i in sorted(self.rows) if i > row_id][:limit]

    async def buyer_messages(self, row_ids: list[int]) -> list[MessageRow]:
        return [self.rows[i] for i in row_ids if i in self.rows]

    async def last_row(self) -> int:
        return max(self.rows, default=0)

    def post(self, row_id: int) -> None:
        old = self.rows[row_id]
        self.rows[row_id] = row(old.id, old.chat_id, MessageState.POSTED)


class Mark:
    def __init__(self, value: str | None) -> None:
        self.value = value

    async def get(self) -> str | None:
        return self.value

    async def set(self, value: str) -> None:
        self.value = value


class Requests:
    """The requests table: one automatic request per buyer message, as its unique index keeps."""

    def __init__(self) -> None:
        self.asked: list[str] = []

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
        assert trigger is DraftTrigger.AUTO
        assert answers_id is not None
        if answers_id in self.asked:
            return None
        self.asked.append(answers_id)
        return len(self.asked)


class Chats:
    """Every chat waits for a reply; its latest buyer message is the row last read for it."""

    def __init__(self, messages: Messages) -> None:
        self._messages = messages

    @property
    def kind(self) -> Kind:
        return KIND

    async def in_topic(self, topic_id: int, replied_to: int | None) -> Conversation | None:
        return None

    async def read(self, key: str) -> Conversation | None:
        last = max(r.id for r in self._messages.rows.values() if r.chat_id == key)
        turn = Turn(Voice.BUYER, "где мой заказ?", AT, str(last))
        return Conversation(KIND, key, 7, (turn,))

    async def queue(self, draft: DraftRow, text: str, staff: Staff) -> bool:
        raise AssertionError("automatic drafts never queue")


def drafts(messages: Messages, mark: Mark, requests: Requests) -> AutoDrafts:
    return AutoDrafts(messages, mark, requests, Chats(messages), posts_done=lambda: True)


async def test_a_message_never_posted_holds_back_no_other_chat() -> None:
    stuck = [row(1, "stuck", MessageState.PENDING)]
    messages = Messages(stuck + [row(i, f"c{i}") for i in range(2, 702)])
    mark, requests = Mark("0"), Requests()
    auto = drafts(messages, mark, requests)

    for _ in range(4):
        await auto.look()

    assert sorted(map(int, requests.asked)) == list(range(2, 702))
    assert mark.value == "0"  # a restart reads the stuck message again

    messages.post(1)
    await auto.look()
    assert requests.asked[-1] == "1"
    assert mark.value == "701"


async def test_a_restart_asks_nothing_twice_and_skips_nothing() -> None:
    messages = Messages([row(1, "a"), row(2, "b", MessageState.PENDING), row(3, "c")])
    mark, requests = Mark("0"), Requests()
    await drafts(messages, mark, requests).look()
    assert requests.asked == ["1", "3"]
    assert mark.value == "1"

    messages.post(2)
    again = drafts(messages, mark, requests)  # the bridge restarted
    assert await again.look() == 1
    assert requests.asked == ["1", "3", "2"]
    assert mark.value == "3"


async def test_only_a_chats_latest_message_is_asked_for() -> None:
    messages = Messages([row(1, "a"), row(2, "a", MessageState.PENDING), row(3, "b")])
    mark, requests = Mark("0"), Requests()
    auto = drafts(messages, mark, requests)
    await auto.look()
    assert requests.asked == ["3"]  # "a" waits for its latest message's post

    messages.rows[4] = row(4, "a", MessageState.PENDING)
    await auto.look()
    messages.post(2)
    await auto.look()
    assert requests.asked == ["3"]  # superseded by 4, still unposted
    messages.post(4)
    await auto.look()
    assert requests.asked == ["3", "4"]
    assert mark.value == "4"


async def test_the_first_look_starts_at_the_end() -> None:
    messages = Messages([row(1, "a"), row(2, "b")])
    mark, requests = Mark(None), Requests()
    assert await drafts(messages, mark, requests).look() == 0
    assert mark.value == "2"
    assert requests.asked == []
