"""The action server's knowledge index: the live version of the index folder, followed as builds, publishes and
rollbacks switch it (knowledge.live.LiveCache: one stat() of CURRENT per question), searched off the event loop."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache, partial
from pathlib import Path
from typing import Callable, TypeVar

from knowledge.index import KnowledgeIndex, load_index
from knowledge.live import LiveCache
from knowledge.settings import get_settings

T = TypeVar("T")


def _load_ready(index_dir: Path) -> KnowledgeIndex:
    index = load_index(index_dir)
    index.embedder.query("khởi động")  # the model loads once per process: on start, not on the first question
    return index


@lru_cache(maxsize=1)
def _live() -> LiveCache[KnowledgeIndex]:
    return LiveCache(get_settings().index_dir, _load_ready)


def knowledge_index() -> KnowledgeIndex:
    """The index's live version, loaded again after a build switched it. Call it in the worker (off_loop), so that
    loading a new version never blocks the event loop; a question keeps the version it got to the end."""
    return _live().get()


@lru_cache(maxsize=1)
def _worker() -> ThreadPoolExecutor:
    # One worker: torch already uses every core for one embedding; parallel ones would only fight over them.
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="knowledge")


async def off_loop(function: Callable[..., T], *args, **kwargs) -> T:
    """Run blocking knowledge work in the worker thread so the server keeps answering."""
    return await asyncio.get_running_loop().run_in_executor(_worker(), partial(function, *args, **kwargs))
