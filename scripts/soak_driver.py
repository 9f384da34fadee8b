"""The client of scripts/soak: drives one warm handler behind lambda-local and checks it.

    python3 scripts/soak_driver.py FUNCTION N INVOKE_URL EMULATOR_PID EVENT_FILE...
    python3 scripts/soak_driver.py --report SUMMARY.json...   (the Soak section of docs/benchmarks.md)

Posts the events in turn, N invocations in all, over one keep-alive connection to lambda-local's
Invoke API, as fast as it answers. Each answer is classified: the handler's HTTP status inside
the API-Gateway-shaped response, "direct" for a direct invocation's answer, or "error <type>"
for a function error (a direct invocation's 4xx is a function error with errorType BadRequest,
NotFound...). An event under events/bad must be answered with a 4xx (or such a function error),
any other with a 2xx or a direct answer; every event must get the same kind of answer each time.
The handler process (the child of lambda-local) is found once; its VmRSS is sampled after
invocation 1,000, at tenths of the run and at the end, and it must be the same process at the
end. Prints a JSON summary on stdout and a table on stderr; exits 1 if a target fails:
no crash or restart, no 5xx or unexpected answer, RSS growth after invocation 1,000 <= 1 MB.
Standard library only.
"""
import http.client
import json
import os
import sys
import time
import urllib.parse

WARM = 1000  # the RSS baseline: after this many invocations
LIMIT_KB = 1024  # allowed growth after the baseline
CLIENT_ERRORS = {"BadRequest", "NotFound", "MethodNotAllowed", "PayloadTooLarge", "Forbidden"}


def children(pid):
    """The processes whose parent is `pid` (every thread's list)."""
    out = set()
    for tid in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/children" % (pid, tid)) as f:
            out.update(int(c) for c in f.read().split())
    return out


def status_kb(pid, field):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError("no %s for %d" % (field, pid))


def classify(body, function_error):
    answer = json.loads(body)
    if function_error:
        return "error " + str(answer.get("errorType"))
    if isinstance(answer, dict) and "statusCode" in answer:
        return str(answer["statusCode"])
    return "direct"


def acceptable(kind, bad):
    if kind.startswith("error "):
        return bad and kind[6:] in CLIENT_ERRORS
    if kind == "direct":
        return not bad
    status = int(kind)
    return 400 <= status < 500 if bad else 200 <= status < 300


