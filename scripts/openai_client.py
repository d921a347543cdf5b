"""The OpenAI client side of the LLM backend: the errors a run stops with, and the HTTP helpers
(transport, connection watch, key check, redaction) that the live and the batch path share."""
from __future__ import annotations

import os
import re
from typing import Optional

import openai


class GenerationError(RuntimeError):
    """The run cannot go on or did not reach its target (message is safe to print)."""


class AuthError(GenerationError):
    """The server rejected the API key (401/403)."""


def http_module():
    try:
        import httpx2 as module  # openai >= 3 is built on httpx2

        if hasattr(openai, "DefaultAsyncHttpx2Client"):
            return module
    except ImportError:
        pass
    import httpx as module

    return module


def redact(text: str, secret: Optional[str]) -> str:
    if secret and len(secret) >= 4:
        text = text.replace(secret, "***")
    return text


def printable_url(url: object) -> str:
    """The URL without any user:password@ part, safe to print."""
    return re.sub(r"//[^/@]*@", "//", str(url))


def require_api_key(offline_switch: str = "--generator offline") -> None:
    """offline_switch: the calling command's option that works without a key."""
    if not os.environ.get("OPENAI_API_KEY"):
        raise GenerationError(
            "OPENAI_API_KEY is not set: export it (any non-empty value for a local server without keys, with "
            f"OPENAI_BASE_URL), or use {offline_switch}. Nothing was changed.")


def connection_watch(httpx_mod, inner, on_failure):
    """A transport that reports each failed connection attempt (the client's retries included) as it happens,
    so that an unreachable server is noticed after a few attempts, not after every request's retries."""

    class ConnectionWatch(httpx_mod.AsyncBaseTransport):
        async def handle_async_request(self, request):
            try:
                return await inner.handle_async_request(request)
            except (httpx_mod.ConnectError, httpx_mod.ConnectTimeout, httpx_mod.ProxyError) as err:
                on_failure(err)
                raise

        async def aclose(self) -> None:
            await inner.aclose()

    return ConnectionWatch()


def auth_error(status_code: int) -> AuthError:
    what = "401 Unauthorized" if status_code == 401 else f"{status_code} Forbidden"
    return AuthError(f"the server rejected the API key ({what}); check OPENAI_API_KEY / OPENAI_BASE_URL. Run stopped.")
