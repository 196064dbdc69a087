"""The `assure` command."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Annotated

import typer

from shared import event_loop
from shared.observability import logs

app = typer.Typer(
    help="Assure: contract monitoring for commissioned social care.", no_args_is_help=True
)
URL = typer.Option("--url", envvar="ASSURE_URL", help="Base URL of a running Assure.")
DEFAULT_URL = "http://127.0.0.1:8000"


@app.command()
def up(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="HTTP port.")] = None,
    data_dir: Annotated[Path | None, typer.Option(help="Where the stores live.")] = None,
    training: Annotated[bool, typer.Option(
        "--training", help="A training clock an administrator moves by hand (`assure tick`), "
        "for demos and old data sets; without it the clock follows the real date.")] = False,
    start: Annotated[str | None, typer.Option(
        "--start", help="With --training: the date a new clock starts at (YYYY-MM-DD).")] = None,
    one_process: Annotated[bool, typer.Option(
        "--one-process", help="Run all four services in this one process (as the tests do; "
        "ASSURE_PROCESSES=one); by default each runs in a supervised process of its own, so "
        "every core works.")] = False,
) -> None:
    """Start NATS, the four services and the HTTP entry point; Ctrl-C stops them."""
    from assure.serve import serve
    from shared.at_rest import make_private, private_directory
    from shared.settings import AssureSettings, UnsafeSignIn, check_sign_in_is_safe

    if start and not training:
        typer.echo("--start sets a training clock: add --training", err=True)
        raise typer.Exit(2)
    overrides = {
        k: v for k, v in {"http_host": host, "http_port": port, "data_dir": data_dir,
                          "clock": "training" if training else None,
                          "clock_start": start,
                          "processes": "one" if one_process else None}.items() if v
    }
    try:
        settings = AssureSettings(**overrides)
    except ValueError as refused:  # pydantic's ValidationError names the setting
        typer.echo(f"Refused: {refused}", err=True)
        raise typer.Exit(2) from None
    try:
        check_sign_in_is_safe(settings)  # before anything starts or listens
    except UnsafeSignIn as refused:
        typer.echo(f"Refused: {refused}", err=True)
        raise typer.Exit(2) from None
    logs.configure(logging.INFO)  # ASSURE_LOG_FORMAT=json for JSON lines
    # Everything this process and its nats-server write is the owner's alone (0700 and 0600),
    # including what was written before modes were kept tight.
    os.umask(0o077)
    private_directory(settings.data_dir)
    make_private(settings.data_dir)
    event_loop.run(serve(settings))


@app.command()
def demo(
    url: Annotated[str, URL] = DEFAULT_URL,
    dataset: Annotated[str | None, typer.Option(
        "--dataset", help="Load a data set instead: 2022 (002's light-touch round; needs a "
        "fresh data directory).")] = None,
) -> None:
    """Drive a running system: providers, returns, a concern escalated and approved."""
    if dataset is not None:
        from assure.datasets import load

        try:
            typer.echo(json.dumps(load(dataset, url, say=typer.echo), indent=2))
        except (ValueError, RuntimeError) as refused:
            typer.echo(f"Refused: {refused}", err=True)
            raise typer.Exit(1) from None
        return
    from assure.demo import DemoRefused, run

    try:
        ids = run(url, say=typer.echo)
    except DemoRefused as refused:
        typer.echo(f"Refused: {refused}", err=True)
        raise typer.Exit(1) from None
    typer.echo(json.dumps(ids, indent=2))


@app.command()
def history(
    provider_id: str,
    url: Annotated[str, URL] = DEFAULT_URL,
    as_json: Annotated[bool, typer.Option("--json", help="JSON for machines.")] = False,
    export: Annotated[str | None, typer.Option(
        "--format", help="Export as jsonl, csv or pdf (with --out).")] = None,
    out: Annotated[Path | None, typer.Option(help="Write the export to this file.")] = None,
    as_at: Annotated[str | None, typer.Option(
        "--as-at", help="The provider as it stood at the end of this date (YYYY-MM-DD).")] = None,
) -> None:
    """Print a provider's complete history from all four services, in time order; export it;
    or show the provider as it stood on a date. Each read is recorded under your login name."""
    from assure.history import export_history, fetch, fetch_as_at, render

    if as_at:
        typer.echo(json.dumps(fetch_as_at(url, provider_id, as_at), indent=2, default=str))
        return
    if export:
        if export not in ("jsonl", "csv", "pdf") or out is None:
            typer.echo("--format takes jsonl, csv or pdf, and needs --out FILE", err=True)
            raise typer.Exit(2)
        out.write_bytes(export_history(url, provider_id, export))
        typer.echo(f"wrote {out}")
        return
    entries = fetch(url, provider_id)
    typer.echo(json.dumps(entries, indent=2, default=str) if as_json else render(entries))


@app.command()
def token(
    user: Annotated[str, typer.Option(help="Who signs in.")],
    role: Annotated[str, typer.Option(help="Their role (domain-rules §1), e.g. "
                                      "commissioning_officer, provider_user, auditor.")],
    provider: Annotated[str | None, typer.Option(help="A provider user's organisation.")] = None,
    data_dir: Annotated[Path | None, typer.Option(help="Where the stores live.")] = None,
    hours: Annotated[float, typer.Option(help="How long the token lasts.")] = 8.0,
) -> None:
    """Print a bearer token from the development issuer (the embedded default only)."""
    from assure.security import development_issuer
    from shared.security.identity import Identity, Role
    from shared.settings import AssureSettings

    settings = AssureSettings(**({"data_dir": data_dir} if data_dir else {}))
    try:
        identity = Identity(user, Role(role), provider)
    except ValueError as refused:
        typer.echo(f"Refused: {refused}", err=True)
        raise typer.Exit(2) from None
    typer.echo(development_issuer(settings).issue(identity, hours, settings.auth_audience))


keys = typer.Typer(help="Keys of encryption at rest (see the README, \"Data at rest\").")
app.add_typer(keys, name="key")


@keys.callback(invoke_without_command=True)
def key(context: typer.Context) -> None:
    """Print a new random key for ASSURE_CIPHER_KEY (encryption at rest)."""
    from eventsourcing.cryptography import AESCipher

    if context.invoked_subcommand is None:
        typer.echo(AESCipher.create_key(32))


@keys.command("nats")
def nats_key(
    previous: Annotated[bool, typer.Option(
        "--previous", help="From the newest of ASSURE_CIPHER_PREVIOUS_KEYS (for a rotation's "
        "ASSURE_NATS_PREVIOUS_ENCRYPTION_KEY).")] = False,
) -> None:
    """Print JetStream's key at rest for your NATS server, derived from ASSURE_CIPHER_KEY."""
    from shared.at_rest import nats_key as derived
    from shared.settings import AssureSettings

    settings = AssureSettings()
    source = (settings.previous_keys or [""])[0] if previous else settings.cipher_key
    if not source:
        typer.echo("Refused: ASSURE_CIPHER_PREVIOUS_KEYS is not set" if previous
                   else "Refused: ASSURE_CIPHER_KEY is not set", err=True)
        raise typer.Exit(2)
    typer.echo(derived(source))


