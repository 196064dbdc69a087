"""The `assure` command."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Annotated

import typer

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
) -> None:
    """Start NATS, the four services and the HTTP entry point; Ctrl-C stops them."""
    from assure.serve import serve
    from shared.settings import AssureSettings

    overrides = {
        k: v for k, v in {"http_host": host, "http_port": port, "data_dir": data_dir}.items() if v
    }
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    asyncio.run(serve(AssureSettings(**overrides)))


@app.command()
def demo(url: Annotated[str, URL] = DEFAULT_URL) -> None:
    """Drive a running system: providers, returns, a concern escalated and approved."""
    from assure.demo import run

    ids = run(url, say=typer.echo)
    typer.echo(json.dumps(ids, indent=2))


@app.command()
def history(
    provider_id: str,
    url: Annotated[str, URL] = DEFAULT_URL,
    as_json: Annotated[bool, typer.Option("--json", help="JSON for machines.")] = False,
) -> None:
    """Print a provider's complete history from all four services, in time order."""
    from assure.history import fetch, render

    entries = fetch(url, provider_id)
    typer.echo(json.dumps(entries, indent=2, default=str) if as_json else render(entries))


@app.command()
def tick(
    to: Annotated[str, typer.Option("--to", help="Run the return schedule up to this date "
                                    "(YYYY-MM-DD).")],
    url: Annotated[str, URL] = DEFAULT_URL,
) -> None:
    """Move the council's calendar clock: issue return requests and mark overdue returns."""
    import httpx

    response = httpx.post(f"{url}/intake/clock/tick", json={"to": to}, timeout=60)
    if response.status_code >= 400:
        typer.echo(f"Refused: {response.json()}", err=True)
        raise typer.Exit(1)
    result = response.json()
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


def main() -> None:
    app()
