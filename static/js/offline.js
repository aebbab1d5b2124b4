// The offline app, page side. Registers the service worker (static/js/sw.js); shows the
// "offline: figures as of" banner; keeps a form marked data-offline in IndexedDB when there
// is no connection (with its submission id, so the server applies it once) and sends it when
// the connection returns, with the current CSRF token. Nothing here decides a business rule:
// the server answers each sent change as it would the form (JSON: {ok, message}).
(function () {
  "use strict";
  var root = document.body;
  var user = root.dataset.user; // absent on the public pages: they never queue
  var banner = document.getElementById("offline-banner");
  var section = document.getElementById("offline-queue");
  var list = document.getElementById("offline-list");
  var count = document.getElementById("offline-count");
  var sending = false;

  function offline() {
    return !navigator.onLine || root.dataset.from === "cache";
  }
  function showBanner() {
    if (banner) banner.hidden = !offline();
  }
  showBanner();
  addEventListener("online", showBanner);
  addEventListener("offline", showBanner);

  function worker(message) {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.ready.then(function (reg) { reg.active.postMessage(message); });
  }
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/sw.js", { scope: "/" });
    if (!navigator.serviceWorker.controller) {
      // This first page came before the worker: have it keep the page and its files now.
      var shell = [].map.call(document.querySelectorAll("link[rel=stylesheet],script[src]"),
        function (e) { return e.href || e.src; });
      worker({ shell: shell, page: location.href });
    }
  }
  if (!user || !section || !window.indexedDB) {
    addEventListener("online", function () { if (root.dataset.from === "cache") location.reload(); });
    return;
  }

  function store(mode, act) {
    return new Promise(function (resolve, reject) {
      var open = indexedDB.open("offline", 1);
      open.onupgradeneeded = function () {
        open.result.createObjectStore("queue", { keyPath: "id" });
      };
      open.onerror = reject;
      open.onsuccess = function () {
        var tx = open.result.transaction("queue", mode);
        var request = act(tx.objectStore("queue"));
        tx.oncomplete = function () {
          open.result.close();
          resolve(request && request.result);
        };
        tx.onerror = reject;
      };
    });
  }
  function mine() {
    return store("readonly", function (s) { return s.getAll(); }).then(function (all) {
      return all.filter(function (e) { return e.user === user; })
        .sort(function (a, b) { return a.at - b.at; });
    });
  }
  function save(entry) {
    return store("readwrite", function (s) { return s.put(entry); });
  }
  function drop(id) {
    return store("readwrite", function (s) { return s.delete(id); });
  }

  function show() {
    return mine().then(function (entries) {
      var waiting = entries.filter(function (e) { return e.state === "waiting"; }).length;
      list.textContent = "";
      entries.forEach(function (e) {
        var item = document.createElement("li");
        item.className = "offline-item offline-" + e.state;
        item.dataset.submission = e.id;
        var time = new Date(e.at).toTimeString().slice(0, 5);
        var text = time + " · " + e.label + " · " + section.dataset[e.state];
        item.appendChild(document.createTextNode(text));
        if (e.message) {
          var why = document.createElement("div");
          why.textContent = e.message + (e.state === "refused" ? " " + section.dataset.todo : "");
          item.appendChild(why);
        }
        if (e.state === "refused") {
          var button = document.createElement("button");
          button.type = "button";
          button.className = "btn btn-outline-secondary btn-sm";
          button.dataset.dismiss = e.id;
          button.textContent = section.dataset.dismiss;
          item.appendChild(button);
        }
        list.appendChild(item);
      });
      section.hidden = !entries.length;
      if (count) {
        count.hidden = !waiting;
        count.textContent = count.dataset.text.replace("%(n)s", waiting);
      }
    });
  }

  function label(form) {
    var chosen = form.querySelector("select option:checked, input[type=radio]:checked");
    var text = chosen && (chosen.labels && chosen.labels[0] ? chosen.labels[0] : chosen).textContent;
    return form.dataset.offline + (text ? " · " + text.trim() : "");
  }

  function csrf() {
    var match = document.cookie.match(/(?:^|; )csrftoken=([^;]*)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function needLogin() {
    var link = section.querySelector("[data-login-link]");
    var loginPath = new URL(link.href).pathname;
    link.href = loginPath + "?next=" + encodeURIComponent(location.pathname + location.search);
    document.getElementById("offline-login").hidden = false;
    return loginPath;
  }

  // Sends this user's waiting changes one by one, oldest first; stops at the first that
  // cannot be sent now (no network, login needed) and leaves it and the rest waiting.
  // Resolves to true when the server answered every one.
  function send() {
    if (sending || !navigator.onLine) return Promise.resolve(false);
    sending = true;
    var loginPath = new URL(section.querySelector("[data-login-link]").href).pathname;
    function next(entries) {
      var entry = entries.shift();
      if (!entry) return true;
      if (entry.state !== "waiting") return next(entries);
      var body = new URLSearchParams(entry.body);
      body.delete("csrfmiddlewaretoken"); // the kept page's token may be from before a login
      return fetch(entry.url, {
        method: "POST", body: body, credentials: "same-origin",
        headers: { Accept: "application/json", "X-CSRFToken": csrf() },
      }).then(function (res) {
        if (res.redirected && new URL(res.url).pathname === loginPath || res.status === 403) {
          needLogin();
          return null;
        }
        if ((res.headers.get("Content-Type") || "").indexOf("application/json") !== 0) {
          return null; // a server error: try again later
        }
        return res.json().then(function (answer) {
          var done = answer.ok ? drop(entry.id)
            : save(Object.assign(entry, { state: "refused", message: answer.message }));
          return done.then(show).then(function () { return next(entries); });
        });
      });
    }
    return mine().then(next).catch(function () {}).then(function (done) {
      sending = false;
      return done === true;
    });
  }

  function forget() {
    worker({ forget: true });
    return store("readwrite", function (s) { return s.clear(); });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.hasAttribute("data-logout")) {
      event.preventDefault();
      forget().catch(function () {}).then(function () { form.submit(); });
      return;
    }
    if (!form.hasAttribute("data-offline") || !offline()) return;
    event.preventDefault();
    var data = new FormData(form, event.submitter);
    var id = data.get("submission") || crypto.randomUUID();
    data.set("submission", id);
    var field = form.querySelector("input[name=submission]");
    if (field) field.value = crypto.randomUUID(); // the next change is a change of its own
    save({
      id: id, user: user, url: form.action || location.href, at: Date.now(),
      body: new URLSearchParams(data).toString(), label: label(form), state: "waiting",
    }).then(show);
  });

  list.addEventListener("click", function (event) {
    var id = event.target.dataset && event.target.dataset.dismiss;
    if (id) drop(id).then(show);
  });

  addEventListener("online", function () {
    // A kept page's figures are old: once every change is sent, the page as it is now.
    send().then(function (done) { if (done && root.dataset.from === "cache") location.reload(); });
  });
  // Another user's changes are never shown or sent here, and not kept either. A logged-out
  // page (an expired session's login) keeps them: the same user sends them after logging in.
  store("readonly", function (s) { return s.getAll(); }).then(function (all) {
    return Promise.all(all.filter(function (e) { return user !== "anon" && e.user !== user; })
      .map(function (e) { return drop(e.id); }));
  }).then(show).then(send);
})();
