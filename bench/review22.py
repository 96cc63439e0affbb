#!/usr/bin/env python3
"""Issue 22 items 1-3, measured against a running gateway (the embedded default):

  bench/review22.py http://127.0.0.1:8000

1. One WebSocket `subscribe` message holding 40 aliased logIns: how many sessions come
   back, and how long it takes.
2. How many live connections one user holds from one address: signed in (a new session
   for each, as sign-up and log-in are free) and not signed in.
3. 60 wrong passwords for one email sent at once: how many are checked (UNAUTHENTICATED)
   and how many refused (RATE_LIMITED) against the default limits.

Needs `pip install websockets requests`. Prints one line per figure.
"""
import asyncio
import json
import sys
import time
import uuid

import requests
import websockets

BASE = sys.argv[1].rstrip("/")
WS = BASE.replace("http", "ws", 1) + "/graphql/ws"
PASSWORD = "correct-horse-1"


def gql(query, variables=None, token=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    r = requests.post(f"{BASE}/graphql", json={"query": query, "variables": variables or {}},
                      headers=headers, timeout=60)
    return r.json()


def sign_up():
    email = f"p{uuid.uuid4().hex[:8]}@firm.example"
    d = gql("""mutation($i: SignUpInput!) { signUp(input: $i) { token } }""",
            {"i": {"companyName": "Firm", "name": "P", "email": email, "password": PASSWORD,
                   "isAccountantOrBookkeeper": True}})
    return email, d["data"]["signUp"]["token"]


def log_in(email):
    d = gql("mutation($e: String!, $p: String!) { logIn(email: $e, password: $p) { token } }",
            {"e": email, "p": PASSWORD})
    return d["data"]["logIn"]["token"]


async def connect(token=None):
    ws = await websockets.connect(WS, subprotocols=["graphql-transport-ws"], open_timeout=10)
    if token is not None:
        await ws.send(json.dumps({"type": "connection_init",
                                  "payload": {"authorization": f"Bearer {token}"}}))
        msg = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if msg.get("type") != "connection_ack":
            raise RuntimeError(msg)
    return ws


async def aliased_log_ins(email, token):
    fields = " ".join(
        f'l{i}: logIn(email: "{email}", password: "{PASSWORD}") {{ token }}' for i in range(40))
    ws = await connect(token)
    started = time.monotonic()
    await ws.send(json.dumps({"id": "1", "type": "subscribe",
                              "payload": {"query": f"mutation {{ {fields} }}"}}))
    msg = json.loads(await asyncio.wait_for(ws.recv(), 60))
    took = time.monotonic() - started
    data = (msg.get("payload") or {}).get("data") if isinstance(msg.get("payload"), dict) else None
    tokens = sum(1 for v in (data or {}).values() if v and v.get("token"))
    code = None
    if msg.get("type") == "error":
        code = msg["payload"][0]["extensions"]["code"]
    print(f"1. 40 aliased logIns over /graphql/ws: {tokens} sessions returned in {took:.2f} s"
          f" (answer: {msg.get('type')}{' ' + code if code else ''})")
    await ws.close()


async def sockets_held(email):
    held, refused_signed, refused_anon = [], None, None
    for i in range(60):
        try:
            held.append(await connect(log_in(email)))
        except Exception as e:  # noqa: BLE001
            refused_signed = f"{type(e).__name__}: {str(e)[:80]}"
            break
    signed = len(held)
    anon = []
    for i in range(80):
        try:
            anon.append(await connect())
        except Exception as e:  # noqa: BLE001
            refused_anon = f"{type(e).__name__}: {str(e)[:80]}"
            break
    print(f"2. one user from one address held {signed} signed-in connections"
          f" (then: {refused_signed or 'none refused'})")
    print(f"   and {len(anon)} more not signed in (then: {refused_anon or 'none refused'})")
    for ws in held + anon:
        await ws.close()


def concurrent_guesses(email):
    import concurrent.futures
    q = "mutation($e: String!, $p: String!) { logIn(email: $e, password: $p) { token } }"
    with concurrent.futures.ThreadPoolExecutor(60) as pool:
        answers = list(pool.map(lambda i: gql(q, {"e": email, "p": f"guess-{i}-wrong"}), range(60)))
    codes = [a["errors"][0]["extensions"]["code"] for a in answers]
    print(f"3. 60 wrong passwords at once: {codes.count('UNAUTHENTICATED')} checked,"
          f" {codes.count('RATE_LIMITED')} refused (limits: 10 per email and address, 50 per address)")


async def main():
    email, token = sign_up()
    await aliased_log_ins(email, token)
    other, _ = sign_up()
    await sockets_held(other)
    victim, _ = sign_up()
    concurrent_guesses(victim)


asyncio.run(main())
