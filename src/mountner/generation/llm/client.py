"""The OpenAI client side of the LLM backend: the errors a run stops with, and the HTTP helpers
(transport, connection watch, key check, redaction) that the live and the batch path share."""
from __future__ import annotations

import os
import re
from typing import Optional

import openai

# Connection attempts that may fail, while the server has never answered, before a run stops: enough to ride
# out a blip, few enough (with the client's backoff) to stop within seconds when nothing listens at the URL.
CONNECT_FAILURES_BEFORE_GIVING_UP = 4


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


def watched_client(*, timeout: float, max_retries: int, concurrency: int, on_connection_failure, event_hooks: dict):
    """An AsyncOpenAI client whose transport reports every failed connection attempt (connection_watch), with a
    connection pool sized for `concurrency` requests in flight; and its base URL, safe to print."""
    httpx_mod = http_module()
    limits = httpx_mod.Limits(max_connections=max(100, concurrency * 2), max_keepalive_connections=max(20, concurrency * 2))
    transport = connection_watch(httpx_mod, httpx_mod.AsyncHTTPTransport(limits=limits), on_connection_failure)
    http_client_cls = getattr(openai, "DefaultAsyncHttpxClient", None) or httpx_mod.AsyncClient
    http_client = http_client_cls(transport=transport, timeout=timeout, event_hooks=event_hooks)
    try:
        client = openai.AsyncOpenAI(timeout=timeout, max_retries=max_retries, http_client=http_client)
    except openai.OpenAIError as err:
        raise GenerationError(
            "cannot create the OpenAI client: set OPENAI_API_KEY (and OPENAI_BASE_URL for a compatible server) "
            f"[{type(err).__name__}]") from None
    return client, redact(printable_url(client.base_url), os.environ.get("OPENAI_API_KEY"))


def server_unreachable(base_url: str, attempts: int, what: str, outcome: str = "Run stopped.") -> GenerationError:
    return GenerationError(
        f"cannot reach the server at {base_url}: the first {attempts} connection attempts failed ({what}). Check that the "
        "server is running, that OPENAI_BASE_URL is right (unset it for api.openai.com) and any proxy settings "
        f"(HTTPS_PROXY, NO_PROXY). {outcome}")


def auth_error(status_code: int) -> AuthError:
    what = "401 Unauthorized" if status_code == 401 else f"{status_code} Forbidden"
    return AuthError(f"the server rejected the API key ({what}); check OPENAI_API_KEY / OPENAI_BASE_URL. Run stopped.")
