"""The outside channels, wired from settings: e-mail (SMTP or a folder) and signed webhooks."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from services.notify.adapters.mail import FolderMailer, SmtpMailer, SmtpServer
from services.notify.adapters.mime import email_for
from services.notify.adapters.webhook import WebhookSender, WebhookTarget
from services.notify.domain.config import NotifyConfig
from services.notify.domain.delivery import EMAIL, WEBHOOK, Outgoing
from shared.at_rest import Sealer


class UnknownChannel(Exception):
    """A delivery names a channel this service cannot send through."""


class Channels:
    """Sends one attempt of a delivery through its channel; raises when it was not accepted.

    Urgent e-mail has connections of its own, so it never queues behind routine mail.
    """

    def __init__(self, mailer: SmtpMailer | FolderMailer, webhooks: WebhookSender,
                 sender: str, urgent_mailer: SmtpMailer | FolderMailer | None = None) -> None:
        self.mailer = mailer
        self.urgent_mailer = urgent_mailer or mailer
        self.webhooks = webhooks
        self.sender = sender

    async def send(self, outgoing: Outgoing) -> None:
        if outgoing.channel == EMAIL:
            mailer = self.urgent_mailer if outgoing.urgent else self.mailer
            await mailer.send(email_for(outgoing, self.sender))
        elif outgoing.channel.startswith(f"{WEBHOOK}:"):
            await self.webhooks.send(outgoing.channel.split(":", 1)[1], outgoing)
        else:
            raise UnknownChannel(outgoing.channel)

    async def close(self) -> None:
        await self.mailer.close()
        if self.urgent_mailer is not self.mailer:
            await self.urgent_mailer.close()
        await self.webhooks.close()


def channels_from(env: Mapping[str, str], config: NotifyConfig) -> Channels:
    """SMTP when ASSURE_SMTP_HOST is set, else .eml files under ASSURE_NOTIFY_MAIL_DIR."""
    timeout = float(env.get("ASSURE_NOTIFY_SEND_TIMEOUT_SECONDS") or 30)
    host = env.get("ASSURE_SMTP_HOST", "")
    targets = {
        name: WebhookTarget(hook.url, hook.secret or env.get(hook.secret_env, ""))
        for name, hook in config.webhooks.items()
    }
    webhooks = WebhookSender(targets, timeout)
    if not host:
        folder = FolderMailer(Path(env.get("ASSURE_NOTIFY_MAIL_DIR") or "assure-data/mail"),
                              Sealer.from_env(env, "mail"))
        return Channels(folder, webhooks, config.sender)
    server = SmtpServer(
        host=host, port=int(env.get("ASSURE_SMTP_PORT") or 25),
        username=env.get("ASSURE_SMTP_USERNAME", ""),
        password=env.get("ASSURE_SMTP_PASSWORD", ""),
        tls=env.get("ASSURE_SMTP_TLS") or "auto", timeout=timeout,
    )
    return Channels(SmtpMailer(server), webhooks, config.sender, urgent_mailer=SmtpMailer(server))
