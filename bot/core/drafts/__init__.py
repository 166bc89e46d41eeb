"""Reply drafts: a language model the seller chooses drafts an answer, a person sends it.

    conversation  what a draft answers, as plain values, and the protocol of its sources
    chats         buyer chats as a source (reviews and questions join as sources of their own)
    prompt        what the model is given, bounded (wording: the Russian words of it)
    checks        contacts, links and length flagged before anyone sees a draft
    actions       /draft, «Отправить», «Отменить»: what staff do, each safe to repeat
    writer        the worker that writes asked drafts, a few at a time, off every hot path
    auto          AI_DRAFTS_AUTO: a draft asked for every new buyer message once it is posted

Nothing here sends to a buyer by itself: a draft's text reaches the outbox only when a person
presses «Отправить».
"""
