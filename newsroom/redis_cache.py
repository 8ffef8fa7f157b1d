"""Django's built-in Redis cache, keeping one redis client instead of one a call.

Django's RedisCacheClient builds a new `redis.Redis` around its connection pool
for every cache call. In redis-py 8 that constructor fills a table of about 170
response callbacks each time: measured in process, it was about half the CPU a
single GET costs, and a page served from the page cache makes one or two such
calls. A `redis.Redis` is safe to share between threads (it takes a connection
from the pool for each command, and the pool starts afresh in a forked worker),
so this client keeps one per pool. Everything else, keys, serialisation and
options, is Django's.
"""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class SharedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = SharedClientRedisCacheClient
