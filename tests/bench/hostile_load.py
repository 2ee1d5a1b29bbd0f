"""The attacks of tests/bench/hostile.sh against a running `serve --demo` gateway.

Usage: hostile_load.py BASE_URL SERVER_PID. Standard library only.
"""

import base64
import json
import socket
import statistics
import struct
import sys
import threading
import time
import urllib.error
import urllib.request
import zlib

BASE, PID = sys.argv[1], int(sys.argv[2])
HOST, PORT = BASE.split("//")[1].split(":")[0], int(BASE.rsplit(":", 1)[1])
VISION = "demo/Llama-3.2-Tiny-Vision"
PASSWORD = "correct horse battery staple"


def call(method, path, body=None, token=None, timeout=300):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(BASE + path, data=data, method=method)
    request.add_header("content-type", "application/json")
    if token:
        request.add_header("authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def licensed(email):
    call("POST", "/v1/auth/register", {"email": email, "password": PASSWORD})
    status, signed_in = call("POST", "/v1/auth/login", {"email": email, "password": PASSWORD})
    assert status == 200, signed_in
    token = signed_in["token"]
    call("PUT", "/v1/me/attestation", {"legal_name": "Load Test", "domicile_country": "US",
                                        "on_behalf_of_organisation": False,
                                        "monthly_active_users": "up_to_1m"}, token)
    _, license = call("GET", "/v1/licenses/llama-3.2")
    status, accepted = call("POST", "/v1/licenses/llama-3.2/accept", {"digest": license["digest"]}, token)
    assert status in (200, 201), accepted
    return token


def png(side):
    row = b"\x00" + b"\x00" * (side * 3)
    raw = zlib.compress(row * side, 9)
    chunk = lambda kind, data: (struct.pack(">I", len(data)) + kind + data
                                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


def status_kib(field):
    with open(f"/proc/{PID}/status") as status:
        for line in status:
            if line.startswith(field):
                return int(line.split()[1])
    raise KeyError(field)


def probe_once(source):
    started = time.perf_counter()
    with socket.create_connection((HOST, PORT), timeout=10, source_address=(source, 0)) as s:
        s.sendall(b"GET /healthz HTTP/1.1\r\nHost: gateway\r\nConnection: close\r\n\r\n")
        answer = s.recv(64)
    assert answer.startswith(b"HTTP/1.1 200"), answer
    return (time.perf_counter() - started) * 1000


def probe_while(running, source="127.0.0.100"):
    latencies = []
    while running.is_set():
        try:
            latencies.append(probe_once(source))
        except OSError:
            latencies.append(float("inf"))
        time.sleep(0.02)
    return latencies


def summary(latencies):
    finite = sorted(l for l in latencies if l != float("inf"))
    failed = len(latencies) - len(finite)
    p50 = statistics.median(finite)
    p99 = finite[min(len(finite) - 1, int(len(finite) * 0.99))]
    return p50, p99, failed, len(latencies)


def under(attack):
    running = threading.Event()
    running.set()
    result = {}
    prober = threading.Thread(target=lambda: result.update(lat=probe_while(running)))
    prober.start()
    outcome = attack()
    running.clear()
    prober.join()
    return outcome, summary(result["lat"])


quiet = summary([probe_once("127.0.0.100") for _ in range(200)])
print(f"/healthz with no attack: p50 {quiet[0]:.2f} ms, p99 {quiet[1]:.2f} ms")

# 1. Image bombs.
tokens = [licensed(f"bomber{n}@example.org") for n in range(16)]
bomb = base64.b64encode(png(4096)).decode()
print(f"image bomb: 4096 x 4096 PNG of {len(base64.b64decode(bomb)) // 1024} KiB "
      f"(decodes to {4096 * 4096 * 3 >> 20} MiB)")
call("POST", f"/v1/models/{VISION}/generate",
     {"prompt": "warm up", "max_tokens": 1, "image": base64.b64encode(png(560)).decode()}, tokens[0])
with open(f"/proc/{PID}/clear_refs", "w") as refs:
    refs.write("5")
before = status_kib("VmRSS:")


def bombs():
    answers = [None] * len(tokens)

    def one(i):
        answers[i] = call("POST", f"/v1/models/{VISION}/generate",
                          {"prompt": "What is this?", "max_tokens": 1, "image": bomb}, tokens[i])[0]

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(tokens))]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers, time.perf_counter() - started


(answers, took), during_bombs = under(bombs)
growth = (status_kib("VmHWM:") - before) / 1024
print(f"16 parallel image bombs: peak RSS +{growth:.0f} MiB (limit 256), answers "
      f"{sorted(answers)} in {took:.1f} s")
print(f"  /healthz meanwhile: p50 {during_bombs[0]:.2f} ms ({during_bombs[0] / quiet[0]:.1f}x quiet), "
      f"p99 {during_bombs[1]:.2f} ms, {during_bombs[2]} of {during_bombs[3]} failed")

# 2. Slow bodies: 3,000 connections, 250 from each of twelve addresses (the per-address
# cap is 256), each sending a head with Content-Length and no body.
head = (b"POST /v1/auth/login HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\n"
        b"Content-Length: 100\r\n\r\n")
held = []


def slow_bodies():
    for n in range(3000):
        source = f"127.0.0.{2 + n // 250}"
        s = socket.create_connection((HOST, PORT), timeout=10, source_address=(source, 0))
        s.sendall(head)
        held.append(s)
    time.sleep(5)
    return len(held)


(opened, during_slow) = under(slow_bodies)
print(f"{opened} slow-body connections held open")
print(f"  /healthz meanwhile: p50 {during_slow[0]:.2f} ms ({during_slow[0] / quiet[0]:.1f}x quiet), "
      f"p99 {during_slow[1]:.2f} ms, {during_slow[2]} of {during_slow[3]} failed")
refused = 0
for _ in range(10):
    s = socket.create_connection((HOST, PORT), timeout=10, source_address=("127.0.0.2", 0))
    s.sendall(head)
    s.settimeout(2)
    try:
        refused += s.recv(64).startswith(b"HTTP/1.1 503")
    except socket.timeout:
        pass  # under the cap: held like the others
    held.append(s)
print(f"  10 more from an address holding 250: {refused} refused with 503 "
      f"too-many-connections (6 fit under the cap of 256)")
for s in held:
    s.close()
