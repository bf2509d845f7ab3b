"""The consumption chart: valid SVG, one bar per month with data, heights in proportion."""

import xml.etree.ElementTree as ET
from decimal import Decimal

from django.utils import translation

from kabinet.billing.charts import PALETTE, consumption_chart, format_volume, nice_ceiling

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg):
    return ET.fromstring(str(svg))  # noqa: S314 - our own output, not untrusted input


def bars(root):
    return [el for el in root.iter(f"{SVG}rect") if el.get("class") == "bar"]


def test_valid_svg_with_title_desc_and_one_bar_per_month_with_data():
    series: dict[int, list[Decimal | None]] = {
        2024: [Decimal(10)] * 12,
        2025: [
            Decimal(20),
            Decimal(40),
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
            None,
        ],
    }
    root = parse(consumption_chart(series, unit="m³", chart_id="c", described_by="stats"))
    assert root.get("role") == "img"
    assert root.get("viewBox") and root.get("width") == "100%"
    assert root.get("aria-describedby") == "stats"
    assert root.find(f"{SVG}title").text
    assert root.find(f"{SVG}desc").text
    found = bars(root)
    assert len(found) == 14
    assert {bar.get("fill") for bar in found} == set(PALETTE[:2])
    legend = [el for el in root.iter(f"{SVG}g") if el.get("class") == "legend"]
    assert [g.find(f"{SVG}text").text for g in legend] == ["2024", "2025"]
    assert all(bar.find(f"{SVG}title").text for bar in found)


def test_heights_are_proportional_to_the_values():
    series = {2025: [Decimal(10), Decimal(20), Decimal("35.5")] + [None] * 9}
    found = bars(parse(consumption_chart(series, unit="kWh", chart_id="c")))
    heights = [float(bar.get("height")) for bar in found]
    assert heights[1] == 2 * heights[0]
    assert abs(heights[2] / heights[0] - 3.55) < 0.01


def test_at_most_three_years_are_compared():
    series = {year: [Decimal(1)] * 12 for year in (2021, 2022, 2023, 2024)}
    root = parse(consumption_chart(series, unit="m³", chart_id="c"))
    assert {bar.get("data-year") for bar in bars(root)} == {"2022", "2023", "2024"}


def test_no_data_gives_no_chart():
    assert consumption_chart({}, unit="m³", chart_id="c") is None
    assert consumption_chart({2025: [None] * 12}, unit="m³", chart_id="c") is None


def test_all_zero_months_still_draw_a_valid_chart():
    root = parse(consumption_chart({2025: [Decimal(0)] * 12}, unit="m³", chart_id="c"))
    assert len(bars(root)) == 12


def test_text_is_escaped():
    root = parse(consumption_chart({2025: [Decimal(1)] * 12}, unit="<m&3>", chart_id="c"))
    assert any("<m&3>" in (el.text or "") for el in root.iter(f"{SVG}text"))


def test_nice_ceiling():
    assert nice_ceiling(Decimal(0)) == 1
    assert nice_ceiling(Decimal(7)) == 10
    assert nice_ceiling(Decimal(180)) == 200
    assert nice_ceiling(Decimal(230)) == 250
    assert nice_ceiling(Decimal("0.4")) == Decimal("0.5")


def test_volumes_drop_trailing_zeros_in_the_active_language():
    with translation.override("uk"):
        assert format_volume(Decimal("1234.500")) == "1\xa0234,5"
        assert format_volume(Decimal("100.000")) == "100"
    with translation.override("en"):
        assert format_volume(Decimal("0.125")) == "0.125"
