#!/usr/bin/env python3
"""Summarises an async-profiler CPU profile in collapsed form, recorded with the `threads`
and `lib` options (lbbench.sh PROFILER=async): where the proxy's CPU goes, Java and native.

    bench/tools/collapsed-summary.py FILE.collapsed

Each line is `[thread tid=N];frame;...;leaf COUNT`, root first. Native frames are
`library`symbol` (or a bare library path when the library is stripped, like libcrypto);
Java frames are `package/Class.method`. With event=itimer the kernel's time in a system
call is charged to the user frame that made it, so the libc wrapper (write, epoll_wait...)
stands for the system call.

Prints markdown: CPU by thread kind, by component of the leaf frame (self), by component
anywhere on the stack (inclusive), and the hottest leaf frames. With event=cpu (perf events, root or perf_event_paranoid <= 1) the
kernel's own frames are recorded and counted as the kernel; with event=itimer a sample lands
when the process leaves the kernel, so system calls draw samples that belong to the code
around them, and the kernel's share reads high."""
import collections
import re
import sys

SYSCALLS = {"read", "write", "readv", "writev", "__libc_read", "__libc_write", "__write", "__read",
            "epoll_wait", "epoll_ctl", "epoll_pwait", "accept", "accept4", "__libc_accept", "close", "__close",
            "sendmsg", "recvmsg", "__libc_sendmsg", "__libc_recvmsg", "syscall", "shutdown", "poll", "__poll",
            "clock_gettime", "__clock_gettime", "futex", "__futex_abstimed_wait_common", "pthread_cond_timedwait",
            "pthread_cond_wait", "pthread_cond_signal", "__lll_lock_wait", "sched_yield", "__sched_yield",
            "madvise", "mprotect", "getsockopt", "setsockopt", "fcntl", "__fcntl64_nocancel_adjusted", "ioctl",
            "connect", "__libc_connect", "socket", "nanosleep", "__nanosleep", "__GI___clock_nanosleep", "clock_nanosleep"}

# (prefix of a Java frame's class, component); the first match wins, so specific before general
JAVA_COMPONENTS = [
    ("io/sluice/", "Sluice's own code"),
    ("io/undertow/server/handlers/proxy/", "Undertow proxy (ProxyHandler, connection pool)"),
    ("io/undertow/client/", "Undertow HTTP client (backend side)"),
    ("io/undertow/server/protocol/http2/", "Undertow HTTP/2"),
    ("io/undertow/protocols/http2/", "Undertow HTTP/2"),
    ("io/undertow/server/protocol/", "Undertow server protocol (parse, write)"),
    ("io/undertow/protocols/ssl/", "Undertow TLS conduit"),
    ("io/undertow/util/", "Undertow utilities (HeaderMap, strings)"),
    ("io/undertow/conduits/", "Undertow conduits (chunked, fixed length)"),
    ("io/undertow/", "Undertow, other"),
    ("org/wildfly/openssl/", "wildfly-openssl (Java side)"),
    ("sun/security/ssl/", "JSSE"),
    ("com/sun/crypto/", "JDK crypto (AES-GCM, GHASH)"),
    ("sun/security/", "JDK security, other"),
    ("org/xnio/", "XNIO"),
    ("sun/nio/ch/", "NIO sockets and epoll (Java side)"),
    ("com/codahale/", "metrics"),
    ("ch/qos/logback/", "logback"),
    ("java/", "JDK (java.*)"),
    ("jdk/", "JDK (jdk.*)"),
]
# event=cpu (perf events) records kernel stacks too; their frames end in "_[k]"
KERNEL = "kernel (system calls, TCP/IP, scheduler)"
OPENSSL_LIBS = ("libcrypto", "libssl", "libwfssl")
# the frames every thread starts with: not a component of the work
THREAD_ROOTS = {"clone3", "clone", "start_thread", "__libc_start_call_main", "__libc_start_main"}


# The proxy's stages, for the request-path summary: a sample goes to the stage of the frame
# nearest its leaf among the specific patterns, else among the generic ones (GENERIC).
stages = [
  ("DefaultByteBufferPool", "buffer pool (a synchronized WeakHashMap per allocation)"),
  ("WorkerThread.executeAfter", "backend read timeout (timer, per-request wrapper)"),
  ("ReadTimeoutStreamSourceConduit.<init>", "backend read timeout (timer, per-request wrapper)"),
  ("HttpOpenListener.<init>", "backend read timeout (timer, per-request wrapper)"),
  ("io/undertow/client/http/ResponseParser", "backend response head: parse into a HeaderMap"),
  ("io/undertow/client/http/HttpResponseParser", "backend response head: parse into a HeaderMap"),
  ("io/undertow/server/protocol/http/HttpRequestParser", "client request head: parse"),
  ("io/undertow/server/protocol/http2/", "HTTP/2 framing, HPACK"),
  ("io/undertow/protocols/http2/", "HTTP/2 framing, HPACK"),
  ("io/sluice/backend/ResponseHeadParser", "backend response head: parse into a HeaderMap"),
  ("io/sluice/backend/BackendConnection$RequestConduit", "request: build and write to the backend"),
  ("io/sluice/backend/BackendConnection.sendRequest", "request: build and write to the backend"),
  ("io/sluice/backend/", "backend connection, other"),
  ("io/sluice/", "Sluice's handlers (and the Undertow calls they make)"),
  ("ProxyHandler$ResponseCallback", "response: copy headers, commit, write to the client"),
  ("ProxyHandler$ProxyAction", "request: build and write to the backend"),
  ("HttpClientConnection.sendRequest", "request: build and write to the backend"),
  ("io/undertow/client/", "backend connection, other"),
  ("ProxyHandler", "proxy handler, other (pool, completion)"),
  ("sun/security/ssl", "TLS (JSSE, JDK crypto)"), ("com/sun/crypto", "TLS (JSSE, JDK crypto)"),
  ("ghash_processBlocks", "TLS (JSSE, JDK crypto)"), ("counterMode_AESCrypt", "TLS (JSSE, JDK crypto)"),
  ("org/wildfly/openssl", "TLS (OpenSSL and its JNI)"), ("libcrypto", "TLS (OpenSSL and its JNI)"), ("libssl", "TLS (OpenSSL and its JNI)"),
  ("io/undertow/protocols/ssl", "TLS conduit"),
  ("io/undertow/server/", "Undertow server: exchange, conduits, completion"),
  ("io/undertow/", "Undertow, other"),
  ("org/xnio/", "XNIO event loop and channels"), ("sun/nio/ch", "XNIO event loop and channels"),
]
# Sluice frames that only pass an event on: what runs under them belongs to the frames below
PASS_THROUGH = ("io/sluice/listener/LazyReadSuspend$Gate",)
GENERIC = ("io/undertow/client/", "ProxyHandler", "io/undertow/server/", "io/undertow/", "org/xnio/", "sun/nio/ch")
specific = [x for x in stages if x[0] not in GENERIC]; generic = [x for x in stages if x[0] in GENERIC]


