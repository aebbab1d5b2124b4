// Optional live refresh of the dashboard: every 30 s (when the box is ticked) the same page
// is fetched again and each part marked data-live is swapped in place, so the scroll position,
// the filters and anything typed elsewhere stay. Off unless chosen; remembered per browser.
(function () {
  var box = document.getElementById("live-refresh");
  if (!box || !window.fetch || !window.DOMParser) return;
  var seconds = parseInt(box.dataset.seconds, 10) || 30;
  box.checked = localStorage.getItem("dashboard-live") === "1";
  box.addEventListener("change", function () {
    localStorage.setItem("dashboard-live", box.checked ? "1" : "0");
    if (box.checked) refresh();
  });

  function refresh() {
    return fetch(location.href, { cache: "no-store", credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        document.querySelectorAll("[data-live]").forEach(function (part) {
          var next = fresh.querySelector('[data-live="' + part.dataset.live + '"]');
          if (next) part.innerHTML = next.innerHTML;
        });
        document.body.dataset.refreshed = String(Date.now());
      })
      .catch(function () {});  // offline for a moment, or logged out: try again next time
  }

  setInterval(function () {
    if (box.checked && document.visibilityState !== "hidden") refresh();
  }, seconds * 1000);
})();
