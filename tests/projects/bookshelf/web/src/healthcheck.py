"""The web container's Compose healthcheck: GET /healthz with the Host Django allows."""

import urllib.request

URL = "http://127.0.0.1:8080/healthz"
request = urllib.request.Request(URL, headers={"Host": "bookshelf.internal"})
urllib.request.urlopen(request, timeout=3)
