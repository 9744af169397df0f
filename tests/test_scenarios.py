"""The scenario library: the AWS-OpenAI replay and its counterfactual, outages, overcapacity, regulation."""


import numpy as np
import pandas as pd
import pytest

from model import ComputeMarket, ScenarioError, kernels, load_scenario, scenario_names
from model.events import contract_terms
from model.records import TERMINATED
from model.scenario import SCENARIO_DIR
from model.state import PROVIDER_KINDS

from .conftest import run

DEAL = "openai-aws-2025-11"


@pytest.fixture(scope="module")
def replay():
    return run(24, scenario="aws-openai-2025", rng=4)


@pytest.fixture(scope="module")
def without_aws():
    return run(24, scenario=load_scenario("aws-openai-2025").without(DEAL), rng=4)


def openai_supply(model, provider):
    table = model.supply_table()
    rows = table[(table.lab_name == "OpenAI") & (table.provider_name == provider)]
    return rows.set_index("date")[["contracted_h100e", "scheduled_h100e", "delivered_h100e"]]


def at(model, column, date):
    series = model.timeseries()
    return float(series.loc[series["date"] == date, column].iloc[0])


def test_the_aws_deal_comes_out_as_announced():
    event = next(e for e in load_scenario("aws-openai-2025").events if e.id == DEAL)
    quantity, price, value = contract_terms(event, ComputeMarket(rng=0).params.h100e_per_gw)
    assert value == pytest.approx(38.0)
    assert event.duration_months == 84 and event.date == "2025-11"
    # linear ramp from 2025-11: full quantity in its 14th month, 2026-12, not before
    assert kernels.ramp_share(13, event.ramp_months) == 1.0 and kernels.ramp_share(12, event.ramp_months) < 1.0
    assert quantity * price * 730 * kernels.scheduled_months(84, event.ramp_months) / 1e9 == pytest.approx(38.0)


def test_replay_aws_supplies_openai_from_2025_11_reaching_the_deal_by_2026_12(replay):
    deal = replay.contract_table().query("event_id == @DEAL").iloc[0]
    assert deal.status == "active" and deal.start_month == "2025-11" and deal.end_month == "2032-11"
    assert deal.value_usd_bn == pytest.approx(38.0)
    supply = openai_supply(replay, "AWS")
    before = supply[supply.index < "2025-11"]
    assert (before.to_numpy() == 0).all()
    assert supply.loc["2025-11", "scheduled_h100e"] == pytest.approx(deal.quantity_h100e / 14)
    # by 2026-12 the deal is at its full quantity; OpenAI may also have negotiated more from AWS since 2026-01
    negotiated = replay.contract_table().query("seller_name == 'AWS' and buyer_name == 'OpenAI' and event_id != @DEAL")
    assert (negotiated.origin == "negotiated").all() and (negotiated.proposed_month >= "2026-01").all()
    assert supply.loc["2026-12", "scheduled_h100e"] >= deal.quantity_h100e * (1 - 1e-9)
    assert supply.loc["2026-12", "delivered_h100e"] > 0


def test_without_the_deal_aws_supplies_openai_only_what_they_negotiate_and_openai_gets_less(replay, without_aws):
    """Through 2025 OpenAI keeps to its scripted history, so without the deal AWS supplies it nothing; from 2026 it
    negotiates, and AWS may win some of its demand, but less than the $38B deal delivered, and the other providers
    do not make up all of the difference."""
    aws_without = openai_supply(without_aws, "AWS")
    assert (aws_without[aws_without.index <= "2025-12"].to_numpy() == 0).all()
    c = without_aws.contract_table()
    from_aws = c[(c.seller_name == "AWS") & (c.buyer_name == "OpenAI")]
    assert set(from_aws.origin) <= {"negotiated"} and (from_aws.proposed_month >= "2026-01").all()
    aws_with = openai_supply(replay, "AWS")["delivered_h100e"]
    assert aws_without["delivered_h100e"].get("2026-12", 0.0) < aws_with["2026-12"]
    total = [float(t[(t.name == "OpenAI") & (t.date == "2026-12")]["delivered_h100e"].iloc[0])
             for t in (replay.agent_table(), without_aws.agent_table())]
    assert total[1] < total[0]


def test_openai_supplier_hhi_falls_through_2025(replay):
    hhi = replay.timeseries().set_index("date")["supplier_hhi[OpenAI]"]
    assert hhi["2024-12"] == pytest.approx(10_000)
    assert hhi["2025-12"] < hhi["2025-06"] < hhi["2025-03"] < 10_000
    assert (hhi["2025-01":"2025-12"].diff().dropna() <= 1e-9).mean() >= 0.75  # mostly month on month


