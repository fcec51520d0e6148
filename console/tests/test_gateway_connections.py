"""The console's connections to the gateway: one requests.Session a process, shared by its page
threads (gunicorn's gthread, CONSOLE_THREADS) and the start page's readers of a manager's other
estates (``manager.ELSEWHERE_READERS``), which read at the same time."""
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from console.app import create_app
from console.gateway_api import Gateway
from console.views import manager


class _SlowGateway(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # kept alive, as the gateway's gunicorn keeps them

    def do_GET(self):
        time.sleep(0.2)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args):
        pass


def test_every_page_thread_and_reader_keeps_its_connection_to_the_gateway(caplog, monkeypatch):
    """urllib3's pool keeps ten connections a host: the eight page threads and the eight readers at
    once discarded six at each turn ("Connection pool is full, discarding connection", a warning
    line each) and opened them anew on the next read (found by review)."""
    monkeypatch.delenv("CONSOLE_THREADS", raising=False)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SlowGateway)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        app = create_app({"GATEWAY_URL": url, "SECRET_KEY": "x" * 40})
        http = app.extensions["console_http"]
        at_once = 8 + manager.ELSEWHERE_READERS
        reads = [threading.Thread(target=Gateway(url, "token", session=http).get, args=("/api/v1/estates",))
                 for _ in range(at_once)]
        with caplog.at_level(logging.WARNING, logger="urllib3"):
            for read in reads:
                read.start()
            for read in reads:
                read.join(10)
        assert not [r for r in caplog.records if "pool is full" in r.getMessage()]
    finally:
        server.shutdown()
        server.server_close()
