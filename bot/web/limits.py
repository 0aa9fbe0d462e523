"""How often one browser or one address may ask: sliding windows kept in memory.

Each process counts on its own (several replicas each allow as much); that bounds guessing resume
codes and flooding without a shared store. Keys are hashes or addresses, never answers.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

KEYS_KEPT = 50_000  # beyond this many keys, the idlest are forgotten first


@dataclass
class Window:
    """At most `limit` hits per key within `seconds`."""

    limit: int
    seconds: float
    clock: Callable[[], float] = time.monotonic
    _hits: dict[str, deque[float]] = field(default_factory=dict)

    def allow(self, key: str) -> bool:
        """Counts a hit for `key`; False when the key has used up its window."""
        now = self.clock()
        hits = self._hits.pop(key, None) or deque()
        while hits and hits[0] <= now - self.seconds:
            hits.popleft()
        allowed = len(hits) < self.limit
        if allowed:
            hits.append(now)
        self._hits[key] = hits  # the most recent key last
        if len(self._hits) > KEYS_KEPT:
            del self._hits[next(iter(self._hits))]
        return allowed


@dataclass
class Limits:
    """The web chat's limits: requests per session and per address; resume codes tried."""

    per_session: Window = field(default_factory=lambda: Window(40, 60))
    per_address: Window = field(default_factory=lambda: Window(300, 60))
    codes_per_address: Window = field(default_factory=lambda: Window(8, 15 * 60))
    codes_overall: Window = field(default_factory=lambda: Window(200, 15 * 60))
