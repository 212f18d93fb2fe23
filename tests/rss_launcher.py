"""Run a command and write its exit code and peak RSS (os.wait4) as JSON: `rss_launcher.py OUT.json CMD...`.

A process started straight from the test process would report the test process's size as its own peak (Linux
carries the high-water mark of the image it replaces across exec); this small launcher is that image instead.
SIGTERM and SIGINT are passed on to the command, so a worker run under it shuts down cleanly.
"""

import json
import os
import signal
import subprocess
import sys


def main() -> None:
    out, command = sys.argv[1], sys.argv[2:]
    proc = subprocess.Popen(command)
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda n, _frame: proc.send_signal(n))
    _pid, status, usage = os.wait4(proc.pid, 0)
    with open(out, "w") as fh:
        json.dump({"exit": os.waitstatus_to_exitcode(status), "peak_mb": usage.ru_maxrss / 1024}, fh)


if __name__ == "__main__":
    main()
