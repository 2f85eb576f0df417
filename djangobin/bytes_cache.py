"""A cache backend in the process's own memory, bounded by bytes rather than by entries: the snippet pages'.

Django's LocMemCache bounds only how many entries it keeps (MAX_ENTRIES), and one snippet page may take megabytes,
so a thousand of them per gunicorn worker could take gigabytes. This backend refuses an entry larger than
`MAX_ENTRY_BYTES` (and drops what the key held, so an older value is never served in its place), and once the
entries together pass `MAX_BYTES` it drops the least recently used until they fit. An entry is counted as the
pickled bytes it is kept as plus its key, which is what it holds in memory. Each entry expires after its own timeout.

As with LocMemCache, the store is one per process and per LOCATION, shared by every thread under one lock.
"""

import pickle
import sys
import threading
import time
from collections import OrderedDict

from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache

DEFAULT_MAX_BYTES = 32 * 1024 * 1024
DEFAULT_MAX_ENTRY_BYTES = 256 * 1024


class _Store:
    def __init__(self):
        self.lock = threading.Lock()
        self.entries: OrderedDict[str, tuple[float | None, bytes, int]] = OrderedDict()  # key: (expiry, pickled, size)
        self.total = 0

    def pop(self, key):
        entry = self.entries.pop(key, None)
        if entry is not None:
            self.total -= entry[2]
        return entry


_stores: dict[str, _Store] = {}
_stores_lock = threading.Lock()


def _expired(expiry, now):
    return expiry is not None and expiry <= now


class ByteBoundedCache(BaseCache):
    pickle_protocol = pickle.HIGHEST_PROTOCOL

    def __init__(self, name, params):
        super().__init__(params)
        options = params.get("OPTIONS", {})
        self.max_bytes = int(options.get("MAX_BYTES", DEFAULT_MAX_BYTES))
        self.max_entry_bytes = int(options.get("MAX_ENTRY_BYTES", DEFAULT_MAX_ENTRY_BYTES))
        with _stores_lock:
            self._store = _stores.setdefault(name, _Store())

    @property
    def total_bytes(self) -> int:
        """What the kept entries take, as this backend counts them."""
        return self._store.total

    def _put(self, key, value, timeout, *, only_if_absent=False):
        pickled = pickle.dumps(value, self.pickle_protocol)
        size = sys.getsizeof(pickled) + sys.getsizeof(key)
        expiry = self.get_backend_timeout(timeout)
        store = self._store
        with store.lock:
            now = time.time()
            if only_if_absent:
                held = store.entries.get(key)
                if held is not None and not _expired(held[0], now):
                    return False
            store.pop(key)
            if size > self.max_entry_bytes or size > self.max_bytes or _expired(expiry, now):
                return False
            store.entries[key] = (expiry, pickled, size)
            store.total += size
            while store.total > self.max_bytes:
                store.pop(next(iter(store.entries)))
            return True

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._put(self.make_and_validate_key(key, version=version), value, timeout)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._put(self.make_and_validate_key(key, version=version), value, timeout, only_if_absent=True)

    def get(self, key, default=None, version=None):
        key = self.make_and_validate_key(key, version=version)
        store = self._store
        with store.lock:
            entry = store.entries.get(key)
            if entry is None:
                return default
            if _expired(entry[0], time.time()):
                store.pop(key)
                return default
            store.entries.move_to_end(key)
        return pickle.loads(entry[1])  # noqa: S301  (bytes this process pickled itself)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        key = self.make_and_validate_key(key, version=version)
        store = self._store
        with store.lock:
            entry = store.entries.get(key)
            if entry is None or _expired(entry[0], time.time()):
                store.pop(key)
                return False
            store.entries[key] = (self.get_backend_timeout(timeout), *entry[1:])
            return True

    def has_key(self, key, version=None):
        key = self.make_and_validate_key(key, version=version)
        store = self._store
        with store.lock:
            entry = store.entries.get(key)
            return entry is not None and not _expired(entry[0], time.time())

    def delete(self, key, version=None):
        key = self.make_and_validate_key(key, version=version)
        with self._store.lock:
            return self._store.pop(key) is not None

    def clear(self):
        with self._store.lock:
            self._store.entries.clear()
            self._store.total = 0