@keys.command("rotate")
def rotate_keys(
    data_dir: Annotated[Path | None, typer.Option(help="Where the stores live.")] = None,
) -> None:
    """With Assure stopped, re-encrypt everything at rest under ASSURE_CIPHER_KEY."""
    from assure.rotation import CannotRotate, rotate
    from shared.rekey import ChainBroken, Unreadable
    from shared.settings import AssureSettings

    os.umask(0o077)
    settings = AssureSettings(**({"data_dir": data_dir} if data_dir else {}))
    try:
        rotated = rotate(settings)
    except (CannotRotate, ChainBroken, Unreadable) as refused:
        typer.echo(f"Refused: {refused}", err=True)
        raise typer.Exit(1) from None
    for line in rotated.lines():
        typer.echo(line)


@app.command()
def unseal(path: Path) -> None:
    """Print an evidence or mail file as it was before it was sealed (under the configured keys)."""
    import sys

    from shared.at_rest import KeyMissing
    from shared.settings import AssureSettings

    settings = AssureSettings()
    purpose = "mail" if path.suffix == ".eml" else "evidence"
    try:
        sys.stdout.buffer.write(settings.sealer(purpose).open_(path.read_bytes()))
    except (KeyMissing, ValueError) as refused:
        typer.echo(f"Refused: {refused}", err=True)
        raise typer.Exit(1) from None


