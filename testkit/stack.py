"""A bench's whole local stack in one `with`: a fresh database, a private Redis, app servers.

This process's settings point at the same database and Redis, so a bench can seed
data through the services; everything is stopped and dropped on the way out."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from neurocache_ui.settings import get_settings
from testkit.database import fresh_database
from testkit.hub import HubServer
from testkit.servers import RedisServer


@dataclass
class Stack:
    workdir: Path
    database_url: str
    redis: RedisServer
    _exits: ExitStack

    def start_hub(self, *, workers: int = 2, env: Mapping[str, str] | None = None) -> HubServer:
        """The production app on this stack's database and Redis, stopped with the stack."""
        workdir = Path(tempfile.mkdtemp(prefix="hub-", dir=self.workdir))
        server = HubServer(workdir, database_url=self.database_url, redis_url=self.redis.url, workers=workers, env=env)
        return self._exits.enter_context(server)


@contextmanager
def local_stack(prefix: str = "nc_bench") -> Iterator[Stack]:
    with ExitStack() as exits:
        workdir = Path(tempfile.mkdtemp(prefix="nc-bench-"))
        exits.callback(shutil.rmtree, workdir, ignore_errors=True)
        url = exits.enter_context(fresh_database(prefix))
        redis = exits.enter_context(RedisServer(workdir))
        os.environ.update(DATABASE_URL=url, REDIS_URL=redis.url)
        get_settings.cache_clear()
        yield Stack(workdir, url, redis, exits)
