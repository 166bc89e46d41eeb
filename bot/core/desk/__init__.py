"""The help desk: every buyer chat's state (waiting, answered, closed) and its waiting periods,
the queue and the reminders, and the topic icons that show the state."""
