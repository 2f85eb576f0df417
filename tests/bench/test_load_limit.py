"""bench/load.py's arithmetic: the mix's shares, its CPU limit, the search for the rate held, the sizing, and the
CPU of a tree of processes. Timing is the bench's business; these check the logic its figures come from."""

import pytest

from bench.common import ProcessStat
from bench.load_cpu import CORES, Reading, cores_busy, quiet_reasons, server_roots, tree_cpu
from bench.load_limit import first_to_saturate, mix_limit, rate_search, sizing
from bench.load_traffic import MIXES, PASSWORDS, VIEWS, kinds, mix_shares

pytestmark = pytest.mark.one_database


def test_the_pastebin_mix_is_mostly_page_views_as_issue_23_asks():
    shares = mix_shares(MIXES["pastebin"])

    assert sum(shares.values()) == pytest.approx(1.0)
    assert sum(shares[kind] for kind in VIEWS) == pytest.approx(0.85)
    assert shares["paste_form"] + shares["paste_api"] == pytest.approx(0.10)
    assert shares["contact"] == pytest.approx(0.03)
    assert [shares[kind] for kind in PASSWORDS] == pytest.approx([0.01, 0.01])


@pytest.mark.parametrize("name", sorted(MIXES))
def test_a_mix_interleaves_each_kind_in_its_share_over_every_hundred_requests(name):
    mix = MIXES[name]

    plan = kinds(mix, 300, offset=7)

    assert {kind: plan.count(kind) for kind, _ in mix} == {kind: 3 * weight for kind, weight in mix}
    assert plan[:100] != sorted(plan[:100])  # spread, not in blocks


def test_the_limit_is_the_free_cores_over_the_mix_weighted_cpu_a_request():
    costs = {"view": 0.002, "signup": 0.250}

    limit, per_request = mix_limit(costs, {"view": 0.99, "signup": 0.01}, cores=2, idle=0.1)

    assert per_request == pytest.approx(0.99 * 0.002 + 0.01 * 0.250)
    assert limit == pytest.approx(1.9 / 0.00448)


def test_a_mix_with_no_measured_cost_has_no_limit():
    with pytest.raises(ValueError, match="not measured"):
        mix_limit({"view": 0.0}, {"view": 1.0}, cores=2)


def test_the_ladder_stops_at_its_first_failing_rate_then_bisects_twice():
    asked = []

    def holds(rate):
        asked.append(rate)
        return rate <= 70

    held, tried = rate_search([20, 40, 60, 80, 100], holds)

    assert asked == [20, 40, 60, 80, 70, 75]  # 100 never tried
    assert held == 70
    assert tried[-2:] == [(70, True), (75, False)]


def test_a_system_failing_the_first_rate_has_held_nothing_and_is_not_bisected():
    held, tried = rate_search([20, 40], lambda rate: False)

    assert held is None
    assert tried == [(20, False)]


def test_sizing_shows_machines_and_each_parts_cores_at_each_factor():
    rows = sizing(held=50, cpu_per_request={"web": 0.020, "postgresql": 0.004}, cores=2, factors=(10, 100))

    assert [row["machines"] for row in rows] == [17, 167]  # ceil(10 / 0.6), ceil(100 / 0.6)
    assert rows[0]["cores"] == pytest.approx({"web": 0.020 * 500 / 0.6, "postgresql": 0.004 * 500 / 0.6})
    assert first_to_saturate({"web": 0.020, "postgresql": 0.004}) == ("web", pytest.approx(0.020 / 0.024))


def test_a_trees_cpu_counts_living_descendants_and_the_children_they_reaped_once():
    table = {  # pid: (parent, name, own CPU, CPU of its reaped children)
        10: ProcessStat(1, "postgres", 3.0, 2.0),  # its ended backends' CPU is the 2 s
        11: ProcessStat(10, "postgres", 1.0, 0.0),
        12: ProcessStat(11, "postgres", 0.5, 0.0),
        20: ProcessStat(1, "gunicorn", 7.0, 0.0),
    }

    assert tree_cpu(table, [10]) == pytest.approx(6.5)
    assert tree_cpu(table, [10, 11]) == pytest.approx(6.5)  # a root inside another tree is not counted twice
    assert tree_cpu(table, [99]) == 0.0  # ended
    assert server_roots(table, ("postgres",)) == [10]  # the postmaster, not its backends


def test_the_figures_are_refused_when_the_machine_was_loaded_before_or_shared_during_the_run():
    quiet = {"web": 1.5, "other": 0.01 * CORES}
    shared = {"web": 0.5, "other": 0.5 * CORES}

    assert quiet_reasons(0.1 * CORES, [("rate 1", quiet), ("rate 2", quiet)]) == []
    [loaded] = quiet_reasons(0.9 * CORES, [("rate 1", quiet)])
    assert "load average" in loaded
    [other] = quiet_reasons(0.1 * CORES, [("rate 1", quiet), ("rate 2", shared)])
    assert "1 of 2 measurements" in other and "rate 2" in other


def test_other_is_the_machines_busy_time_that_no_part_accounts_for():
    before = Reading(at=0.0, parts={"web": 10.0, "postgresql": 2.0}, machine=100.0)
    after = Reading(at=2.0, parts={"web": 12.0, "postgresql": 2.5}, machine=104.0)

    busy = cores_busy(before, after)

    assert busy == pytest.approx({"web": 1.0, "postgresql": 0.25, "other": 0.75})
