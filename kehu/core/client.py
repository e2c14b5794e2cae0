"""The address of the client behind a request, through the reverse proxies Kehu trusts.

With settings.KEHU_TRUSTED_PROXIES empty (the default) the client is the TCP peer
(REMOTE_ADDR). When the peer is a trusted proxy, the client is the right-most address in
X-Forwarded-For that is not a trusted proxy. Each proxy appends the address it received the
request from, so the client may forge any entry left of the first untrusted one.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def _parse(text: str) -> Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(address: Address | None) -> bool:
    if address is None:
        return False
    return any(address in network for network in settings.KEHU_TRUSTED_PROXIES)


def client_address(request: HttpRequest) -> str:
    """Return the client's IP address as text, or "" when the request carries none.

    A malformed X-Forwarded-For entry ends the walk: the address of the trusted proxy that
    reported it is returned instead, so a garbled header never yields a fake address.
    """
    peer = str(request.META.get("REMOTE_ADDR") or "")
    current = _parse(peer)
    if not _trusted(current):
        return peer
    forwarded = str(request.META.get("HTTP_X_FORWARDED_FOR") or "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    for hop in reversed(hops):
        address = _parse(hop)
        if address is None:
            return str(current)
        current = address
        if not _trusted(current):
            return str(current)
    # Every hop is a trusted proxy: the left-most one is the closest to the client.
    return str(current)
