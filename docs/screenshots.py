"""Screenshots of Kabinet's main pages for the README, taken from a throw-away demo server.

    .venv/bin/python docs/screenshots.py            # writes docs/screenshots/*.png

It makes a temporary DATA_DIR, fills it with the demo data (migrate, demo_load, then a small
Django step of its own for an appeal thread and a grid-connection application, which the demo
has none of), collects the static files, serves the demo with granian on a free localhost port
and walks the pages with Playwright driving the system's Chromium (never `playwright install`),
logging in through the login forms as a person would. The server is stopped and the DATA_DIR
removed at the end, whatever happens; the whole run is bounded by --timeout. Nothing is written
outside the DATA_DIR and the output folder.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.dont_write_bytecode = True  # no __pycache__ left in the checkout by the imports below

from playwright.sync_api import Browser, Page, expect, sync_playwright  # noqa: E402

from e2e.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402  (the browser tests' launch)
from e2e.helpers import in_cabinet  # noqa: E402

PYTHON = ROOT / ".venv" / "bin" / "python"
GRANIAN = ROOT / ".venv" / "bin" / "granian"
# The demo logins (manage.py demo_load --print-logins) and their one password.
PASSWORD = "Kabinet-demo-2026"  # noqa: S105 - the public demo password
HOUSEHOLD = "+380501234567"  # Kremenchukgaz household: gas, electricity, water, a dacha
KRASKOM_COMPANY = "torgovaya_marka"  # contract «Вода и стоки»
KRASKOM_HOUSEHOLD = "3100000417"  # water and sewage
DRSK_INDIVIDUAL = "11223344595"  # SNILS; a grid-connection applicant
CONNECTION_NUMBER = "ТП-2026/0417"  # the registration number the seed step gives
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 780}
TIMEOUT_MS = 15_000


def seed() -> None:
    """Run in a child process with the demo's settings: the demo has no appeal and no
    grid-connection application, so make them through the apps' own services."""
    import datetime as dt
    import io
    from decimal import Decimal

    import django

    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import RequestFactory
    from django.utils import timezone
    from reportlab.pdfgen.canvas import Canvas

    from kabinet.appeals import services as appeals
    from kabinet.appeals.models import AppealTopic
    from kabinet.connections import services as connections
    from kabinet.connections.models import DocumentKind
    from kabinet.identity.models import User

    def request_for(user: User) -> Any:
        request = RequestFactory().post("/", REMOTE_ADDR="127.0.0.1", HTTP_USER_AGENT="shots")
        request.user = user
        return request

    def pdf(text: str) -> SimpleUploadedFile:
        buffer = io.BytesIO()
        canvas = Canvas(buffer)
        canvas.drawString(72, 720, text)
        canvas.save()
        return SimpleUploadedFile("plan.pdf", buffer.getvalue(), content_type="application/pdf")

    household = User.objects.get(username=HOUSEHOLD)
    handler = User.objects.get(username="appeals")
    appeal = appeals.appeal_create(
        user=household,
        topic=AppealTopic.objects.get(code="payment_missing"),
        text="Добрий день! 3-го числа я сплатив 450 грн через банк, але в кабінеті оплата досі "
        "не відображається. Перевірте, будь ласка.",
        account=household.customer.accounts.first() if household.customer else None,
        upload=None,
        request=request_for(household),
    )
    appeals.appeal_answer(
        appeal=appeal,
        staff=handler,
        text="Доброго дня! Платіж знайдено: банк передав його із запізненням. Оплату "
        "зараховано на ваш особовий рахунок, вона з'явиться в кабінеті протягом доби.",
        upload=None,
        waiting_for_customer=False,
        request=request_for(handler),
    )
    # and one still waiting for a handler, for the back office's queues
    neighbour = User.objects.get(username=KRASKOM_HOUSEHOLD)
    appeals.appeal_create(
        user=neighbour,
        topic=AppealTopic.objects.get(code="readings"),
        text="Заменили счётчик холодной воды, новый номер 00001. Прошу принять показания.",
        account=neighbour.customer.accounts.first() if neighbour.customer else None,
        upload=None,
        request=request_for(neighbour),
    )

    applicant = User.objects.get(username=DRSK_INDIVIDUAL)
    engineer = User.objects.get(username="engineer")
    request = request_for(applicant)
    application = connections.application_create(user=applicant, request=request)
    connections.application_fields_save(
        application=application,
        user=applicant,
        data={
            "applicant_kind": "individual",
            "applicant_name": applicant.get_full_name(),
            "contact_name": applicant.get_full_name(),
            "contact_phone": applicant.phone or "+79141234567",
            "object_name": "Жилой дом",
            "object_address": "г. Хабаровск, ул. Таёжная, 12",
            "purpose": "Бытовое потребление",
            "connection_type": "new",
            "max_power_kw": Decimal("15"),
            "voltage": "0.4",
            "reliability": "3",
            "planned_date": timezone.localdate() + dt.timedelta(days=120),
        },
        request=request,
    )
    for kind in (DocumentKind.LAND_TITLE, DocumentKind.SITE_PLAN):
        connections.application_document_add(
            application=application,
            user=applicant,
            kind=kind,
            upload=pdf(str(kind.label)),
            content_type="application/pdf",
            request=request,
        )
    application = connections.application_submit(
        application=application, user=applicant, request=request
    )
    application = connections.application_register(
        application=application,
        staff=engineer,
        registration_number=CONNECTION_NUMBER,
        request=request_for(engineer),
    )
    connections.application_stage_next(
        application=application,
        staff=engineer,
        comment="Документы приняты, готовим технические условия.",
        request=request_for(engineer),
    )
    print(f"seeded appeals and the connection application {application.number}")


