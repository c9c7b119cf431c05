// The dashboard's stacked bar chart; data comes from the page (no inline script: CSP).
(function () {
  var source = document.getElementById("chart-data");
  var canvas = document.getElementById("status-chart");
  if (!source || !canvas || typeof Chart === "undefined") return;
  var data = JSON.parse(source.textContent);
  var colours = {certified: "#198754", in_progress: "#0d6efd", at_risk: "#ffc107", lapsed: "#6c757d"};
  new Chart(canvas, {
    type: "bar",
    data: {
      labels: data.labels,
      datasets: data.series.map(function (s) {
        return {label: s.label, data: s.data, backgroundColor: colours[s.status]};
      })
    },
    options: {
      responsive: true, maintainAspectRatio: false, animation: false,
      scales: {x: {stacked: true}, y: {stacked: true, beginAtZero: true, ticks: {precision: 0}}},
      plugins: {legend: {position: "bottom"}}
    }
  });
})();
