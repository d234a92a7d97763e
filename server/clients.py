"""Who is calling: the client address a guess counter counts by (enrolment codes, later passwords).

The address is the TCP peer's, unless the peer is a configured reverse proxy
(``trusted_proxies``): then ``create_app`` puts uvicorn's ``ProxyHeadersMiddleware`` in front,
which takes the right-most address in ``X-Forwarded-For`` that is not a proxy (the one the
proxy itself appended), so a client cannot choose its own counter by sending the header.

IPv6 addresses count per /64: one home, office or mobile network gets a /64 and can use
any of its 2^64 addresses, so counting each address alone would never lock anyone out.
"""
from __future__ import annotations

import ipaddress

from starlette.requests import Request

IPV6_NETWORK_BITS = 64
MAX_KEY = 64  # an address that is not an IP (a unix socket, a test client) is kept short


def client_ip(request: Request) -> str | None:
    """The caller's address as the access log and sign-in history keep it (None when unknown)."""
    return request.client.host if request.client else None


def client_key(request: Request) -> str:
    """The counter key for the caller: an IPv4 address, an IPv6 /64 network, or the peer's name."""
    return address_key(client_ip(request) or "")


def address_key(host: str) -> str:
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return host[:MAX_KEY] or "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, IPV6_NETWORK_BITS), strict=False))
    return str(address)
