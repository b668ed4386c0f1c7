"""Who may reach the chat: loopback detection, the exposure warning, and login credentials."""

from __future__ import annotations

import ipaddress

from qa.config import Settings


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a name other than localhost may resolve to anything


def exposure_warning(settings: Settings) -> str | None:
    """Return a warning when other machines can reach the chat without logging in."""
    if settings.auth or is_loopback(settings.host):
        return None
    return (
        f"the chat on {settings.host}:{settings.port} can be reached from other machines and asks for no "
        "password: set QA_AUTH=user:password (or leave QA_HOST unset to stay on 127.0.0.1)"
    )


def credentials(auth: str | None) -> tuple[str, str] | None:
    if not auth:
        return None
    user, _, password = auth.partition(":")
    return user, password
