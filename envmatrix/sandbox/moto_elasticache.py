"""ElastiCache fidelity for the sandbox's moto server: ``NumCacheClusters`` gives that many members.

moto 5.2 builds a cluster-mode-disabled replication group's members from ``ReplicasPerNodeGroup`` (default 0)
and ignores ``NumCacheClusters``: a group created with ``NumCacheClusters=3`` reports one member. On AWS it is a
primary and two replicas, and the live layer counts members (the matrix's node count).

moto 5.2 has no ElastiCache Serverless (``DescribeServerlessCaches`` answers 500). The sandbox's deployment has
no serverless cache, so it answers as AWS does for an account without one: the named cache is not found, the
list is empty.
"""

from __future__ import annotations

from typing import Any


def install() -> None:
    """Wrap moto's ``create_replication_group``, add ``DescribeServerlessCaches`` (in this server process only)."""
    install_serverless()
    from moto.elasticache.models import ElastiCacheBackend

    original = ElastiCacheBackend.create_replication_group
    if getattr(original, "_envmatrix", False):
        return

    def create_replication_group(self: Any, **kwargs: Any) -> Any:
        clusters = kwargs.get("num_cache_clusters")
        if clusters and not kwargs.get("replicas_per_node_group") and not kwargs.get("node_group_configuration"):
            kwargs["replicas_per_node_group"] = clusters - 1  # the same members, as moto counts them
        return original(self, **kwargs)

    create_replication_group._envmatrix = True  # type: ignore[attr-defined]
    ElastiCacheBackend.create_replication_group = create_replication_group  # type: ignore[method-assign,assignment]


def install_serverless() -> None:
    from moto.core.responses import ActionResult
    from moto.elasticache.exceptions import ElastiCacheException
    from moto.elasticache.responses import ElastiCacheResponse

    if hasattr(ElastiCacheResponse, "describe_serverless_caches"):
        return

    class ServerlessCacheNotFoundFault(ElastiCacheException):
        code = "ServerlessCacheNotFoundFault"

    def describe_serverless_caches(self: Any) -> Any:
        name = self._get_param("ServerlessCacheName")
        if name:
            raise ServerlessCacheNotFoundFault(f"Serverless cache {name} not found.")
        return ActionResult({"ServerlessCaches": []})

    ElastiCacheResponse.describe_serverless_caches = describe_serverless_caches  # type: ignore[attr-defined]
