"""Lambda package figures for scripts/bench; run by scripts/bench-lambda as root.

    python3 scripts/bench_lambda.py ZIP_DIR BIN_DIR DATA_DIR [RUNS] [INVOCATIONS]

Prints a Markdown section: each zip's size (zipped, unzipped), the cold start of the predict
handler (exec -> first response through a Runtime API, model loaded) packaged and run in an
otherwise empty root (chroot, as /var/task/bootstrap) next to the same release binary unpacked
on this machine, and the peak RSS of a warm predict handler after INVOCATIONS invocations.

The Runtime API here is a small standard-library server (next / response / error / init error),
the same for every variant, so the figures differ only by what is started. Run with the
project's venv (scripts/bench-lambda does): its awslambdaric runs the reference handler.
"""
import http.server
import json
import os
import queue
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from importlib import metadata as package_metadata

ZIPS, BIN, DATA = sys.argv[1], sys.argv[2], sys.argv[3]
RUNS = int(sys.argv[4]) if len(sys.argv) > 4 else 15
INVOCATIONS = int(sys.argv[5]) if len(sys.argv) > 5 else 100
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HANDLERS = ["predict", "predict-batch", "history", "retrain-trigger", "status"]
MB = 1024 * 1024
AWSLAMBDARIC = package_metadata.version("awslambdaric")
# Sample events that predict answers with 200 (HTTP) or a prediction (direct).
# The production-like configuration (scripts/bench-lambda sets it up); absent: not measured.
PRODUCTION = ({"endpoint": os.environ["BENCH_AWS_ENDPOINT"], "bucket": os.environ["BENCH_BUCKET"],
               "parameter": os.environ["BENCH_DATABASE_PARAMETER"]} if os.environ.get("BENCH_AWS_ENDPOINT") else None)
PREDICT_EVENTS = ["predict.json", "predict-defaults.json", "predict-base64-body.json", "predict-rest-v1.json",
                  "predict-function-url.json", "predict-direct.json"]


class RuntimeAPI:
    """One function instance's Runtime API: events go in, (answer, seconds since `mark`) come out."""

    def __init__(self):
        self.events, self.answers = queue.Queue(), queue.Queue()
        api = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # else a reply's body waits for the client's delayed ACK

            def log_message(self, *args):
                pass

            def reply(self, status, body=b"", headers=()):
                self.send_response(status)
                for k, v in headers:
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                if self.path != "/2018-06-01/runtime/invocation/next":
                    return self.reply(404)
                api.first_next = api.first_next or time.monotonic()
                api.next_waiting.set()
                request_id, event = api.events.get()
                if request_id is None:  # shutting down
                    return self.reply(500)
                self.reply(200, event, [
                    ("Lambda-Runtime-Aws-Request-Id", request_id),
                    ("Lambda-Runtime-Deadline-Ms", str(int(time.time() * 1000) + 30000)),
                    ("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:000000000000:function:predict"),
                    ("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000;Sampled=0"),
                    ("Content-Type", "application/json")])

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                at = time.monotonic()
                if self.path.endswith("/response"):
                    api.answers.put((True, body, at))
                elif self.path.endswith("/error"):
                    api.answers.put((False, body, at))
                else:
                    return self.reply(404)
                self.reply(202, b'{"status":"OK"}')

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.handle_error = lambda *_: None  # a killed instance resets its connection
        self.first_next = None
        self.next_waiting = threading.Event()  # an instance is waiting in `next`
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.address = "127.0.0.1:%d" % self.server.server_address[1]
        self.count = 0

    def send(self, event):
        self.count += 1
        self.events.put(("%08d-0000-4000-8000-000000000000" % self.count, event))

    def answer(self, timeout=60):
        ok, body, at = self.answers.get(timeout=timeout)
        if not ok:
            raise RuntimeError("function error: %s" % body[:300])
        return body, at

    def close(self):
        self.events.put((None, None))
        self.server.shutdown()
        self.server.server_close()


def lambda_env(api, task_root, data):
    """What Lambda sets for a provided.al2023 function, and the data; nothing inherited."""
    return {
        "AWS_LAMBDA_RUNTIME_API": api.address, "AWS_LAMBDA_FUNCTION_NAME": "predict",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
        "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/predict", "AWS_LAMBDA_LOG_STREAM_NAME": "bench",
        "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1", "_HANDLER": "predict",
        "LAMBDA_TASK_ROOT": task_root, "LAMBDA_RUNTIME_DIR": "/var/runtime", "LANG": "en_US.UTF-8", "TZ": ":UTC",
        "PATH": "/usr/local/bin:/usr/bin/:/bin:/opt/bin",
        "LD_LIBRARY_PATH": "/var/lang/lib:/lib64:/usr/lib64:/var/runtime:/var/runtime/lib:/var/task:/var/task/lib:/opt/lib",
        "FUNKO_DB": data + "/funko.sqlite", "FUNKO_DATA_DIR": data + "/store",
    }


