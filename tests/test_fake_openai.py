"""The OpenAI-compatible double itself: it holds requests to the Chat Completions format, streams
as OpenAI does (read here by the official `openai` package), and its knobs do what they say."""

from __future__ import annotations

from typing import Any

import httpx
import openai
import pytest

from tests.fakes.openai_api import Answer, FakeOpenAI, RecordedRequest
from tests.fakes.openai_spec import validate_chat_request

GOOD: dict[str, Any] = {
    "model": "test-model",
    "messages": [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": [{"type": "text", "text": "Hi"}]},
        {"role": "assistant", "content": "Hello."},
        {"role": "user", "content": "Where is my order?", "name": "buyer"},
    ],
    "max_tokens": 100,
    "temperature": 0.2,
    "stop": ["\n\n"],
}


def sdk(fake: FakeOpenAI, key: str = "k") -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(base_url=fake.url, api_key=key, max_retries=0)


def test_the_format_accepts_a_good_request() -> None:
    assert validate_chat_request(GOOD) == []
    assert (
        validate_chat_request({**GOOD, "stream": True, "stream_options": {"include_usage": True}})
        == []
    )


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"model": ""}, "body.model: expected a model name"),
        ({"messages": []}, "body.messages: expected a non-empty array"),
        ({"messages": [{"role": "robot", "content": "x"}]}, "body.messages[0].role: 'robot'"),
        ({"messages": [{"role": "user"}]}, "body.messages[0].content: required for role user"),
        ({"messages": [{"role": "user", "content": "x", "mood": 1}]}, "mood: unknown field"),
        ({"messages": [{"role": "user", "content": [{"type": "text"}]}]}, "text: required"),
        ({"messages": [{"role": "tool", "content": "x"}]}, "tool_call_id: required"),
        ({"temperature": 3}, "body.temperature: 3 is out of range"),
        ({"max_tokens": 0}, "body.max_tokens: 0 is out of range"),
        ({"max_tokens": "100"}, "body.max_tokens: expected an integer"),
        ({"stream": "yes"}, "body.stream: expected a boolean"),
        ({"stream_options": {"include_usage": True}}, "allowed only when stream is true"),
        ({"top_k": 40}, "body.top_k: unknown field"),
    ],
)
def test_the_format_names_what_is_wrong(change: dict[str, Any], problem: str) -> None:
    problems = validate_chat_request({**GOOD, **change})
    assert any(problem in p for p in problems), problems


async def test_a_request_outside_the_format_is_answered_400_and_collected() -> None:
    async with FakeOpenAI() as fake, sdk(fake) as client:
        with pytest.raises(openai.BadRequestError, match="top_k: unknown field"):
            await client.chat.completions.create(
                model="test-model",
                messages=[{"role": "user", "content": "Hi"}],
                extra_body={"top_k": 40},
            )
        assert fake.spec_violations == ["POST /v1/chat/completions: body.top_k: unknown field"]


async def test_a_body_that_is_not_json_is_a_violation() -> None:
    async with FakeOpenAI() as fake, httpx.AsyncClient() as http:
        response = await http.post(f"{fake.url}/chat/completions", content=b"model=x")
        assert response.status_code == 400
        assert any("not JSON" in v for v in fake.spec_violations)


async def test_streaming_is_read_by_the_openai_package() -> None:
    async with FakeOpenAI() as fake, sdk(fake) as client:
        fake.queue("Здравствуйте! Заказ уже в пути.")
        stream = await client.chat.completions.create(
            model="test-model",
            messages=[{"role": "user", "content": "Где заказ?"}],
            stream=True,
            stream_options={"include_usage": True},
        )
        pieces: list[str] = []
        finish: list[str] = []
        usage = None
        async for chunk in stream:
            for choice in chunk.choices:
                pieces.append(choice.delta.content or "")
                if choice.finish_reason:
                    finish.append(choice.finish_reason)
            usage = chunk.usage or usage
        assert "".join(pieces) == "Здравствуйте! Заказ уже в пути."
        assert len([p for p in pieces if p]) == 5  # a word at a time
        assert finish == ["stop"]
        assert usage is not None
        assert usage.completion_tokens == 5
        assert fake.spec_violations == []
        assert fake.chat_requests[0].status == 200


async def test_models_and_an_unknown_model() -> None:
    async with FakeOpenAI(models=["a", "b"]) as fake, sdk(fake) as client:
        page = await client.models.list()
        assert [m.id for m in page.data] == ["a", "b"]
        with pytest.raises(openai.NotFoundError, match="The model `c` does not exist"):
            await client.chat.completions.create(
                model="c", messages=[{"role": "user", "content": "Hi"}]
            )


async def test_a_required_key_is_checked() -> None:
    async with FakeOpenAI(api_key="right") as fake:
        async with sdk(fake, "wrong") as client:
            with pytest.raises(
                openai.AuthenticationError, match="Incorrect API key provided: wrong"
            ):
                await client.models.list()
        async with sdk(fake, "right") as client:
            assert (await client.models.list()).data


async def test_queued_answers_then_the_answer_function_then_the_default() -> None:
    seen: list[RecordedRequest] = []

    def answer(request: RecordedRequest) -> str:
        seen.append(request)
        return f"echo: {request.messages[-1][1]}"

    async with FakeOpenAI() as fake, sdk(fake) as client:
        fake.queue("first", Answer(content="second", finish_reason="length"))

        async def ask(text: str) -> tuple[str | None, str]:
            completion = await client.chat.completions.create(
                model="test-model", messages=[{"role": "user", "content": text}]
            )
            choice = completion.choices[0]
            return choice.message.content, choice.finish_reason

        assert await ask("1") == ("first", "stop")
        assert await ask("2") == ("second", "length")
        assert await ask("3") == ("A draft reply.", "stop")
        fake.answer_with = answer
        assert await ask("4") == ("echo: 4", "stop")
        assert [r.prompt for r in seen] == ["4"]


async def test_fail_next_answers_the_next_requests_with_the_error() -> None:
    async with FakeOpenAI() as fake, sdk(fake) as client:
        fake.fail_next(503, times=2, headers={"Retry-After": "7"})
        for _ in range(2):
            with pytest.raises(openai.InternalServerError) as caught:
                await client.models.list()
            assert caught.value.response.headers["Retry-After"] == "7"
        assert (await client.models.list()).data
        assert [r.status for r in fake.requests] == [503, 503, 200]
