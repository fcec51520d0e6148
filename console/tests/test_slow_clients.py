"""The console under clients that stop mid-request, on its own gunicorn (console/worker.py): a
request head or a form body that stopped coming held one of the console's threads for as long
as the client stayed connected, and as many such connections as threads left every user
without a page."""
import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from estate_common.testing import load_file

ROOT = Path(__file__).resolve().parents[2]
free_port = load_file(ROOT / "scripts" / "run_local.py", "console_slow_run_local").free_port
WAIT_SECONDS = 1.0
THREADS = 2


@pytest.fixture(scope="module")
def console_url(tmp_path_factory):
    port = free_port()
    env = dict(os.environ, CONSOLE_PORT=str(port), CONSOLE_THREADS=str(THREADS),
               CONSOLE_HEADER_TIMEOUT=str(WAIT_SECONDS), CONSOLE_BODY_TIMEOUT=str(WAIT_SECONDS),
               CONSOLE_SECRET_KEY=secrets.token_urlsafe(48), GATEWAY_URL="http://127.0.0.1:9")
    log = tmp_path_factory.mktemp("console") / "console.log"
    with open(log, "wb") as out:
        process = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py",
                                    "console.app:create_app()"], cwd=ROOT / "console", env=env,
                                   stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(url + "/healthz", timeout=1).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):  # not listening yet, or its worker
                pass  # still loading the app on a loaded machine: asked again until the deadline
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=15)


def answer_of(client):
    answer = b""
    while chunk := client.recv(65536):  # until the console closes the connection
        answer += chunk
    return answer


def test_heads_and_bodies_that_stop_coming_free_the_consoles_threads(console_url):
    host, port = "127.0.0.1", int(console_url.rsplit(":", 1)[1])
    heads, bodies = [], []
    for number in range(THREADS * 2):  # more than the console's threads, of each kind
        client = socket.create_connection((host, port), timeout=WAIT_SECONDS * 10)
        client.sendall(b"GET /signin HT" if number % 2 else b"GET /signin HTTP/1.1\r\nHost: x\r\nX-A")
        heads.append(client)
        client = socket.create_connection((host, port), timeout=WAIT_SECONDS * 10)
        client.sendall(b"POST /signin HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                       b"Content-Length: 500\r\n\r\nusername=ad")
        bodies.append(client)
    # each stalled connection holds a thread for the limit, THREADS at a time, then /healthz's turn;
    # the bounds below allow as much again for a loaded machine: a thread never let go would hold
    # until the clients close, at the end (and /healthz's own timeout would fail first)
    held = WAIT_SECONDS * len(heads + bodies) / THREADS
    try:
        started = time.monotonic()
        assert requests.get(console_url + "/healthz", timeout=held * 3).status_code == 200
        assert time.monotonic() - started < held * 2
        for client in heads:
            assert answer_of(client).startswith(b"HTTP/1.1 408"), "a stalled head is answered 408"
        for client in bodies:  # the client is taken as gone: its thread is let go, the connection closed
            answer = answer_of(client)
            assert not answer or answer.startswith(b"HTTP/1.1 4"), answer[:200]
        assert time.monotonic() - started < held * 2 + 1
    finally:
        for client in heads + bodies:
            client.close()
    # a form that comes in pieces, each within the limit, is read whole: answered as one sent at once
    form = b"username=admin&password=x"
    head = (b"POST /signin HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            b"Connection: close\r\nContent-Length: " + str(len(form)).encode() + b"\r\n\r\n")
    answers = []
    for pieces in ((form,), (form[:10], form[10:])):
        with socket.create_connection((host, port), timeout=WAIT_SECONDS * 10) as client:
            client.sendall(head)
            for piece in pieces:
                time.sleep(WAIT_SECONDS / 3)
                client.sendall(piece)
            answers.append(answer_of(client).split(b"\r\n", 1)[0])
    assert answers[0] == answers[1] and answers[0].startswith(b"HTTP/1.1 ") and b" 408 " not in answers[0], answers
