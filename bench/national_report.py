"""bench.national's figures, each beside the ceiling of the part underneath, as text and Markdown.

A throughput's ratio is measured / ceiling (the share of what the raw part can do). A latency's
"ceiling" is a floor, the least the raw parts need for that path, and its ratio is measured /
floor (how many times the floor it takes).
"""

from __future__ import annotations

from typing import Any

READERS = ("intake", "risk", "escalation")  # the stores the governance report reads
SIGNED_IN = "on: each provider submits as its own registered manager"


def _throughput(figure: str, value: float | None, unit: str, ceiling: str, limit: float | None,
                note: str = "") -> dict[str, Any]:
    ratio = value / limit if value is not None and limit else None
    return {"figure": figure, "value": value, "unit": unit, "ceiling": ceiling,
            "ceiling_value": limit, "ratio": ratio, "kind": "throughput", "note": note}


def _latency(figure: str, value: float | None, floor: float | None, ceiling: str,
             note: str = "") -> dict[str, Any]:
    ratio = value / floor if value is not None and floor else None
    return {"figure": figure, "value": value, "unit": "ms", "ceiling": ceiling,
            "ceiling_value": floor, "ratio": ratio, "kind": "latency", "note": note}


def _ms(found: dict[str, Any], key: str, q: str) -> float | None:
    return found["ms"].get(key, {}).get(q)


def _parts(r: dict[str, Any]) -> dict[str, Any]:
    js, st = r["ceilings"]["jetstream"], r["ceilings"]["store"]
    partitions = r["sizes"]["partitions"]
    return {
        "append": st["append_one_per_transaction"]["per_second"],
        "append_ms": st["append_one_per_transaction"]["ms"],
        "loader_append": st["loader_append_unsynced"]["per_second"],
        "read_log": st["read_notification_log"]["per_second"],
        "read_aggregate": st["read_by_aggregate"]["per_second"],
        "publish": js["publish_awaited"]["per_second"],
        "pipelined": js["publish_pipelined"]["per_second"],
        "consume_one": js["consume_one_in_flight"]["per_second"] * partitions,
        "hop_ms": js["hop"]["ms"],
    }


def _http_rows(r: dict[str, Any], p: dict[str, Any]) -> list[dict[str, Any]]:
    flat = r["running"]["flat_out"]
    pipeline = min(p["append"], p["publish"], p["consume_one"])
    return [
        _throughput("Returns accepted over HTTP, flat out", flat["http_per_second"], "/s",
                    "raw append, 1 event per transaction", p["append"],
                    f"{flat['concurrency']} requests in flight"),
        _throughput("Returns scored end to end, flat out", flat["scored_per_second"], "/s",
                    "slowest of raw append, awaited publish, one-in-flight consume x "
                    "partitions", pipeline, "first POST to last RiskScored recorded"),
    ]


