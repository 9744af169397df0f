"""Deal events on the hand-built market of tests/tiny.py, both engines: mergers, acquisitions (by a provider and by
a vendor), controlling stakes and exclusivities that end. Each docstring works its numbers by hand."""

import pytest

from model import ComputeMarket, ScenarioError
from model.records import BLOCKED, ORDER_OPEN

from .test_hand_built import ENGINES, approx, regulated_market, regulated_state
from .tiny import L1, A, B, after, tiny_model, tiny_state

MERGER = {"id": "ab", "date": "2025-01", "type": "merger", "acquirer": "A", "target": "B"}


@ENGINES
def test_merged_providers_price_on_their_pooled_scarcity_and_save_the_stated_efficiency(engine):
    """Last month A turned away 100 H100e and B had 140 idle. Apart, A's price rises 0.5 x 100/1,000 = +5% to
    $2.625 and B's falls 0.5 x 140/1,000 = 7%, held to the 5% limit: $2.375. Merged, both move on the firm's
    pressure (100 - 140) / 2,000 = -0.02: -1%, $2.475 each, list 2.475 x 1.2 = $2.97. The stated efficiency of 10%
    takes both unit costs from $1.50 to $1.35/h."""
    def priced(events):
        state = tiny_state()
        state.providers.refused_h100e[A], state.providers.idle_h100e[B] = 100.0, 140.0
        model = tiny_model(state, engine=engine, events=events)
        seen = after(model, "pricing", lambda m: (m.state.providers.contract_price_usd_per_h100e_hour[:2].copy(),
                                                   m.state.providers.list_price_usd_per_h100e_hour[:2].copy(),
                                                   m.state.providers.unit_cost_usd_per_h100e_hour[:2].copy()))
        model.step()
        return model, seen[0]

    _, (apart, _, cost_apart) = priced([])
    assert list(apart) == [approx(2.625), approx(2.375)] and list(cost_apart) == [approx(1.5), approx(1.5)]
    model, (merged, listed, cost) = priced([{**MERGER, "efficiency_share": 0.1}])
    assert list(merged) == [approx(2.475), approx(2.475)]
    assert list(listed) == [approx(2.97), approx(2.97)]
    assert list(cost) == [approx(1.35), approx(1.35)]
    p = model.state.providers
    assert list(p.parent_provider) == [-1, A, -1]
    e = model.state.equity
    assert (e.investor[-1], e.investee[-1], e.share[-1], bool(e.control[-1])) == (1, 2, 1.0, True)  # node ids
    assert "A merges with B; stated efficiency 10% of unit cost" in model.event_log().event.tolist()


@ENGINES
def test_regulators_screen_the_merged_firm_as_one(engine):
    """tests/test_hand_built's reviewed deal (A -> L1, 400 H100e) on a market where A and B have merged: the firm
    holds 600 + 200 = 800 of 1,000 H100e (Other is no firm): HHI 6,400 before; after, 1,200 of 1,400:
    10^4 x 1,200^2 / 1,400^2 = 7,346.9, ΔHHI 946.9 (apart: 5,306 and +1,306). Presumed harmful; strictness 1
    blocks it. The firm HHI of contracts in force is 6,400 where the providers' HHI is 3,600 + 400 = 4,000."""
    apart = regulated_market(1.0, engine)
    events = [MERGER, *[event.model_dump(exclude_none=True) for event in apart.spec.events]]
    model = tiny_model(regulated_state(1.0), engine=engine, events=events)
    model.step()
    model.step()
    assert model.state.contracts.status[3] == BLOCKED
    assert "US review of L1–A ($0.007B): HHI after 7,347 (+947): blocked" in model.event_log().event.tolist()
    first = model.timeseries().iloc[-1]  # month 1: the blocked deal adds nothing
    assert first["provider_hhi_contracted"] == approx(4000.0)
    assert first["firm_hhi_contracted"] == approx(6400.0)


@ENGINES
def test_a_vendor_that_buys_a_provider_serves_it_first(engine):
    """A and B each have 600 H100e due; the vendor makes 1,000. After it buys B, B's order weighs 3 (the strategic
    priority) against A's 1: B's share 1,000 x 1,800 / 2,400 = 750 is above its 600, so B gets its 600 and A the
    400 left (apart: 500 each). The vendor is outside the providers' balance sheets: no provider pays."""
    state = tiny_state()
    for provider in (A, B):
        state.orders.append(provider=provider, vendor=0, quantity_h100e=600.0, remaining_h100e=600.0,
                            price_usd_per_h100e=20_000.0, placed_step=-3, ready_step=0, status=ORDER_OPEN)
    state.providers.open_orders_h100e[[A, B]] = 600.0
    model = tiny_model(state, engine=engine, events=[
        {"id": "chips-b", "date": "2025-01", "type": "acquisition", "acquirer": "Chips", "target": "B",
         "value_usd_bn": 2.0}])
    model.add_hook("before", "negotiation", lambda m: m.state.labs.cash_usd_bn.__setitem__(slice(None), 0.0))
    seen = after(model, "supply", lambda m: m.state.orders.remaining_h100e.copy())
    model.step()
    assert list(seen[0]) == [approx(200.0), approx(0.0)]
    assert model.state.vendors.captive_owner[0] == B
    assert model.state.providers.parent_provider[B] == -1  # a vendor is no firm of the compute market


