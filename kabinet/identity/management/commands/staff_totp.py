"""`manage.py staff_totp <username>`: give a member of staff an authenticator app for the back
office (a new key replaces the old one) and print its otpauth:// URI and a QR code to scan.

`manage.py staff_totp --code <username>` prints the code the app would show now: for the demo
and for development only (DEMO=1 or DEBUG), never in production.
"""

from __future__ import annotations

import io
from typing import Any

import segno
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_otp.plugins.otp_totp.models import TOTPDevice

from kabinet.identity.models import User
from kabinet.identity.staff_otp import otpauth_uri, totp_code, totp_device_for, totp_secret


class Command(BaseCommand):
    help = (
        "Set up (or replace) the TOTP authenticator app of a member of staff and print the "
        "key as an otpauth:// URI and a QR code; with --code, print the current code (demo)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="The staff member's login (username).")
        parser.add_argument(
            "--code",
            action="store_true",
            help="Print the code the app shows now instead (only with DEMO=1 or DEBUG).",
        )
        parser.add_argument(
            "--no-qr", action="store_true", help="Print the URI and the key, not the QR code."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None or not user.is_staff:
            raise CommandError(f"No member of staff with the login {options['username']!r}.")
        if options["code"]:
            self._print_code(user)
            return
        device = totp_device_for(user)
        uri = otpauth_uri(device)
        self.stdout.write(f"A new authenticator key for {user.get_username()}; the old one no")
        self.stdout.write("longer works. Scan the QR code with an authenticator app, or type")
        self.stdout.write(f"the key: {totp_secret(device)}\n")
        self.stdout.write(uri)
        if not options["no_qr"]:
            qr = io.StringIO()  # segno writes in pieces; the command's stdout adds line ends
            segno.make(uri, error="m").terminal(out=qr, compact=True)
            self.stdout.write(qr.getvalue(), ending="")
        self.stdout.write("Then log in at /admin/ with the login, the password and the code.")

    def _print_code(self, user: User) -> None:
        if not (settings.DEBUG or getattr(settings, "DEMO", False)):
            raise CommandError(
                "--code works only in the demo (DEMO=1) or with DEBUG; read the code from "
                "the authenticator app."
            )
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        if device is None:
            raise CommandError(f"{user.get_username()} has no authenticator app yet.")
        self.stdout.write(totp_code(device))