class TimedOut(Exception):
    pass


def on_alarm(signum: int, frame: FrameType | None) -> None:
    raise TimedOut


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def demo_env(data_dir: Path, site_url: str) -> dict[str, str]:
    """The demo's settings, with every place it could write pointed at the temporary folder:
    SQLite and the secret key in DATA_DIR, local-memory cache, console mail and SMS."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name
        not in {
            "DATABASE_URL",
            "REDIS_URL",
            "CACHE_URL",
            "SECRET_KEY",
            "EMAIL_URL",
            "SMS_BACKEND",
            "CLAMD_SOCKET",
            "CLAMD_ADDRESS",
            "CLAMD_HOST",
            "PAYMENT_PROVIDERS",
            "LANGUAGE_CODE",
            "DJANGO_SETTINGS_MODULE",
        }
    }
    env.update(
        DEMO="1",
        DATA_DIR=str(data_dir),
        SITE_URL=site_url,
        PYTHONDONTWRITEBYTECODE="1",  # no __pycache__ written into the checkout
        DJANGO_SETTINGS_MODULE="kabinet.settings",
    )
    return env


def manage(env: dict[str, str], *args: str) -> str:
    return run(env, str(PYTHON), "manage.py", *args)


def run(env: dict[str, str], *command: str, timeout: float = 180) -> str:
    done = subprocess.run(  # noqa: S603 - our own programs with fixed arguments
        command,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode:
        sys.exit(f"{' '.join(command[1:])} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


@contextmanager
def demo_server(env: dict[str, str], port: int, log: Path) -> Iterator[str]:
    """granian serving the demo, as `make demo` does; stopped (its process group) on exit."""
    base = f"http://127.0.0.1:{port}"
    with log.open("w") as out:
        server = subprocess.Popen(  # noqa: S603 - our own program with fixed arguments
            [
                *(str(GRANIAN), "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port)),
                *("--workers", "1", "--blocking-threads", "4", "--log-level", "warning"),
                "kabinet.wsgi:application",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own group: stopping it stops its workers too
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(base + "/healthz", timeout=2) as response:  # noqa: S310
                        if response.status == 200:
                            break
                except OSError:
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    sys.exit(f"the demo server did not start:\n{log.read_text()}")
                time.sleep(0.3)
            yield base
        finally:
            signal.alarm(0)  # the run is over either way: let nothing interrupt the stop
            if server.poll() is None:
                os.killpg(server.pid, signal.SIGTERM)
                try:
                    server.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(server.pid, signal.SIGKILL)
                    server.wait()


def log_in(page: Page, base: str, login: str, *, status: str = "individual") -> None:
    """Through the login form, as a person would (the demo asks for the status first)."""
    page.goto(base + "/")
    page.locator(".main-nav a[href='/login/']").click()
    if page.locator("#id_status").count():
        page.select_option("#id_status", status)
    page.fill("#id_identifier", login)
    page.fill("#id_password", PASSWORD)
    page.locator("form.stacked button[type=submit]").click()
    expect(page).to_have_url(in_cabinet(base))


def scroll_to_heading(page: Page) -> None:
    """On a phone the accounts list comes first: scroll to the page's own heading."""
    page.locator("main h1").first.evaluate(
        "h => { h.scrollIntoView({block: 'start'}); window.scrollBy(0, -12); }"
    )


