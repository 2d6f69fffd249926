"""``python -m bot teams package``: the Teams app package (zip) for the Teams admin centre.

The zip holds ``manifest.json`` (app manifest schema v1.25), ``color.png`` (192x192) and
``outline.png`` (32x32, white on transparent), all at its root. The bot's id is the Azure bot's
Microsoft App ID, read from the variable the Agents SDK uses
(``CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID``) unless ``--bot-id`` is given; the
app's own id is derived from it, so every rebuild updates the same app in Teams.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import uuid
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from PIL import Image, ImageDraw

from bot.commands.table import TABLE
from flexcalc import __version__

MANIFEST_VERSION = "1.25"  # 1.25: up to 12 suggested commands (1.22 allowed 10)
SCHEMA_URL = (
    f"https://developer.microsoft.com/json-schemas/teams/v{MANIFEST_VERSION}/"
    "MicrosoftTeams.schema.json"
)
BOT_ID_ENV = "CONNECTIONS__SERVICE_CONNECTION__SETTINGS__CLIENTID"
ACCENT = "#1D6B3A"
COLOR_SIZE, OUTLINE_SIZE = 192, 32
APP_NAMESPACE = uuid.UUID("5b0f3f0e-6f6c-4f1a-9d0e-666c65786361")  # Flexcalc's own namespace
SCOPES = ["personal", "team", "groupChat"]
# Suggestions shown when mentioning the bot (description <= 128): one for every command of the
# command table that works in Teams, in the table's order (``suggested_commands``).
DESCRIPTIONS = {
    "bestslot": "The cheapest and greenest time to run a job, e.g. bestslot 4h by 07:00",
    "prices": "Upcoming electricity prices: cheapest, dearest and negative slots",
    "carbon": "Carbon intensity now, the generation mix and the outlook",
    "backtest": "How a daily schedule would have done, e.g. backtest 4h daily at 09:00 within 24h",
    "battery": "Plan a battery's charging and its savings, e.g. battery 13.5 kWh 5 kW",
    "footprint": "Carbon and cost of energy or storage, e.g. footprint 10 kWh in B",
    "tariff": "Show or set this conversation's tariff",
    "compare": "Compare tariffs for your usage, e.g. compare tariffs 4h daily at 18:00",
    "region": "Set this conversation's region, e.g. region NG1",
    "alerts": "Daily greener-times card here: alerts subscribe 08:00 in NG1",
    "accuracy": "How past advice did against what happened, e.g. accuracy month",
    "help": "Everything Flexcalc can answer",
}


def suggested_commands() -> list[tuple[str, str]]:
    """(title, description) for every command Teams can run, from the command table."""
    return [(c.word, DESCRIPTIONS[c.word]) for c in TABLE.values() if not c.slack_only]


def manifest(
    bot_id: str,
    base_url: str,
    *,
    developer: str = "Flexcalc",
    privacy_url: str | None = None,
    terms_url: str | None = None,
) -> dict[str, Any]:
    """The app manifest for a bot with Microsoft App ID ``bot_id`` served at ``base_url``."""
    base = base_url.rstrip("/")
    return {
        "$schema": SCHEMA_URL,
        "manifestVersion": MANIFEST_VERSION,
        "version": __version__,
        "id": str(uuid.uuid5(APP_NAMESPACE, bot_id.lower())),
        "developer": {
            "name": developer,
            "websiteUrl": base + "/",
            "privacyUrl": privacy_url or base + "/",
            "termsOfUseUrl": terms_url or base + "/",
        },
        "name": {"short": "Flexcalc", "full": "Flexcalc: greener, cheaper electricity times"},
        "description": {
            "short": "When to use electricity so it costs less and emits less",
            "full": (
                "Flexcalc answers bestslot, prices and carbon from live Octopus Agile prices "
                "and GB carbon-intensity forecasts, with charts, and can post a daily "
                "greener-times card to a channel. Mention @Flexcalc with a question, e.g. "
                "'bestslot 4h by 07:00 in NG1'."
            ),
        },
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": ACCENT,
        "bots": [
            {
                "botId": bot_id,
                "scopes": SCOPES,
                "supportsFiles": False,
                "isNotificationOnly": False,
                "commandLists": [
                    {
                        "scopes": SCOPES,
                        "commands": [
                            {"title": t, "description": d} for t, d in suggested_commands()
                        ],
                    }
                ],
            }
        ],
        "validDomains": [urlsplit(base).hostname],
    }


def _bolt(size: int) -> list[tuple[float, float]]:
    """A lightning bolt filling a ``size`` square (the app's mark)."""
    points = [
        (0.58, 0.08),
        (0.22, 0.56),
        (0.47, 0.56),
        (0.38, 0.92),
        (0.78, 0.42),
        (0.53, 0.42),
        (0.64, 0.08),
    ]
    return [(x * size, y * size) for x, y in points]


def color_icon() -> bytes:
    """192x192 full-colour icon: a white bolt on the accent colour."""
    image = Image.new("RGBA", (COLOR_SIZE, COLOR_SIZE), ACCENT)
    ImageDraw.Draw(image).polygon(_bolt(COLOR_SIZE), fill="white")
    return _png(image.convert("RGB"))


def outline_icon() -> bytes:
    """32x32 outline icon: white bolt, everything else fully transparent (no anti-aliasing)."""
    image = Image.new("RGBA", (OUTLINE_SIZE, OUTLINE_SIZE), (255, 255, 255, 0))
    ImageDraw.Draw(image).polygon(_bolt(OUTLINE_SIZE), fill=(255, 255, 255, 255))
    return _png(image)


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def build(path: Path, bot_id: str, base_url: str, **details: Any) -> Path:
    """Write the package zip to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr(
            "manifest.json", json.dumps(manifest(bot_id, base_url, **details), indent=2)
        )
        package.writestr("color.png", color_icon())
        package.writestr("outline.png", outline_icon())
    return path


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bot teams package",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--out", default="flexcalc-teams.zip", help="zip to write")
    parser.add_argument(
        "--bot-id",
        default=os.environ.get(BOT_ID_ENV, ""),
        help=f"Microsoft App ID of the Azure bot (default ${BOT_ID_ENV})",
    )
    parser.add_argument(
        "--base-url",
        default=os.environ.get("PUBLIC_BASE_URL", ""),
        help="public https URL of the web process (default $PUBLIC_BASE_URL)",
    )
    parser.add_argument("--developer", default="Flexcalc", help="publisher name (<= 32 chars)")
    parser.add_argument("--privacy-url", help="privacy statement URL (default: the base URL)")
    parser.add_argument("--terms-url", help="terms of use URL (default: the base URL)")
    args = parser.parse_args(argv)
    problems = []
    try:
        uuid.UUID(args.bot_id)
    except ValueError:
        problems.append(
            f"the bot id must be the Azure bot's Microsoft App ID (a GUID): set "
            f"{BOT_ID_ENV} or pass --bot-id"
        )
    if urlsplit(args.base_url).scheme != "https":
        problems.append("the base URL must be https://...: set PUBLIC_BASE_URL or pass --base-url")
    if len(args.developer) > 32:
        problems.append("--developer must be at most 32 characters")
    if problems:
        print("Cannot build the Teams package: " + "; ".join(problems) + ".", file=sys.stderr)
        return 2
    out = build(
        Path(args.out),
        args.bot_id,
        args.base_url,
        developer=args.developer,
        privacy_url=args.privacy_url,
        terms_url=args.terms_url,
    )
    print(f"Wrote {out}: upload it in the Teams admin centre (Manage apps > Upload).")
    return 0
