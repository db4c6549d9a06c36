"""Each agent's passage vectors as one in-process numpy matrix, searched by a dot
product (vectors have length 1: that is the cosine). Loading 50,000 vectors takes
a database read of ~50 MB, so the matrix is kept and reloaded only when the agent's
`knowledge_stamp` (one primary-key lookup per search) says its passages changed.
While passages pour in (a large upload), a matrix whose load was slow is reused for
a while (ten times its load time) even if stale: new passages are found by full text
meanwhile, and the process spends at most a tenth of its time reloading."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from sqlmodel import Session

from neurocache_ui.infra import embeddings
from neurocache_ui.settings import get_settings
from neurocache_ui.store.repositories import knowledge as repo
from neurocache_ui.store.repositories import knowledge_index as index_repo

CACHE_BYTES = 512 * 1024 * 1024
"""The most vector memory one process keeps; least recently searched agents go first."""
STALE_FACTOR = 10
SLOW_LOAD = 0.5
"""Seconds a load must take before searches may use the previous matrix meanwhile (for up to
STALE_FACTOR times that): only big agents, which reload slowly, answer from a just-stale
matrix while an upload moves their stamp; a small agent always sees its newest passages."""


@dataclass(frozen=True)
class AgentIndex:
    stamp: int
    owner_id: int
    ids: np.ndarray
    matrix: np.ndarray
    text_stats: repo.TextStats
    loaded_at: float
    load_seconds: float

    @property
    def nbytes(self) -> int:
        return int(self.matrix.nbytes + self.ids.nbytes)

    def nearest(self, query: np.ndarray, depth: int) -> list[tuple[int, float]]:
        """(passage id, cosine) of the `depth` nearest passages, nearest first."""
        if not len(self.ids) or query.shape[0] != self.matrix.shape[1]:
            return []
        scores = self.matrix @ query
        depth = min(depth, len(scores))
        top = np.argpartition(-scores, depth - 1)[:depth]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(self.ids[i]), float(scores[i])) for i in top]


_cache: OrderedDict[tuple[str, int, str], AgentIndex] = OrderedDict()
_lock = threading.Lock()
_loading: dict[tuple[str, int, str], threading.Lock] = {}


def _fresh_enough(found: AgentIndex, stamp: int) -> bool:
    if found.stamp == stamp:
        return True
    return found.load_seconds > SLOW_LOAD and time.monotonic() - found.loaded_at < STALE_FACTOR * found.load_seconds


def _load(session: Session, agent_id: int, model: str, stamp: int, owner_id: int) -> AgentIndex:
    started = time.monotonic()
    ids, _documents, blobs = index_repo.vectors(session, agent_id, model)
    matrix = embeddings.from_bytes(blobs)
    stats = repo.text_stats(session, agent_id)
    took = time.monotonic() - started
    return AgentIndex(stamp, owner_id, np.asarray(ids, dtype=np.int64), matrix, stats, time.monotonic(), took)


def _remember(key: tuple[str, int, str], found: AgentIndex) -> None:
    with _lock:
        _cache[key] = found
        _cache.move_to_end(key)
        total = sum(item.nbytes for item in _cache.values())
        while total > CACHE_BYTES and len(_cache) > 1:
            _, dropped = _cache.popitem(last=False)
            total -= dropped.nbytes


def agent_index(session: Session, agent_id: int, model: str) -> AgentIndex | None:
    """The agent's vectors of `model` (possibly none yet), None if the agent is gone."""
    current = index_repo.stamp(session, agent_id)
    if current is None:
        return None
    stamp, owner_id = current
    key = (get_settings().database_url, agent_id, model)
    with _lock:
        found = _cache.get(key)
        if found is not None and _fresh_enough(found, stamp):
            _cache.move_to_end(key)
            return found
        loading = _loading.setdefault(key, threading.Lock())
    with loading:  # one load per agent at a time; the others wait for it
        with _lock:
            found = _cache.get(key)
        if found is not None and found.stamp == stamp:
            return found
        found = _load(session, agent_id, model, stamp, owner_id)
        _remember(key, found)
        return found


def forget() -> None:
    """Drop every cached matrix (tests, benches)."""
    with _lock:
        _cache.clear()
