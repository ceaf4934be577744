"""The one knowledge index of the action server, loaded once, searched off the event loop."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache, partial
from typing import Callable, TypeVar

from knowledge.index import KnowledgeIndex, load_index

T = TypeVar("T")


@lru_cache(maxsize=1)
def knowledge_index() -> KnowledgeIndex:
    index = load_index()
    index.embedder.query("khởi động")  # load the model now, not on the first question
    return index


@lru_cache(maxsize=1)
def _worker() -> ThreadPoolExecutor:
    # One worker: torch already uses every core for one embedding; parallel ones would only fight over them.
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="knowledge")


async def off_loop(function: Callable[..., T], *args, **kwargs) -> T:
    """Run blocking knowledge work in the worker thread so the server keeps answering."""
    return await asyncio.get_running_loop().run_in_executor(_worker(), partial(function, *args, **kwargs))
