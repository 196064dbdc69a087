"""The e-mail for one delivery, written as the bytes that go on the wire or into the mail folder.

Why not the `email` package's message classes: `EmailMessage` runs the header registry (a parser
and a class per header) on every header set, 1.1-2 ms an e-mail; a compat32 `Message` builds in
0.04 ms but its generator passes every header through `email.header.Header` again when it is
flattened, 0.3 ms more (half of it the search for encoded words that fit a non-ASCII subject).
These messages always have one shape, a dozen headers we write and one plain-text part, so they
are written directly, with the standard library doing the encoding that needs care: addresses by
`email.utils`, RFC 2047 words with base64, the body quoted-printable by `binascii` (in C). The
proof is the standard library's parser reading them back (tests/unit/test_notify_email.py).
Rules kept: no CR or LF in a header value (no header can be injected); header lines folded at
78 characters where there is a space, encoded words at most 75 (RFC 5322 2.1.1, RFC 2047 2).
"""

from __future__ import annotations

import base64
import binascii
import functools
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, formataddr, getaddresses

from services.notify.domain.delivery import Outgoing

# No reference in the text a person reads (issue 18): the delivery's and the event's ids are in
# the headers (X-Assure-Delivery, X-Assure-Event-Id), where a reply or a support request
# carries them.
FOOTER = ("\n\n--\nSent by Assure for the contract monitoring team, from the team's shared "
          "mailbox.")
LINE = 78  # RFC 5322's recommended limit; the hard one is 998
WORD = 75  # the longest RFC 2047 encoded word
_WORD_FRAME = len("=?utf-8?b??=")
_BODY_HEADERS = ("MIME-Version: 1.0\n"
                 'Content-Type: text/plain; charset="utf-8"\n'
                 "Content-Transfer-Encoding: quoted-printable\n")


@dataclass(frozen=True)
class Email:
    """A message ready to send: its envelope, and its text with LF line ends (SMTP sends CRLF)."""

    sender: str  # the envelope's sender, an address alone
    recipients: tuple[str, ...]  # the envelope's recipients, addresses alone
    delivery_id: str
    data: bytes

    def __bytes__(self) -> bytes:
        return self.data


def email_for(outgoing: Outgoing, sender: str, now: datetime | None = None) -> Email:
    """The message as sent: plain text, UK wording, and headers that identify a resend."""
    to = ", ".join(outgoing.addresses)
    headers = [
        _addresses("From", sender),
        _addresses("Reply-To", sender),
        _addresses("To", to),
        _text("Subject", outgoing.subject),
        _text("Date", format_datetime(now or datetime.now(UTC))),
        # The same Message-ID on every attempt: a copy sent after a crash is a duplicate.
        _text("Message-ID", outgoing.message_id),
        _text("Auto-Submitted", "auto-generated"),  # RFC 3834: no out-of-office replies
        _text("X-Assure-Delivery", str(outgoing.delivery_id)),
        _text("X-Assure-Event-Type", outgoing.about_event_type),
        _text("X-Assure-Event-Id", outgoing.about_event_id),  # the event it tells of
    ]
    if outgoing.urgent:
        headers += [_text("Importance", "high"), _text("X-Priority", "1")]
    body = outgoing.body + FOOTER
    data = ("".join(headers) + _BODY_HEADERS + "\n").encode("ascii") + _quoted_printable(body)
    return Email(_addr_specs(sender)[0], _addr_specs(to), str(outgoing.delivery_id), data)


def _text(name: str, value: str) -> str:
    """An unstructured header, as RFC 2047 words when it is not plain ASCII."""
    _refuse_line_breaks(name, value)
    if value.isascii():
        return _folded(f"{name}: {value}")
    return f"{name}: {_encoded_words(value, first=LINE - len(name) - 2)}\n"


def _addresses(name: str, value: str) -> str:
    """An address header, its display names as RFC 2047 words when not plain ASCII."""
    _refuse_line_breaks(name, value)
    return _folded(f"{name}: {value if value.isascii() else _encoded_addresses(value)}")


@functools.lru_cache(maxsize=1024)
def _encoded_addresses(value: str) -> str:
    # Parsing an address list is most of the cost of a message with a non-ASCII name in it, and
    # the same few come again and again (the sender on every message, recipients from the
    # configuration); the result depends on the text alone.
    return ", ".join(formataddr(pair, "utf-8") for pair in getaddresses([value]))


@functools.lru_cache(maxsize=1024)
def _addr_specs(value: str) -> tuple[str, ...]:
    return tuple(address for _, address in getaddresses([value]) if address)


def _refuse_line_breaks(name: str, value: str) -> None:
    """As EmailMessage does: a CR or LF in a value would start a header of the sender's making."""
    if "\r" in value or "\n" in value:
        raise ValueError(f"Header values may not contain linefeed or carriage return characters "
                         f"({name})")


def _folded(line: str) -> str:
    """A header line broken before spaces so each part fits in LINE where it can (RFC 5322
    folding: the reader removes each line break and keeps the space after it)."""
    if len(line) <= LINE:
        return line + "\n"
    parts, start = [], 0
    while len(line) - start > LINE:
        cut = line.rfind(" ", start + 1, start + LINE)
        if cut <= start or not line[start:cut].strip():  # a word longer than a line: after it
            cut = line.find(" ", start + LINE)
            if cut == -1:
                break
        parts.append(line[start:cut])
        start = cut
    parts.append(line[start:])
    return "\n".join(parts) + "\n"


def _encoded_words(value: str, first: int) -> str:
    """UTF-8 base64 encoded words, each whole characters and at most WORD long; the first fits
    in `first` characters, each later one on a line of its own after a space."""
    data, words, room = value.encode(), [], first
    while data:
        size = max((min(room, WORD) - _WORD_FRAME) // 4 * 3, 3)
        cut = min(size, len(data))
        while 0 < cut < len(data) and data[cut] & 0xC0 == 0x80:  # not inside a character
            cut -= 1
        while cut == 0 or (cut < len(data) and data[cut] & 0xC0 == 0x80):
            cut += 1  # no room for even one character: it goes whole (never past WORD here)
        words.append(f"=?utf-8?b?{base64.b64encode(data[:cut]).decode('ascii')}?=")
        data, room = data[cut:], LINE - 1
    return "\n ".join(words)


def _quoted_printable(body: str) -> bytes:
    """The body's lines (any line break read as one) quoted-printable, ending in a line break."""
    text = "\n".join(body.splitlines()) + "\n"
    return binascii.b2a_qp(text.encode("utf-8"), istext=True)
