// The person's status page: once a minute one small request for the status part (a few
// hundred bytes); it is replaced only when it says something new.
(function () {
  var state = document.getElementById("ask-state");
  if (state && window.fetch) {
    setInterval(function () {
      fetch(location.pathname + "?fragment=1", { cache: "no-store", credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) {
          if (!html) return;
          var box = document.createElement("div");
          box.innerHTML = html;
          var fresh = box.firstElementChild;
          var current = document.getElementById("ask-state");
          if (fresh && current && fresh.dataset.key !== current.dataset.key) {
            current.replaceWith(fresh);
          }
        })
        .catch(function () {});  // offline for a moment: try again next minute
    }, 60000);
  }
})();