def production_env(api):
    """The packaged function as deployed: the database URL from an SSM parameter, the artifacts in
    S3 (moto and PostgreSQL on loopback, set up by scripts/bench-lambda), no local data."""
    env = lambda_env(api, "/var/task", "/nonexistent")
    del env["FUNKO_DB"], env["FUNKO_DATA_DIR"]
    env.update({
        "AWS_ACCESS_KEY_ID": "AKIDBENCH", "AWS_SECRET_ACCESS_KEY": "bench-secret-key",
        "AWS_ENDPOINT_URL": PRODUCTION["endpoint"], "MODEL_BUCKET": PRODUCTION["bucket"],
        "DATABASE_URL_PARAMETER": PRODUCTION["parameter"],
    })
    return env


# The reference for the warm round trip: a Python handler that does nothing, under AWS's own
# runtime interface client (awslambdaric), started the way Lambda's Python runtime starts it.
TRIVIAL_HANDLER = "def handler(event, context):\n    return {\"statusCode\": 200, \"body\": \"{}\"}\n"


def start(variant, api, log_path=os.devnull):
    """Starts one instance (its log lines to log_path); returns the process and the time of the exec."""
    if variant == "python":
        cmd, env = [sys.executable, "-m", "awslambdaric", "trivial.handler"], lambda_env(api, trivial_root, DATA)
        env["PYTHONPATH"] = trivial_root
    elif variant == "unpacked":
        cmd, env = [BIN + "/predict"], lambda_env(api, BIN, DATA)
    elif variant == "production":
        cmd, env = ["/usr/sbin/chroot", empty_root, "/var/task/bootstrap"], production_env(api)
    else:
        cmd, env = ["/usr/sbin/chroot", empty_root, "/var/task/bootstrap"], lambda_env(api, "/var/task", "/tmp/data")
    with open(log_path, "wb") as log:
        t0 = time.monotonic()
        p = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log, cwd="/")
    return p, t0


def stop(p, api):
    p.send_signal(signal.SIGKILL)
    p.wait()
    api.close()


def cold_start(variant, event):
    """Milliseconds from exec to the answer and to the first `next`, and the steps between: exec and
    dynamic linking up to `main` (from the handler's CLOCK_MONOTONIC `mainAtMonotonic`, the clock
    time.monotonic reads), the handler's own "cold start" steps, and the answer's trip to the API."""
    api = RuntimeAPI()
    api.send(event)  # waiting before the exec, as on Lambda
    log_path = tempfile.mktemp(prefix="funko-bench-cold.")
    p, t0 = start(variant, api, log_path)
    try:
        _, at = api.answer()
        total = (at - t0) * 1000
        profile = None
        for attempt in range(200):  # the line follows the answer; wait for it, not for a fixed time
            with open(log_path, "rb") as f:
                lines = [json.loads(l) for l in f if l.startswith(b"{") and b'"cold start"' in l]
            if lines:
                profile = lines[0]
                break
            time.sleep(0.01)
        if profile is None:
            raise RuntimeError("%s logged no cold start line" % variant)
        steps = [("exec and dynamic linking", (profile["mainAtMonotonic"] - t0) * 1000)]
        steps += [(s["step"], s["ms"]) for s in profile["steps"]]
        steps.append(("answer reaches the Runtime API", total - sum(ms for _, ms in steps)))
        return total, (api.first_next - t0) * 1000, steps
    finally:
        stop(p, api)
        os.unlink(log_path)


