"""The reports in Chromium: the dashboard draws its charts, in Chinese when the page is, and a number drills down."""

import pytest
from playwright.sync_api import expect

from tests.browser.accounts import log_in
from tests.factories.reporting import build_world

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_supervisor_sees_the_charts_in_chinese_and_drills_into_the_collected_amount(page):
    world = build_world()
    log_in(page, world.supervisor.username)
    page.get_by_label("Language").select_option("zh-hans")
    page.get_by_role("button", name="Switch").click()

    page.goto(f"/reports/collections/?portfolio={world.portfolio.pk}&since=2026-02-01&until=2026-02-28")

    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    chart = page.locator("#chart-collected_day")
    expect(chart).to_have_attribute("data-rendered", "true")
    expect(chart.locator("canvas")).to_have_count(1)
    save_title = page.evaluate(
        "echarts.getInstanceByDom(document.getElementById('chart-collected_day'))"
        ".getOption().toolbox[0].feature.saveAsImage.title"
    )
    assert save_title == "保存为图片"  # ECharts' own Chinese locale
    amount = page.locator("#kpi-collected_month td.number a").last
    shown = amount.inner_text()
    amount.click()
    expect(page.locator("#drill-amount")).to_have_text(shown)
    assert shown.replace(",", "").replace("\u00a0", "") == "1750.75"
