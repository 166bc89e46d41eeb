"""The language-model client against the OpenAI-compatible double: answers, what it sends, and
each failure as the error a caller acts on (try later / fix a setting / no usable text), with the
API key in none of them."""

from __future__ import annotations

import traceback
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.llm import (
    Message,
    ModelAnswerUnusable,
    ModelError,
    ModelRefused,
    ModelUnavailable,
)
from bot.llm.client import KEYLESS, ModelClient
from tests.fakes.openai_api import Answer, FakeOpenAI, error_body

KEY = "sk-test-key-0123456789abcdef"
MODEL = "test-model"
QUICK = {"Retry-After": "0.01"}
"""Lets the openai package retry at once instead of backing off for a second."""

CONVERSATION = [
    Message.system("Отвечай вежливо, от имени магазина."),
    Message.user("Покупатель: Где мой заказ?"),
    Message.assistant("Заказ в пути."),
    Message.user("Покупатель: А когда привезут?"),
]


@pytest.fixture
async def llm() -> AsyncIterator[FakeOpenAI]:
    async with FakeOpenAI(models=[MODEL, "other-model"], api_key=KEY) as fake:
        yield fake
        assert fake.spec_violations == [], "the client sent requests the format does not allow"


def client(fake: FakeOpenAI, **overrides: Any) -> ModelClient:
    options: dict[str, Any] = {"api_key": KEY, "timeout": 10.0}
    options.update(overrides)
    return ModelClient(fake.url, options.pop("model", MODEL), **options)


def everything_said(exc: BaseException) -> str:
    """The message, the attributes and the traceback as a log would print them."""
    return "\n".join([str(exc), repr(exc), repr(vars(exc)), *traceback.format_exception(exc)])


async def test_an_answer_is_the_models_text_and_the_request_follows_the_format(
    llm: FakeOpenAI,
) -> None:
    llm.queue("  Здравствуйте! Заказ приедет завтра.\n")
    async with client(llm) as model:
        text = await model.complete(CONVERSATION, max_tokens=300)
    assert text == "Здравствуйте! Заказ приедет завтра."
    [request] = llm.chat_requests
    assert request.body["model"] == MODEL
    assert request.body["max_tokens"] == 300
    assert request.body.get("stream") in (None, False)
    assert request.messages == [(m.role, m.content) for m in CONVERSATION]
    assert request.headers["Authorization"] == f"Bearer {KEY}"