def main():
    function, n, invoke_url, emulator, paths = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5:]
    events = [(os.path.relpath(p), open(p, "rb").read(), "/bad/" in p) for p in paths]
    url = urllib.parse.urlsplit(invoke_url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=120)
    handlers = children(emulator)
    if len(handlers) != 1:
        sys.exit("expected one handler process under lambda-local %d, found %s" % (emulator, sorted(handlers)))
    handler = handlers.pop()
    samples, counts, per_event, failures = [], {}, {}, []
    marks = {WARM} | {max(WARM, n * k // 10) for k in range(1, 11)} | {n}
    started = time.perf_counter()
    for i in range(1, n + 1):
        name, body, bad = events[(i - 1) % len(events)]
        conn.request("POST", url.path, body=body, headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        answer = response.read()
        if response.status != 200:
            failures.append("invocation %d (%s): lambda-local answered HTTP %d: %r" % (i, name, response.status, answer[:300]))
            break
        kind = classify(answer, response.getheader("X-Amz-Function-Error") is not None)
        counts[kind] = counts.get(kind, 0) + 1
        first = per_event.setdefault(name, kind)
        if not acceptable(kind, bad) or kind != first:
            failures.append("invocation %d (%s): %s (first answer %s): %r" % (i, name, kind, first, answer[:300]))
            if len(failures) >= 10:
                break
        if i in marks:
            alive = children(emulator)
            if alive != {handler}:
                failures.append("after invocation %d the handler %d is gone: lambda-local's children are %s"
                                % (i, handler, sorted(alive)))
                break
            samples.append((i, time.perf_counter() - started, status_kb(handler, "VmRSS")))
    seconds = time.perf_counter() - started
    done = sum(counts.values())
    base = next((kb for i, _, kb in samples if i == WARM), None)
    end = samples[-1][2] if samples else None
    growth = end - base if base is not None and end is not None else None
    if done < n and not failures:
        failures.append("only %d of %d invocations answered" % (done, n))
    if growth is not None and growth > LIMIT_KB:
        failures.append("RSS grew by %d kB after invocation %d (limit %d kB)" % (growth, WARM, LIMIT_KB))
    if any(k.startswith("5") or (k.startswith("error ") and k[6:] not in CLIENT_ERRORS) for k in counts):
        failures.append("server errors: %s" % counts)
    summary = {
        "function": function, "invocations": done, "seconds": round(seconds, 1),
        "per_second": round(done / seconds, 1) if seconds else None,
        "rss_kb_at_%d" % WARM: base, "rss_kb_at_end": end, "growth_kb": growth,
        "peak_rss_kb": status_kb(handler, "VmHWM") if os.path.exists("/proc/%d" % handler) else None,
        "handler_pid": handler, "handler_starts": 1 if not any("is gone" in f for f in failures) else None,
        "status_counts": dict(sorted(counts.items())), "per_event": per_event,
        "samples": [{"invocation": i, "seconds": round(t, 1), "rss_kb": kb} for i, t, kb in samples],
        "events": len(events), "failures": failures,
    }
    for i, t, kb in samples:
        print("  %s: after %7d invocations (%6.1f s) VmRSS %6.1f MB" % (function, i, t, kb / 1024), file=sys.stderr)
    print(json.dumps(summary))
    for f in failures:
        print("FAIL %s: %s" % (function, f), file=sys.stderr)
    sys.exit(1 if failures else 0)


def report(paths):
    """The Soak section of docs/benchmarks.md from the drivers' summaries."""
    runs = [json.load(open(p)) for p in paths]
    mb = lambda kb: "%.1f" % (kb / 1024)
    lines = [
        "## Soak",
        "",
        "Written by `scripts/bench soak` on %s (%d cores, %s). One warm handler process behind `lambda-local` answers"
        % (time.strftime("%Y-%m-%d"), os.cpu_count(), os.uname().machine),
        "the events in turn, good and bad, posted one after another over one keep-alive connection to the",
        "Invoke API (`scripts/soak_driver.py`); the market is generated (300 Pops, 2 years), the model",
        "trained on it with 200 rounds at eta 0.2. RSS is `VmRSS` of the handler process (not the",
        "emulator) after invocation 1,000 and at the end; the target is growth <= 1 MB, no 5xx, no",
        "function error other than a client error, and the same process from first to last answer.",
        "`predict-batch` posts 100-Pop batches of the catalog's ids (payload 2.0, REST API 1.0, a direct",
        "invocation, 99 known ids and an unknown one: a 200 with a per-id error, an unknown condition:",
        "400) and the sample batches (`events/predict-batch.json`, 101 ids, an empty list). Invocations",
        "per second depend on what else the machine runs (load average %.2f %.2f %.2f at the end of the"
        % os.getloadavg(),
        "run); the targets do not.",
        "",
        "| function | events in turn | invocations | seconds | invocations/s | RSS at 1,000 MB | RSS at end MB | growth kB | peak RSS MB | starts |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in runs:
        lines.append("| `%s` | %d | %s | %.1f | %.0f | %s | %s | %+d | %s | %s |" % (
            r["function"], r["events"], format(r["invocations"], ","), r["seconds"], r["per_second"],
            mb(r["rss_kb_at_1000"]), mb(r["rss_kb_at_end"]), r["growth_kb"], mb(r["peak_rss_kb"]),
            r["handler_starts"]))
    lines += ["", "Answers (the HTTP status inside the API Gateway response; `direct` a direct invocation's",
              "answer; `error T` a function error of type T, how a direct invocation's 4xx comes back):", "",
              "| function | answers |", "|---|---|"]
    for r in runs:
        lines.append("| `%s` | %s |" % (r["function"], ", ".join(
            "%s: %s" % (k, format(v, ",")) for k, v in r["status_counts"].items())))
    lines += ["", "RSS along the run (MB after that many invocations):", ""]
    for r in runs:
        lines.append("- `%s`: %s" % (r["function"], ", ".join(
            "%s: %s" % (format(x["invocation"], ","), mb(x["rss_kb"])) for x in r["samples"])))
    lines += [
        "",
        "What the first runs found, both fixed: `LambdaRuntime` exported each invocation's trace id with",
        "`setenv`, and glibc keeps every value `setenv` replaced, so a warm `predict` grew 5.0 MB over",
        "29,000 invocations (about 170 bytes each; a C loop of `setenv` alone: 14 MB per 100,000); the",
        "variable is now one buffer rewritten in place (`TraceEnvironment`). And `lambda-local` answered",
        "11 invocations a second: FlyingFox writes a response's header and body separately, and with",
        "Nagle's algorithm on the body waited for the peer's delayed acknowledgement (40 ms) on every",
        "kept-alive connection; its sockets now have `TCP_NODELAY` (`NoDelaySocketPool`).",
    ]
    print("\n".join(lines))


if sys.argv[1] == "--report":
    report(sys.argv[2:])
else:
    main()
