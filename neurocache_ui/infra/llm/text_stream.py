"""How every model reply is read, one call or a whole tool loop: text deltas as an
async iterator, `aclose` to stop early, `collect` for the result. Callers (the
channel, Try it, the API) depend on this and never on which kind they got."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncGenerator
from types import TracebackType
from typing import Any, Self

from neurocache_ui.infra.llm.result import CompletionResult


class TextStream(ABC):
    result: CompletionResult | None
    _parts: list[str]
    _gen: AsyncGenerator[str, None]

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> str:
        return await self._gen.__anext__()

    async def aclose(self) -> None:
        """Stop early: what is running (the model call, tools) is closed; the result is "stopped"."""
        await self._gen.aclose()
        if self.result is None:
            self._finish("stopped")

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.aclose()

    async def collect(self) -> CompletionResult:
        """Read the whole reply and return the result."""
        async with self:
            async for _ in self:
                pass
        assert self.result is not None
        return self.result

    @property
    def text(self) -> str:
        """The text received so far."""
        return "".join(self._parts)

    @abstractmethod
    def _finish(self, outcome: Any, *args: Any, **kwargs: Any) -> CompletionResult: ...
