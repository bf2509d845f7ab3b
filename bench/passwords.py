"""Password checks per second on one core: our Argon2id (m=19 MiB, t=2, p=1) side by side with
Django's default PBKDF2-SHA256, alternating in the same run (the ratio is the figure).

    .venv/bin/python bench/passwords.py [--seconds 5] [--rounds 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kabinet.settings")

import django

django.setup()

from django.contrib.auth.hashers import (  # noqa: E402
    PBKDF2PasswordHasher,
    check_password,
    make_password,
)

from kabinet.identity.hashers import Argon2idHasher  # noqa: E402

PASSWORD = "Quiet-River-Stone-42"  # noqa: S105


def checks_per_second(encoded: str, seconds: float) -> float:
    done, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        assert check_password(PASSWORD, encoded, preferred="default")
        done += 1
    return done / elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    hashes = {
        "argon2id m=19MiB t=2 p=1": make_password(PASSWORD, hasher=Argon2idHasher()),
        f"pbkdf2_sha256 {PBKDF2PasswordHasher.iterations:,} iterations": make_password(
            PASSWORD, hasher=PBKDF2PasswordHasher()
        ),
    }
    results: dict[str, list[float]] = {name: [] for name in hashes}
    for _round in range(args.rounds):
        for name, encoded in hashes.items():
            results[name].append(checks_per_second(encoded, args.seconds))
    print(f"{'hasher':<36}{'checks/s/core':>15}{'ms/check':>10}")
    medians = {name: statistics.median(values) for name, values in results.items()}
    for name, rate in medians.items():
        print(f"{name:<36}{rate:>15.1f}{1000 / rate:>10.1f}")
    argon, pbkdf2 = medians.values()
    print(f"argon2id / pbkdf2 throughput: {argon / pbkdf2:.1f}x")


if __name__ == "__main__":
    main()
