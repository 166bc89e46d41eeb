"""Reviews and product questions, a source of buyer text of its own: polled by count
(`poll`), recorded before they are posted into their two topics (`topics`, `posting`),
answered by replying to their posts through the one outbox (`answers`, `destinations`), and
counted on the help desk (`desk`)."""