async def test_without_a_key_a_placeholder_is_sent_not_the_environments(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-the-environment")
    async with FakeOpenAI() as fake:
        async with ModelClient(fake.url, "test-model") as model:
            assert await model.complete([Message.user("Привет")], max_tokens=10)
        assert fake.requests[0].headers["Authorization"] == f"Bearer {KEYLESS}"
        assert fake.spec_violations == []


async def test_models_are_listed(llm: FakeOpenAI) -> None:
    async with client(llm) as model:
        assert await model.models() == [MODEL, "other-model"]
    assert [(r.method, r.path) for r in llm.requests] == [("GET", "/v1/models")]


async def test_no_answer_in_time_is_unavailable(llm: FakeOpenAI) -> None:
    llm.latency = 30.0  # the double is woken when it closes
    async with client(llm, timeout=0.3) as model:
        with pytest.raises(ModelUnavailable) as caught:
            await model.complete(CONVERSATION, max_tokens=50)
    assert caught.value.status is None
    assert caught.value.is_retriable
    assert "gave no answer within 0.3 s (AI_TIMEOUT_SECONDS)" in str(caught.value)


async def test_the_time_limit_covers_the_retries(llm: FakeOpenAI) -> None:
    """Quick failures are retried, a slow answer after them still ends at the limit."""
    llm.fail_next(503, headers=QUICK)
    llm.queue(Answer(delay=30.0))
    async with client(llm, timeout=0.5) as model:
        with pytest.raises(ModelUnavailable, match=r"no answer within 0\.5 s"):
            await model.complete(CONVERSATION, max_tokens=50)
    assert len(llm.chat_requests) == 2


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_server_errors_are_retried_then_unavailable(llm: FakeOpenAI, status: int) -> None:
    llm.fail_next(status, headers=QUICK, times=3)
    async with client(llm) as model:
        with pytest.raises(ModelUnavailable) as caught:
            await model.complete(CONVERSATION, max_tokens=50)
    assert caught.value.status == status
    assert f"failed (HTTP {status}: Injected failure {status}); try again later" in str(
        caught.value
    )
    assert len(llm.chat_requests) == 3  # the first attempt and two retries


async def test_one_server_error_is_ridden_out(llm: FakeOpenAI) -> None:
    llm.fail_next(502, "Bad Gateway", headers=QUICK)
    llm.queue("Готово.")
    async with client(llm) as model:
        assert await model.complete(CONVERSATION, max_tokens=50) == "Готово."
    assert [r.status for r in llm.chat_requests] == [502, 200]


async def test_rate_limited_is_unavailable_with_the_wait_asked(llm: FakeOpenAI) -> None:
    body = error_body("Rate limit reached for requests", "requests", "rate_limit_exceeded")
    llm.fail_next(429, body, headers={"Retry-After": "0.01"}, times=3)
    async with client(llm) as model:
        with pytest.raises(ModelUnavailable) as caught:
            await model.complete(CONVERSATION, max_tokens=50)
    assert caught.value.status == 429
    assert caught.value.retry_after == pytest.approx(0.01)
    assert "limits requests (HTTP 429: Rate limit reached for requests); try again in 1 s" in str(
        caught.value
    )


async def test_out_of_quota_is_refused_not_retried_later(llm: FakeOpenAI) -> None:
    body = error_body("You exceeded your current quota", "insufficient_quota", "insufficient_quota")
    llm.fail_next(429, body, headers=QUICK, times=3)
    async with client(llm) as model:
        with pytest.raises(ModelRefused) as caught:
            await model.complete(CONVERSATION, max_tokens=50)
    assert caught.value.setting == "AI_API_KEY"
    assert not caught.value.is_retriable
    assert "out of quota" in str(caught.value)


async def test_a_wrong_key_is_refused_with_advice_and_never_quoted(llm: FakeOpenAI) -> None:
    wrong = "sk-wrong-key-9876543210"
    async with client(llm, api_key=wrong) as model:
        with pytest.raises(ModelRefused) as caught:
            await model.complete(CONVERSATION, max_tokens=50)
    error = caught.value
    assert (error.status, error.setting) == (401, "AI_API_KEY")
    assert "rejected AI_API_KEY" in str(error)
    assert "set AI_API_KEY to a valid key of this service" in str(error)
    assert "Incorrect API key provided: ***" in str(error)  # the server's words, scrubbed
    assert wrong not in everything_said(error)
    assert len(llm.chat_requests) == 1  # refusals are not retried


async def test_a_server_wanting_a_key_none_was_set(llm: FakeOpenAI) -> None:
    async with client(llm, api_key=None) as model:
        with pytest.raises(ModelRefused, match=r"requires an API key .*: set AI_API_KEY"):
            await model.models()


async def test_unknown_model_is_refused_naming_ai_model(llm: FakeOpenAI) -> None:
    async with client(llm, model="no-such-model") as model:
        with pytest.raises(ModelRefused) as caught:
            await model.complete(CONVERSATION, max_tokens=50)
    error = caught.value
    assert (error.status, error.setting) == (404, "AI_MODEL")
    assert "has no model no-such-model" in str(error)
    assert "`python -m bot check` lists them" in str(error)


@pytest.mark.parametrize(
    ("status", "setting", "advice"),
    [
        (400, "AI_MODEL", "check that AI_MODEL (test-model) names a chat model"),
        (403, "AI_API_KEY", "allow the key to use AI_MODEL"),
        (422, "AI_MODEL", "check that AI_MODEL"),
    ],
)
async def test_other_refusals_name_the_setting(
    llm: FakeOpenAI, status: int, setting: str, advice: str
) -> None:
    llm.fail_next(status, error_body("This model's maximum context length is 8192", "x"))
    async with client(llm) as model:
        with pytest.raises(ModelRefused) as caught:
            await model.complete(CONVERSATION, max_tokens=50)
    assert (caught.value.status, caught.value.setting) == (status, setting)
    assert advice in str(caught.value)
    assert "maximum context length is 8192" in str(caught.value)


async def test_a_wrong_base_url_is_refused_naming_ai_api_url(llm: FakeOpenAI) -> None:
    root = llm.url.removesuffix("/v1")  # Ollama's root, without /v1: a common slip
    async with ModelClient(root, MODEL, api_key=KEY, timeout=10) as model:
        with pytest.raises(ModelRefused) as caught:
            await model.models()
    assert caught.value.setting == "AI_API_URL"
    assert "like http://localhost:11434/v1" in str(caught.value)


async def test_nothing_listening_is_unavailable() -> None:
    async with ModelClient("http://127.0.0.1:9/v1", MODEL, max_retries=0) as model:
        with pytest.raises(ModelUnavailable) as caught:
            await model.complete(CONVERSATION, max_tokens=50)
    assert "cannot connect to the model server at AI_API_URL (http://127.0.0.1:9/v1)" in str(
        caught.value
    )


@pytest.mark.parametrize(("status", "times"), [(400, 1), (401, 1), (404, 1), (429, 3), (500, 3)])
async def test_the_key_is_in_no_error_even_when_the_server_echoes_it(
    llm: FakeOpenAI, status: int, times: int
) -> None:
    llm.fail_next(
        status, error_body(f"bad request with key {KEY}", "x"), headers=QUICK, times=times
    )
    async with client(llm) as model:
        with pytest.raises(ModelError) as caught:
            await model.complete(CONVERSATION, max_tokens=50)
    assert KEY not in everything_said(caught.value)
    assert "bad request with key ***" in str(caught.value)


async def test_a_plain_text_error_body_is_quoted_scrubbed(llm: FakeOpenAI) -> None:
    llm.fail_next(500, f"upstream failed for {KEY}\n<trace>", headers=QUICK, times=3)
    async with client(llm) as model:
        with pytest.raises(ModelUnavailable) as caught:
            await model.models()
    assert "(HTTP 500: upstream failed for *** <trace>)" in str(caught.value)


async def test_credentials_in_the_url_are_not_shown() -> None:
    url = f"http://user:{KEY}@127.0.0.1:9/v1?key={KEY}"
    async with ModelClient(url, MODEL, max_retries=0) as model:
        with pytest.raises(ModelUnavailable) as caught:
            await model.models()
    assert KEY not in everything_said(caught.value)
    assert "(http://127.0.0.1:9/v1)" in str(caught.value)


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        (Answer(content=""), "answered with empty text"),
        (Answer(content=" \n "), "answered with empty text"),
        (Answer(content=None), "answered with empty text"),
        (Answer(choices=False), "answered with no choices"),
        (Answer(content="", finish_reason="length"), "reached the token limit"),
        (Answer(content=None, finish_reason="content_filter"), "content filter"),
        (Answer(content=None, refusal="I can't help with that."), "refused to answer: I can't"),
    ],
)
async def test_an_answer_without_text_is_unusable(
    llm: FakeOpenAI, answer: Answer, says: str
) -> None:
    llm.queue(answer)
    async with client(llm) as model:
        with pytest.raises(ModelAnswerUnusable, match=says) as caught:
            await model.complete(CONVERSATION, max_tokens=50)
    assert caught.value.setting == "AI_MODEL"