def choose_language(page: Page, code: str) -> None:
    page.locator(f"form.language-switcher button[value={code}]").click()
    expect(page.locator("html")).to_have_attribute("lang", code)


class Shots:
    def __init__(self, browser: Browser, base: str, out: Path) -> None:
        self.browser, self.base, self.out = browser, base, out
        self.taken: list[str] = []
        self.missed: list[str] = []
        self.only: list[str] = []

    def page(self, viewport: dict[str, int] = DESKTOP) -> Page:
        # The browser prefers English, as in the browser tests: the portal opens in Ukrainian.
        context = self.browser.new_context(locale="en-US", viewport=viewport)  # type: ignore[arg-type]
        context.set_default_timeout(TIMEOUT_MS)
        return context.new_page()

    def save(self, page: Page, name: str) -> None:
        page.wait_for_load_state("networkidle")
        page.evaluate("document.activeElement && document.activeElement.blur()")
        page.screenshot(path=self.out / name, full_page=False, animations="disabled")
        self.taken.append(name)
        print(f"  {name}")

    def household(self) -> None:
        page = self.page()
        log_in(page, self.base, HOUSEHOLD)
        expect(page.locator("#pay-button")).to_be_visible()
        self.save(page, "dashboard.png")
        dashboard = page.url

        page.locator("a[href$='/statistics/']").first.click()
        expect(page.locator("svg.chart[role=img]")).to_be_visible()
        self.save(page, "statistics.png")

        page.goto(dashboard + "meters/")  # the dashboard links it only for several meters
        expect(page.locator("main table")).to_be_visible()
        self.save(page, "meters.png")

        page.locator(".main-nav a[href='/contacts/']").click()
        page.locator("main a[href='/appeals/']").click()
        page.locator("main a[href^='/appeals/'][href$='/']").first.click()
        expect(page.locator("main")).to_contain_text("Платіж знайдено")
        self.save(page, "appeal-thread.png")

        page.goto(dashboard)
        page.locator("#pay-button").click()
        page.locator("form.stacked button[type=submit]").click()
        expect(page.locator("#sandbox-amount")).to_be_visible()
        page.fill("#card", "4242 4242 4242 4242")
        page.fill("#exp", "12/30")
        page.fill("#cvv", "123")
        self.save(page, "payment-sandbox.png")
        page.locator("#sandbox-pay").click()
        expect(page.locator("#order-status")).to_contain_text("успішно")
        self.save(page, "payment-success.png")
        page.context.close()

    def household_phone(self) -> None:
        page = self.page(PHONE)
        log_in(page, self.base, HOUSEHOLD)
        # On a phone the accounts list comes first: scroll to the figures, as a person would.
        scroll_to_heading(page)
        self.save(page, "dashboard-360.png")
        submit = page.locator("main a.button[href*='/meters/']").last  # Submit a reading
        submit.click()
        if not page.url.endswith("/add/"):  # several meters: the table first
            page.locator("main a.button[href$='/add/']").first.click()
        expect(page.locator("main form")).to_be_visible()
        scroll_to_heading(page)
        self.save(page, "reading-add-360.png")
        page.context.close()

    def kraskom_contract(self) -> None:
        page = self.page()
        log_in(page, self.base, KRASKOM_COMPANY, status="company")
        choose_language(page, "ru")
        page.goto(self.base + "/cabinet/contracts/")
        page.locator("main tbody a.button[href^='/cabinet/contracts/']").first.click()
        page.locator("main a[href$='/balance/']").first.click()
        expect(page.locator("main table").first).to_be_visible()
        self.save(page, "contract-balance-ru.png")
        page.context.close()

    def drsk_connection(self) -> None:
        page = self.page()
        log_in(page, self.base, DRSK_INDIVIDUAL)
        choose_language(page, "ru")
        page.goto(self.base + "/connections/")
        page.locator("main a[href^='/connections/'][href$='/']").first.click()
        expect(page.locator("main")).to_contain_text(CONNECTION_NUMBER)
        self.save(page, "connection-timeline.png")
        page.context.close()

    def back_office(self, env: dict[str, str]) -> None:
        page = self.page()
        page.goto(self.base + "/admin/")
        page.fill("#id_username", "admin")
        page.fill("#id_password", PASSWORD)
        code = manage(env, "staff_totp", "--code", "admin").strip().split()[-1]
        page.fill("#id_otp_token", code)
        page.locator("#login-form [type=submit]").click()
        expect(page.locator("#user-tools")).to_be_visible()
        self.save(page, "backoffice-queues.png")
        page.context.close()

    def run(self, env: dict[str, str]) -> None:
        steps = [
            ("household", self.household),
            ("household on a phone", self.household_phone),
            ("KrasKom contract", self.kraskom_contract),
            ("DRSK connection", self.drsk_connection),
            ("back office", lambda: self.back_office(env)),
        ]
        for label, step in steps:
            if self.only and not any(word in label for word in self.only):
                continue
            try:
                step()
            except TimedOut:
                raise
            except Exception as error:  # one page that fails must not cost the others
                where = [p.url for c in self.browser.contexts for p in c.pages]
                first = f"{type(error).__name__}: {error}".splitlines()[0]
                self.missed.append(f"{label}: {first} (at {', '.join(where)})")
                for context in self.browser.contexts:
                    context.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--seed", action="store_true", help=argparse.SUPPRESS)  # the child
    parser.add_argument("--only", nargs="*", default=[], help="steps whose name has a word")
    parser.add_argument("--timeout", type=int, default=300, help="seconds for the whole run")
    args = parser.parse_args()
    if args.seed:
        seed()
        return 0
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    if not CHROMIUM.exists():
        sys.exit(f"Chromium not found at {CHROMIUM}")

    shots: Shots | None = None
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(args.timeout)
    try:
        with tempfile.TemporaryDirectory(prefix="kabinet-screenshots-") as folder:
            data_dir = Path(folder)
            port = free_port()
            env = demo_env(data_dir, f"http://127.0.0.1:{port}")
            print(f"demo data in {data_dir}")
            manage(env, "migrate", "--no-input", "-v", "0")
            manage(env, "demo_load", "--accounts", "300", "--months", "24", "-v", "0")
            print(run(env, str(PYTHON), __file__, "--seed").strip())
            manage(env, "collectstatic", "--no-input", "-v", "0")
            with demo_server(env, port, data_dir / "server.log") as base:
                print(f"demo server at {base}; screenshots into {out}")
                with sync_playwright() as playwright:
                    browser = playwright.chromium.launch(
                        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
                    )
                    shots = Shots(browser, base, out)
                    shots.only = args.only
                    try:
                        shots.run(env)
                    finally:
                        browser.close()
    except TimedOut:
        sys.exit(f"stopped: the run took longer than {args.timeout} s")
    finally:
        signal.alarm(0)
    missed = shots.missed if shots else ["everything: the browser did not start"]
    for line in missed:
        print(f"NOT TAKEN: {line}", file=sys.stderr)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
