"""Runs a command when the given process is gone: how the tests make sure a server they started
(PostgreSQL) stops when the test runner does, however it ends.

Usage: watchdog.py PARENT_PID COMMAND [ARGS...]
"""
import os
import subprocess
import sys
import time

parent = int(sys.argv[1])
while True:
    try:
        os.kill(parent, 0)
    except ProcessLookupError:
        break
    if os.getppid() != parent:
        break
    time.sleep(0.5)
subprocess.run(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
