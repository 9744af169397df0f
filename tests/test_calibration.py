"""The start state matches the end-2024 facts (issue #2 targets), and every number carries its source."""

import csv
import shutil

import numpy as np
import pytest

from model import ComputeMarket
from model.calibration import build_start_state
from model.datafiles import DATA_DIR, DataFileError
from model.params import Params, param_sources
from model.phases.negotiation import edge_quotes
from model.state import EXCLUSIVE, PROVIDER_KINDS


@pytest.fixture(scope="module")
def start():
    return ComputeMarket(rng=1)


def share(model, name):
    return model.metrics[f"revenue_share[{name}]"]


def test_cloud_infrastructure_shares_match_synergy_q4_2024(start):
    assert share(start, "AWS") == pytest.approx(0.30, abs=0.02)
    assert share(start, "Microsoft Azure") == pytest.approx(0.21, abs=0.02)
    assert share(start, "Google Cloud") == pytest.approx(0.12, abs=0.02)


def test_cloud_revenue_hhi_counts_other_clouds_as_many_small_firms(start):
    # 30² + 21² + 12² + 3² (Oracle) + small neoclouds; "Other clouds" (Alibaba 4%...) adds ~nothing
    assert 1450 <= start.metrics["provider_hhi_revenue"] <= 1600
    assert start.metrics["largest_provider_share_revenue"] == pytest.approx(0.30, abs=0.005)  # AWS


def test_nvidia_ships_at_least_90_percent_of_merchant_accelerators(start):
    v = start.state.vendors
    merchant = np.array([kind == 0 for kind in v.kind])
    nvidia = v.name.index("NVIDIA")
    assert v.production_h100e_per_month[nvidia] / v.production_h100e_per_month[merchant].sum() >= 0.90
    assert start.metrics["merchant_leader_share"] >= 0.90


def test_three_year_quotes_follow_the_term_structure_and_hyperscalers_list_above_neoclouds():
    """At the model's default commitment discount (0.5; the library's fitted set moves it) a 3-year term is priced at (1 - 0.5 x 36/60) / (1 - 0.5 x 12/36) = 0.7 / (5/6) = 0.84 of the going 12-month
    price: hyperscalers' $2.60 -> $2.184, Oracle's and Other clouds' $2.40 -> $2.016, the neoclouds' $2.30 ->
    $1.932 (below the $2-3 that issue #2 set for 3-year quotes: the neoclouds' 12-month price comes from 2024's
    $2.99 on-demand rate less a 1-year discount)."""
    start = ComputeMarket(rng=1, commitment_discount_max=0.5)
    s = start.state
    p, e = s.providers, s.edges
    hyperscaler = p.kind == PROVIDER_KINDS.index("hyperscaler")
    neocloud = p.kind == PROVIDER_KINDS.index("neocloud")
    assert p.list_price_usd_per_h100e_hour[hyperscaler].min() > p.list_price_usd_per_h100e_hour[neocloud].max()
    # a three-year commitment quoted to a frontier lab with options, by every cloud
    anthropic = s.labs.name.index("Anthropic")
    s.labs.contract_months[anthropic] = 36
    price, _, tradable = edge_quotes(s, start.ctx)
    mine = (e.lab == anthropic) & tradable
    assert mine.sum() >= 10
    expected = {"hyperscaler": 2.184, "neocloud": 1.932}
    for row, quote in zip(e.provider[mine], price[mine]):
        kind = PROVIDER_KINDS[p.kind[row]]
        want = 2.016 if p.name[row] in ("Oracle", "Other clouds") else expected[kind]
        assert quote == pytest.approx(want), p.name[row]
    assert 2.0 <= start.metrics["committed_price_usd_per_h100e_hour"] <= 3.0


def test_microsoft_openai_exclusivity_is_in_force(start):
    labs, providers = start.state.labs, start.state.providers
    openai = labs.name.index("OpenAI")
    assert labs.exclusivity_mode[openai] == EXCLUSIVE
    assert providers.name[labs.exclusive_provider[openai]] == "Microsoft Azure"


def test_microsoft_is_coreweaves_largest_customer_at_62_percent(start):
    frame = start.contract_table()
    coreweave = frame[(frame.seller_name == "CoreWeave") & (frame.status == "active")]
    by_buyer = coreweave.groupby("buyer_name")["value_usd_bn"].sum()
    assert by_buyer.idxmax() == "Microsoft Azure"
    row = start.state.providers.name.index("CoreWeave")
    assert start.ctx.per_agent["provider"]["largest_customer_share"][row] == pytest.approx(0.62, abs=0.02)


def test_every_data_row_and_parameter_cites_a_source_or_says_estimate():
    for path in DATA_DIR.glob("*.csv"):
        with open(path, newline="") as handle:
            for row in csv.DictReader(handle):  # market-2025.csv cites as the shared data file does
                cited = row.get("source") or (row.get("source_title", "") and row.get("source_url", ""))
                assert cited.strip(), f"{path.name}: {row}"
    for name, source in param_sources().items():
        assert source.strip(), name


