"""Switching a browser context's network off and on, the service worker's requests included.

context.set_offline cuts the pages' requests but not the service worker's (Playwright issue
#2311): with PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS (tests/e2e/conftest.py) those pass
through context.route, where they are failed as a phone without signal fails them."""


def _cut_worker(route):
    if route.request.service_worker is not None:
        route.abort("internetdisconnected")
    else:
        route.continue_()


def go_offline(context) -> None:
    context.set_offline(True)
    context.route("**/*", _cut_worker)


def go_online(context) -> None:
    context.unroute("**/*", _cut_worker)
    context.set_offline(False)


KEPT_JS = """async (path) => {
  if (!navigator.serviceWorker.controller) return false;
  for (const name of await caches.keys()) {
    if (name.startsWith("page:") && await (await caches.open(name)).match(path)) return true;
  }
  return false;
}"""


def is_kept(page, path: str) -> bool:
    """Whether the service worker controls the page and has a copy of `path` for anyone."""
    return page.evaluate(KEPT_JS, path)


def wait_until_kept(page, path: str) -> None:
    # page.evaluate awaits the promise (wait_for_function would take the promise as truthy).
    for _ in range(100):
        if is_kept(page, path):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"{path} was not kept by the service worker")


def queue(page) -> list[dict]:
    """The changes kept in the phone's IndexedDB, whoever's they are."""
    return page.evaluate(
        """() => new Promise((resolve, reject) => {
          const open = indexedDB.open("offline", 1);
          open.onupgradeneeded = () => open.result.createObjectStore("queue", {keyPath: "id"});
          open.onerror = reject;
          open.onsuccess = () => {
            const all = open.result.transaction("queue").objectStore("queue").getAll();
            all.onsuccess = () => { open.result.close(); resolve(all.result); };
          };
        })"""
    )


def wait_until_sent(page) -> None:
    """Until the phone keeps no change (sent, or dropped as another user's)."""
    for _ in range(100):
        if queue(page) == []:
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"still kept: {queue(page)}")


def cache_names(page) -> list[str]:
    return page.evaluate("caches.keys()")
