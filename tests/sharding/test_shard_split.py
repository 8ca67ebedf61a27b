"""--shard's split: every selected environment in exactly one shard for any N, groups (account and region) whole
while there are as many groups as shards, no shard idle while another holds two, the same answer every time."""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from envmatrix.config import EnvConfig
from envmatrix.shard import Piece, ShardSpec, account_of, group_key, groups_of, select, split

#: group layouts: group -> its environments (promotion order is the order listed, group after group)
LAYOUTS: dict[str, dict[str, list[str]]] = {
    "one region": {"us-east-1": ["dev", "staging", "production"]},
    "tiers x regions": {region: [f"{tier}-{region}" for tier in ("dev", "staging", "production")]
                        for region in ("use1", "euw1", "apse2")},
    "uneven": {"us-east-1": [f"a{n}" for n in range(7)], "eu-west-1": ["b0", "b1"], "ap-south-1": ["c0"],
               "account 111122223333 us-east-1": ["d0", "d1", "d2"]},
    "singletons": {f"r{n}": [f"e{n}"] for n in range(5)},
    "hundred": {f"region-{n}": [f"env-{n}-{m}" for m in range(10)] for n in range(10)},
}


def _environments(layout: Mapping[str, list[str]]) -> list[str]:
    return [env for envs in layout.values() for env in envs]


def _shards(layout: Mapping[str, list[str]], count: int) -> list[tuple[str, ...]]:
    key = {env: group for group, envs in layout.items() for env in envs}
    return [select(ShardSpec(index, count, "test"), _environments(layout), key.__getitem__).environments
            for index in range(1, count + 1)]


@pytest.mark.parametrize("count", range(1, 13))
@pytest.mark.parametrize("layout", LAYOUTS)
def test_every_environment_is_in_exactly_one_shard(layout: str, count: int) -> None:
    shards = _shards(LAYOUTS[layout], count)
    placed = [env for shard in shards for env in shard]
    assert sorted(placed) == sorted(_environments(LAYOUTS[layout]))  # each once, none lost
    order = _environments(LAYOUTS[layout])
    assert all(list(shard) == sorted(shard, key=order.index) for shard in shards)  # promotion order inside


@pytest.mark.parametrize("count", range(1, 13))
@pytest.mark.parametrize("layout", LAYOUTS)
def test_the_split_is_the_same_every_time_and_in_any_input_order_of_groups(layout: str, count: int) -> None:
    first = _shards(LAYOUTS[layout], count)
    assert _shards(LAYOUTS[layout], count) == first
    reversed_groups = dict(reversed(list(LAYOUTS[layout].items())))
    assert [set(shard) for shard in _shards(reversed_groups, count)] == [set(shard) for shard in first]


@pytest.mark.parametrize(("layout", "count"), [(layout, count) for layout, groups in LAYOUTS.items()
                                                for count in range(1, len(groups) + 1)])
def test_groups_stay_whole_while_there_are_as_many_groups_as_shards(layout: str, count: int) -> None:
    groups = LAYOUTS[layout]
    where = {env: index for index, shard in enumerate(_shards(groups, count)) for env in shard}
    for envs in groups.values():
        assert len({where[env] for env in envs}) == 1, envs


@pytest.mark.parametrize("count", range(1, 13))
@pytest.mark.parametrize("layout", LAYOUTS)
def test_no_shard_idles_while_another_holds_two(layout: str, count: int) -> None:
    sizes = [len(shard) for shard in _shards(LAYOUTS[layout], count)]
    if 0 in sizes:
        assert max(sizes) <= 1, sizes


def test_more_shards_than_groups_cut_the_biggest_groups_evenly() -> None:
    groups = [Piece("us-east-1", tuple(f"e{n}" for n in range(10))), Piece("eu-west-1", ("f0", "f1"))]
    shards = split(groups, 4)
    assert [[piece.label for piece in shard] for shard in shards] == [
        ["us-east-1 part 1 of 3"], ["us-east-1 part 2 of 3"], ["us-east-1 part 3 of 3"], ["eu-west-1"]]
    assert [len(shard[0].environments) for shard in shards] == [4, 3, 3, 2]


def test_whole_groups_go_biggest_first_to_the_emptiest_shard_ties_by_name() -> None:
    groups = [Piece("b", ("b1", "b2")), Piece("a", ("a1", "a2")), Piece("c", ("c1", "c2", "c3")), Piece("d", ("d1",))]
    assert [[piece.key for piece in shard] for shard in split(groups, 2)] == [["c", "d"], ["a", "b"]]


def test_the_selection_is_the_shards_environments_with_a_header_naming_its_groups() -> None:
    layout = LAYOUTS["tiers x regions"]
    key = {env: group for group, envs in layout.items() for env in envs}
    chosen = select(ShardSpec(2, 3, "--shard 2/3"), _environments(layout), key.__getitem__)
    assert chosen.environments == ("dev-euw1", "staging-euw1", "production-euw1")
    assert chosen.header() == ("envmatrix: shard 2/3: dev-euw1, staging-euw1, production-euw1 "
                               "(accounts/regions: euw1)")


def test_a_shard_beyond_the_environments_is_empty_and_says_so() -> None:
    chosen = select(ShardSpec(5, 5, "--shard 5/5"), ["dev", "staging", "production"], lambda _env: "us-east-1")
    assert chosen.environments == ()
    assert chosen.header() == ("envmatrix: shard 5/5: no environments (3 selected environment(s) in 1 account/region "
                               "group(s) fill fewer than 5 shards): nothing to run")


@pytest.mark.parametrize(("target", "key"), [
    (EnvConfig(), "us-east-1"),
    (EnvConfig(profile="prod"), "profile prod us-east-1"),
    (EnvConfig(role_arn="arn:aws:iam::111122223333:role/envmatrix-readonly"), "account 111122223333 us-east-1"),
    (EnvConfig(profile="ci", role_arn="arn:aws:iam::111122223333:role/r"), "account 111122223333 us-east-1"),
    (EnvConfig(role_arn="not-an-arn"), "role not-an-arn us-east-1"),
])
def test_the_group_is_the_account_the_config_reads_with_and_the_region(target: EnvConfig, key: str) -> None:
    assert group_key(target, "us-east-1") == key


def test_environments_with_the_same_role_and_region_share_a_group() -> None:
    role = EnvConfig(role_arn="arn:aws:iam::111122223333:role/a")
    other = EnvConfig(role_arn="arn:aws:iam::444455556666:role/a")
    targets = {"dev": (EnvConfig(), "us-east-1"), "qa": (EnvConfig(), "us-east-1"), "staging": (role, "us-east-1"),
               "uat": (role, "us-east-1"), "production": (other, "us-east-1"), "dr": (other, "us-west-2")}
    groups = groups_of(list(targets), lambda env: group_key(*targets[env]))
    assert [(piece.key, piece.environments) for piece in groups] == [
        ("us-east-1", ("dev", "qa")), ("account 111122223333 us-east-1", ("staging", "uat")),
        ("account 444455556666 us-east-1", ("production",)), ("account 444455556666 us-west-2", ("dr",))]
    assert account_of(EnvConfig()) == ""