def test_aws_backlog_jumps_by_the_deal_value_and_the_deal_crowds_out_other_buyers(replay, without_aws):
    """The deal adds its $38B to AWS's backlog in 2025-11. Without it, AWS sells part of the capacity the deal took
    to other labs that month, so the backlog gap between the two runs is smaller than the deal (crowding out)."""
    jump = at(replay, "backlog_usd_bn[AWS]", "2025-11") - at(replay, "backlog_usd_bn[AWS]", "2025-10")
    gap = at(replay, "backlog_usd_bn[AWS]", "2025-11") - at(without_aws, "backlog_usd_bn[AWS]", "2025-11")
    assert 0.9 * 38 <= jump <= 1.1 * 38
    assert 0.5 * 38 <= gap < 38

    def sold_to_others(model):
        c = model.contract_table()
        return c[(c.seller_name == "AWS") & (c.proposed_month == "2025-11") & (c.buyer_name != "OpenAI")].value_usd_bn.sum()
    assert sold_to_others(without_aws) > sold_to_others(replay)


def months_until(model, date):
    while model.date < date:
        model.step()
    return model


def test_outage_hits_labs_in_proportion_to_their_dependency():
    before = months_until(ComputeMarket(scenario="aws-openai-2025", rng=2), "2026-05")
    at_risk = before.ctx.per_agent["provider"]["compute_at_risk_share"]
    clouds = before.state.providers.kind != PROVIDER_KINDS.index("self_builder")  # Meta's own fleet serves only Meta
    assert before.state.providers.name[int(np.argmax(np.where(clouds, at_risk, -1.0)))] == "Microsoft Azure"
    normal = months_until(ComputeMarket(scenario="aws-openai-2025", rng=2), "2026-06")
    outage = months_until(ComputeMarket(scenario="concentration-risk", rng=2), "2026-06")
    c = normal.state.contracts
    azure = normal.state.providers.name.index("Microsoft Azure")
    to_lab = c.buyer_lab >= 0
    delivered = np.bincount(c.buyer_lab[to_lab], weights=c.this_month_h100e[to_lab], minlength=len(normal.state.labs))
    from_azure = np.bincount(c.buyer_lab[to_lab & (c.seller == azure)],
                             weights=c.this_month_h100e[to_lab & (c.seller == azure)], minlength=len(delivered))
    lost = delivered - outage.state.labs.delivered_h100e
    has = delivered > 0
    dependency = from_azure[has] / delivered[has]
    loss_share = lost[has] / delivered[has]
    dependent = dependency > 0
    assert dependent.sum() >= 3 and (~dependent).sum() >= 1
    ratio = loss_share[dependent] / dependency[dependent]
    assert (ratio > 0.2).all() and np.allclose(ratio, ratio[0], rtol=1e-6)  # one cut, shared pro rata
    assert np.allclose(loss_share[~dependent], 0.0, atol=1e-9)


def test_overcapacity_raises_idle_capacity_and_losses_and_breaches_only_those_who_cannot_pay():
    """OpenAI's revenue halves in 2027-01; its cash (the 2025 rounds) carries it for years, so the whole horizon is
    run: it breaches before 2031, its contracts end, their sellers lose what those contracts had left to run, and the
    capacity they held stands idle. (Total provider profit need not fall: in a market short of capacity the
    sellers resell at the going price what OpenAI had bought at its scripted $1.50-1.60/h.)"""
    reference = run(72, scenario="aws-openai-2025", rng=3)
    shocked = run(72, scenario="overcapacity", rng=3)
    late = slice(25, None)  # after the 2027-01 shortfall
    assert shocked.timeseries()["idle_share"].iloc[late].max() > reference.timeseries()["idle_share"].iloc[late].max() + 0.05
    openai = shocked.state.labs.name.index("OpenAI")
    c = shocked.state.contracts
    sellers = np.unique(c.seller[(c.buyer_lab == openai) & (c.status == TERMINATED)])
    sellers = sellers[~shocked.state.providers.defaulted[sellers]]  # a failed seller's contracts ended with it
    stranded = shocked.state.providers.stranded_usd_bn - reference.state.providers.stranded_usd_bn
    assert sellers.size > 0 and (stranded[sellers] > 1.0).all()  # each of OpenAI's sellers loses over $1B
    assert shocked.state.breaches > reference.state.breaches
    assert shocked.agent("OpenAI").defaulted and not reference.agent("OpenAI").defaulted
    labs = shocked.agent_table().query("kind == 'lab'")
    window = shocked.params.breach_after_months
    for name, history in labs.groupby("name"):
        history = history.sort_values("month_index")
        short = history["bills_usd_bn"] > history["spend_usd_bn"] + 1e-12
        if history["defaulted"].iloc[-1]:
            first = history.index[history["defaulted"]][0]
            before = short.loc[:first].iloc[-window:]
            assert before.all(), name  # unpaid bills every month before the breach
        else:
            assert short.rolling(window).sum().max() < window, name


