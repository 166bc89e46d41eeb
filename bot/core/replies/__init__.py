"""Telegram -> Ozon: a staff message in a buyer's topic becomes outbox rows (intake), which are
sent exactly once (the outbox, reconciled against Ozon's history), and staff see how it went
(outcomes, notices)."""
