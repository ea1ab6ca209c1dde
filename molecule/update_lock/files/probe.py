#!/usr/bin/env python3
"""The app's view of a migration's lock waits: how long each request on an app table waits.

Two loops run until the stop file appears (or --max-seconds pass), each one request at a time:
- reads: GET of an app endpoint that reads the table (the backend over HTTP);
- writes: an UPDATE of one row of the table in one long-lived psql session (the psql argv after
  ``--``), each followed by ``\\echo`` of a marker, so the marker arrives when the UPDATE is done.
Every sample is [start (epoch seconds), seconds it took, status]. The result is written as JSON.

Usage: probe.py --url URL --sql SQL --stop FILE --out FILE [--max-seconds N] -- PSQL_ARGV...
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import threading
import time
import urllib.error
import urllib.request

PAUSE = 0.1  # between two requests of one loop


def read_loop(url: str, done: threading.Event, samples: list) -> None:
    while not done.is_set():
        start = time.time()
        try:
            with urllib.request.urlopen(url, timeout=60) as response:
                response.read()
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        except OSError as error:  # connection refused, timeout: recorded, the loop goes on
            status = f"error: {error}"
        samples.append([round(start, 3), round(time.time() - start, 3), status])
        time.sleep(PAUSE)


def write_loop(argv: list[str], sql: str, done: threading.Event, samples: list) -> None:
    with subprocess.Popen(
        argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as psql:
        assert psql.stdin is not None and psql.stdout is not None
        number = 0
        while not done.is_set():
            number += 1
            marker = f"probe-done-{number}"
            start = time.time()
            psql.stdin.write(f"{sql}\n\\echo {marker}\n")
            psql.stdin.flush()
            status = "ok"
            while True:
                line = psql.stdout.readline()
                if not line:
                    status = "psql ended"
                    break
                if line.strip() == marker:
                    break
                if line.strip():
                    status = line.strip()  # an error message of psql
            samples.append([round(start, 3), round(time.time() - start, 3), status])
            if status == "psql ended":
                return
            time.sleep(PAUSE)
        psql.stdin.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--sql", required=True)
    parser.add_argument("--stop", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--max-seconds", type=float, default=300)
    parser.add_argument("psql", nargs="+")
    args = parser.parse_args()

    done = threading.Event()
    reads: list = []
    writes: list = []
    threads = [
        threading.Thread(target=read_loop, args=(args.url, done, reads), daemon=True),
        threading.Thread(target=write_loop, args=(args.psql, args.sql, done, writes), daemon=True),
    ]
    started = time.time()
    for thread in threads:
        thread.start()
    while not os.path.exists(args.stop) and time.time() - started < args.max_seconds:
        time.sleep(0.2)
    done.set()
    for thread in threads:
        thread.join(timeout=90)
    result = {
        "started": round(started, 3),
        "stopped": round(time.time(), 3),
        "reads": reads,
        "writes": writes,
        "max_read": max((s[1] for s in reads), default=None),
        "max_write": max((s[1] for s in writes), default=None),
    }
    with open(args.out, "w", encoding="utf-8") as handle:
        json.dump(result, handle)


if __name__ == "__main__":
    main()
