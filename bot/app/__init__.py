"""The composition root: the one place that builds every piece of the bridge, hands each what it
needs and runs them under one supervisor. Nothing here decides anything; it only connects.

Read `bridge.py` first: it opens the resources and builds the bridge one direction at a time
(`relay.py`: Ozon -> Telegram; `replies.py`: Telegram -> Ozon; `desk.py`: the help desk;
`operations.py`: status, alerts, metrics and the HTTP server), each builder returning a small
typed object of what the others and the handlers use.
"""
