"""The method groups of the Ozon client, each a subclass of `bot.ozon.transport.OzonTransport`
(the real base that owns the transport), combined into `bot.ozon.client.OzonClient`.

They import httpx through the transport, so nothing the core imports may import them: the
models they return live in `bot.ozon`'s model modules (`models`, `orders`, `products`,
`ratings`, `reviews`, `questions`), which stay free of the HTTP client.
"""
