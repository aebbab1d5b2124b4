// Optional auto-refresh of the arrivals' page: once a minute one tiny request asks whether the
// figures changed (a version number); the page reloads only when they did. Off unless chosen.
(function () {
  var box = document.getElementById("auto-refresh");
  if (!box || !window.fetch) return;
  var hidden = box.closest("[hidden]");
  if (hidden) hidden.hidden = false;  // the box does something only with this script
  box.checked = localStorage.getItem("auto-refresh") === "1";
  box.addEventListener("change", function () {
    localStorage.setItem("auto-refresh", box.checked ? "1" : "0");
  });
  setInterval(function () {
    if (!box.checked) return;
    fetch("/api/v1/version/", { cache: "no-store" })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (String(data.version) !== document.body.dataset.version) location.reload();
      })
      .catch(function () {});  // offline for a moment: try again next minute
  }, 60000);
})();
