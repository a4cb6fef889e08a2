"""tools/doctor.py: what `make` says when the machine lacks something (before any install)."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCTOR = ROOT / "tools" / "doctor.py"

sys.path.insert(0, str(DOCTOR.parent))
import doctor  # noqa: E402


def run(*args, env=None):
    return subprocess.run([sys.executable, str(DOCTOR), *args], capture_output=True, text=True,
                          cwd=ROOT, env=env)


@pytest.mark.parametrize("version", [(3, 10), (3, 13), (2, 7)])
def test_an_unsupported_python_is_named_with_the_fix(version):
    status, line = doctor._python(version)
    assert status == "fail"
    assert "Python %d.%d is not supported" % version in line
    assert "make PYTHON=python3.11" in line


def test_the_tested_python_passes_and_312_warns():
    assert doctor._python((3, 11))[0] == "ok"
    assert doctor._python((3, 12))[0] == "warn"


def test_a_missing_required_library_stops_with_its_apt_line(monkeypatch, capsys):
    monkeypatch.setattr(doctor.ctypes.util, "find_library",
                        lambda name: None if name.startswith("pango") else "lib" + name)
    assert doctor.main(["--preflight"]) == 1
    err = capsys.readouterr().err
    assert "FAIL    Pango: libpango-1.0, libpangoft2-1.0 not found" in err
    assert "Required" in err and "apt-get install -y libpango-1.0-0 libpangoft2-1.0-0" in err


def test_a_missing_optional_library_is_named_but_does_not_stop(monkeypatch, capsys):
    monkeypatch.setattr(doctor.ctypes.util, "find_library",
                        lambda name: None if name == "harfbuzz-subset" else "lib" + name)
    assert doctor.main([]) == 0
    out = capsys.readouterr().out
    assert "absent  HarfBuzz subsetter" in out
    assert "Optional" in out and "apt-get install -y libharfbuzz-subset0" in out
    # The preflight that `make` runs says nothing of optional parts.
    assert doctor.main(["--preflight"]) == 0
    assert capsys.readouterr().out == ""


def test_a_port_in_use_for_make_run_is_named(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        result = run("--serve", str(port), env={"PORTAL_INSTANCE_PATH": str(tmp_path)})
    assert result.returncode == 1
    assert f"port {port} on 127.0.0.1 is already in use" in result.stderr
    assert "make run PORT=8000" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_instance_folder_that_cannot_be_written_is_named(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = run("--serve", str(port), env={"PORTAL_INSTANCE_PATH": str(blocker / "instance")})
    assert result.returncode == 1
    assert f"the instance folder {blocker / 'instance'} is not writable" in result.stderr
    assert "PORTAL_INSTANCE_PATH" in result.stderr
    assert "Traceback" not in result.stderr


def test_ci_installs_only_what_the_readme_names():
    """The apt line in the README is the doctor's, and .ci/run installs from the doctor."""
    readme = (ROOT / "README.md").read_text()
    required = run("--apt").stdout.split()
    for_ci = run("--apt", "ci").stdout.split()
    everything = run("--apt", "all").stdout.split()
    assert set(required) <= set(for_ci) <= set(everything)
    for package in everything:
        assert package in readme, f"{package} is not named in the README"
    ci = (ROOT / ".ci" / "run").read_text()
    assert "tools/doctor.py --apt ci" in ci
    assert "make doctor" in ci and "make audit" in ci and "make test" in ci
    assert "make lint" in ci
