"""Broadcasts: one message to a filtered set of buyer chats, previewed, confirmed, fed into the
outbox at the broadcast rate, resumable."""
