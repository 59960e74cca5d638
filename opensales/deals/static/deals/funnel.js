// The home page's pipeline funnel (ECharts): data from the JSON endpoint named by data-url.
(function () {
  "use strict";
  function draw(el) {
    fetch(el.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((r) => r.json())
      .then((data) => {
        if (!window.echarts) return;
        const chart = window.echarts.init(el);
        chart.setOption({
          tooltip: { trigger: "item", formatter: "{b}: {c}" },
          series: [{
            type: "funnel", sort: "none", left: "5%", width: "90%", minSize: "20%",
            label: { show: true, position: "inside", formatter: "{b} {c}" },
            data: data.stages.map((s) => ({ name: s.name, value: s.count })),
          }],
        });
        window.addEventListener("resize", () => chart.resize());
      });
  }
  function init() { document.querySelectorAll("[data-funnel-chart]").forEach(draw); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
