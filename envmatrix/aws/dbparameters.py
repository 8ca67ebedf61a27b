"""DB parameters: the documented audit parameters' values in the primary instance's DB parameter group."""

from __future__ import annotations

from typing import Any

from envmatrix.aws.rds import RdsInventory
from envmatrix.aws.reading import or_none, reading
from envmatrix.aws.section import Section
from envmatrix.aws.target import AwsTarget, Model

MISSING = ("DBParameterGroupNotFound", "DBParameterGroupNotFoundFault")


class DbParameter(Model):
    value: str | None  # None: the parameter has no value set (RDS omits ParameterValue)
    source: str  # user, engine-default, system


class DbParametersInventory(Model):
    #: the primary's parameter group; None where none was read (not wanted, or no primary)
    group: str | None
    #: the wanted parameters found in the group, by name (a wanted one absent from the family is absent here)
    parameters: dict[str, DbParameter]
    #: False: the group the instance names does not exist
    group_found: bool = True


def fetch(target: AwsTarget, rds: RdsInventory) -> DbParametersInventory:
    """Every page of the group (AWS has no server-side filter by name), keeping only the wanted parameters."""
    wanted, db = set(target.wants.db_parameters), rds.primary
    if not wanted or db is None or db.parameter_group is None:
        return DbParametersInventory(group=None, parameters={})
    group, client = db.parameter_group, target.clients.client("rds")

    def pages() -> list[dict[str, Any]]:
        return list(client.get_paginator("describe_db_parameters").paginate(DBParameterGroupName=group))

    with reading(target.env, f"RDS DB parameter group {group}"):
        answer = or_none(pages, *MISSING)
    if answer is None:
        return DbParametersInventory(group=group, parameters={}, group_found=False)
    found = {str(raw["ParameterName"]): DbParameter(value=raw.get("ParameterValue"), source=str(raw.get("Source", "")))
             for page in answer for raw in page.get("Parameters", [])
             if raw.get("ParameterName") in wanted}
    return DbParametersInventory(group=group, parameters=found)


#: the documented audit parameters of the primary's DB parameter group
SECTION = Section("db_parameters", fetch, DbParametersInventory, services=("rds",), after="rds", operations=(
    ("rds", "DescribeDBParameters"),
))