def _latency_rows(r: dict[str, Any], p: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    paced = f"paced at {r['running']['paced']['rate']:g}/s"
    for label, key in ((paced, "paced"), ("flat out", "flat_out")):
        found = r["running"][key]
        for q in ("p50", "p99"):
            two_commits = 2 * p["append_ms"].get(q, 0) + p["hop_ms"].get(q, 0)
            one_commit = p["append_ms"].get(q, 0) + p["hop_ms"].get(q, 0)
            rows.append(_latency(f"Submit -> RiskScored {q}, {label}",
                                 _ms(found, "submit_to_scored", q), two_commits,
                                 "2 raw appends + 1 JetStream hop"))
            rows.append(_latency(f"Safety ConcernRaised -> operations notified {q}, {label}",
                                 _ms(found, "concern_to_operations", q), one_commit,
                                 "1 raw append + 1 JetStream hop"))
    return rows


def _read_rows(r: dict[str, Any], p: dict[str, Any]) -> list[dict[str, Any]]:
    running, stopped = r["running"], r["stopped"]
    history, one = running["history"], stopped["replay_provider"]
    events = history["entries"] or running["largest_history"]["events"]
    stores = stopped["replay_all"]["services"]
    read = sum(stores[name]["events"] for name in READERS if name in stores)
    rows = [
        _throughput("One provider's history, GET /history/{id}",
                    events / (history["median_ms"] / 1000), "events/s",
                    "raw read by aggregate", p["read_aggregate"],
                    f"{history['entries']} entries in {history['median_ms']:.0f} ms (median)"),
        _throughput("One provider's history, direct (ServiceApplication.history)",
                    one["history_per_second"], "events/s", "raw read by aggregate",
                    p["read_aggregate"], f"{one['events']} events in {one['history_ms']:.0f} ms"),
    ]
    for length, found in running["governance_http"].items():
        seconds = found["median_ms"] / 1000
        rows.append(_throughput(f"Governance report ({length}), GET /reports/governance",
                                read / seconds, "events/s", "raw read by aggregate",
                                p["read_aggregate"], f"{found['median_ms']:.0f} ms over "
                                f"{read:,} events in intake, risk, escalation"))
    rebuild, replay = stopped["rebuild_indexes"], stopped["replay_all"]
    rows += [
        _throughput("Rebuild every read model (ReadIndex catch-up, 4 services)",
                    rebuild["per_second"], "events/s", "raw notification-log read",
                    p["read_log"], f"{rebuild['events']:,} events in {rebuild['seconds']:.1f} s"),
        _throughput("Replay every aggregate (repository.get)", replay["per_second"],
                    "events/s", "raw read by aggregate", p["read_aggregate"],
                    f"{replay['events']:,} events in {replay['seconds']:.1f} s"),
    ]
    return rows


def _load_rows(r: dict[str, Any], p: dict[str, Any]) -> list[dict[str, Any]]:
    loaded = r["load"]
    rows = [
        _throughput("Bulk load through the applications (SQLite, no fsync)",
                    loaded["events_total"] / loaded["seconds"], "events/s",
                    "raw SQLite append, 1 event per transaction, no fsync", p["loader_append"],
                    "about one transaction per message a service handles"),
    ]
    rows.append(_throughput("Stream fill (the relay's messages, pipelined)",
                            loaded["stream_fill_per_second"], "msgs/s", "raw publish, pipelined",
                            p["pipelined"]))
    return rows


def figures(r: dict[str, Any]) -> list[dict[str, Any]]:
    p = _parts(r)
    return [*_http_rows(r, p), *_latency_rows(r, p), *_read_rows(r, p), *_load_rows(r, p)]


# Rendering ------------------------------------------------------------------------------------


def _number(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.1f}" if abs(value) >= 10 \
        else f"{value:,.2f}"


def _ratio(row: dict[str, Any]) -> str:
    if row["ratio"] is None:
        return "-"
    if row["kind"] == "latency":
        return f"x{row['ratio']:,.1f} the floor"
    return f"{row['ratio'] * 100:.1f}% of it"


def ceiling_table(r: dict[str, Any]) -> list[tuple[str, str]]:
    js, st = r["ceilings"]["jetstream"], r["ceilings"]["store"]
    return [
        ("JetStream publish, awaited one at a time",
         f"{_number(js['publish_awaited']['per_second'])}/s, "
         f"p50 {_number(js['publish_awaited']['ms'].get('p50'))} ms"),
        ("JetStream publish, pipelined", f"{_number(js['publish_pipelined']['per_second'])}/s"),
        ("JetStream consume, fetch 256 + ack", f"{_number(js['consume_batch']['per_second'])}/s"),
        ("JetStream consume, one in flight (fetch 1, max_ack_pending 1)",
         f"{_number(js['consume_one_in_flight']['per_second'])}/s per consumer"),
        ("JetStream hop: publish, fetch, one at a time",
         f"p50 {_number(js['hop']['ms'].get('p50'))} ms, "
         f"p99 {_number(js['hop']['ms'].get('p99'))} ms"),
        ("Store append, 1 event per transaction",
         f"{_number(st['append_one_per_transaction']['per_second'])}/s, p50 "
         f"{_number(st['append_one_per_transaction']['ms'].get('p50'))} ms, p99 "
         f"{_number(st['append_one_per_transaction']['ms'].get('p99'))} ms"),
        ("SQLite append, 1 event per transaction, no fsync (the bulk load's store)",
         f"{_number(st['loader_append_unsynced']['per_second'])}/s"),
        ("Store append, 100 events per transaction",
         f"{_number(st['append_100_per_transaction']['per_second'])}/s"),
        ("Store read, notification log (pages of 1,000)",
         f"{_number(st['read_notification_log']['per_second'])} records/s"),
        ("Store read, by aggregate (40 events each)",
         f"{_number(st['read_by_aggregate']['per_second'])} events/s"),
    ]


def _sizes(r: dict[str, Any]) -> list[str]:
    s, loaded = r["sizes"], r["load"]
    events = ", ".join(f"{k} {v:,}" for k, v in loaded["events"].items())
    return [
        f"providers {loaded['providers']:,}, contracts {loaded['contracts']:,} "
        f"(every service type; LEVEL 1, 2 and 3), returns {s['from']} to {s['to']}",
        f"returns requested {loaded['returns_requested']:,}, submitted "
        f"{loaded['returns_submitted']:,} (late {loaded['returns_late']:,}, missed "
        f"{loaded['returns_missed']:,}; {loaded['return_kinds']})",
        f"stored events {loaded['events_total']:,} ({events}); loaded in "
        f"{loaded['seconds']:.0f} s" + (
            f", copied into PostgreSQL in {loaded['copy_to_postgres_seconds']:.0f} s"
            if "copy_to_postgres_seconds" in loaded else ""),
        f"stream messages {sum(loaded['stream_messages'].values()):,}; "
        f"measured: {s['returns_flat_out']} returns flat out, {s['returns_paced']} paced at "
        f"{s['paced_rate']:g}/s, {s['concurrency']} in flight, {s['partitions']} partitions",
    ]


def _details(r: dict[str, Any]) -> list[str]:
    running = r["running"]
    flat, paced = running["flat_out"], running["paced"]
    start = running["consumers_after_start"]
    lines = [f"assure up healthy after {r['start_seconds']:.1f} s with {start['consumers']} "
             f"consumers and {start['pending']} messages pending (nothing replayed); first "
             f"history read (every index catching up) "
             f"{running['first_history']['median_ms']:,.0f} ms"]
    for label, found in (("flat out", flat), ("paced", paced)):
        ms = found["ms"]
        lines.append(
            f"{label}: {found['accepted']}/{found['returns']} accepted, {found['pending']} "
            f"outstanding, {found['safety_concerns']} safety concerns; POST p50/p99 "
            f"{_number(ms['http_post'].get('p50'))}/{_number(ms['http_post'].get('p99'))} ms; "
            f"intake record -> RiskScored p50/p99 "
            f"{_number(ms['recorded_to_scored'].get('p50'))}/"
            f"{_number(ms['recorded_to_scored'].get('p99'))} ms; submit -> operations p50/p99 "
            f"{_number(ms['submit_to_operations'].get('p50'))}/"
            f"{_number(ms['submit_to_operations'].get('p99'))} ms; CPU client/system "
            f"{_number(found['client_cores'])}/{_number(found['system_cores'])} cores")
    direct = r["stopped"]["governance_direct"]
    if direct.get("available"):
        lines.append("governance direct (assure.report collect + governance_report): " + "; ".join(
            f"{k} {v['period']}: collect {v['collect_ms']:.0f} ms, report {v['report_ms']:.0f} ms"
            for k, v in direct.items() if isinstance(v, dict)))
    else:
        lines.append(f"governance direct: {direct.get('why')}")
    lines.append(f"total wall time {r['wall_seconds']:.0f} s")
    return lines


def summary(r: dict[str, Any]) -> str:
    rows = r["figures"]
    width = max(len(row["figure"]) for row in rows)
    lines = [f"Assure national benchmark ({r['servers']['store']}, NATS "
             f"{r['servers']['nats_version']})", *(f"  {line}" for line in _sizes(r)), "",
             f"  {'figure':<{width}}  {'measured':>12}  {'ceiling':>12}  ratio"]
    for row in rows:
        lines.append(f"  {row['figure']:<{width}}  {_number(row['value']):>9} {row['unit']:<2}"
                     f"  {_number(row['ceiling_value']):>12}  {_ratio(row)}  "
                     f"[{row['ceiling']}]")
    lines += ["", "  ceilings:", *(f"    {k}: {v}" for k, v in ceiling_table(r)), "",
              *(f"  {line}" for line in _details(r))]
    return "\n".join(lines)


def _loads(found: Any) -> str:
    return "/".join(f"{x:.1f}" for x in found) if found else "?"


def markdown(r: dict[str, Any]) -> str:
    m = r["machine"]
    lines = [
        f"# bench.national: {r['servers']['store']}, {r['sizes']['providers']} providers, "
        f"{r['sizes']['years']} years", "",
        f"`{r['command']}`, started {r['started']}; {m['cpus']} CPUs, Python {m['python']}, "
        f"load average at start {_loads(m['load_average_at_start'])}, at end "
        f"{_loads(m.get('load_average_at_end'))}; NATS {r['servers']['nats_version']}"
        f" ({'bundled' if r['servers']['nats_embedded'] else r['servers']['nats']}); sign-in "
        f"{SIGNED_IN if r['servers'].get('sign_in') else 'off'}.", "",
        *(f"- {line}" for line in _sizes(r)), "",
        "| figure | measured | ceiling (the raw part) | ceiling | ratio | note |",
        "|---|---|---|---|---|---|",
    ]
    for row in r["figures"]:
        lines.append(f"| {row['figure']} | {_number(row['value'])} {row['unit']} | "
                     f"{row['ceiling']} | {_number(row['ceiling_value'])} | {_ratio(row)} | "
                     f"{row['note']} |")
    lines += ["", "| ceiling | measured |", "|---|---|",
              *(f"| {k} | {v} |" for k, v in ceiling_table(r)), "",
              *(f"- {line}" for line in _details(r)), ""]
    return "\n".join(lines)