def test_regulator_strict_blocks_deals_the_default_rules_approve():
    default = run(6, rng=8)
    strict = run(6, scenario="regulator-strict", rng=8)
    a, b = default.contract_table(), strict.contract_table()
    first_strict = b[b.proposed_month == "2025-01"].set_index("contract_id")
    first_default = a[a.proposed_month == "2025-01"].set_index("contract_id")
    # the first month's proposals are the same deals in both runs
    assert (first_default[["seller", "buyer_lab"]].to_numpy() == first_strict[["seller", "buyer_lab"]].to_numpy()).all()
    blocked_strict = set(first_strict.index[first_strict.status == "blocked"])
    blocked_default = set(first_default.index[first_default.status == "blocked"])
    assert blocked_default <= blocked_strict  # whatever the default rules block, the strict ones block too
    assert len(blocked_strict) > len(blocked_default)  # and more: deals the default rules approve


@pytest.mark.parametrize("name", scenario_names())
def test_every_scenario_runs_12_months_alike_on_both_engines(name):
    fast, slow = run(12, scenario=name, rng=5), run(12, scenario=name, rng=5, engine="agents")
    pd.testing.assert_frame_equal(fast.timeseries(), slow.timeseries(), rtol=1e-9, atol=1e-9)
    pd.testing.assert_frame_equal(fast.contract_table(), slow.contract_table(), rtol=1e-9, atol=1e-9)


def broken_copy(tmp_path, old, new):
    path = tmp_path / "broken.toml"
    text = (SCENARIO_DIR / "aws-openai-2025.toml").read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    return path


@pytest.mark.parametrize(("old", "new", "message"), [
    ("value_usd_bn = 38\n", 'value_usd_bn = "lots"\n',
     r"broken.toml: field events\[\d+\] \(id 'openai-aws-2025-11'\).value_usd_bn: .*number.*\(value: 'lots'\)"),
    ('type = "outage"', 'type = "earthquake"', None),
    ("duration_months = 84\nramp_months = 14", "duration_months = 84\nramp_months = 140",
     r"field events\[\d+\] \(id 'openai-aws-2025-11'\): ramp_months must not exceed duration_months"),
    ('date = "2025-11"\ntype = "contract"\nseller = "AWS"', 'date = "2025-13"\ntype = "contract"\nseller = "AWS"',
     r"field events\[\d+\] \(id 'openai-aws-2025-11'\).date: .*month 13.*\(value: '2025-13'\)"),
    ("review_scripted_contracts = false", "review_scripted_contracts = 3",
     r"field parameters: parameter 'review_scripted_contracts' must be bool, got 3"),
    # issue #12: numbers that are not finite, values outside a parameter's range, events past the horizon
    ("value_usd_bn = 38\n", "value_usd_bn = nan\n",
     r"field events\[\d+\] \(id 'openai-aws-2025-11'\).value_usd_bn: .*finite.*\(value: nan\)"),
    ("value_usd_bn = 38\n", "value_usd_bn = inf\n", r"value_usd_bn: .*finite.*\(value: inf\)"),
    ('history_until = "2025-12"', 'history_until = "2025-12"\nlogit_temperature = 0',
     r"field parameters: parameter 'logit_temperature' must be above 0, got 0.0"),
    ('history_until = "2025-12"', 'history_until = "2025-12"\ndemand_noise_sd = nan',
     r"parameter 'demand_noise_sd' must be a finite number, got nan"),
    ('date = "2025-11"\ntype = "contract"\nseller = "AWS"', 'date = "2031-01"\ntype = "contract"\nseller = "AWS"',
     r"event 'openai-aws-2025-11' is dated 2031-01, after the scenario's horizon \(72 months from 2025-01\)"),
])
def test_a_malformed_scenario_file_is_refused_naming_file_field_and_value(tmp_path, old, new, message):
    if message is None:  # the outage type only exists in concentration-risk: test an unknown type there
        path = tmp_path / "broken.toml"
        path.write_text((SCENARIO_DIR / "concentration-risk.toml").read_text().replace(old, new))
        message = r"broken.toml: field events\[\d+\] \(id 'azure-outage-2026-06'\).*'earthquake'"
    else:
        path = broken_copy(tmp_path, old, new)
    with pytest.raises(ScenarioError, match=message):
        load_scenario(path)


