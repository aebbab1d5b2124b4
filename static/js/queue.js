// The changes kept on the phone and the one rule for sending them, shared by the page
// (static/js/offline.js, loaded after this file) and the service worker (/sw.js serves
// static/js/sw.js and then this file). IndexedDB "offline", store "queue", one entry per change:
// {id (the form's submission id), user, url, at, body, label, state, message}; state is
// "waiting", "refused" (with the server's message), or "sending": a form sent online just
// now, which the worker makes "waiting" if the network fails it (sw.js, posted()).
var offlineQueue = (function () {
  "use strict";
  var STATE = "/offline/state"; // coordination/offline/views.py sending_state
  var TIMEOUT = 8000; // a connection that carries nothing (one bar, a captive portal) fails

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
  function all() {
    return store("readonly", function (s) { return s.getAll(); });
  }
  function mine(user) {
    return all().then(function (entries) {
      return entries.filter(function (e) { return e.user === user; })
        .sort(function (a, b) { return a.at - b.at; });
    });
  }
  function get(id) {
    return store("readonly", function (s) { return s.get(id); });
  }
  function save(entry) {
    return store("readwrite", function (s) { return s.put(entry); });
  }
  function drop(id) {
    return store("readwrite", function (s) { return s.delete(id); });
  }

  // fetch, given up after TIMEOUT: then it fails as without a connection.
  function timed(request, init) {
    var stop = new AbortController();
    var timer = setTimeout(function () { stop.abort(); }, TIMEOUT);
    init.signal = stop.signal;
    return fetch(request, init).finally(function () { clearTimeout(timer); });
  }

  // Sends the user's waiting changes one by one, oldest first, and stops at the first that
  // cannot be sent now, leaving it and the rest waiting. Resolves to "done" (the server
  // answered every one: applied and deleted, or refused with its message), "login" (this
  // session is not the user's: expired, or another's) or "later" (no network, a timeout, a
  // server error). changed() after each answer. One sender at a time, page or worker (Web
  // Locks where the browser has them); the server would apply a change sent twice once.
  function send(user, changed) {
    function waiting(entries) {
      return entries.some(function (e) { return e.state === "waiting"; });
    }
    function run() {
      // Nothing waiting (every page view but a few): no request at all.
      return mine(user).then(function (entries) {
        if (!waiting(entries)) return null;
        return timed(STATE, { credentials: "same-origin" }).then(function (res) {
          return res.json();
        });
      }).then(function (session) {
        if (session === null) return "done";
        if (session.user !== user) return "login";
        return mine(user).then(function next(entries) {
          var entry = entries.shift();
          if (!entry) return "done";
          if (entry.state !== "waiting") return next(entries);
          var body = new URLSearchParams(entry.body);
          body.delete("csrfmiddlewaretoken"); // the kept page's token may be from before a login
          return timed(entry.url, {
            method: "POST", body: body, credentials: "same-origin", redirect: "follow",
            headers: { Accept: "application/json", "X-CSRFToken": session.csrf },
          }).then(function (res) {
            // The views answer these in JSON: a redirect is to the login, a 403 the CSRF check.
            if (res.redirected || res.status === 403) return "login";
            if ((res.headers.get("Content-Type") || "").indexOf("application/json") !== 0) {
              return "later"; // a server error
            }
            return res.json().then(function (answer) {
              var done = answer.ok ? drop(entry.id)
                : save(Object.assign(entry, { state: "refused", message: answer.message }));
              return done.then(changed).then(function () { return next(entries); });
            });
          });
        });
      }).catch(function () { return "later"; });
    }
    var locks = self.navigator && navigator.locks;
    return locks ? locks.request("offline-send", run) : run();
  }

  return { store: store, all: all, mine: mine, get: get, save: save, drop: drop,
    timed: timed, send: send };
})();
