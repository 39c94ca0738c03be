"""A keep-alive HTTP client for the search API (standard library only, so timings measure the server)."""

from __future__ import annotations

import http.client
import json
import time
from urllib.parse import urlencode


class Client:
    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.conn = http.client.HTTPConnection(host, port, timeout=120)

    def get(self, path: str) -> dict:
        for attempt in (1, 2):
            try:
                self.conn.request("GET", path)
                response = self.conn.getresponse()
                body = response.read()
                break
            except (http.client.HTTPException, ConnectionError):
                if attempt == 2:
                    raise
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=120)
        if response.status != 200:
            raise RuntimeError(f"GET {path}: HTTP {response.status}: {body[:200]!r}")
        return json.loads(body)

    def search(self, params: dict) -> dict:
        return self.get("/api/search?" + urlencode(params, doseq=True))


def wait_until_up(host: str, port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            Client(host, port).get("/healthz")
            return
        except (OSError, http.client.HTTPException):
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server on {host}:{port} did not answer within {timeout:.0f}s")
            time.sleep(0.2)
