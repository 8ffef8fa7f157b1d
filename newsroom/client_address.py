"""The reader's own address, as the proxies in front of gunicorn report it.

Production runs TLS proxy -> Varnish -> gunicorn; each proxy appends the
address it received the request from to X-Forwarded-For. With NEWSROOM_PROXY_HOPS
proxies, the entry that many places from the right was written by the outermost
of our proxies and is the client; everything to its left came from the client
and may be forged, so it is never read. With 0 hops (the default: gunicorn faces
the network) the header is ignored and REMOTE_ADDR is the client.
"""

import ipaddress

from django.conf import settings


def client_address(request) -> str | None:
    """The client's IP address, trusting exactly NEWSROOM_PROXY_HOPS proxies."""
    remote = request.META.get("REMOTE_ADDR") or None
    hops = settings.NEWSROOM_PROXY_HOPS
    if hops <= 0:
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    entries = [entry.strip() for entry in forwarded.split(",") if entry.strip()]
    if len(entries) < hops:
        # Fewer entries than proxies: the request skipped one of them, and
        # whatever it carries is the sender's own claim.
        return remote
    candidate = entries[-hops]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
