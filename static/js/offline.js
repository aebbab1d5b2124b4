// The offline app, page side. Registers the service worker (static/js/sw.js); shows the
// "offline: figures as of" banner; keeps a form marked data-offline in IndexedDB when there
// is no connection (with its submission id, so the server applies it once), and a copy of
// one sent online in case the network fails it; sends them when the connection returns, by
// the rule in static/js/queue.js that the worker's Background Sync follows too; asks before
// a logout would lose changes not sent. Nothing here decides a business rule: the server
// answers each sent change as it would the form (JSON: {ok, message}).
(function () {
  "use strict";
  var root = document.body;
  var user = root.dataset.user; // absent on the public pages: they never queue
  var banner = document.getElementById("offline-banner");
  var section = document.getElementById("offline-queue");
  var list = document.getElementById("offline-list");
  var count = document.getElementById("offline-count");

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

  var q = offlineQueue; // static/js/queue.js: the store and the sending rule, as the worker's
  function mine() {
    return q.mine(user);
  }

  function show() {
    return mine().then(function (entries) {
      // A form sent online just now is the page's business, not yet the list's.
      entries = entries.filter(function (e) { return e.state !== "sending"; });
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

  function needLogin() {
    var link = section.querySelector("[data-login-link]");
    var loginPath = new URL(link.href).pathname;
    link.href = loginPath + "?next=" + encodeURIComponent(location.pathname + location.search);
    document.getElementById("offline-login").hidden = false;
    return loginPath;
  }

  // Asks the browser to send the queue when it can, even with no page of this site open.
  function later() {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.ready.then(function (reg) {
      return reg.sync && reg.sync.register("send-queue");
    }).catch(function () {});
  }

  // The waiting changes sent now (queue.js); resolves to "done", "login" or "later". While
  // the network fails, tried again every 30 s as long as the page is open (and by the
  // worker's Background Sync, with no page open).
  var sending = null;
  var retry = null;
  var answered = false; // the server answered a change sent from this page
  function send() {
    if (!navigator.onLine) return Promise.resolve("later");
    if (sending) return sending;
    sending = q.send(user, function () {
      answered = true;
      return show();
    }).then(function (result) {
      sending = null;
      if (result === "login") needLogin();
      if (result === "later") {
        later();
        clearTimeout(retry);
        retry = setTimeout(function () { send().then(sent); }, 30000);
      }
      return show().then(function () { return result; });
    });
    return sending;
  }

  function forget() {
    worker({ forget: true });
    return q.store("readwrite", function (s) { return s.clear(); });
  }

  // Logging out deletes everything kept here: first the waiting changes are sent if they
  // can be, and a change still not sent is lost only if the volunteer says so.
  var leaving = false; // a second tap while the first still tries to send
  function logOut(form) {
    if (leaving) return;
    leaving = true;
    send().then(mine, mine).then(function (entries) {
      var unsent = entries.filter(function (e) { return e.state !== "refused"; }).length;
      if (unsent && !confirm(section.dataset.unsent.replace("%(n)s", unsent))) {
        leaving = false;
        return;
      }
      return forget().catch(function () {}).then(function () { form.submit(); });
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.hasAttribute("data-logout")) {
      event.preventDefault();
      logOut(form);
      return;
    }
    // Online, the form goes as without JavaScript, a copy kept as "sending": if the network
    // fails it (connected, but nothing gets through), the worker makes it wait (sw.js).
    // Only a form carrying its submission id (as every data-offline form does) is kept, so
    // the copy and the form that went are one change to the server.
    var away = offline();
    if (!form.hasAttribute("data-offline") || event.defaultPrevented) return;
    var sw = navigator.serviceWorker && navigator.serviceWorker.controller;
    if (!away && !(sw && form.querySelector("input[name=submission]"))) return;
    var data = new FormData(form, event.submitter);
    var id = data.get("submission") || crypto.randomUUID();
    data.set("submission", id);
    var kept = q.save({
      id: id, user: user, url: form.action || location.href, at: Date.now(),
      body: new URLSearchParams(data).toString(), label: label(form),
      state: away ? "waiting" : "sending",
    });
    if (!away) return;
    event.preventDefault();
    var field = form.querySelector("input[name=submission]");
    if (field) field.value = crypto.randomUUID(); // the next change is a change of its own
    later();
    kept.then(show);
  });

  list.addEventListener("click", function (event) {
    var id = event.target.dataset && event.target.dataset.dismiss;
    if (id) q.drop(id).then(show);
  });

  var reloading = false;
  function fresh(result) {
    // A kept page's figures are old: once every change is sent, the page as it is now (once,
    // although both this page and the worker may say so).
    if (result !== "done" || root.dataset.from !== "cache" || reloading || leaving) return;
    reloading = true;
    location.reload();
  }
  addEventListener("online", function () { send().then(fresh); });
  function sent(result) {
    if (answered) fresh(result); // a kept page shown online has changes in its figures
  }
  if ("serviceWorker" in navigator) {
    // The worker sent (Background Sync): the list as it is now.
    navigator.serviceWorker.addEventListener("message", function (event) {
      var data = event.data || {};
      if (!data.queue || data.user !== user) return;
      if (data.queue === "login") needLogin();
      show().then(function () { fresh(data.queue); });
    });
  }
  // Another user's changes are never shown or sent here, and not kept either. A logged-out
  // page (an expired session's login) keeps them: the same user sends them after logging in.
  // A change "sending" for over 30 s (not one another tab is sending now) lost its answer
  // with no worker to see it (stopped, updated): it is sent again (applied once anyway).
  q.all().then(function (all) {
    return Promise.all(all.map(function (e) {
      if (user !== "anon" && e.user !== user) return q.drop(e.id);
      if (e.state === "sending" && e.at < Date.now() - 30000) {
        return q.save(Object.assign(e, { state: "waiting" }));
      }
    }));
  }).then(show).then(send).then(sent);
})();
