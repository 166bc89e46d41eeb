"""What the bot posts outside buyer topics, in Russian: `/queue` and reminders, `/status`,
`/stats` and its chart, broadcast previews and reports, alerts."""
