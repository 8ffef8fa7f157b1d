vcl 4.1;
# The newsroom's front cache, for Debian's Varnish 7.1 with varnish-modules (xkey).
#
# A template: deploy/varnish/varnishctl renders it, filling the markers
# (backend host and port, the purgers' ACL). Do not edit the rendered
# copy; edit this file and render again.
#
# What it does, and why:
# - Caches anonymous GET/HEAD by the app's own Cache-Control (s-maxage first,
#   then max-age). A response that says nothing is NOT cached: the app decides
#   what may be shared, Varnish never guesses a lifetime for a page.
# - Passes (never caches, never serves from cache) the admin, share links
#   (/share/, previews live under /admin/), anything with Authorization, and
#   any request carrying Django's session, CSRF or messages cookie: editors and
#   logged-in readers always see the origin. Other cookies (analytics) are
#   dropped from the request so they do not split the cache or defeat it.
# - Serves /static/ with long lifetimes: WhiteNoise's hashed names are
#   immutable and kept a year; the rest at least a day, tagged `static` so a
#   deploy purges them (PURGE with `xkey-purge: static`).
# - Purges by surrogate key: the app tags each response with an `xkey` header
#   (or `Surrogate-Key`, copied to `xkey`), space-separated keys such as
#   `article-12 category-3 front`; a PURGE request with
#   `xkey-purge: article-12 front` from an allowed purger removes every object
#   carrying any of those keys (a hard purge: nothing stale is served after
#   it). A PURGE without that header purges the one URL. Both headers are
#   stripped from what clients see.
# - No grace for pages: a page whose lifetime ran out is fetched again before
#   it is served, so a scheduled article appears on time (the app clamps
#   s-maxage to the next scheduled change). Static files keep an hour of grace.
# - X-Cache (HIT, MISS or PASS) and Age tell tests and operators what happened.

import xkey;

backend default {
    .host = "@@BACKEND_HOST@@";
    .port = "@@BACKEND_PORT@@";
    .connect_timeout = 2s;
    .first_byte_timeout = 30s;
    .between_bytes_timeout = 10s;
}

acl purgers {
@@PURGERS@@
}

sub vcl_recv {
    if (req.method == "PURGE") {
        if (client.ip !~ purgers) {
            return (synth(403, "Forbidden"));
        }
        if (req.http.xkey-purge) {
            set req.http.x-purged = xkey.purge(req.http.xkey-purge);
            return (synth(200, "Purged " + req.http.x-purged + " objects"));
        }
        return (purge);
    }
    # Clients never choose which keys a response carries.
    unset req.http.xkey;
    unset req.http.x-purged;

    if (req.method != "GET" && req.method != "HEAD") {
        return (pass);
    }
    if (req.url ~ "^/static/") {
        unset req.http.Cookie;
        unset req.http.Authorization;
        return (hash);
    }
    if (req.url ~ "^/(admin|share)(/|$)" || req.http.Authorization) {
        return (pass);
    }
    if (req.http.Cookie ~ "(^|;\s*)(sessionid|csrftoken|messages)=") {
        return (pass);
    }
    # Only the cookies above mean anything to the app.
    unset req.http.Cookie;
    return (hash);
}

sub vcl_backend_response {
    if (beresp.http.Surrogate-Key && !beresp.http.xkey) {
        set beresp.http.xkey = beresp.http.Surrogate-Key;
    }
    unset beresp.http.Surrogate-Key;

    if (bereq.url ~ "^/static/") {
        unset beresp.http.Set-Cookie;
        if (beresp.status != 200) {
            set beresp.ttl = 10s;
        } else if (bereq.url ~ "\.[0-9a-f]{12}\.[A-Za-z0-9]+$"
                   || beresp.http.Cache-Control ~ "immutable") {
            set beresp.ttl = 365d;
        } else {
            if (beresp.ttl < 1d) {
                set beresp.ttl = 1d;
            }
            set beresp.http.xkey = "static";
        }
        set beresp.grace = 1h;
        return (deliver);
    }

    set beresp.grace = 0s;
    if (!beresp.http.Cache-Control && !beresp.http.Expires) {
        # The app did not say this may be shared: do not guess.
        set beresp.uncacheable = true;
        set beresp.ttl = 0s;
        return (deliver);
    }
    # Varnish's built-in rules then refuse Set-Cookie, private, no-store,
    # no-cache and Vary: * (as hit-for-miss), and take s-maxage before max-age.
}

sub vcl_deliver {
    if (obj.uncacheable) {
        set resp.http.X-Cache = "PASS";
    } else if (obj.hits > 0) {
        set resp.http.X-Cache = "HIT";
    } else {
        set resp.http.X-Cache = "MISS";
    }
    unset resp.http.xkey;
    unset resp.http.Surrogate-Key;
    unset resp.http.Via;
}

sub vcl_synth {
    unset resp.http.xkey;
}
