"""Serving the page: address and login, the shared queue, and one Assistant per process."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from qa.config import Settings
from qa.errors import ConfigError
from qa.web.access import credentials, exposure_warning

if TYPE_CHECKING:
    from qa.assistant import Assistant

log = logging.getLogger(__name__)

# Sessions answered at once. Retrieval is CPU-bound on a small machine, but an answer that
# streams from an LLM mostly waits, so a few more than the cores keep everyone moving.
CONCURRENCY = 8


def url_of(settings: Settings) -> str:
    """Return the address to open in a browser on this machine."""
    host = settings.host
    if host in ("0.0.0.0", "::", ""):  # listening everywhere: this machine reaches it on loopback
        host = "127.0.0.1"
    return f"http://[{host}]:{settings.port}" if ":" in host else f"http://{host}:{settings.port}"


@dataclass
class Server:
    """A running chat page."""

    page: Any  # gradio.Blocks
    url: str
    assistant: Assistant

    def wait(self) -> None:
        """Serve until Ctrl+C, then stop cleanly."""
        try:
            while self.page.is_running:
                time.sleep(0.2)
        except KeyboardInterrupt:
            print("\nStopping the chat.")
        finally:
            self.close()

    def close(self) -> None:
        self.page.close()


def launch(page: Any, settings: Settings) -> str:
    """Start serving ``page`` in a background thread; return its address."""
    from qa.web.page import launch_options

    page.queue(default_concurrency_limit=CONCURRENCY)
    try:
        page.launch(
            server_name=settings.host,
            server_port=settings.port,
            auth=credentials(settings.auth),
            auth_message="Sign in to ask questions about the documents.",
            prevent_thread_lock=True,
            quiet=True,  # Gradio's banner suggests share=True, which would publish the chat
            share=False,
            inbrowser=False,
            show_error=False,
            ssr_mode=False,
            mcp_server=False,
            pwa=False,
            enable_monitoring=False,
            # Enforced while the bytes arrive: a larger upload is cut off, never written out whole.
            max_file_size=int(settings.max_file_mb * 2**20),
            **launch_options(),
        )
    except OSError as exc:
        # Gradio's own message advises launch(server_port=...) and GRADIO_SERVER_PORT: not ours to give.
        reason = "the port is in use" if "empty port" in str(exc) else (exc.strerror or "the address is not available")
        raise ConfigError(
            f"cannot serve the chat on {settings.host}:{settings.port}: {reason}",
            "another program may be using that port: pass --port N or set QA_PORT to a free one",
        ) from None
    return url_of(settings)


def serve(
    settings: Settings | None = None, assistant: Assistant | None = None, *, open_browser: bool = False
) -> Server:
    """Open the assistant once, build the page and start serving it (without blocking)."""
    settings = settings or Settings.from_env()
    warning = exposure_warning(settings)
    if warning:
        log.warning(warning)
    if assistant is None:
        from qa.assistant import Assistant

        assistant = Assistant.open(settings=settings)
    from qa.web.page import build_page

    page = build_page(assistant)
    url = launch(page, settings)
    if open_browser:
        import webbrowser

        webbrowser.open(url)
    return Server(page, url, assistant)
