"""First paint of the console's pages on the national bench's data (issue 18: "a page's first
paint stays under 300 ms with the national bench's data, not only the demo's").

    python -m bench.console_paint                      # 2,000 providers x 3 years, SQLite
    python -m bench.console_paint --providers 30000 --keep

1. The data set is bench.views's (bench/views_data.py: providers, contracts, years of returns,
   scores, concerns, interventions, decisions, notifications), made through the services' own
   code or found again under --data-dir when an earlier run (of this bench or bench.views) kept
   it.
2. `assure up --training` on it as bench.views starts it (sign-in on, background jobs off),
   once its views have read the whole store.
3. Headless Chromium (Debian's, as the browser tests drive it) signs in at the console's sign-in
   page as the people who use each page: a commissioning officer named on contracts ("Contract
   manager 00", so their inbox is a real officer's), a Head of Strategic Planning (approvals)
   and an auditor (a provider's history). Each page is loaded --requests times, one after
   another, and read from the browser's own Performance API: the server's time to first byte
   (`responseStart - requestStart` of the navigation) and the first contentful paint
   (`performance.getEntriesByType('paint')`), both in milliseconds. Beside them, the CPU time
   the `assure up` process serving the console (and the API it calls in process) spent on the
   page's loads, per load: on a machine shared with other work the browser's figures follow
   the machine's load, the CPU time much less.

Prints each page's median and p95 beside the 300 ms target (the ratio is p95 over it); --out
writes the figures as JSON. Exit code 0 when every page answered 200 every time, 1 otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import shutil
import statistics
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from bench import views_measure as measure
from bench.national_data import build_apps
from bench.spine import SignIn
from bench.views import Run, data_set_arguments, machine, parsed
from shared.security.identity import Identity, Role

TARGET_MS = 300
OFFICER = ("Contract manager 00", "commissioning_officer")
SENIOR = ("Morag Campbell", "head_of_strategic_planning")
AUDITOR = ("Ada Auditor", "auditor")
# The console's main pages, each as the person who opens it; {provider_id} and
# {intervention_id} are a provider of the data set with an intervention, and that one.
PAGES = (
    ("dashboard", OFFICER, "/console/workspace/"),
    ("return log", OFFICER, "/console/workspace/returns"),
    ("inbox", OFFICER, "/console/inbox"),
    ("approvals", SENIOR, "/console/workspace/approvals"),
    ("provider", OFFICER, "/console/workspace/providers/{provider_id}"),
    ("intervention", OFFICER, "/console/workspace/interventions/{intervention_id}"),
    ("history", AUDITOR, "/console/audit/providers/{provider_id}"),
)
# What the browser measured of the page it has just loaded: the navigation's server time and
# its first contentful paint (which Chromium records just after the load, so it is waited for).
TIMING = """async () => {
  const paint = () => performance.getEntriesByName('first-contentful-paint')[0];
  for (let i = 0; i < 50 && !paint(); i++) await new Promise(r => setTimeout(r, 20));
  const nav = performance.getEntriesByType('navigation')[0];
  return {ttfb: nav.responseStart - nav.requestStart, fcp: paint() ? paint().startTime : null};
}"""
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage"]


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.console_paint", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    data_set_arguments(parser)
    add = parser.add_argument
    add("--requests", type=int, default=20, help="times each page is loaded (20)")
    add("--pages", default=",".join(name for name, *_ in PAGES),
        help="which pages, by name, comma-separated (every one)")
    add("--timeout", type=float, default=600.0,
        help="limit for starting, the views to catch up, and each page (600 s)")
    add("--chromium", default=os.environ.get("ASSURE_TEST_CHROMIUM") or shutil.which("chromium")
        or shutil.which("chromium-browser"), help="the browser (Debian's chromium)")
    args = parsed(parser, argv)
    unknown = set(args.pages.split(",")) - {name for name, *_ in PAGES}
    if unknown:
        parser.error(f"no such page: {', '.join(sorted(unknown))}")
    if not args.chromium:
        parser.error("no Chromium found: apt-get install chromium, or give --chromium")
    return args


async def subjects(url: str, sign_in: SignIn) -> dict[str, str]:
    """A provider with an intervention (the data set's first), and its intervention."""
    async with httpx.AsyncClient(base_url=url, timeout=600) as http:
        headers = await sign_in.headers(http, Identity("bench", Role.COMMISSIONING_OFFICER))
        answer = await http.get("/escalation/interventions", headers=headers)
        answer.raise_for_status()
        first = answer.json()[0]
    return {"provider_id": first["provider_id"], "intervention_id": first["intervention_id"]}


async def signed_in(browser: Any, url: str, person: tuple[str, str], timeout: float) -> Any:
    """A page of a new browser session, signed in at the console's sign-in page."""
    context = await browser.new_context(base_url=url, locale="en-GB",
                                        timezone_id="Europe/London")
    page = await context.new_page()
    page.set_default_timeout(timeout * 1000)
    await page.goto("/console/sign-in")
    await page.get_by_label("Your name").fill(person[0])
    await page.locator(f"input[name=role][value={person[1]}]").check()
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_load_state()
    return page


async def paint(url: str, chromium: str, values: dict[str, str], requests: int,
                timeout: float, say: Any, chosen: set[str]) -> dict[str, Any]:
    from playwright.async_api import async_playwright

    found: dict[str, Any] = {}
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium,
                                                   args=CHROMIUM_ARGS, headless=True)
        try:
            people: dict[tuple[str, str], Any] = {}
            for name, person, path in PAGES:
                if name not in chosen:
                    continue
                if person not in people:
                    people[person] = await signed_in(browser, url, person, timeout)
                page, at = people[person], path.format(**values)
                say(f"  {name} ({at}) x {requests} ...")
                ttfb, fcp, statuses = [], [], []
                server = serving(url)
                began = cpu_ms(server)
                for _ in range(requests):
                    answer = await page.goto(at)
                    statuses.append(answer.status if answer else None)
                    timing = await page.evaluate(TIMING)
                    ttfb.append(timing["ttfb"])
                    if timing["fcp"] is not None:
                        fcp.append(timing["fcp"])
                ended = cpu_ms(server)
                found[name] = {"path": at, "as": person[1], "samples": requests,
                               "not_200": [s for s in statuses if s != 200],
                               "ttfb_ms": _spread(ttfb), "fcp_ms": _spread(fcp),
                               "server_cpu_ms_per_load": None if began is None or ended is None
                               else round((ended - began) / requests, 1)}
        finally:
            await browser.close()
    return found


