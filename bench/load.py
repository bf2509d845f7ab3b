"""Load scenario: requests per second and latency percentiles of Kabinet's pages, each side by
side with a trivial endpoint of the same stack (/healthz: one `SELECT 1`) measured in the same run.

The machines are noisy, so the figure that counts is the ratio page / baseline, and each page is
measured in alternating rounds with the baseline. Usage (from the repository root):

    make -C bench load                     # demo data, default pages
    .venv/bin/python bench/load.py --help  # every option
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASELINE = "/healthz"


@dataclass
class Run:
    path: str
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    errors: int
    requests: int = 0
    cpu_ms: float = 0.0  # the server's CPU time per request (all its processes and threads)


def server_cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of the process `pid` and all its descendants, from /proc.

    Throughput is what the issues ask for, but on a shared machine it moves with everyone
    else's load; the server's own CPU time per request hardly does, so it is printed beside it."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry)] = int(fields[1])
        times[int(entry)] = (int(fields[11]) + int(fields[12])) / tick
    tree, frontier = {pid}, [pid]
    while frontier:
        parent = frontier.pop()
        for child, its_parent in parents.items():
            if its_parent == parent and child not in tree:
                tree.add(child)
                frontier.append(child)
    return sum(times.get(p, 0.0) for p in tree)


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
    if not match:
        raise ValueError(text)
    value, unit = float(match.group(1)), match.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


SERVER_PID = 0  # set by main(): the granian process whose CPU time is counted


def wrk(url: str, *, seconds: int, connections: int, threads: int, headers: list[str]) -> Run:
    cpu_before = server_cpu_seconds(SERVER_PID) if SERVER_PID else 0.0
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for header in headers:
        cmd += ["-H", header]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    cpu = server_cpu_seconds(SERVER_PID) - cpu_before if SERVER_PID else 0.0
    if not re.search(r"^\s+99%", out, re.M):
        raise SystemExit(f"wrk measured nothing at {url}:\n{out}")
    latency = dict(re.findall(r"^\s+(50|90|99)%\s+(\S+)\s*$", out, re.M))
    errors = sum(
        int(n) for n in re.findall(r"(?:Non-2xx or 3xx responses|Socket errors:.*?):\s*(\d+)", out)
    )
    return Run(
        path=url.split("://", 1)[1].split("/", 1)[1],
        rps=float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        p50_ms=_ms(latency["50"]),
        p90_ms=_ms(latency["90"]),
        p99_ms=_ms(latency["99"]),
        errors=errors,
        requests=(done := int(re.search(r"(\d+) requests in", out).group(1))),  # type: ignore[union-attr]
        cpu_ms=cpu * 1000 / max(done, 1),
    )


def wait_until_up(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server did not answer at {url}")


def log_in(base: str, credentials: str) -> tuple[str, dict[str, str]]:
    """Log in through the form like a browser; the session cookie header and the cabinet's
    own pages ({dashboard}, {statistics}) of the first account."""
    import http.cookiejar
    import urllib.parse

    identifier, _sep, password = credentials.partition(":")
    jar = http.cookiejar.CookieJar()

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
    page = opener.open(base + "/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    form = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token, "identifier": identifier, "password": password}
    ).encode()
    for url, data in ((base + "/login/", form), (base + "/cabinet/", None)):
        try:
            opener.open(
                urllib.request.Request(url, data=data, headers={"Referer": base + "/login/"})
            )
        except urllib.error.HTTPError as redirect:
            location = redirect.headers["Location"]
    cookies = {c.name: c.value for c in jar}
    if "sessionid" not in cookies or "/accounts/" not in location:
        raise SystemExit(f"could not log in as {identifier}")
    dashboard = location.replace(base, "")
    return f"Cookie: sessionid={cookies['sessionid']}", {
        "dashboard": dashboard,
        "statistics": dashboard + "statistics/",
    }


# --- The reading day (issue #5): log in, open the meters table, submit a reading, read the history

P95_LUA = """
{setup}
done = function(summary, latency, requests)
  io.write(string.format("P95 %d\\n", latency:percentile(95)))
