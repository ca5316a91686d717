"""What the bot's start-up loads: not matplotlib, reportlab or stripe (tens of megabytes
each, issue 17). Charts and reports load them in the render processes, billing at its
first call. Checked in a fresh interpreter: this one has loaded everything already."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("matplotlib", "reportlab", "stripe", "numpy", "PIL", "timezonefinder")

START = """
import json, sys
from coachbot.config import Settings
import coachbot.runner
from coachbot.application import create_application
from coachbot.web.app import create_web_app

settings = Settings(
    _env_file=None,
    bot_token="123456:TEST-token",
    database_url="sqlite+aiosqlite:///{data}/bot.db",
    redis_url=None,
    data_dir="{data}",
    stripe_api_key="sk_test_start_up",
    stripe_webhook_secret="whsec_start_up",
)
application = create_application(settings, webhook_mode=False)
assert application.payments is not None  # billing configured
create_web_app(application, telegram_webhook=False)  # its Stripe webhook route too
print(json.dumps(sorted(name for name in {heavy!r} if name in sys.modules)))
"""


def loaded_at_start(tmp_path) -> list[str]:
    script = START.format(data=tmp_path, heavy=HEAVY)
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_bot_starts_without_loading_the_drawing_or_billing_libraries(tmp_path):
    assert loaded_at_start(tmp_path) == []
