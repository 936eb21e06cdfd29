// Draw each report's chart from the JSON beside it with Apache ECharts, in the page's language.
(function () {
  "use strict";
  if (typeof echarts === "undefined") {
    return;
  }
  var locale = (document.documentElement.lang || "en").toLowerCase().indexOf("zh") === 0 ? "ZH" : "EN";

  function option(data) {
    if (data.kind === "pie" || data.kind === "funnel") {
      var first = data.series[0];
      return {
        tooltip: { trigger: "item" },
        legend: { type: "scroll", bottom: 0 },
        series: [{
          name: first.name,
          type: data.kind,
          radius: data.kind === "pie" ? ["35%", "65%"] : undefined,
          data: data.categories.map(function (name, index) { return { name: name, value: first.data[index] }; }),
        }],
      };
    }
    return {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 60, right: 20, top: 30, bottom: 30 },
      toolbox: { feature: { saveAsImage: {}, dataZoom: {} } },
      xAxis: { type: "category", data: data.categories },
      yAxis: { type: "value" },
      series: data.series.map(function (series) {
        return { name: series.name, type: data.kind === "line" ? "line" : "bar", data: series.data };
      }),
    };
  }

  document.querySelectorAll("[data-chart]").forEach(function (element) {
    var source = document.getElementById(element.dataset.chart);
    if (!source) {
      return;
    }
    var chart = echarts.init(element, null, { locale: locale });
    chart.setOption(option(JSON.parse(source.textContent)));
    element.dataset.rendered = "true";
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