def stage(frames, thread, leaf_component):
    if leaf_component in ("system calls (kernel time)", KERNEL):
        return leaf_component
    kind = thread_kind(thread)
    if kind in ("JIT compilers", "GC and VM threads"):
        return kind
    if leaf_component == "JVM: garbage collection":
        return "GC (on the IO thread)"
    for group in (specific, generic):
        for f in reversed(frames):
            if f.startswith(PASS_THROUGH):
                continue
            for pat, label in group:
                if pat in f:
                    return label
    return "other"


def thread_kind(name):
    if re.match(r"(G1|GC Thread|VM Thread|Service Thread)", name):
        return "GC and VM threads"
    if "Compiler" in name:
        return "JIT compilers"
    if "I/O" in name or "Accept" in name:
        return "XNIO IO threads (request path)"
    return "other threads"


def component(frame, thread):
    """One frame -> its component."""
    if frame.endswith("_[k]"):
        return KERNEL
    if "`" in frame or frame.startswith("/"):
        lib, _, sym = frame.partition("`")
        if any(k in lib for k in OPENSSL_LIBS):
            return "OpenSSL (libcrypto, libssl)"
        if "libc.so" in lib or "libpthread" in lib:
            if sym in THREAD_ROOTS:
                return None
            plain = re.sub(r"^(__GI_)?_*(libc_)?", "", sym)
            return "system calls (kernel time)" if sym in SYSCALLS or plain in SYSCALLS else "libc (memcpy, malloc...)"
        if "libjvm" in lib:
            kind = thread_kind(thread)
            if kind == "JIT compilers":
                return "JVM: JIT compilation"
            if kind == "GC and VM threads" or re.search(r"G1|GC|Barrier|CardTable|Heap", sym):
                return "JVM: garbage collection"
            return "JVM runtime (allocation, stubs, safepoints)"
        if "libnio" in lib or "libnet" in lib or "libjava" in lib:
            return "JDK native glue (libnio, libnet, libjava)"
        return "native, other (" + lib.rsplit("/", 1)[-1] + ")"
    if frame in ("[unknown]", "[unknown_Java]", "[not_walkable_Java]") or frame.startswith("["):
        return "unwalkable frames"
    for prefix, name in JAVA_COMPONENTS:
        if frame.startswith(prefix):
            return name
    return "Java, other"


def main(path):
    by_thread, self_c, incl_c, leaves, stages_c = (collections.Counter() for _ in range(5))
    total = 0
    with open(path) as f:
        for line in f:
            stack, _, count = line.rstrip("\n").rpartition(" ")
            if not count.isdigit():
                continue
            n = int(count)
            frames = stack.split(";")
            thread = frames[0][1:].split(" tid=")[0] if frames[0].startswith("[") else "?"
            frames = frames[1:] if frames[0].startswith("[") else frames
            if not frames:
                continue
            total += n
            by_thread[thread_kind(thread)] += n
            leaf = frames[-1]
            self_c[component(leaf, thread)] += n
            stages_c[stage(frames, thread, component(leaf, thread))] += n
            leaves[leaf] += n
            for comp in {component(fr, thread) for fr in frames} - {None}:
                incl_c[comp] += n
    if total == 0:
        print("no samples")
        return
    kernel_stacks = self_c[KERNEL] > 0
    print(f"{total} CPU samples ({'perf events, kernel stacks included' if kernel_stacks else 'setitimer: kernel time is charged to the system call that made it'})\n")
    print("| % | thread kind |\n|---:|---|")
    for k, c in by_thread.most_common():
        print(f"| {100 * c / total:.1f} | {k} |")
    print("\n| self % | component of the leaf frame |\n|---:|---|")
    for k, c in self_c.most_common():
        print(f"| {100 * c / total:.1f} | {k} |")
    print("\n| % | stage of the proxy (nearest to the leaf) |\n|---:|---|")
    for k, c in stages_c.most_common():
        print(f"| {100 * c / total:.1f} | {k} |")
    print("\n| total % | component anywhere on the stack |\n|---:|---|")
    for k, c in incl_c.most_common(16):
        print(f"| {100 * c / total:.1f} | {k} |")
    print("\n| self % | hottest leaf frames |\n|---:|---|")
    for k, c in leaves.most_common(25):
        print(f"| {100 * c / total:.1f} | `{k}` |")


if __name__ == "__main__":
    try:
        main(sys.argv[1])
    except BrokenPipeError:  # piped into head
        pass
