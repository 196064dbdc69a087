"""The e-mail as built for a delivery, read back by a standards-following parser: non-ASCII
names and subjects survive, lines keep to the RFCs' lengths, and a line break in any header value
is refused."""

from __future__ import annotations

import email
from datetime import UTC, datetime
from email import policy
from uuid import UUID

import pytest

from services.notify.adapters.mime import Email, email_for
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


def on_the_wire(sent: Email) -> bytes:
    """As SMTP carries it: CRLF line ends (aiosmtplib converts them, and stuffs leading dots)."""
    return sent.data.replace(b"\n", b"\r\n")


@pytest.mark.parametrize("as_sent", [bytes, on_the_wire], ids=["mail-folder", "smtp"])
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
    # Read from the wire the text's lines end in CRLF, as SMTP carries them: the same text.
    body = message.get_content().replace("\r\n", "\n")
    assert body.startswith("Résumé of the concern: £5 petty cash, naïve records.\n" + "x" * 200)
    assert body.endswith("Sent by Assure for the contract monitoring team, from the team's "
                         "shared mailbox.\n")
    assert str(DELIVERY) not in body  # in the headers alone, for machines


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


CARE_HOME = "Café Brontë Care Home"


@pytest.mark.parametrize("subject", [
    f"{CARE_HOME}: £250,000 contract",
    f"URGENT - people's safety may be at risk at {CARE_HOME}: £5 short in petty cash, "
    "medication records incomplete, café closed " * 3,
    "URGENT - people's safety may be at risk. Concern raised about provider oakwood " * 3,
    "£" * 120,
    "😀 " + "€" * 40,
    "Brontë" + "x" * 100 + "é",
])
def test_long_and_non_ascii_subjects_read_back_the_same_within_the_line_limits(subject):
    sent = email_for(outgoing(subject=subject, addresses=(f"{CARE_HOME} <home@bronte.test>",)),
                     f'"{CARE_HOME} monitoring, £ team" <monitoring@council.test>', AT)
    message = read_back(bytes(sent))

    assert str(message["Subject"]) == subject
    [to] = message["To"].addresses
    assert (to.display_name, to.addr_spec) == (CARE_HOME, "home@bronte.test")
    [sender] = message["From"].addresses
    assert sender.display_name == f"{CARE_HOME} monitoring, £ team"
    assert (sent.sender, sent.recipients) == ("monitoring@council.test", ("home@bronte.test",))
    headers = bytes(sent).split(b"\n\n", 1)[0].decode("ascii").split("\n")
    words = [w for line in headers for w in line.split() if w.startswith("=?")]
    assert all(len(w) <= 75 for w in words)  # RFC 2047
    assert all(len(line) <= 78 for line in headers if " " in line.strip()), headers  # RFC 5322


def test_the_body_reads_back_whole_whatever_its_lines():
    body = ("£5 = five pounds, 100% sure.  \n" + "é" * 100 + "\n.\n" + "x" * 300
            + "\r\nFrom here on\rend")
    message = read_back(on_the_wire(email_for(outgoing(body=body), SENDER, AT)))

    text = message.get_content().replace("\r\n", "\n")
    assert text.startswith("£5 = five pounds, 100% sure.  \n" + "é" * 100 + "\n.\n"
                           + "x" * 300 + "\nFrom here on\nend\n")
    raw = on_the_wire(email_for(outgoing(body=body), SENDER, AT))
    assert all(len(line) <= 78 for line in raw.split(b"\r\n"))
    assert raw.isascii()


def test_the_envelope_names_every_recipient_once_by_address():
    sent = email_for(outgoing(), SENDER, AT)
    assert sent.recipients == ("zoe@council.test", "care-homes@council.test")
    assert sent.sender == "monitoring@council.test"
    assert sent.delivery_id == str(DELIVERY)