async def test_an_answer_that_is_not_json_is_unusable(llm: FakeOpenAI) -> None:
    llm.fail_next(200, "<html><body>Welcome to nginx!</body></html>")
    async with client(llm) as model:
        with pytest.raises(ModelAnswerUnusable) as caught:
            await model.complete(CONVERSATION, max_tokens=50)
    assert caught.value.setting == "AI_API_URL"
    assert "other than a chat completion" in str(caught.value)


@pytest.mark.parametrize(
    "body",
    [
        {"choices": "none"},
        {"choices": [{"message": None}]},
        {"choices": [{"message": {"content": ["a", "list"]}}]},
        {"result": "a native API's answer"},
    ],
)
async def test_an_answer_of_another_shape_is_unusable(
    llm: FakeOpenAI, body: dict[str, Any]
) -> None:
    llm.fail_next(200, body)
    async with client(llm) as model:
        with pytest.raises(ModelAnswerUnusable, match="other than a chat completion"):
            await model.complete(CONVERSATION, max_tokens=50)


async def test_a_minimal_completion_is_read(llm: FakeOpenAI) -> None:
    """Servers that leave out ids, timestamps and usage are read all the same."""
    llm.fail_next(200, {"choices": [{"message": {"role": "assistant", "content": "Да."}}]})
    async with client(llm) as model:
        assert await model.complete(CONVERSATION, max_tokens=50) == "Да."