@ENGINES
def test_an_acquirer_pays_from_cash_and_a_controlling_stake_takes_control(engine):
    """A buys B for $4B: A's cash 10 -> 6 after the events phase. Other takes a 60% controlling stake in A for $1B
    a month later: A and B (which A controls) both answer to Other, whose cash falls to 9."""
    model = tiny_model(engine=engine, events=[
        {"id": "a-b", "date": "2025-01", "type": "acquisition", "acquirer": "A", "target": "B", "value_usd_bn": 4.0},
        {"id": "other-a", "date": "2025-02", "type": "equity", "investor": "Other", "investee": "A",
         "value_usd_bn": 1.0, "share": 0.6, "control": True}])
    cash = after(model, "events", lambda m: m.state.providers.cash_usd_bn.copy())
    model.step()
    assert cash[0][A] == approx(6.0)
    assert list(model.state.providers.parent_provider) == [-1, A, -1]
    model.step()
    assert list(model.state.providers.parent_provider) == [2, 2, -1]
    assert model.state.equity.share[-1] == approx(0.6)


@ENGINES
def test_an_exclusivity_given_until_a_month_ends_then(engine):
    """L1 exclusive to A from 2025-01 until 2025-03: exclusive in months 0 and 1, free from month 2."""
    model = tiny_model(engine=engine, events=[
        {"id": "x", "date": "2025-01", "type": "exclusivity", "lab": "L1", "provider": "A", "mode": "exclusive",
         "until": "2025-03"}])
    modes = after(model, "events", lambda m: (int(m.state.labs.exclusivity_mode[L1]),
                                              int(m.state.labs.exclusive_provider[L1])))
    for _ in range(3):
        model.step()
    assert modes == [(2, A), (2, A), (0, -1)]


DEAL = {"id": "deal", "date": "2025-06", "type": "merger", "acquirer": "Microsoft Azure", "target": "CoreWeave"}


@pytest.mark.parametrize(("event", "message"), [
    ({**DEAL, "acquirer": "NVIDIA"}, "event 'deal': field 'acquirer' has value 'NVIDIA': a merger is of two providers"),
    ({**DEAL, "target": "Microsoft Azure"}, "field events[0] (id 'deal'): acquirer and target are both 'Microsoft "
                                            "Azure'"),
    ({**DEAL, "target": "Z"}, "event 'deal': field 'target' has value 'Z', which is not a known provider"),
    ({**DEAL, "efficiency_share": 1.0}, "field events[0] (id 'deal').efficiency_share: Input should be less than 1"),
    ({**DEAL, "type": "acquisition"}, "field events[0] (id 'deal').value_usd_bn: Field required"),
    ({**DEAL, "type": "acquisition", "acquirer": "Google TPU", "value_usd_bn": 50.0},
     "event 'deal': field 'acquirer': 'Google TPU' already serves Google Cloud first"),
    ({"id": "deal", "date": "2025-06", "type": "equity", "investor": "AWS", "investee": "Anthropic",
      "value_usd_bn": 1.0, "control": True}, "event 'deal': field 'control': the investee 'Anthropic' is not a provider"),
    ({"id": "deal", "date": "2025-06", "type": "equity", "investor": "AWS", "investee": "Anthropic",
      "value_usd_bn": 1.0, "share": 1.5}, "field events[0] (id 'deal').share: Input should be less than or equal to 1"),
    ({"id": "deal", "date": "2025-06", "type": "exclusivity", "lab": "OpenAI", "provider": "AWS", "mode": "rofr",
      "until": "2025-05"}, "field events[0] (id 'deal'): until 2025-05 is not after the date 2025-06"),
])
def test_a_bad_deal_event_is_refused_in_one_line_naming_it(tmp_path, event, message):
    path = tmp_path / "deal.toml"
    fields = "\n".join(f"{key} = {value!r}".replace("'", '"').replace("True", "true") for key, value in event.items())
    path.write_text(f'name = "d"\ndescription = "d"\nextends = "baseline"\n[[events]]\n{fields}\n')
    with pytest.raises(ScenarioError) as error:
        ComputeMarket(scenario=str(path), rng=1)
    assert message in str(error.value) and "\n" not in str(error.value)


def test_a_vendor_serves_only_one_owner_first():
    two = [{"id": f"v{t}", "date": "2025-01", "type": "acquisition", "acquirer": "Chips", "target": t,
            "value_usd_bn": 1.0} for t in ("A", "B")]
    with pytest.raises(ScenarioError, match="event 'vB': field 'acquirer': 'Chips' already serves a provider it "
                                            "bought earlier first"):
        tiny_model(events=two)
