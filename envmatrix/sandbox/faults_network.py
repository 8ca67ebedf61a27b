"""Fault catalogue, edge and storage: security groups, load balancer listeners, WAF, S3 buckets."""

from __future__ import annotations

from envmatrix.sandbox.fault_actions import FaultTarget
from envmatrix.sandbox.faults import fault, live


@fault("production-db-port-open-to-world", "production", "database port 5432 opened to 0.0.0.0/0",
       live("NET-DATA-INGRESS", "NET-WORLD-INGRESS"), "security-group:production-taskmanager-db-sg.IpPermissions")
def _db_world(target: FaultTarget) -> None:
    target.open_to_world("db", 5432)


@fault("production-cache-port-open-to-world", "production", "cache port 6379 opened to 0.0.0.0/0",
       live("NET-DATA-INGRESS", "NET-WORLD-INGRESS"), "security-group:production-taskmanager-cache-sg.IpPermissions")
def _cache_world(target: FaultTarget) -> None:
    target.open_to_world("cache", 6379)


@fault("staging-api-port-open-to-world", "staging", "api containers' port 8000 opened to 0.0.0.0/0",
       live("NET-WORLD-INGRESS"), "security-group:staging-taskmanager-api-sg.IpPermissions")
def _api_world(target: FaultTarget) -> None:
    target.open_to_world("api", 8000)


@fault("production-http-not-redirecting", "production", "port 80 forwards plain HTTP instead of redirecting",
       live("ALB-HTTPS"), "load-balancer:production-taskmanager-alb/listener:80.DefaultActions")
def _http_forward(target: FaultTarget) -> None:
    target.client("elbv2").modify_listener(
        ListenerArn=target.listener_arn(80),
        DefaultActions=[{"Type": "forward", "TargetGroupArn": target.target_group_arn()}])


@fault("staging-https-listener-removed", "staging", "the HTTPS listener on 443 deleted",
       live("ALB-HTTPS"), "load-balancer:staging-taskmanager-alb/listener:443")
def _https_removed(target: FaultTarget) -> None:
    target.client("elbv2").delete_listener(ListenerArn=target.listener_arn(443))


@fault("production-waf-detached", "production", "WAF web ACL disassociated from the load balancer",
       live("WAF-ASSOCIATED"), "load-balancer:production-taskmanager-alb.WebACL")
def _waf_detached(target: FaultTarget) -> None:
    target.client("wafv2").disassociate_web_acl(ResourceArn=target.alb_arn())


@fault("production-backup-public-access", "production", "backup bucket public access block removed",
       live("BACKUP-BUCKET-PUBLIC-ACCESS"), "s3:production-taskmanager-backups.PublicAccessBlock")
def _public_access(target: FaultTarget) -> None:
    target.client("s3").delete_public_access_block(Bucket=target.names.backups_bucket)


@fault("production-backup-versioning-suspended", "production", "backup bucket versioning suspended",
       live("BACKUP-BUCKET"), "s3:production-taskmanager-backups.Versioning")
def _versioning(target: FaultTarget) -> None:
    target.client("s3").put_bucket_versioning(
        Bucket=target.names.backups_bucket, VersioningConfiguration={"Status": "Suspended"})


@fault("production-backup-encryption-removed", "production", "backup bucket default encryption deleted",
       live("BACKUP-BUCKET"), "s3:production-taskmanager-backups.ServerSideEncryption")
def _encryption(target: FaultTarget) -> None:
    target.client("s3").delete_bucket_encryption(Bucket=target.names.backups_bucket)


@fault("staging-worker-sg-deleted", "staging", "the worker security group deleted (no longer where it is looked for)",
       live("NET-WORLD-INGRESS"), "security-group:staging-taskmanager-worker-sg.exists")
def _worker_group_deleted(target: FaultTarget) -> None:
    target.client("ec2").delete_security_group(GroupId=target.group_id("worker"))
