"""Context at hand: the order card (what Ozon knows of a chat's order and product, shown in the
topic's first post) and the quick-reply templates filled from it."""
