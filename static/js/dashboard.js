/* Dashboard charts: an enhancement over the tables, which hold the same numbers (the page works without JS). */
(function () {
  "use strict";
  function start() {
    var source = document.getElementById("dashboard-data");
    if (!source || typeof window.echarts === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    var charts = [];
    var trendBox = document.getElementById("trend-chart");
    if (trendBox && data.trend.labels.length) {
      var trend = window.echarts.init(trendBox);
      trend.setOption({
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        grid: { left: 48, right: 16, top: 36, bottom: 32 },
        xAxis: { type: "category", data: data.trend.labels },
        yAxis: { type: "value", minInterval: 1 },
        series: ["received", "closed", "solved"].map(function (key) {
          return { name: data.names[key], type: "line", smooth: true, data: data.trend[key] };
        })
      });
      charts.push(trend);
    }
    var barBox = document.getElementById("breakdown-chart");
    if (barBox && data.breakdown.labels.length) {
      var bars = window.echarts.init(barBox);
      bars.setOption({
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        legend: { top: 0 },
        grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
        xAxis: { type: "value", minInterval: 1 },
        yAxis: { type: "category", inverse: true, data: data.breakdown.labels },
        series: ["received", "closed"].map(function (key) {
          return { name: data.names[key], type: "bar", data: data.breakdown[key] };
        })
      });
      barBox.style.height = Math.max(240, 28 * data.breakdown.labels.length + 60) + "px";
      bars.resize();
      charts.push(bars);
    }
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