def warm(variants, events):
    """One instance of each variant, all started before the first invocation and invoked in turn
    (so every variant sees the same machine), INVOCATIONS invocations each. Per variant: VmHWM and
    VmRSS (MB) after them (the exec chain keeps the pid), and each warm round trip in ms: from the
    event's release to a `next` already waiting, to the response's arrival (the first invocation,
    the cold one, left out)."""
    instances = {}
    try:
        for v in variants:
            api = RuntimeAPI()
            instances[v] = (api, start(v, api)[0], [])
        for i in range(INVOCATIONS + 1):
            for v in variants:
                api, _, trips = instances[v]
                if not api.next_waiting.wait(timeout=60):
                    raise RuntimeError("%s never asked for an event" % v)
                api.next_waiting.clear()
                t0 = time.monotonic()
                api.send(events[i % len(events)])
                _, at = api.answer()
                if i > 0:
                    trips.append((at - t0) * 1000)
        out = {}
        for v, (_, p, trips) in instances.items():
            status = dict(line.split(":", 1) for line in open("/proc/%d/status" % p.pid))
            kb = lambda k: int(status[k].split()[0]) / 1024
            out[v] = (kb("VmHWM"), kb("VmRSS"), os.readlink("/proc/%d/exe" % p.pid), trips)
        return out
    finally:
        for api, p, _ in instances.values():
            stop(p, api)


def read(name):
    with open(os.path.join(ROOT, "events", name), "rb") as f:
        return f.read()


def exec_reference():
    """Milliseconds from Popen to the exit of a static binary that does nothing: the harness's own
    share of "exec and dynamic linking"."""
    times = []
    for _ in range(RUNS):
        t0 = time.monotonic()
        subprocess.run(["/bin/busybox", "true"], check=True)
        times.append((time.monotonic() - t0) * 1000)
    return statistics.median(times)


# Sizes
size_rows = []
for h in HANDLERS:
    path = os.path.join(ZIPS, h + ".zip")
    with zipfile.ZipFile(path) as z:
        infos = z.infolist()
        binary = next(i.file_size for i in infos if i.filename == "bin/" + h)
        libs = sum(i.file_size for i in infos if i.filename.startswith("lib/"))
        size_rows.append((h, os.path.getsize(path), sum(i.file_size for i in infos), binary, libs, len(infos)))

# The empty root: the predict zip in /var/task, a static /bin/sh, the data in /tmp/data.
empty_root = tempfile.mkdtemp(prefix="funko-bench-root.")
try:
    os.makedirs(empty_root + "/var/task")
    os.makedirs(empty_root + "/bin")
    subprocess.run(["unzip", "-q", os.path.join(ZIPS, "predict.zip"), "-d", empty_root + "/var/task"], check=True)
    shutil.copy2("/bin/busybox", empty_root + "/bin/sh")
    shutil.copytree(DATA, empty_root + "/tmp/data")

    predict = read("predict.json")
    variants = ["unpacked", "packaged"] + (["production"] if PRODUCTION else [])
    for v in variants:  # warm the page cache; not counted
        cold_start(v, predict)
    cold = {v: [] for v in variants}
    init = {v: [] for v in variants}
    profile = {v: {} for v in variants}  # step -> [ms per run], in the order the steps come
    for _ in range(RUNS):  # interleaved, so both see the same machine
        for v in variants:
            total, ready, steps = cold_start(v, predict)
            cold[v].append(total)
            init[v].append(ready)
            for name, ms in steps:
                profile[v].setdefault(name, []).append(ms)
    events = [read(e) for e in PREDICT_EVENTS]
    trivial_root = tempfile.mkdtemp(prefix="funko-bench-python.")
    with open(trivial_root + "/trivial.py", "w") as f:
        f.write(TRIVIAL_HANDLER)
    rss = warm(["unpacked", "packaged", "python"], events)
    shutil.rmtree(trivial_root, ignore_errors=True)
    exec_reference = exec_reference()
finally:
    shutil.rmtree(empty_root, ignore_errors=True)

db = sqlite3.connect(DATA + "/funko.sqlite")
pops = db.execute("select count(*) from funko_pops").fetchone()[0]
sales = db.execute("select count(*) from price_history").fetchone()[0]
db.close()
champion = json.load(open(DATA + "/store/models/champion.json"))["version"]
meta = json.load(open("%s/store/models/%s/metadata.json" % (DATA, champion)))
model_mb = os.path.getsize("%s/store/models/%s/model.tar.gz" % (DATA, champion)) / MB

med = {v: statistics.median(cold[v]) for v in variants}
out = []
w = out.append
w("## Lambda packages\n")
w("Written by `scripts/bench lambda` on %s (%d cores, %s). `scripts/package` zips, one per handler:"
  % (time.strftime("%Y-%m-%d", time.gmtime()), os.cpu_count(), os.uname().machine))
w("`bootstrap`, the stripped release binary (Swift standard library and Foundation linked in) and")
w("every shared library it loads, glibc and its loader included. Lambda's limits: 50 MB zipped,")
w("250 MB unzipped.\n")
w("| handler | zipped MB | unzipped MB | binary MB | lib/ MB | files |")
w("|---|---:|---:|---:|---:|---:|")
for h, zipped, unzipped, binary, libs, files in size_rows:
    w("| %s | %.1f | %.1f | %.1f | %.1f | %d |" % (h, zipped / MB, unzipped / MB, binary / MB, libs / MB, files))
