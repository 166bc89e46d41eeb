"""How things look in Telegram: Ozon messages as safe HTML posts, the topic's opening post and
order card, the core's notices and outcomes in words, and the length rules of Telegram texts."""