@app.command()
def verify(url: Annotated[str, URL] = DEFAULT_URL) -> None:
    """Check every stored event's hash chain in every service; exit 1 at a broken link."""
    import httpx

    from assure.signin import command_line_auth

    answer = httpx.get(f"{url}/verify", timeout=600, auth=command_line_auth())
    result = answer.raise_for_status().json()
    for name, found in result["services"].items():
        broken = found["broken"]
        typer.echo(f"{name}: {found['events']} events in {found['aggregates']} aggregates, "
                   + ("intact" if broken is None else
                      f"BROKEN at aggregate {broken['aggregate_id']} version "
                      f"{broken['version']}: {broken['reason']}"))
    if not result["intact"]:
        raise typer.Exit(1)


@app.command()
def report(
    start: Annotated[str | None, typer.Option(help="First day of the period (YYYY-MM-DD).")] = None,
    end: Annotated[str | None, typer.Option(help="Last day of the period (YYYY-MM-DD).")] = None,
    format: Annotated[str, typer.Option("--format", help="html, csv, pdf or json.")] = "html",
    out: Annotated[Path | None, typer.Option(help="Write to this file (a PDF always goes to "
                                             "a file).")] = None,
    year: Annotated[bool, typer.Option("--year", help="Without dates, the last complete "
                                       "financial year rather than half-year.")] = False,
    url: Annotated[str, URL] = DEFAULT_URL,
) -> None:
    """The governance report for a period (default: the last complete half-year); a bar on a
    terminal says it is being built."""
    from assure.progress import waiting
    from assure.report.client import ReportRefused, fetch

    try:
        with waiting("building the governance report"):
            content, suggested = fetch(url, format, start, end, year)
    except ReportRefused as refused:
        typer.echo(f"Refused: {refused}", err=True)
        raise typer.Exit(1) from None
    if out is None and format != "pdf":
        typer.echo(content.decode())
        return
    target = out or Path(suggested)
    target.write_bytes(content)
    typer.echo(f"wrote {target}")


@app.command()
def tick(
    to: Annotated[str, typer.Option("--to", help="Move the training clock to this date and "
                                    "run the return schedule up to it (YYYY-MM-DD).")],
    url: Annotated[str, URL] = DEFAULT_URL,
) -> None:
    """Move a training clock on (an administrator; a year at most): issue return requests and
    mark overdue returns, a month at a time with a progress bar. A clock that follows the real
    date refuses."""
    from assure.clock_client import ClockRefused, tick_to

    try:
        result = tick_to(url, to)
    except ClockRefused as refused:
        typer.echo(f"Refused: {refused}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"Clock at {result['today']}: {result['requested']} return(s) requested, "
               f"{result['overdue']} marked overdue.")


@app.command()
def asyncapi(
    out: Annotated[Path | None, typer.Option(help="Write to this file.")] = None,
) -> None:
    """Write the AsyncAPI catalogue of every integration event."""
    from assure.asyncapi import asyncapi_json

    document = asyncapi_json()
    if out:
        out.write_text(document)
        typer.echo(f"wrote {out}")
    else:
        typer.echo(document)


deploy_app = typer.Typer(help="Setting up a deployment (deploy/README.md).",
                         no_args_is_help=True)
app.add_typer(deploy_app, name="deploy")


