"""Fault catalogue, edge and storage: security groups, load balancer listeners, WAF, S3 buckets."""

from __future__ import annotations

from typing import Any

from tests.faults.actions import FaultTarget
from tests.faults.registry import conforming, drift, fault, live

#: Terraform's name_prefix suffix: an 18-digit UTC timestamp and an 8-hex-digit counter.
TERRAFORM_SUFFIX = "20261125101530123400000001"


@fault("production-db-port-open-to-world", "production", "database port 5432 opened to 0.0.0.0/0",
       live("NET-DATA-INGRESS", "NET-WORLD-INGRESS", "DB-ACCESS-SOURCES"),
       "security-group:production-taskmanager-db-sg.IpPermissions")
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
       live("ALB-HTTPS", "ALB-TLS-POLICY"), "load-balancer:staging-taskmanager-alb/listener:443")
def _https_removed(target: FaultTarget) -> None:
    target.client("elbv2").delete_listener(ListenerArn=target.listener_arn(443))


@fault("production-waf-detached", "production", "WAF web ACL disassociated from the load balancer",
       live("WAF-ASSOCIATED", "ACCESS-ADMIN-PATHS") | drift("DRIFT-ACCESS"),
       "load-balancer:production-taskmanager-alb.WebACL")
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
       live("NET-WORLD-INGRESS", "DB-ACCESS-SOURCES"), "security-group:staging-taskmanager-worker-sg.exists")
def _worker_group_deleted(target: FaultTarget) -> None:
    target.client("ec2").delete_security_group(GroupId=target.group_id("worker"))


@fault("production-http-rule-forwards", "production", "a rule on port 80 forwards /api/* (default redirects)",
       live("ALB-HTTPS"), "load-balancer:production-taskmanager-alb/listener:80/rule:10.Actions")
