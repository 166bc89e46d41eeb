"""The one way anything reaches Telegram: the forum group's flood budget, the calls into the
group (posts, topics, icons, edits) with aiogram's errors turned into the core's faults, and
what the bot says outside buyer topics."""
