#!/usr/bin/env python3
"""Summarises a JFR recording's execution samples: the share of samples by package on the
stack (inclusive) and of the top frame (self), and the hottest methods.
    bench/tools/jfr-summary.py FILE.jfr   (needs the JDK's jfr tool on PATH)"""
import json, subprocess, sys, collections
jfr = sys.argv[1]
out = subprocess.run(["jfr", "print", "--json", "--events", "jdk.ExecutionSample", jfr], capture_output=True, text=True).stdout
events = json.loads(out)["recording"]["events"]
self_pkg = collections.Counter(); incl = collections.Counter(); top_methods = collections.Counter()
def pkg(frame):
    t = frame["method"]["type"]["name"].replace("/", ".")
    parts = t.split(".")
    return ".".join(parts[:3]) if len(parts) > 3 else ".".join(parts[:-1])
buckets = [("io.sluice", "Sluice's own code"), ("io.undertow.server.handlers.proxy", "Undertow proxy (ProxyHandler, connection pool)"),
           ("io.undertow.client", "Undertow HTTP client (backend side)"), ("io.undertow.server.protocol", "Undertow server protocol (parse, write)"),
           ("io.undertow.protocols.ssl", "Undertow TLS conduit"), ("org.wildfly.openssl", "wildfly-openssl"), ("sun.security.ssl", "JSSE"),
           ("com.sun.crypto", "JDK crypto"), ("org.xnio", "XNIO"), ("sun.nio.ch", "NIO sockets/epoll"), ("com.codahale", "metrics"), ("ch.qos.logback", "logback (access log)")]
n = len(events)
for e in events:
    v = e["values"]
    frames = v["stackTrace"]["frames"] if v.get("stackTrace") else []
    if not frames:
        continue
    f0 = frames[0]
    self_pkg[pkg(f0)] += 1
    top_methods[f0["method"]["type"]["name"].replace("/", ".") + "." + f0["method"]["name"]] += 1
    seen = set()
    for f in frames:
        t = f["method"]["type"]["name"].replace("/", ".")
        for prefix, label in buckets:
            if t.startswith(prefix) and label not in seen:
                seen.add(label); incl[label] += 1
print(f"{n} samples")
print("inclusive (on the stack):")
for label, c in incl.most_common():
    print(f"  {100*c/n:5.1f}%  {label}")
print("self (top frame package):")
for p, c in self_pkg.most_common(12):
    print(f"  {100*c/n:5.1f}%  {p}")
print("top methods:")
for m, c in top_methods.most_common(15):
    print(f"  {100*c/n:5.1f}%  {m}")