@deploy_app.command("init")
def deploy_init(
    directory: Annotated[Path, typer.Argument(help="An empty or new directory, e.g. "
                                              "/etc/assure.")],
    host: Annotated[str, typer.Option(help="The NATS server's host name, as ASSURE_NATS_URL "
                                      "and its certificate will name it.")] = "localhost",
    store_dir: Annotated[Path | None, typer.Option(help="JetStream's files (default: "
                                                   "<directory>/nats).")] = None,
) -> None:
    """Write NATS passwords, a self-signed CA and the server's certificate, a new cipher key,
    and the environment files nats.env (for nats-server) and assure.env (for assure up)."""
    from assure.deploy_init import AlreadyThere, init
    from shared.settings import AssureSettings

    try:
        generated = init(directory, host, store_dir, AssureSettings().partitions)
    except AlreadyThere as refused:
        typer.echo(f"Refused: {refused}", err=True)
        raise typer.Exit(2) from None
    for line in generated.lines():
        typer.echo(line)


imports_app = typer.Typer(help="Send a regulator's or call-monitoring file to a running "
                           "Assure.", no_args_is_help=True)
app.add_typer(imports_app, name="import")


@imports_app.command("care-inspectorate")
def import_care_inspectorate(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False,
                                         help="The monthly datastore CSV (up to 20 MB)")],
    report: Annotated[Path | None, typer.Option(
        "--report", help="Save the full list (unmatched services, unread rows) here")] = None,
    url: Annotated[str, URL] = DEFAULT_URL,
) -> None:
    """Import the Care Inspectorate's monthly datastore with a progress bar; says what it did
    in counts, and saves the full list with --report."""
    _send("care-inspectorate", file, report, url)


@imports_app.command("call-monitoring")
def import_call_monitoring(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)],
    report: Annotated[Path | None, typer.Option("--report")] = None,
    url: Annotated[str, URL] = DEFAULT_URL,
) -> None:
    """Import call-monitoring visits with a progress bar."""
    _send("call-monitoring", file, report, url)


def _send(kind: str, file: Path, report: Path | None, url: str) -> None:
    from assure.imports_client import ImportRefused, download, said, send

    try:
        summary = send(url, kind, file)
        typer.echo(said(summary))
        if report is not None and summary.get("report"):
            typer.echo(f"The full list is in {download(url, summary['report'], report)}.")
    except ImportRefused as refused:
        typer.echo(f"Refused: {refused}", err=True)
        raise typer.Exit(1) from None


views_app = typer.Typer(help="The read models of a running system: the governance report's "
                         "view and each service's views.", no_args_is_help=True)
app.add_typer(views_app, name="views")


@views_app.command("status")
def views_status(url: Annotated[str, URL] = DEFAULT_URL) -> None:
    """How far each view has read its source: the streams, or its service's store."""
    from assure.reporting.client import ViewsRefused, status

    try:
        for found in status(url):
            name = f"{found['service']} {found['view']}" if found.get("service") else found["view"]
            unit = "events" if found.get("service") else "messages"
            typer.echo(f"{name} (version {found['version']}): {found['read']} of "
                       f"{found['total']} {unit} read"
                       + (", rebuilding" if found["rebuilding"] else "")
                       + (", up to date" if found["caught_up"] else ""))
    except ViewsRefused as refused:
        typer.echo(f"Refused: {refused}", err=True)
        raise typer.Exit(1) from None


@views_app.command("rebuild")
def views_rebuild(
    view: Annotated[str | None, typer.Option(
        "--view", help="Which view: governance (the default without --service), or one of "
        "the service's views (every one of them by default)")] = None,
    service: Annotated[str | None, typer.Option(
        "--service", help="Rebuild that service's views from its store: intake, risk, "
                          "escalation or notify")] = None,
    url: Annotated[str, URL] = DEFAULT_URL,
) -> None:
    """Empty a view and read its source again from the start, with a progress bar; running it
    again gives the same rows, and a rebuild killed halfway carries on where it stopped."""
    from assure.reporting.client import ViewsRefused, rebuild

    chosen = view or ("all" if service else "governance")
    try:
        rebuild(url, chosen, service, say=typer.echo)
    except ViewsRefused as refused:
        typer.echo(f"Refused: {refused}", err=True)
        raise typer.Exit(1) from None


def main() -> None:
    app()


if __name__ == "__main__":  # python -m assure.cli, as the tests run it
    main()
