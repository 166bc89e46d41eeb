"""What the storage layer raises, importable without the database driver."""

from __future__ import annotations


class StorageError(Exception):
    """The database cannot be opened or written; the message says what the operator should check."""


class StorageWriteError(StorageError):
    """A write was refused (disk full, read-only file, I/O error): none of it was committed."""


WRITE_RETRY_SECONDS = 5.0
"""How long a worker waits before trying again after the database refused a write."""
