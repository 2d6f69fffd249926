"""Teams front end: outgoing-webhook reply time over real HTTP, and card sizes.

Starts the real web app on loopback (offline sample data, a temporary SQLite file), sends signed
``@Flexcalc`` mentions for several commands and reports the reply time (first request per
command is a cold start: provider, chart fonts). Targets: every reply under Teams' 5 s limit,
every card under 28 KB. ``.venv/bin/python -m bench.bench_teams [--repeats N]``.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

COMMANDS = [
    "bestslot 4h in NG1",
    "bestslot 2h by 07:00 for both at 7 kW",
    "prices",
    "carbon in London",
    "battery 10 kWh 5 kW",
    "footprint storage 50TB",
    "help",
]
LIMIT_S = 5.0
LIMIT_BYTES = 28 * 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    secret = base64.b64encode(os.urandom(32)).decode()
    os.environ.update({"FLEX_OFFLINE": "1", "TEAMS_OUTGOING_WEBHOOK_SECRET": secret})

    import logging

    import requests
    from flask import Flask
    from werkzeug.serving import make_server

    from bot.services import Services
    from bot.storage.db import get_engine
    from bot.teams.outgoing import sign
    from bot.teams.web import register
    from flexcalc.sources.sample import SampleProvider

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    logging.getLogger("bot").setLevel(logging.ERROR)
    folder = Path(tempfile.mkdtemp())
    provider = SampleProvider()
    services = Services(engine=get_engine(f"sqlite:///{folder}/bench.sqlite"),
                        provider_factory=lambda: provider)  # fmt: skip
    web = Flask("bench")
    register(web, services)
    server = make_server("127.0.0.1", 0, web, threaded=True)
    import threading

    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}"
    services.public_base_url = url
    template = json.loads(
        (Path(__file__).parent.parent / "tests/teams/fixtures/outgoing_message.json").read_text()
    )
    session = requests.Session()
    failed = False
    print(f"{'command':40s} {'cold s':>7s} {'p50 s':>7s} {'max s':>7s} {'card B':>7s}")
    for command in COMMANDS:
        times, size = [], 0
        for _ in range(args.repeats + 1):
            fresh = {"id": str(time.time_ns()), "timestamp": datetime.now(UTC).isoformat()}
            body = json.dumps(
                {**template, **fresh, "text": f"<at>Flexcalc</at> {command}"}
            ).encode()  # a new id and time per activity, as Teams sends (replay protection)
            started = time.perf_counter()
            headers = {"Authorization": sign(body, secret)}
            response = session.post(f"{url}/teams/outgoing", data=body, headers=headers, timeout=10)
            times.append(time.perf_counter() - started)
            size = len(response.content)
            assert response.status_code == 200, response.text
            assert "attachments" in response.json(), response.text
        cold, warm = times[0], times[1:]
        print(
            f"{command:40s} {cold:7.2f} {statistics.median(warm):7.2f} {max(warm):7.2f} {size:7d}"
        )
        failed |= max(times) > LIMIT_S or size > LIMIT_BYTES
    forged = session.post(f"{url}/teams/outgoing", data=b"{}", headers={"Authorization": "HMAC x"})
    print(f"forged request -> HTTP {forged.status_code}")
    print("PASS" if not failed and forged.status_code == 401 else "FAIL", f"(limits {LIMIT_S} s, "
          f"{LIMIT_BYTES} B)")  # fmt: skip
    server.shutdown()
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