def serving(url: str) -> int | None:
    """The process of `assure up` answering at the URL (its port on its command line), where
    Linux says (/proc); None elsewhere."""
    port = str(urlsplit(url).port)
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            words = cmdline.read_bytes().split(b"\0")
        except OSError:
            continue  # ended meanwhile
        if b"up" in words and port.encode() in words and b"--port" in words:
            return int(cmdline.parent.name)
    return None


def cpu_ms(pid: int | None) -> float | None:
    """The process's CPU time so far (user and system), in ms."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def _spread(values: list[float]) -> dict[str, float]:
    """Median, p95 (the nearest rank: with 20 loads, the second slowest) and max, in ms."""
    if not values:
        return {}
    ordered = sorted(values)
    return {"p50": round(statistics.median(ordered), 1),
            "p95": round(ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)], 1),
            "max": round(ordered[-1], 1)}


def measure_all(run: Run, args: argparse.Namespace) -> dict[str, Any]:
    results: dict[str, Any] = {"data_set": run.data_set()}
    apps = build_apps(run.settings, fast=False)
    try:
        run.say("Starting assure up ...")
        with measure.assure_up(run.settings, apps, run.where / "assure.log", args.timeout) as (
                url, started):
            results["start"] = started
            values = asyncio.run(subjects(url, SignIn(run.where / "auth" / "dev-issuer.pem")))
            results["subjects"] = values
            run.say("Loading each page in Chromium ...")
            results["pages"] = asyncio.run(paint(url, args.chromium, values, args.requests,
                                                 args.timeout, run.say,
                                                 set(args.pages.split(","))))
    finally:
        for app in apps.values():
            app.close()
    return results


def summary(pages: dict[str, Any]) -> str:
    lines = [f"  {'page':<14} {'TTFB p50':>9} {'p95':>8} {'FCP p50':>9} {'p95':>8}  "
             f"FCP p95 / {TARGET_MS} ms  server CPU a load"]
    for name, page in pages.items():
        ttfb, fcp = page["ttfb_ms"], page["fcp_ms"]
        ratio = f"{fcp['p95'] / TARGET_MS:.2f}" if fcp else "-"
        cpu = page.get("server_cpu_ms_per_load")
        lines.append(f"  {name:<14} {ttfb.get('p50', 0):>9,.0f} {ttfb.get('p95', 0):>8,.0f} "
                     f"{fcp.get('p50', 0):>9,.0f} {fcp.get('p95', 0):>8,.0f}  {ratio:>16}"
                     f"  {'-' if cpu is None else f'{cpu:,.0f}':>17}"
                     + (f"  (answers not 200: {page['not_200']})" if page["not_200"] else ""))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    run = Run(args)
    results: dict[str, Any] = {
        "command": " ".join(["python -m bench.console_paint", *(argv or sys.argv[1:])]),
        "started": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine(),
        "store": args.store, "providers": args.providers, "years": args.years,
        "target_ms": TARGET_MS}
    try:
        results.update(measure_all(run, args))
    finally:
        run.finish()
    results["machine"]["load_average_at_end"] = os.getloadavg()
    if args.out:
        args.out.write_text(json.dumps(results, indent=2, default=str) + "\n")
    run.say(f"First paint of the console's pages, {args.providers:,} providers x {args.years} "
            f"years ({args.store}), {args.requests} loads each, in ms:")
    run.say(summary(results["pages"]))
    return 0 if not any(p["not_200"] for p in results["pages"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
