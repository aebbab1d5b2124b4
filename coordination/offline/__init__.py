"""The offline app: manifest, service worker, and the headers that say which pages it may keep."""
