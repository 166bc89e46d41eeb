"""What the bot does with updates from staff: the dispatcher and its routers (replies in topics,
admin and help-desk commands, templates, broadcasts, buttons), the admin gate, and the one
error handler."""
