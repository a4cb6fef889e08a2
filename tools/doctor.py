"""What the portal needs from the machine, checked before anything is installed.

    python3 tools/doctor.py              every check, one line each; exit 1 if a required one fails
    python3 tools/doctor.py --preflight  only what stops `make`: silent when all is well
    python3 tools/doctor.py --serve PORT the preflight, plus a free port and a writable instance
    python3 tools/doctor.py --apt [ci|all]  the Debian packages of the required checks (with `ci`:
                                         and the optional ones CI installs; with `all`: every one)

Run by the system Python before the virtualenv exists, so it uses the standard library only and
keeps to syntax that older Pythons parse: an unsupported Python gets this script's message, not
a syntax error. The same table feeds the README's list and `.ci/run`'s install line.
"""

import ctypes.util
import errno
import os
import shutil
import socket
import sys

TESTED = (3, 11)
ACCEPTED = ((3, 11), (3, 12))


def _python(found=None):
    found = tuple(found or sys.version_info[:2])
    name = "Python %d.%d" % found
    if found in ACCEPTED:
        if found != TESTED:
            return "warn", name + " (accepted; CI tests 3.11)"
        return "ok", name
    return "fail", (name + " is not supported: the portal needs Python 3.11 (3.12 accepted). "
                    "Install python3.11 and run `make PYTHON=python3.11 ...`")


def _venv():
    try:
        import ensurepip  # noqa: F401  (Debian splits it out of python3 into python3-venv)
        import venv  # noqa: F401
    except ImportError:
        return "fail", "the venv module (with ensurepip) is missing"
    return "ok", "venv and ensurepip"


def _library(*names):
    def check():
        missing = [n for n in names if not ctypes.util.find_library(n)]
        if missing:
            return "fail", "lib" + ", lib".join(missing) + " not found"
        return "ok", "lib" + ", lib".join(names)
    return check


def _program(name):
    def check():
        path = shutil.which(name)
        return ("ok", path) if path else ("fail", name + " not found")
    return check


# Optional packages that CI installs all the same, so that the tests needing them always run there.
CI_INSTALLS = {"chromium"}

# (what, required?, Debian packages, what it is for, check)
CHECKS = [
    ("Python", True, "python3.11", "runs the portal", _python),
    ("venv", True, "python3.11-venv", "creates .venv for `make`", _venv),
    ("Pango", True, "libpango-1.0-0 libpangoft2-1.0-0",
     "lays out and shapes text (Arabic included) in briefing-pack PDFs (WeasyPrint)",
     _library("pango-1.0", "pangoft2-1.0")),
    ("HarfBuzz subsetter", False, "libharfbuzz-subset0",
     "subsets fonts in packs several times faster; without it fontTools does it (same PDF)",
     _library("harfbuzz-subset")),
    ("wrk", False, "wrk", "the HTTP load client of `make bench`", _program("wrk")),
    ("Chromium", False, "chromium",
     "the real-browser tests in tests/browser; without it they are skipped with one line",
     _program("chromium")),
]


def _instance_writable():
    path = os.environ.get("PORTAL_INSTANCE_PATH") or os.path.join(os.getcwd(), "instance")
    try:
        os.makedirs(path, exist_ok=True)
        probe = os.path.join(path, ".doctor-probe")
        with open(probe, "w") as f:
            f.write("ok")
        os.remove(probe)
    except OSError as exc:
        return "fail", ("the instance folder %s is not writable (%s): make it writable by this "
                        "user or set PORTAL_INSTANCE_PATH to a folder that is"
                        % (path, exc.strerror or exc))
    return "ok", path + " is writable"


def _port_free(port):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind(("127.0.0.1", port))
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            return "fail", ("port %d on 127.0.0.1 is already in use (another `make run`?): stop "
                            "that server or choose another port, e.g. `make run PORT=8000`" % port)
        return "fail", "port %d cannot be used: %s" % (port, exc.strerror or exc)
    finally:
        sock.close()
    return "ok", "port %d is free" % port


def _report(rows, quiet):
    """Print the rows (all, or with `quiet` only failures and warnings); True if none failed."""
    ok = True
    for what, required, packages, purpose, (status, detail) in rows:
        if status == "fail" and not required:
            status = "missing"
        if status == "fail":
            ok = False
        if quiet and status == "ok":
            continue
        label = {"ok": "ok     ", "warn": "warning", "missing": "absent ", "fail": "FAIL   "}
        line = "%s %s: %s" % (label[status], what, detail)
        if status in ("fail", "missing") and packages:
            line += ". %s, for: %s. Install: sudo apt-get install -y %s" % (
                "Required" if required else "Optional", purpose, packages)
        print(line, file=sys.stderr if status == "fail" else sys.stdout)
    return ok


def main(argv):
    if "--apt" in argv:
        wanted = [p for _, required, p, _, _ in CHECKS
                  if p and not p.startswith("python3")
                  and (required or "all" in argv or ("ci" in argv and p in CI_INSTALLS))]
        print(" ".join(wanted))
        return 0
    serve_port = None
    if "--serve" in argv:
        try:
            serve_port = int(argv[argv.index("--serve") + 1])
        except (IndexError, ValueError):
            print("doctor: --serve takes a port number, e.g. --serve 5000", file=sys.stderr)
            return 2
    preflight = "--preflight" in argv or serve_port is not None
    rows = [(what, required, packages, purpose, check())
            for what, required, packages, purpose, check in CHECKS
            if required or not preflight]
    if serve_port is not None:
        rows.append(("instance folder", True, "", "", _instance_writable()))
        rows.append(("port", True, "", "", _port_free(serve_port)))
    ok = _report(rows, quiet=preflight)
    if not preflight:
        print("Tests: PostgreSQL and Redis are optional; `make test` uses them when "
              "PORTAL_TEST_DATABASE_URL and PORTAL_TEST_REDIS_URL are set (README, Tests).")
    if not ok:
        print("doctor: mend the line marked FAIL above, then run the command again.",
              file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
