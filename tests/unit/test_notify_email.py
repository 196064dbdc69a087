"""The e-mail as built for a delivery, read back by a standards-following parser: non-ASCII
names and subjects survive, and a line break in any header value is refused."""

from __future__ import annotations

import email
from datetime import UTC, datetime
from email import policy
from uuid import UUID

import pytest
from aiosmtplib.email import flatten_message

from services.notify.adapters.mail import email_for
from services.notify.domain.delivery import Outgoing

pytestmark = pytest.mark.unit

SENDER = '"Équipe de suivi, Brontë" <monitoring@council.test>'
DELIVERY = UUID("6f1c2a9e-0000-4000-8000-000000000001")
AT = datetime(2026, 12, 4, 9, 30, tzinfo=UTC)


def outgoing(**changes: object) -> Outgoing:
    fields: dict[str, object] = dict(
        delivery_id=DELIVERY, attempt=1, channel="email",
        addresses=("Zoë Brontë <zoe@council.test>", "care-homes@council.test"),
        subject="Brontë Lodge: concern about medication — café staff ✓",
        body="Résumé of the concern: £5 petty cash, naïve records.\n" + "x" * 200,
        urgent=True, provider_id="bronte", about_event_type="ConcernRaised",
        about_event_id="e-1", recipient="operations")
    fields.update(changes)
    return Outgoing(**fields)  # type: ignore[arg-type]


def read_back(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=policy.default)  # type: ignore[return-value]


@pytest.mark.parametrize("as_sent", [bytes, flatten_message], ids=["mail-folder", "smtp"])
def test_non_ascii_names_subject_and_body_round_trip(as_sent):
    message = read_back(as_sent(email_for(outgoing(), SENDER, AT)))
    assert str(message["Subject"]) == "Brontë Lodge: concern about medication — café staff ✓"
    assert [(a.display_name, a.addr_spec) for a in message["To"].addresses] == [
        ("Zoë Brontë", "zoe@council.test"), ("", "care-homes@council.test")]
    [sender] = message["From"].addresses
    assert (sender.display_name, sender.addr_spec) == (
        "Équipe de suivi, Brontë", "monitoring@council.test")
    assert str(message["Reply-To"]) == str(message["From"])
    assert message["Message-ID"] == f"<{DELIVERY}@assure.notify>"
    assert message["Date"].datetime == AT
    assert message["X-Assure-Delivery"] == str(DELIVERY)
    assert message["Importance"] == "high"
    assert message.get_content_charset() == "utf-8"
    assert message["Content-Transfer-Encoding"] == "quoted-printable"
    body = message.get_content()
    assert body.startswith("Résumé of the concern: £5 petty cash, naïve records.\n" + "x" * 200)
    assert f"Reference {DELIVERY}." in body


def test_the_raw_headers_are_plain_ascii_with_encoded_words():
    raw = bytes(email_for(outgoing(), SENDER, AT))
    headers = raw.split(b"\n\n", 1)[0]
    assert headers.isascii() and b"=?utf-8?" in headers


@pytest.mark.parametrize("change", [
    {"subject": "Oakwood\r\nBcc: someone@elsewhere.test"},
    {"subject": "Oakwood\nBcc: someone@elsewhere.test"},
    {"subject": "Oakwood\rBcc: someone@elsewhere.test"},
    {"subject": "Brontë\r\nBcc: someone@elsewhere.test"},
    {"addresses": ("zoe@council.test\r\nBcc: someone@elsewhere.test",)},
    {"addresses": ("Zoë <zoe@council.test>\nBcc: someone@elsewhere.test",)},
    {"about_event_type": "ConcernRaised\r\nBcc: someone@elsewhere.test"},
    {"about_event_id": "e-1\nBcc: someone@elsewhere.test"},
])
def test_a_line_break_in_a_header_value_is_refused(change):
    with pytest.raises(ValueError, match="linefeed or carriage return"):
        email_for(outgoing(**change), SENDER, AT)


def test_a_line_break_in_the_sender_is_refused():
    with pytest.raises(ValueError, match="linefeed or carriage return"):
        email_for(outgoing(), "Team <monitoring@council.test>\r\nBcc: someone@elsewhere.test", AT)


def test_a_line_break_in_the_body_stays_in_the_body():
    message = read_back(bytes(email_for(
        outgoing(body="first line\r\nBcc: someone@elsewhere.test\n"), SENDER, AT)))
    assert message["Bcc"] is None
    assert "Bcc: someone@elsewhere.test" in message.get_content()
