"""Re-encrypting a store's event payloads under the current key, keeping its hash chains whole.

Each link of a chain covers the *stored* (encrypted) payload (shared/chain.py), so a payload
encrypted afresh changes its event's hash and every later link of its aggregate. Re-encryption
therefore walks each aggregate's events in order, re-encrypts those under an older key and
re-links every event after the first one changed. It refuses a store whose chains are already
broken, so a rotation cannot launder an edit, and it writes everything in one transaction with
the events table locked: the services must be stopped (`assure key rotate` is offline).

eventsourcing has no API to rewrite a stored event (it is append-only by design), so this is
the one place that updates rows, with the table names the library's recorder uses.

Snapshots (snapshots.py) are sealed to the events they were taken at, so re-linked events would
leave them pointing at hashes no longer stored: in the same transaction every snapshot is
dropped, and each aggregate's latest is then taken again from its re-encrypted events. Views
holding sealed text (shared/views/sealed.py) are rebuilt last, under the new key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.cryptography import AESCipher
from eventsourcing.persistence import ApplicationRecorder

from shared.chain import GENESIS, all_events, link, seal, unseal
from shared.eventstore import ServiceApplication


class ChainBroken(RuntimeError):
    """The store's chains do not hold before re-encryption: it is left as it is."""


class Unreadable(RuntimeError):
    """A payload opens under none of the configured keys: the store is left as it is."""


@dataclass(frozen=True)
class Rewrite:
    originator_id: Any
    version: int
    state: bytes


def reencrypt(app: ServiceApplication) -> int:
    """Re-encrypts every payload not under the current key; returns how many events changed."""
    cipher = app.mapper.cipher
    if cipher is None:
        return 0
    before = app.verify()
    if not before.intact:
        raise ChainBroken(f"{app.service}: {before.broken}")
    rewrites = list(_rewrites(app.recorder, cipher, app.audit_key))
    snapshots = _snapshots(app, cipher)
    if rewrites or snapshots.stale:
        _write(app.recorder, rewrites, snapshots.recorder)
        for aggregate_id, version in snapshots.latest.items():
            app.take_snapshot(aggregate_id, version)
    app.views.rebuild_sealed()
    after = app.verify()
    if not after.intact:  # cannot happen unless the store changed under us: say so loudly
        raise ChainBroken(f"{app.service}: after re-encryption: {after.broken}")
    return len(rewrites)


def _rewrites(recorder: ApplicationRecorder, cipher: Any, key: bytes | None):
    """Every stored event whose state changes: re-encrypted, or re-linked after one that was."""
    last: dict[str, str] = {}
    for stored in all_events(recorder):
        payload, _, _ = unseal(stored.state)
        fresh = payload if _under_current_key(cipher, payload) else cipher.encrypt(
            _opened(cipher, payload, stored.originator_id, stored.originator_version))
        prev = last.get(str(stored.originator_id), GENESIS)
        digest = link(key, prev, stored.originator_id, stored.originator_version, stored.topic,
                      fresh)
        last[str(stored.originator_id)] = digest
        state = seal(fresh, prev, digest)
        if state != stored.state:
            yield Rewrite(stored.originator_id, stored.originator_version, state)


def _opened(cipher: Any, payload: bytes, originator_id: Any, version: int) -> bytes:
    try:
        return bytes(cipher.decrypt(payload))
    except ValueError as error:
        raise Unreadable(
            f"aggregate {originator_id} version {version} opens under none of the keys: put "
            "the key that wrote it in ASSURE_CIPHER_PREVIOUS_KEYS (a store written without a "
            "key cannot be encrypted afterwards)") from error


def _under_current_key(cipher: Any, payload: bytes) -> bool:
    try:
        AESCipher.decrypt(cipher, payload)  # the current key only, not the previous ones
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class Snapshots:
    """A store's snapshots: each aggregate's latest version, and whether any is stale."""

    recorder: Any
    latest: dict[UUID, int]
    stale: bool


def _snapshots(app: ServiceApplication, cipher: Any) -> Snapshots:
    """Snapshots under an older key are stale (and all of them once events are re-linked)."""
    if app.snapshots is None:
        return Snapshots(None, {}, False)
    recorder = app.snapshots.recorder
    latest: dict[UUID, int] = {}
    stale = False
    for originator_id, version, state in _stored_snapshots(recorder):
        key = originator_id if isinstance(originator_id, UUID) else UUID(str(originator_id))
        latest[key] = max(version, latest.get(key, 0))
        stale = stale or not _under_current_key(cipher, unseal(bytes(state))[0])
    return Snapshots(recorder, latest, stale)


def _stored_snapshots(recorder: Any) -> list[tuple[Any, int, Any]]:
    datastore: Any = recorder.datastore
    table = _table(recorder)
    with datastore.transaction(commit=False) as cursor:
        cursor.execute(f"SELECT originator_id, originator_version, state FROM {table}")  # noqa: S608
        return [(r["originator_id"], r["originator_version"], r["state"])
                for r in cursor.fetchall()]


def _table(recorder: Any) -> str:
    """The recorder's table, as SQL names it (with its schema on PostgreSQL)."""
    schema = getattr(recorder.datastore, "schema", None)
    return f'"{schema}"."{recorder.events_table_name}"' if schema else recorder.events_table_name


def _write(recorder: ApplicationRecorder, rewrites: list[Rewrite],
           snapshots: Any = None) -> None:
    datastore: Any = getattr(recorder, "datastore")  # noqa: B009 - both recorders have one
    table = getattr(recorder, "events_table_name")  # noqa: B009
    with datastore.transaction(commit=True) as cursor:
        if hasattr(datastore, "schema"):  # PostgreSQL
            _write_postgres(cursor, datastore.schema, table, rewrites)
        else:  # SQLite: BEGIN already holds the database once it writes
            cursor.executemany(
                f"UPDATE {table} SET state = ? WHERE originator_id = ? "  # noqa: S608
                "AND originator_version = ?",
                [(r.state, _sqlite_id(r.originator_id), r.version) for r in rewrites])
        if snapshots is not None:  # taken again from the events once these are committed
            cursor.execute(f"DELETE FROM {_table(snapshots)}")  # noqa: S608


def _sqlite_id(originator_id: Any) -> str:
    """eventsourcing keeps ids in SQLite as 32 hex digits."""
    return originator_id.hex if isinstance(originator_id, UUID) else str(originator_id)


def _write_postgres(cursor: Any, schema: str, table: str, rewrites: list[Rewrite]) -> None:
    from psycopg.sql import SQL, Identifier

    name = SQL("{}.{}").format(Identifier(schema), Identifier(table))
    cursor.execute(SQL("LOCK TABLE {} IN EXCLUSIVE MODE").format(name))
    cursor.executemany(
        SQL("UPDATE {} SET state = %s WHERE originator_id = %s AND originator_version = %s")
        .format(name), [(r.state, r.originator_id, r.version) for r in rewrites])

