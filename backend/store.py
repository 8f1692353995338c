"""Everything the backend remembers, in one SQLite file beside the uploaded and rendered files.

stdlib sqlite3, one connection guarded by a lock: the event loop and the render worker thread
both write, and the volumes are tiny. Tokens are stored as SHA-256 digests (a leaked database
does not leak usable tokens); lookups compare digests with `hmac.compare_digest`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS tokens (
    digest TEXT PRIMARY KEY, user_id TEXT NOT NULL, client_id TEXT NOT NULL,
    ip TEXT NOT NULL, created REAL NOT NULL, expires REAL NOT NULL);
CREATE INDEX IF NOT EXISTS tokens_client ON tokens(client_id);
CREATE TABLE IF NOT EXISTS users (
    user_id TEXT PRIMARY KEY, available INTEGER NOT NULL, frozen INTEGER NOT NULL DEFAULT 0,
    registered INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS sessions (
    session_id TEXT PRIMARY KEY, task_id TEXT NOT NULL, user_id TEXT NOT NULL,
    language TEXT NOT NULL, created REAL NOT NULL, draft TEXT, turns INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS history (
    session_id TEXT NOT NULL, rev INTEGER NOT NULL, draft TEXT,
    PRIMARY KEY (session_id, rev));
CREATE TABLE IF NOT EXISTS media (
    media_id TEXT PRIMARY KEY, session_id TEXT NOT NULL, filename TEXT NOT NULL,
    stored TEXT NOT NULL, file_type TEXT NOT NULL, size INTEGER NOT NULL, sha256 TEXT NOT NULL,
    width INTEGER, height INTEGER, duration REAL, fps REAL, created REAL NOT NULL,
    generated INTEGER NOT NULL DEFAULT 0, meta TEXT);
CREATE TABLE IF NOT EXISTS jobs (
    render_id TEXT PRIMARY KEY, session_id TEXT NOT NULL, user_id TEXT NOT NULL,
    draft TEXT NOT NULL, resolution TEXT, status TEXT NOT NULL, progress REAL NOT NULL,
    output TEXT, duration REAL, size INTEGER, width INTEGER, height INTEGER, error TEXT,
    created REAL NOT NULL, updated REAL NOT NULL, attempts INTEGER NOT NULL DEFAULT 0);
"""
# columns added since the first release: (table, column, definition), added when missing
MIGRATIONS = (("jobs", "attempts", "INTEGER NOT NULL DEFAULT 0"),)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Store:
    """A thin, typed-enough wrapper: rows come back as dicts."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(SCHEMA)
            for table, column, definition in MIGRATIONS:
                have = {r["name"] for r in self._db.execute(f"PRAGMA table_info({table})")}
                if column not in have:
                    self._db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # -- low level -------------------------------------------------------------------------
    def _one(self, sql: str, *args: Any) -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute(sql, args).fetchone()
        return dict(row) if row is not None else None

    def _all(self, sql: str, *args: Any) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(r) for r in self._db.execute(sql, args).fetchall()]

    def _exec(self, sql: str, *args: Any) -> int:
        with self._lock:
            return self._db.execute(sql, args).rowcount

    # -- tokens and users ----------------------------------------------------------------------
    def recent_tokens(self, *, ip: str, since: float) -> int:
        row = self._one("SELECT COUNT(*) AS n FROM tokens WHERE ip=? AND created>?", ip, since)
        return int(row["n"]) if row else 0

    def live_tokens(self, *, client_id: str, since: float) -> int:
        """Tokens of this client id issued since `since` that are still valid."""
        row = self._one("SELECT COUNT(*) AS n FROM tokens WHERE client_id=? AND created>? "
                        "AND expires>?", client_id, since, time.time())
        return int(row["n"]) if row else 0

    def user_for_client(self, client_id: str) -> str | None:
        """Anonymous users are bound to their client id: a new token keeps credits, sessions."""
        row = self._one("SELECT user_id FROM tokens WHERE client_id=? ORDER BY created DESC "
                        "LIMIT 1", client_id)
        return str(row["user_id"]) if row else None

    def revoke(self, token: str) -> None:
        self._exec("UPDATE tokens SET expires=? WHERE digest=?", time.time() - 1,
                   token_digest(token))

    def add_token(self, token: str, user_id: str, client_id: str, ip: str, expires: float,
                  credits: int) -> None:
        with self._lock:
            self._db.execute("INSERT INTO tokens VALUES (?,?,?,?,?,?)",
                             (token_digest(token), user_id, client_id, ip, time.time(), expires))
            self._db.execute("INSERT OR IGNORE INTO users(user_id, available) VALUES (?,?)",
                             (user_id, credits))

    def user_for_token(self, token: str) -> str | None:
        """The user of a valid, unexpired token (digests compared in constant time)."""
        digest = token_digest(token)
        row = self._one("SELECT digest, user_id, expires FROM tokens WHERE digest=?", digest)
        if row is None or not hmac.compare_digest(row["digest"], digest):
            return None
        if row["expires"] <= time.time():
            return None
        return str(row["user_id"])

    def expire_tokens(self) -> None:
        """Test hook: every token expires now."""
        self._exec("UPDATE tokens SET expires=?", time.time() - 1)

    def credits(self, user_id: str) -> dict[str, int]:
        row = self._one("SELECT available, frozen FROM users WHERE user_id=?", user_id)
        available, frozen = (row["available"], row["frozen"]) if row else (0, 0)
        return {"available": available, "frozen": frozen, "total": available + frozen}

    def set_credits(self, user_id: str, available: int) -> None:
        self._exec("UPDATE users SET available=? WHERE user_id=?", available, user_id)

    def freeze(self, user_id: str, amount: int) -> bool:
        """Reserve `amount` credits; False (nothing changed) when too few are available."""
        with self._lock:
            n = self._db.execute(
                "UPDATE users SET available=available-?, frozen=frozen+? "
                "WHERE user_id=? AND available>=?", (amount, amount, user_id, amount)).rowcount
        return n == 1

    def settle(self, user_id: str, frozen: int, charge: int) -> None:
        """Release a reservation, charging `charge` of it (the rest goes back)."""
        charge = min(charge, frozen)
        self._exec("UPDATE users SET frozen=MAX(0, frozen-?), available=available+? "
                   "WHERE user_id=?", frozen, frozen - charge, user_id)

    def release_frozen(self) -> None:
        self._exec("UPDATE users SET available=available+frozen, frozen=0 WHERE frozen>0")

    # -- sessions and drafts ---------------------------------------------------------------------
    def add_session(self, session_id: str, task_id: str, user_id: str, language: str) -> None:
        self._exec("INSERT INTO sessions(session_id, task_id, user_id, language, created) "
                   "VALUES (?,?,?,?,?)", session_id, task_id, user_id, language, time.time())

    def session(self, session_id: str) -> dict[str, Any] | None:
        return self._one("SELECT * FROM sessions WHERE session_id=?", session_id)

    def draft(self, session_id: str) -> dict[str, Any] | None:
        row = self._one("SELECT draft FROM sessions WHERE session_id=?", session_id)
        return json.loads(row["draft"]) if row and row["draft"] else None

    def save_draft(self, session_id: str, draft: dict[str, Any] | None) -> None:
        """Set the draft, remembering the previous one for undo."""
        with self._lock:
            prev = self._db.execute("SELECT draft FROM sessions WHERE session_id=?",
                                    (session_id,)).fetchone()
            rev = self._db.execute("SELECT COALESCE(MAX(rev), 0) FROM history WHERE session_id=?",
                                   (session_id,)).fetchone()[0]
            self._db.execute("INSERT INTO history VALUES (?,?,?)",
                             (session_id, rev + 1, prev["draft"] if prev else None))
            self._db.execute("UPDATE sessions SET draft=? WHERE session_id=?",
                             (json.dumps(draft) if draft is not None else None, session_id))

    def undo(self, session_id: str) -> bool:
        """Go back to the draft before the last change; False when there is nothing to undo."""
        with self._lock:
            row = self._db.execute("SELECT rev, draft FROM history WHERE session_id=? "
                                   "ORDER BY rev DESC LIMIT 1", (session_id,)).fetchone()
            if row is None:
                return False
            self._db.execute("DELETE FROM history WHERE session_id=? AND rev=?",
                             (session_id, row["rev"]))
            self._db.execute("UPDATE sessions SET draft=? WHERE session_id=?",
                             (row["draft"], session_id))
        return True

    def next_turn(self, session_id: str) -> int:
        with self._lock:
            self._db.execute("UPDATE sessions SET turns=turns+1 WHERE session_id=?", (session_id,))
            row = self._db.execute("SELECT turns FROM sessions WHERE session_id=?",
                                   (session_id,)).fetchone()
        return int(row["turns"]) if row else 0

    # -- media -------------------------------------------------------------------------------------
    def add_media(self, row: dict[str, Any]) -> None:
        cols = ",".join(row)
        marks = ",".join("?" for _ in row)
        self._exec(f"INSERT INTO media({cols}) VALUES ({marks})", *row.values())

    def media(self, media_id: str) -> dict[str, Any] | None:
        return self._one("SELECT * FROM media WHERE media_id=?", media_id)

    def session_media(self, session_id: str) -> list[dict[str, Any]]:
        return self._all("SELECT * FROM media WHERE session_id=? ORDER BY created, rowid",
                         session_id)

    # -- render jobs ---------------------------------------------------------------------------------
    def add_job(self, render_id: str, session_id: str, user_id: str, draft: dict[str, Any],
                resolution: str | None) -> bool:
        now = time.time()
        try:
            self._exec("INSERT INTO jobs(render_id, session_id, user_id, draft, resolution, "
                       "status, progress, created, updated) VALUES (?,?,?,?,?,?,?,?,?)",
                       render_id, session_id, user_id, json.dumps(draft), resolution,
                       "pending", 0.0, now, now)
        except sqlite3.IntegrityError:
            return False
        return True

    def job(self, render_id: str) -> dict[str, Any] | None:
        return self._one("SELECT * FROM jobs WHERE render_id=?", render_id)

    def count_jobs(self, session_id: str, *statuses: str) -> int:
        marks = ",".join("?" for _ in statuses)
        row = self._one(f"SELECT COUNT(*) AS n FROM jobs WHERE session_id=? AND status IN "
                        f"({marks})", session_id, *statuses)
        return int(row["n"]) if row else 0

    def jobs_with_status(self, *statuses: str) -> list[dict[str, Any]]:
        marks = ",".join("?" for _ in statuses)
        return self._all(f"SELECT * FROM jobs WHERE status IN ({marks}) ORDER BY created",
                         *statuses)

    def start_job(self, render_id: str) -> int:
        """Mark the job processing and count this start; returns how many starts it has had."""
        with self._lock:
            self._db.execute("UPDATE jobs SET status='processing', progress=0, "
                             "attempts=attempts+1, updated=? WHERE render_id=?",
                             (time.time(), render_id))
            row = self._db.execute("SELECT attempts FROM jobs WHERE render_id=?",
                                   (render_id,)).fetchone()
        return int(row["attempts"]) if row else 0

    def update_job(self, render_id: str, **fields: Any) -> None:
        fields["updated"] = time.time()
        sets = ",".join(f"{k}=?" for k in fields)
        self._exec(f"UPDATE jobs SET {sets} WHERE render_id=?", *fields.values(), render_id)