end
"""


def _wrk_p95(url: str, *, seconds: int, connections: int, setup: str) -> tuple[Run, float]:
    """One wrk run with a Lua script (a POST, or headers only); its Run and the p95 in ms."""
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(P95_LUA.format(setup=setup))
    cmd = ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    cmd += ["-s", script.name]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, check=True).stdout
    os.unlink(script.name)
    latency = dict(re.findall(r"^\s+(50|90|99)%\s+(\S+)\s*$", out, re.M))
    errors = sum(
        int(n) for n in re.findall(r"(?:Non-2xx or 3xx responses|Socket errors:.*?):\s*(\d+)", out)
    )
    run = Run(
        path=url.split("://", 1)[1].split("/", 1)[1],
        rps=float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        p50_ms=_ms(latency["50"]),
        p90_ms=_ms(latency["90"]),
        p99_ms=_ms(latency["99"]),
        errors=errors,
    )
    return run, int(re.search(r"^P95 (\d+)", out, re.M).group(1)) / 1000  # type: ignore[union-attr]


def reading_day(
    base: str, credentials: str, *, seconds: int, connections: int, p95_target: float
) -> None:
    """Logged in as the demo customer: the meters table, a submitted reading (the previous
    value again, so every POST is valid), the meter's history. Prints req/s and p95; with a
    p95 target, each step at 1, 2, 4 … up to `connections` concurrent clients, and the highest
    rate whose p95 stayed under the target."""
    cookie, named = log_in(base, credentials)
    table = named["dashboard"] + "meters/"

    def get(path: str, extra: str = "") -> tuple[str, str]:
        request = urllib.request.Request(base + path, headers={"Cookie": cookie[8:] + extra})
        with urllib.request.urlopen(request) as response:
            return response.read().decode(), response.headers.get("Set-Cookie", "")

    page, _set = get(table)
    for add in dict.fromkeys(re.findall(r'href="(/cabinet/accounts/\d+/meters/\d+/add/)"', page)):
        form, set_cookie = get(add)
        if 'name="value1"' in form:
            break
    else:
        raise SystemExit("no meter of the demo customer takes readings")
    csrf = re.search(r"csrftoken=([^;]+)", set_cookie).group(1)  # type: ignore[union-attr]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
    shown = re.search(r'id="previous"><span class="register">([^<]+)<', form)
    values = [v.strip() for v in shown.group(1).split("/")] if shown else ["0", "0", "0"]
    body = "&".join(
        [f"csrfmiddlewaretoken={token}", *(f"value{i}={v}" for i, v in enumerate(values, 1))]
    )
    cookies = f"{cookie[8:]}; csrftoken={csrf}"
    headers = f'wrk.headers["Cookie"] = "{cookies}"'
    post = (
        f'wrk.method = "POST"\nwrk.body = "{body}"\n{headers}\n'
        'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"'
    )
    history = add.removesuffix("add/")
    print(
        f"{'reading day':<44}{'conns':>6}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
        f"{'errors':>8}"
    )
    steps = [c for c in (1, 2, 4, 8, 16, 32) if c <= connections] if p95_target else [connections]
    for label, path, setup in (
        ("meters table", table, headers),
        ("submit a reading (POST)", add, post),
        ("meter history", history, headers),
    ):
        best: tuple[float, int] | None = None
        for conns in steps:
            run, p95 = _wrk_p95(base + path, seconds=seconds, connections=conns, setup=setup)
            print(
                f"{label + ' ' + path:<44}{conns:>6}{run.rps:>8.1f}{run.p50_ms:>9.1f}{p95:>9.1f}"
                f"{run.p99_ms:>9.1f}{run.errors:>8}"
            )
            if p95_target and p95 < p95_target and not run.errors:
                best = max(best or (0.0, 0), (run.rps, conns))
        if p95_target:
            print(
                f"  {label}: sustained {best[0]:.1f} req/s with p95 < {p95_target:.0f} ms "
                f"({best[1]} connections)"
                if best
                else f"  {label}: p95 >= {p95_target:.0f} ms even with one connection"
            )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--pages", default="/,/contacts/", help="comma-separated paths")
    parser.add_argument("--seconds", type=int, default=10, help="length of one measurement")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per page")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="granian worker processes")
    parser.add_argument(
        "--blocking-threads", type=int, default=4, help="granian threads per worker process"
    )
    parser.add_argument("--port", type=int, default=8099)
    parser.add_argument(
        "--header", action="append", default=[], help="extra header, e.g. a session cookie"
    )
    parser.add_argument(
        "--login",
        default="",
        help="IDENTIFIER:PASSWORD: log in first; pages may then use {dashboard} and {statistics}",
    )
    parser.add_argument(
        "--reading-day",
        action="store_true",
        help="with --login: the meters table, submitting a reading, the history (issue #5)",
    )
    parser.add_argument(
        "--p95-target",
        type=float,
        default=0,
        help="with --reading-day: step the clients up to --connections and report the highest "
        "rate whose 95th percentile stays under this many ms (issue #5: 200)",
    )
    args = parser.parse_args()

    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk (make -C bench load does it as root)")
    env = dict(os.environ)
    env.setdefault("SITE_URL", f"http://127.0.0.1:{args.port}")
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/granian"),
            "--interface",
            "wsgi",
            "--host",
            "127.0.0.1",
            "--port",
            str(args.port),
            "--workers",
            str(args.workers),
            "--blocking-threads",
            str(args.blocking_threads),
            "--log-level",
            "warning",
            "kabinet.wsgi:application",
        ],
        cwd=ROOT,
        env=env,
    )
    global SERVER_PID
    SERVER_PID = server.pid
    base = f"http://127.0.0.1:{args.port}"
    try:
        wait_until_up(base + BASELINE)
        pages = args.pages
        if args.login:
            cookie, named = log_in(base, args.login)
            args.header.append(cookie)
            pages = pages.format(**named)
        args.pages = pages
        if args.reading_day:
            reading_day(
                base,
                args.login,
                seconds=args.seconds,
                connections=args.connections,
                p95_target=args.p95_target,
            )
            return
        for path in (BASELINE, *args.pages.split(",")):  # warm every worker and cache
            wrk(
                base + path,
                seconds=2,
                connections=args.connections,
                threads=args.threads,
                headers=args.header,
            )
        print(
            f"{'page':<28}{'req/s':>10}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}{'errors':>8}"
            f"{'÷ baseline':>12}{'CPU ms/req':>12}{'÷ baseline':>12}"
        )
        for path in args.pages.split(","):
            pairs = []
            for _round in range(args.rounds):
                page = wrk(
                    base + path,
                    seconds=args.seconds,
                    connections=args.connections,
                    threads=args.threads,
                    headers=args.header,
                )
                ref = wrk(
                    base + BASELINE,
                    seconds=args.seconds,
                    connections=args.connections,
                    threads=args.threads,
                    headers=args.header,
                )
                pairs.append((page, ref))
            ratio = statistics.median(p.rps / r.rps for p, r in pairs)
            # The same comparison by the server's CPU time per request: the baseline's over the
            # page's is the throughput ratio the two would have on an otherwise idle machine.
            cpu_ratio = statistics.median(r.cpu_ms / p.cpu_ms for p, r in pairs if p.cpu_ms)
            for label, run in ((path, pairs[-1][0]), (f"  {BASELINE} (same rounds)", pairs[-1][1])):
                page_row = run is pairs[-1][0]
                print(
                    f"{label:<28}{run.rps:>10.0f}{run.p50_ms:>9.1f}{run.p90_ms:>9.1f}"
                    f"{run.p99_ms:>9.1f}{run.errors:>8}"
                    + (f"{ratio:>11.0%} " if page_row else " " * 12)
                    + f"{run.cpu_ms:>11.2f}"
                    + (f"{cpu_ratio:>12.0%}" if page_row else "")
                )
    finally:
        server.terminate()
        server.wait(timeout=10)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
