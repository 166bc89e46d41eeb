"""Client for the language model that drafts replies: any server speaking the OpenAI Chat
Completions API (a hosted service, or a local Ollama, vLLM or LM Studio).

Knows nothing of Telegram, Ozon, storage or the bridge; callers pass plain `Message`s and get
plain text or a `ModelError` (see `errors` for what each kind asks of the reader). The `openai`
package stays inside: importing this package's values and errors does not need it, the client is
`bot.llm.client.ModelClient`.
"""

from bot.llm.errors import ModelAnswerUnusable, ModelError, ModelRefused, ModelUnavailable
from bot.llm.messages import Message, Role

__all__ = [
    "Message",
    "ModelAnswerUnusable",
    "ModelError",
    "ModelRefused",
    "ModelUnavailable",
    "Role",
]
