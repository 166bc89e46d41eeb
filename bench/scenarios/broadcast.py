"""Scenario 5: a broadcast's achieved rate against the configured one."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from bench.common import ADMIN_ID, FAST_TELEGRAM, Row, Sizes, log
from bench.observe import OzonSends
from bench.stand import prepopulate, seed_chats, stand


async def broadcast(sizes: Sizes) -> list[Row]:
    count = sizes.broadcast_chats
    rate = 10  # half of the Ozon limiter (20 requests/s by default): room left for live replies
    async with stand("broadcast") as st:
        made = seed_chats(st.ozon, count, age=timedelta(hours=1))
        await prepopulate(st.db_path, made, buyer_at=datetime.now(UTC) - timedelta(hours=1))
        await st.start(
            **FAST_TELEGRAM,
            ADMIN_IDS=ADMIN_ID,
            BROADCAST_PER_SECOND=rate,
            POLL_INTERVAL_SECONDS=60,
        )
        await st.ready()
        st.tg.user_message("/broadcast Текст {chat_id}", thread_id=None, from_id=ADMIN_ID)

        def preview() -> bool:
            return any(m.thread_id is None and m.reply_markup for m in st.tg.sent)

        await st.wait(preview, within=60, what="the broadcast preview", step=0.02)
        shown = next(m for m in st.tg.sent if m.thread_id is None and m.reply_markup)
        assert shown.reply_markup is not None
        data = str(shown.reply_markup["inline_keyboard"][0][0]["callback_data"])
        sends = OzonSends(st.ozon)
        confirmed = time.monotonic()
        st.tg.callback(data, from_id=ADMIN_ID, message_id=shown.message_id)

        def delivered() -> bool:
            sends.scan()
            return len(sends.accepted) >= count

        await st.wait(delivered, within=60 + 3 * count / rate, what="the broadcast", step=0.02)
        last = max(r.at for r in sends.accepted)
        achieved = len(sends.accepted) / (last - confirmed)
        recipients = {r.body["chat_id"] for r in sends.accepted if isinstance(r.body, dict)}
        log(f"broadcast: {achieved:.1f}/s")
    return [
        Row(
            f"5. broadcast to {count:,} chats",
            "achieved rate",
            f"{achieved:.1f} msg/s vs {rate}/s configured ({achieved / rate:.0%})",
            f"{len(sends.accepted)} sends to {len(recipients)} chats in {last - confirmed:.1f} s "
            "from «Отправить»",
        ),
        *[Row("5. broadcast", "note", n) for n in st.notes],
    ]