w("")
w("Cold start of `predict`: exec → first response through a local Runtime API (`scripts/bench_lambda.py`),")
w("`events/predict.json`, the model loaded during it (%s Pops, %s sales, a champion of %d trees, %.1f MB"
  % (format(pops, ","), format(sales, ","), meta["best_iteration"] + 1, model_mb))
w("`model.tar.gz`). *Packaged*: `chroot ROOT /var/task/bootstrap` in a root holding only the unpacked")
w("zip, a static busybox `/bin/sh` and the data (the bootstrap runs the binary through the bundled")
w("loader and lib/). *Unpacked*: the same release binary before stripping, run directly with this")
w("machine's libraries, in the same run. Median of %d runs each, interleaved, after one warm-up run each.\n" % RUNS)
w("| | median ms | min ms | max ms | of which exec → first `next` (init), median ms |")
w("|---|---:|---:|---:|---:|")
names = {"packaged": "packaged zip in an empty root", "unpacked": "unpacked binary (reference)",
         "production": "packaged, production-like (PostgreSQL, its URL in SSM, artifacts in S3)"}
for v in ["packaged", "unpacked"] + (["production"] if PRODUCTION else []):
    w("| %s | %.1f | %.1f | %.1f | %.1f |" % (names[v], med[v], min(cold[v]), max(cold[v]), statistics.median(init[v])))
w("| ratio packaged / unpacked | %.2f | | | |" % (med["packaged"] / med["unpacked"]))
w("")
w("Where the cold start goes: the handler logs each start-up step's end once (`StartupProfile`, the")
w("\"cold start\" log line after the first answer); exec and dynamic linking is from the exec to `main`.")
w("Medians over the same runs (so the steps need not add up to the median total). For scale, this")
w("harness starts a static busybox `true` and sees it exit in %.2f ms (median of %d).\n" % (exec_reference, RUNS))
columns = ["packaged", "unpacked"] + (["production"] if PRODUCTION else [])
w("| step | " + " | ".join({"packaged": "packaged ms", "unpacked": "unpacked ms",
                            "production": "production-like ms"}[c] for c in columns) + " |")
w("|---|" + "---:|" * len(columns))
order = list(profile[columns[-1]])  # production-like has every step (the SSM read too)
order += [n for n in profile["packaged"] if n not in order]
for name in order:
    w("| %s | " % name + " | ".join(
        "%.2f" % statistics.median(profile[c][name]) if name in profile[c] else "-" for c in columns) + " |")
w("")
w("Peak RSS (`VmHWM` of the handler process) of a warm `predict` after %d invocations (the %d predict"
  % (INVOCATIONS, len(PREDICT_EVENTS)))
w("sample events in turn), against Lambda's smallest memory size of 128 MB:\n")
w("| | peak RSS MB | RSS at the end MB |")
w("|---|---:|---:|")
for v in ["packaged", "unpacked"]:
    w("| %s | %.1f | %.1f |" % (names[v], rss[v][0], rss[v][1]))
w("")
pct = lambda v, q: sorted(v)[min(len(v) - 1, int(q * len(v)))]
w("Warm round trip over the same %d invocations, the three instances invoked in turn: from the" % INVOCATIONS)
w("event's release to a `next` already waiting, to the response's arrival at the Runtime API. The")
w("reference is a Python handler that only returns, under AWS's own runtime interface client")
w("(awslambdaric %s), through the same harness.\n" % AWSLAMBDARIC)
w("| | p50 ms | p90 ms | p99 ms | p50 / reference |")
w("|---|---:|---:|---:|---:|")
names["python"] = "trivial Python handler under awslambdaric (reference)"
ref = statistics.median(rss["python"][3])
for v in ["packaged", "unpacked", "python"]:
    t = rss[v][3]
    w("| %s | %.3f | %.3f | %.3f | %.2f |" % (names[v], statistics.median(t), pct(t, 0.9), pct(t, 0.99),
                                             statistics.median(t) / ref))
print("\n".join(out))
print("bench_lambda: cold start ms %s; init ms %s; rss %s" % ({v: [round(x, 1) for x in cold[v]] for v in variants},
      {v: [round(x, 1) for x in init[v]] for v in variants}, {v: r[:3] for v, r in rss.items()}), file=sys.stderr)