@pytest.mark.parametrize(("line", "message"), [
    ("contract_months = 36.5", r"start.labs.OpenAI: field 'contract_months' has value 36.5, which is not a whole"),
    ("cash_usd_bn = nan", r"start.labs.OpenAI.cash_usd_bn: .*finite"),
    ("defaulted = 2", r"start.labs.OpenAI: field 'defaulted' has value 2.0 \(a yes/no field: 0 or 1\)"),
])
def test_a_start_override_must_be_a_finite_number_of_the_fields_kind(tmp_path, line, message):
    path = tmp_path / "start.toml"
    path.write_text(f'name = "start"\ndescription = "d"\nsteps = 3\n[start.labs.OpenAI]\n{line}\n')
    with pytest.raises(ScenarioError, match=message):
        ComputeMarket(scenario=str(path), rng=1)


def test_a_start_override_may_be_negative_where_the_field_may_be(tmp_path):
    """A shrinking lab (demand -2 % a month, revenue -100 % at the floor of the data files' -1..1 range) is a start a
    stress test needs; a growth rate below -100 % a month is not (negative cash: tests/test_bad_input.py)."""
    path = tmp_path / "start.toml"
    path.write_text('name = "start"\ndescription = "d"\nsteps = 3\n[start.labs.OpenAI]\n'
                    'demand_growth_per_month = -0.02\nrevenue_growth_per_month = -1\n')
    model = ComputeMarket(scenario=str(path), rng=1)
    row = model.state.labs.name.index("OpenAI")
    assert model.state.labs.demand_growth_per_month[row] == -0.02
    assert model.state.labs.revenue_growth_per_month[row] == -1.0
    path.write_text('name = "start"\ndescription = "d"\nsteps = 3\n[start.labs.OpenAI]\n'
                    'demand_growth_per_month = -1.5\n')
    with pytest.raises(ScenarioError, match=r"'demand_growth_per_month' has value -1.5, outside its valid range -1 to 1"):
        ComputeMarket(scenario=str(path), rng=1)


def test_unknown_agent_in_a_scenario_is_refused_when_the_model_is_built(tmp_path):
    path = broken_copy(tmp_path, 'seller = "AWS"', 'seller = "Amazing Cloud"')
    with pytest.raises(ScenarioError, match=r"event 'openai-aws-2025-11': field 'seller' has value 'Amazing Cloud'"):
        ComputeMarket(scenario=str(path), rng=1)


def test_without_drops_one_event_and_refuses_unknown_ones():
    spec = load_scenario("aws-openai-2025")
    assert DEAL not in {e.id for e in spec.without(DEAL).events}
    assert len(spec.without(DEAL).events) == len(spec.events) - 1
    with pytest.raises(ScenarioError, match="has no event 'nope'"):
        spec.without("nope")


def test_extends_merges_the_base_scenario(tmp_path):
    risk = load_scenario("concentration-risk")
    base = load_scenario("aws-openai-2025")
    assert [e.id for e in risk.events][: len(base.events)] == [e.id for e in base.events]
    assert risk.parameters["review_scripted_contracts"] is False
    (tmp_path / "base.toml").write_text('name = "base"\ndescription = "b"\n[start.labs.OpenAI]\n'
                                        'revenue_growth_per_month = 0.06\n')
    (tmp_path / "child.toml").write_text(f'name = "child"\ndescription = "c"\nextends = "{tmp_path / "base.toml"}"\n')
    assert load_scenario(tmp_path / "child.toml").start["labs"]["OpenAI"]["revenue_growth_per_month"] == 0.06


def test_extends_reaches_only_the_library_and_the_files_own_folder(tmp_path):
    """Issue #12: `extends` names a library scenario or a file beside (or below) the one that names it."""
    folder = tmp_path / "mine"
    folder.mkdir()
    (tmp_path / "outside.toml").write_text('name = "o"\ndescription = "o"\n')
    for reach in ("../outside.toml", str(tmp_path / "outside.toml"), "/etc/passwd", "nowhere.toml"):
        (folder / "child.toml").write_text(f'name = "c"\ndescription = "c"\nextends = "{reach}"\n')
        with pytest.raises(ScenarioError, match=r"field extends: .* is neither a library scenario nor a file in"):
            load_scenario(folder / "child.toml")


def test_start_overrides_set_named_agents_values(tmp_path):
    (tmp_path / "s.toml").write_text('name = "s"\ndescription = "s"\n[start.labs.OpenAI]\n'
                                     'revenue_growth_per_month = 0.06\n')
    model = ComputeMarket(scenario=tmp_path / "s.toml", rng=1)
    assert model.agent("OpenAI").revenue_growth_per_month == 0.06
