"""Every buyer- and staff-facing string of the Telegram side, in Russian, in one place.

Templates use `str.format` fields; values substituted into HTML templates are escaped by the
caller. The strings are grouped by what they are for; all are read as `texts.NAME`.
"""

from bot.telegram.texts.admin import *  # noqa: F403
from bot.telegram.texts.alerts import *  # noqa: F403
from bot.telegram.texts.broadcasts import *  # noqa: F403
from bot.telegram.texts.cards import *  # noqa: F403
from bot.telegram.texts.desk import *  # noqa: F403
from bot.telegram.texts.posts import *  # noqa: F403
from bot.telegram.texts.staff import *  # noqa: F403
from bot.telegram.texts.stats import *  # noqa: F403
from bot.telegram.texts.templates import *  # noqa: F403
