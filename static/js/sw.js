// The offline app's service worker, served at /sw.js (coordination/offline/views.py).
// Pages: from the network; a copy of those the server marks X-Offline-Keep is filed under the
// user and language it was made for (X-Offline-User, Content-Language), and shown only to that
// same user when the network fails. Another user's copies are deleted the moment a page for a
// different user arrives. Static files: kept as they pass, for the offline page's looks.
// Changes kept offline: sent by Background Sync with no page open, by the rule in queue.js
// (served after this file); a form sent online that the network fails waits in the queue.
"use strict";
var SHELL = "shell-1";
var CURRENT = "/__offline/current";

self.addEventListener("install", function () {
  self.skipWaiting();
});
self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (n) {
        return n.indexOf("shell-") === 0 && n !== SHELL;
      }).map(function (n) { return caches.delete(n); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function current() {
  return caches.open("meta").then(function (c) { return c.match(CURRENT); })
    .then(function (r) { return r ? r.text() : ""; });
}

// One at a time: two pages arriving together must not interleave their deletes and puts.
var writing = Promise.resolve();
function remember(response, url) {
  var copy = response.clone();
  writing = writing.then(function () { return keep(copy, url); }).catch(function () {});
  return writing;
}

function keep(response, url) {
  var user = response.headers.get("X-Offline-User");
  if (!user) return Promise.resolve();
  var key = user + ":" + (response.headers.get("Content-Language") || "");
  var copy = response.ok && response.headers.get("X-Offline-Keep") === "1" && response;
  return caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) {
      return n.indexOf("page:") === 0 && n.split(":")[1] !== user;
    }).map(function (n) { return caches.delete(n); }));
  }).then(function () {
    return caches.open("meta");
  }).then(function (c) {
    return c.put(CURRENT, new Response(key));
  }).then(function () {
    if (!copy) return;
    return copy.text().then(function (html) {
      var kept = function () {
        return new Response(html, { headers: { "Content-Type": "text/html; charset=utf-8" } });
      };
      return caches.open("page:" + key).then(function (c) {
        // Under the address asked for and, after a redirect, the one it ended at.
        var ended = response.url && response.url !== url ? c.put(response.url, kept()) : null;
        return Promise.all([c.put(url, kept()), ended]);
      });
    });
  });
}

function fromCache(url) {
  return current().then(function (key) {
    return key && caches.open("page:" + key).then(function (c) { return c.match(url); });
  }).then(function (hit) {
    if (!hit) return Response.error();
    return hit.text().then(function (html) {
      return new Response(html.replace('data-from="network"', 'data-from="cache"'), {
        headers: { "Content-Type": "text/html; charset=utf-8" },
      });
    });
  });
}

function fromShell(request) {
  // Hashed names (production) never change: the kept copy first. Others: the network first.
  var hashed = /\.[0-9a-f]{12}\.\w+$/.test(new URL(request.url).pathname);
  return caches.open(SHELL).then(function (c) {
    var network = function () {
      return fetch(request).then(function (res) {
        if (res.ok) c.put(request, res.clone());
        return res;
      });
    };
    var kept = function () { return c.match(request); };
    if (hashed) return kept().then(function (hit) { return hit || network(); });
    return network().catch(function () {
      return kept().then(function (hit) { return hit || Response.error(); });
    });
  });
}

// A form sent online goes as it would without this worker, and the page's answer is the
// server's. The page kept a copy of a data-offline form ("sending", static/js/offline.js):
// if the network fails it or carries nothing for 8 s, that change waits in the queue like
// one made offline (the server may have had it: its submission id is applied once), and the
// page it came from is shown again. Answered, the copy goes.
function posted(request) {
  var stop = new AbortController();
  var id = request.clone().text().then(function (body) {
    return new URLSearchParams(body).get("submission");
  }).catch(noop);
  var network = fetch(request, { signal: stop.signal });
  var timer;
  var slow = new Promise(function (resolve) { timer = setTimeout(resolve, 8000); });
  function copy() {
    return id.then(function (i) { return i && offlineQueue.get(i); }).then(function (e) {
      return e && e.state === "sending" ? e : null;
    }).catch(noop);
  }
  function failed() {
    return copy().then(function (entry) {
      if (!entry) return network; // not kept by the page: as without this worker
      stop.abort();
      var back = request.referrer && new URL(request.referrer).origin === self.location.origin
        ? request.referrer : request.url;
      return offlineQueue.save(Object.assign(entry, { state: "waiting" })).then(function () {
        return Response.redirect(back, 303);
      });
    });
  }
  var answered = network.then(function (res) {
    clearTimeout(timer);
    return copy().then(function (entry) {
      return entry && offlineQueue.drop(entry.id);
    }).then(function () { return res; });
  });
  return Promise.race([answered, slow.then(failed)]).catch(failed);
}

// From the network; the kept copy when it fails, or when it has carried nothing for 8 s (a
// copy kept is better than a blank screen; the network's page is still kept when it comes).
function navigate(event) {
  var request = event.request;
  var timer;
  var network = fetch(request).finally(function () { clearTimeout(timer); });
  event.waitUntil(network.then(function (res) { return remember(res, request.url); }, noop));
  var slow = new Promise(function (resolve) { timer = setTimeout(resolve, 8000); });
  slow = slow.then(function () {
    return fromCache(request.url).then(function (hit) { return hit.ok ? hit : network; });
  });
  return Promise.race([network, slow]).catch(function () { return fromCache(request.url); });
}
function noop() {}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === "POST" && request.mode === "navigate") {
    event.respondWith(posted(request));
  }
  if (request.method !== "GET") return;
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(fromShell(request));
  } else if (request.mode === "navigate") {
    event.respondWith(navigate(event));
  }
});

// The waiting changes of the user of the last page seen, sent with no page needed; the open
// pages redraw their list (and ask to log in if the session is not that user's any more).
function sendQueue() {
  return current().then(function (key) {
    var user = key.split(":")[0];
    var tell = function (result) {
      return self.clients.matchAll({ type: "window" }).then(function (pages) {
        pages.forEach(function (p) { p.postMessage({ queue: result || "changed", user: user }); });
      });
    };
    return user && user !== "anon" ? offlineQueue.send(user, tell).then(function (result) {
      return tell(result).then(function () { return result; });
    }) : "done";
  });
}
self.addEventListener("sync", function (event) {
  if (event.tag !== "send-queue") return;
  // Rejected, the browser tries again later; a login needed waits for the volunteer.
  event.waitUntil(sendQueue().then(function (result) {
    if (result === "later") throw new Error("not sent yet");
  }));
});

// From static/js/offline.js: the first page, seen before this worker controlled it (keep it
// and its static files); logout (forget everything).
self.addEventListener("message", function (event) {
  var data = event.data || {};
  var work = [];
  if (data.shell) {
    work.push(caches.open(SHELL).then(function (c) { return c.addAll(data.shell); }));
  }
  if (data.page) {
    work.push(fetch(data.page, { credentials: "same-origin" }).then(function (res) {
      return remember(res, data.page);
    }));
  }
  if (data.forget) {
    work.push(caches.keys().then(function (names) {
      return Promise.all(names.map(function (n) { return caches.delete(n); }));
    }));
  }
  event.waitUntil(Promise.all(work).catch(function () {}));
});