@pytest.mark.parametrize(
    "body", ["<html>Ollama is running</html>", {"models": [{"name": "qwen2.5:7b"}]}, {"data": [{}]}]
)
async def test_a_model_list_of_another_shape_is_unusable(
    llm: FakeOpenAI, body: dict[str, Any] | str
) -> None:
    llm.fail_next(200, body)
    async with client(llm) as model:
        with pytest.raises(ModelAnswerUnusable, match="other than a model list") as caught:
            await model.models()
    assert caught.value.setting == "AI_API_URL"


async def test_a_model_wanting_max_completion_tokens_is_asked_again_with_it(
    llm: FakeOpenAI,
) -> None:
    llm.fail_next(
        400,
        error_body(
            "Unsupported parameter: 'max_tokens' is not supported with this model. "
            "Use 'max_completion_tokens' instead.",
            "invalid_request_error",
            "unsupported_parameter",
        ),
    )
    llm.queue("Первый.", "Второй.")
    async with client(llm) as model:
        assert await model.complete(CONVERSATION, max_tokens=64) == "Первый."
        assert await model.complete(CONVERSATION, max_tokens=64) == "Второй."
    sent = [
        {k: r.body.get(k) for k in ("max_tokens", "max_completion_tokens")}
        for r in llm.chat_requests
    ]
    assert sent == [
        {"max_tokens": 64, "max_completion_tokens": None},
        {"max_tokens": None, "max_completion_tokens": 64},
        {"max_tokens": None, "max_completion_tokens": 64},
    ]


async def test_nonsense_arguments_are_refused_before_sending(llm: FakeOpenAI) -> None:
    async with client(llm) as model:
        with pytest.raises(ValueError, match="at least one message"):
            await model.complete([], max_tokens=10)
        with pytest.raises(ValueError, match="max_tokens"):
            await model.complete(CONVERSATION, max_tokens=0)
    assert llm.requests == []


async def test_the_model_offered_is_confirmed(llm: FakeOpenAI) -> None:
    llm.models = ["qwen2.5:7b", "llama3.1:latest"]
    async with client(llm, model="llama3.1") as model:  # Ollama's name for name:latest
        assert await model.ensure_offered() == ["qwen2.5:7b", "llama3.1:latest"]
    async with client(llm, model="qwen2.5") as model:  # no qwen2.5:latest there
        with pytest.raises(ModelRefused, match=r"does not offer AI_MODEL qwen2\.5:"):
            await model.ensure_offered()


async def test_a_long_model_list_is_shown_in_part(llm: FakeOpenAI) -> None:
    llm.models = [f"model-{n:02}" for n in range(14)]
    async with client(llm, model="gpt-4o") as model:
        with pytest.raises(ModelRefused) as caught:
            await model.ensure_offered()
    assert (caught.value.status, caught.value.setting) == (None, "AI_MODEL")
    assert str(caught.value).endswith(
        "set AI_MODEL to one of model-00, model-01, model-02, model-03, model-04, model-05, "
        "model-06, model-07, model-08, model-09 and 4 more"
    )