def _http_rule_forwards(target: FaultTarget) -> None:
    target.client("elbv2").create_rule(
        ListenerArn=target.listener_arn(80), Priority=10,
        Conditions=[{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/api/*"]}}],
        Actions=[{"Type": "forward", "TargetGroupArn": target.target_group_arn()}])


@fault("staging-tls-policy-old", "staging", "the HTTPS listener moved to ELBSecurityPolicy-2016-08 (TLS 1.0)",
       live("ALB-TLS-POLICY"), "load-balancer:staging-taskmanager-alb/listener:443.SslPolicy")
def _tls_policy_old(target: FaultTarget) -> None:
    target.client("elbv2").modify_listener(ListenerArn=target.listener_arn(443), SslPolicy="ELBSecurityPolicy-2016-08")


@conforming("staging-security-group-name-prefix", "staging",
            "the worker security group made with Terraform's name_prefix (name + a 26-character unique suffix)")
def _group_name_prefix(target: FaultTarget) -> None:
    ec2 = target.client("ec2")
    old = ec2.describe_security_groups(GroupIds=[target.group_id("worker")])["SecurityGroups"][0]
    name = f"{target.names.security_group('worker')}-{TERRAFORM_SUFFIX}"
    tags = [{"ResourceType": "security-group", "Tags": old.get("Tags", [])}]
    new = ec2.create_security_group(GroupName=name, Description=old["Description"], VpcId=old["VpcId"],
                                    TagSpecifications=tags)["GroupId"]
    # as Terraform's create_before_destroy does: the rules naming the old group move to the new one first (AWS
    # refuses to delete a group another group's rule still references: DependencyViolation)
    groups = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [old["VpcId"]]}])["SecurityGroups"]
    for group in groups:
        for rule in group.get("IpPermissions", []):
            if any(pair.get("GroupId") == old["GroupId"] for pair in rule.get("UserIdGroupPairs", [])):
                ports = {key: rule[key] for key in ("IpProtocol", "FromPort", "ToPort") if key in rule}
                ec2.revoke_security_group_ingress(GroupId=group["GroupId"], IpPermissions=[
                    {**ports, "UserIdGroupPairs": [{"GroupId": old["GroupId"]}]}])
                ec2.authorize_security_group_ingress(GroupId=group["GroupId"], IpPermissions=[
                    {**ports, "UserIdGroupPairs": [{"GroupId": new}]}])
    ec2.delete_security_group(GroupId=old["GroupId"])


@conforming("production-vpc-secondary-cidr", "production",
            "a secondary VPC CIDR with a subnet of its own, from which the cache admits traffic by CIDR and the "
            "database through the application's group")
def _secondary_cidr(target: FaultTarget) -> None:
    ec2 = target.client("ec2")
    vpc: dict[str, Any] = ec2.describe_vpcs(
        Filters=[{"Name": "tag:Name", "Values": [target.names.vpc]}])["Vpcs"][0]
    ec2.associate_vpc_cidr_block(VpcId=vpc["VpcId"], CidrBlock="100.64.0.0/16")
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])["Subnets"]
    tags = [tag for tag in vpc.get("Tags", []) if tag["Key"] != "Name"]
    ec2.create_subnet(VpcId=vpc["VpcId"], CidrBlock="100.64.1.0/24", AvailabilityZone=subnets[0]["AvailabilityZone"],
                      TagSpecifications=[{"ResourceType": "subnet", "Tags": tags}])
    # NET-DATA-INGRESS takes every CIDR of the VPC as inside: the cache admits the new subnet by CIDR. The database
    # does not: the document lets its admins in only through the bastion, so a subnet's hosts reach it through the
    # application's group (DB-ACCESS-SOURCES reds any CIDR the spec's allowed_cidrs does not list)
    ec2.authorize_security_group_ingress(GroupId=target.group_id("cache"), IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 6379, "ToPort": 6379, "IpRanges": [{"CidrIp": "100.64.1.0/24"}]}])


@conforming("production-listener-untagged", "production",
            "the load balancer's listeners carry no tags (sub-resources; tag rules do not ask for them)")
def _listener_untagged(target: FaultTarget) -> None:
    arns = [target.listener_arn(port) for port in (80, 443)]
    target.client("elbv2").remove_tags(ResourceArns=arns, TagKeys=["Environment", "Project"])


@fault("staging-admin-rule-count-mode", "staging", "the WAF rule on the admin paths set to Count (blocks nothing)",
       live("ACCESS-ADMIN-PATHS") | drift("DRIFT-ACCESS"), "waf:staging-taskmanager-waf.AdminRule")
def _admin_rule_count(target: FaultTarget) -> None:
    wafv2 = target.client("wafv2")
    acl_arn = wafv2.get_web_acl_for_resource(ResourceArn=target.alb_arn())["WebACL"]["ARN"]
    name, ident = acl_arn.rsplit("/", 2)[-2:]
    answer = wafv2.get_web_acl(Name=name, Scope="REGIONAL", Id=ident)
    acl = answer["WebACL"]
    rules = [{**rule, "Action": {"Count": {}}} if "Action" in rule and rule["Name"] == "admin-paths" else rule
             for rule in acl["Rules"]]
    wafv2.update_web_acl(Name=name, Scope="REGIONAL", Id=ident, DefaultAction=acl["DefaultAction"], Rules=rules,
                         VisibilityConfig=acl["VisibilityConfig"], LockToken=answer["LockToken"])


@fault("production-waf-moved-to-cloudfront", "production",
       "the WAF moved off the load balancer onto a CloudFront distribution in front of it (not what the spec allows)",
       live("WAF-ASSOCIATED", "ACCESS-ADMIN-PATHS") | drift("DRIFT-ACCESS"),
       "load-balancer:production-taskmanager-alb.WebACL")
def _waf_on_cloudfront(target: FaultTarget) -> None:
    """The same rules in a CLOUDFRONT-scope web ACL (us-east-1) on an enabled distribution whose origin is the load
    balancer; the spec's security.waf_cloudfront is false (the document puts the WAF on the load balancer), so it
    must not count: the load balancer has no WAF."""
    regional = target.client("wafv2")
    arn = target.alb_arn()
    acl = regional.get_web_acl_for_resource(ResourceArn=arn)["WebACL"]
    regional.disassociate_web_acl(ResourceArn=arn)
    created = target.client("wafv2", "us-east-1").create_web_acl(
        Name=acl["Name"], Scope="CLOUDFRONT", DefaultAction=acl["DefaultAction"], Rules=acl.get("Rules", []),
        VisibilityConfig=acl["VisibilityConfig"])["Summary"]
    dns_name = target.client("elbv2").describe_load_balancers(LoadBalancerArns=[arn])["LoadBalancers"][0]["DNSName"]
    target.client("cloudfront").create_distribution(DistributionConfig={
        "CallerReference": f"{target.env}-edge", "Comment": "", "Enabled": True, "WebACLId": created["ARN"],
        "Origins": {"Quantity": 1, "Items": [{"Id": "alb", "DomainName": dns_name, "CustomOriginConfig": {
            "HTTPPort": 80, "HTTPSPort": 443, "OriginProtocolPolicy": "https-only"}}]},
        "DefaultCacheBehavior": {"TargetOriginId": "alb", "ViewerProtocolPolicy": "redirect-to-https",
                                 "CachePolicyId": "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"}})
