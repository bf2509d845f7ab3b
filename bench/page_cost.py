"""Where a page's time goes: CPU time per request of logged-in pages, in-process (Django's test
client, no server, no network), side by side with /healthz in alternating rounds, and the same
page again with its template's rendering taken out (the view, its queries and the middleware
left). A steadier figure than req/s under load on a shared machine, and the answer to "how much
of this page is the template?". Usage (from the repository root):

    DATA_DIR=data/bench-100000 .venv/bin/python bench/page_cost.py \\
        --login "+380501234567:Kabinet-demo-2026" --pages "{dashboard},{statistics}"
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kabinet.settings")


def cost_ms(get: Callable[[str], Any], path: str, count: int) -> tuple[float, float]:
    """(CPU of this process, wall time) per request; the wall time includes the database
    server's work, which on PostgreSQL happens in another process."""
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(count):
        get(path)
    return (
        (time.process_time() - cpu) * 1000 / count,
        (time.perf_counter() - wall) * 1000 / count,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--login", required=True, help="IDENTIFIER:PASSWORD")
    parser.add_argument("--pages", default="{dashboard},{statistics}")
    parser.add_argument("--requests", type=int, default=300, help="per page and round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db.models import QuerySet
    from django.template.backends.django import Template
    from django.test import Client

    settings.ALLOWED_HOSTS = ["*"]
    client = Client()
    identifier, _sep, password = args.login.partition(":")
    client.post("/login/", {"identifier": identifier, "password": password})
    cabinet = client.get("/cabinet/")
    location = cabinet.headers.get("Location", "")
    if cabinet.status_code != 302 or "/accounts/" not in location:
        raise SystemExit(f"could not log in as {identifier}")
    named = {"dashboard": location, "statistics": location + "statistics/"}

    def get(path: str) -> None:
        response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}")

    render = Template.render

    def without_rendering(self: Template, context: Any = None, request: Any = None) -> str:
        # What the template would have read from the database is still read.
        for value in (context or {}).values():
            if isinstance(value, QuerySet):
                list(value)
        return ""

    print(
        f"{'page':34} {'CPU ms/req':>10} {'no template':>12} {'/healthz':>9}  ÷ healthz"
        f"   {'wall ms/req':>11} {'/healthz':>9}"
    )
    for page in args.pages.split(","):
        path = page.format(**named)
        for _ in range(20):  # warm: templates compiled, caches filled
            get(path)
            get("/healthz")
        whole, bare, base = [], [], []
        for _ in range(args.rounds):
            whole.append(cost_ms(get, path, args.requests))
            Template.render = without_rendering  # type: ignore[method-assign,assignment]
            try:
                bare.append(cost_ms(get, path, args.requests))
            finally:
                Template.render = render  # type: ignore[method-assign]
            base.append(cost_ms(get, "/healthz", args.requests))
        (page_ms, page_wall), (bare_ms, _), (base_ms, base_wall) = map(min, (whole, bare, base))
        print(
            f"{path:34} {page_ms:10.2f} {bare_ms:12.2f} {base_ms:9.2f}"
            f"  {base_ms / page_ms:.0%} (without the template {base_ms / bare_ms:.0%})"
            f"   {page_wall:11.2f} {base_wall:9.2f}"
        )


if __name__ == "__main__":
    main()
