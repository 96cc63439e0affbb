#!/usr/bin/env python3
"""logIn and an invite on two gateways (a baseline and the new one, same database),
interleaved: ROUNDS rounds, in each N sequential requests of each kind on one gateway,
then on the other. Prints p50 and p90 per gateway and kind, and the new/old ratio of p50.

    bench/versus.py OLD_URL NEW_URL [N] [ROUNDS]
"""
import json
import sys
import time
import urllib.request
import uuid

old, new = sys.argv[1], sys.argv[2]
n = int(sys.argv[3]) if len(sys.argv) > 3 else 100
rounds = int(sys.argv[4]) if len(sys.argv) > 4 else 3


def gql(base, query, variables, token=None):
    req = urllib.request.Request(
        base + "/graphql",
        data=json.dumps({"query": query, "variables": variables}).encode(),
        headers={"Content-Type": "application/json", **({"Authorization": "Bearer " + token} if token else {})},
    )
    with urllib.request.urlopen(req) as r:
        body = json.loads(r.read())
    if body.get("errors"):
        raise SystemExit(f"{base}: {body['errors']}")
    return body["data"]


SIGN_UP = """mutation($e: String!) { signUp(input: { companyName: "Versus & Co", name: "Vera",
  email: $e, password: "versus-password-1", isAccountantOrBookkeeper: true }) { token } }"""
LOG_IN = "mutation($e: String!) { logIn(email: $e, password: \"versus-password-1\") { token } }"
INVITE = "mutation($e: String!) { inviteClientByEmail(email: $e) { id } }"

firms = {}
for name, base in (("old", old), ("new", new)):
    email = f"versus-{name}-{uuid.uuid4().hex[:8]}@firm.example"
    firms[name] = (base, email, gql(base, SIGN_UP, {"e": email})["signUp"]["token"])

times = {(g, k): [] for g in firms for k in ("logIn", "invite")}
for _ in range(rounds):
    for g, (base, email, token) in firms.items():
        for _ in range(n):
            t = time.perf_counter()
            gql(base, LOG_IN, {"e": email})
            times[(g, "logIn")].append(time.perf_counter() - t)
        for _ in range(n):
            t = time.perf_counter()
            gql(base, INVITE, {"e": f"c-{uuid.uuid4().hex[:12]}@client.example"}, token)
            times[(g, "invite")].append(time.perf_counter() - t)


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p))] * 1000


for kind in ("logIn", "invite"):
    o, w = times[("old", kind)], times[("new", kind)]
    print(
        f"{kind:7} old p50={pct(o, .5):.2f}ms p90={pct(o, .9):.2f}ms  "
        f"new p50={pct(w, .5):.2f}ms p90={pct(w, .9):.2f}ms  new/old p50 = {pct(w, .5) / pct(o, .5):.2f}x "
        f"({len(o)} each, {rounds} interleaved rounds)"
    )
