"""Ozon -> Telegram: reading Ozon (the poll, `/sync`, pushes), recording each new message before
anything is posted, and posting it into its chat's topic, in order, once."""
