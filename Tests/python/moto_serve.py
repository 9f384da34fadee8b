"""Runs a moto server on loopback for the Swift tests and exits when the test process does.

Usage: moto_serve.py PORT PARENT_PID [--check-signatures]

One process (moto in a thread, this loop watching the parent), so nothing outlives the tests.
With --check-signatures, the first 3 requests may be unsigned (moto_setup.py uses them to create
an IAM user); every later request must carry a valid SigV4 signature.
"""
import os
import sys
import time

port, parent = int(sys.argv[1]), int(sys.argv[2])
if "--check-signatures" in sys.argv:
    os.environ["INITIAL_NO_AUTH_ACTION_COUNT"] = "3"

from moto.server import ThreadedMotoServer  # noqa: E402  (reads the setting at import)

server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
server.start()
try:
    while True:
        try:
            os.kill(parent, 0)
        except ProcessLookupError:
            break
        if os.getppid() != parent:  # reparented: the test process is gone (or a zombie)
            break
        time.sleep(0.5)
finally:
    server.stop()
    os._exit(0)