def test_a_malformed_data_file_is_refused_with_file_row_field_and_value(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    text = (data / "providers.csv").read_text().replace("AWS,hyperscaler,US,450000", "AWS,hyperscaler,US,lots")
    (data / "providers.csv").write_text(text)
    with pytest.raises(DataFileError, match=r"providers.csv:2: field 'capacity_h100e' has value 'lots'"):
        build_start_state(Params(), np.random.default_rng(0), data_dir=data)


BAD_DATA_VALUES = [  # (file, field, value written into the first data row, what the message must say)
    ("providers.csv", "capacity_h100e", "nan", "has value 'nan', not a finite number"),
    ("labs.csv", "cash_usd_bn", "inf", "has value 'inf', not a finite number"),
    ("labs.csv", "demand_h100e", "-5", "has value '-5', outside its valid range 0 to inf"),
    ("providers.csv", "reliability", "1.2", "has value '1.2', outside its valid range 0 to 1"),
    ("regulators.csv", "hhi_threshold", "12000", "has value '12000', outside its valid range 0 to 10000"),
    ("vendors.csv", "production_growth_per_month", "-2", "has value '-2', outside its valid range -1 to 1"),
    ("labs.csv", "contract_months", "0", "has value '0', outside its valid range 1 to 600"),
    ("contracts.csv", "duration_months", "601", "has value '601', outside its valid range 1 to 600"),
    ("contracts.csv", "ramp_months", "2.5", "has value '2.5', not a whole number of months"),
    ("providers.csv", "useful_life_years", "0", "has value '0', outside its valid range 1 to 50"),
    ("providers.csv", "non_ai_growth_per_month", "nan", "has value 'nan', not a finite number"),
]


@pytest.mark.parametrize("name, field, value, message", BAD_DATA_VALUES, ids=lambda v: str(v)[:24])
def test_a_data_value_that_is_not_finite_or_out_of_range_is_refused_by_file_line_and_field(tmp_path, name, field,
                                                                                          value, message):
    """NaN, infinities, negative amounts, shares above 1, terms outside 1-600 months and fractional months in the
    calibration files are refused before a state is built (before, float() took them and NaN spread through the
    run)."""
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    with open(data / name, newline="") as handle:
        rows = list(csv.reader(handle))
    rows[1][rows[0].index(field)] = value
    with open(data / name, "w", newline="") as handle:
        csv.writer(handle).writerows(rows)
    with pytest.raises(DataFileError) as refused:
        build_start_state(Params(), np.random.default_rng(0), data_dir=data)
    assert str(refused.value) == f"{data / name}:2: field {field!r} {message}"


def test_a_data_row_without_source_is_refused(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    lines = (data / "regulators.csv").read_text().splitlines()
    lines[1] = lines[1][: lines[1].index(',"')] + ","
    (data / "regulators.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(DataFileError, match="field 'source' is empty"):
        build_start_state(Params(), np.random.default_rng(0), data_dir=data)


def test_a_provider_may_have_its_own_non_ai_growth_and_a_bad_one_is_refused(tmp_path):
    """AWS, Azure and Google Cloud grow their non-AI revenue at half their 2025 segment growth: 1.10, 1.20 and 1.165
    a year, i.e. 0.00797, 0.01531 and 0.01281 a month; the providers the file leaves empty get the market's rate."""
    p = build_start_state(Params(), np.random.default_rng(0)).providers
    rates = dict(zip(p.name, p.non_ai_growth_per_month))
    assert rates["AWS"] == pytest.approx(0.00797) and (1 + rates["AWS"]) ** 12 == pytest.approx(1.10, abs=1e-4)
    assert rates["Microsoft Azure"] == pytest.approx(0.01531) and rates["Google Cloud"] == pytest.approx(0.01281)
    others = [name for name in p.name if name not in ("AWS", "Microsoft Azure", "Google Cloud")]
    assert all(rates[name] == Params().non_ai_growth_per_month for name in others)
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    with open(data / "providers.csv", newline="") as handle:
        rows = list(csv.reader(handle))
    rows[1][rows[0].index("non_ai_growth_per_month")] = "fast"
    with open(data / "providers.csv", "w", newline="") as handle:
        csv.writer(handle).writerows(rows)
    with pytest.raises(DataFileError, match=r"providers.csv:2: field 'non_ai_growth_per_month' has value 'fast'"):
        build_start_state(Params(), np.random.default_rng(0), data_dir=data)


def test_the_start_is_2024s_shortage(start):
    """End 2024 the market was sold out (server lead times of 36-52 weeks, market-to-2024.csv). The start row: the
    named labs want 1.525M H100e (labs.csv) and the smaller labs 2.0M, against 3.015M installed (providers.csv), so
    demand exceeds capacity by 17%; the contracts in force use at least 95% of the fleet, what they leave unmet is
    at least the 510k H100e demand exceeds capacity by, and the vendors hold an order book."""
    m = start.metrics
    assert m["demand_h100e"] == pytest.approx(1_525_000 + 2_000_000)
    assert m["capacity_h100e"] == pytest.approx(3_015_000)
    assert m["utilisation"] >= 0.95 and m["idle_share"] <= 0.05
    assert m["unmet_demand_h100e"] >= 3_525_000 - 3_015_000
    assert m["vendor_backlog_h100e"] > 0
