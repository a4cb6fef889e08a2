"""Hide HarfBuzz's subsetter from WeasyPrint, as on a machine without libharfbuzz-subset0.
Imported before WeasyPrint (tests/test_optional_libraries.py), so its import finds no library."""

import cffi

_real_dlopen = cffi.FFI.dlopen
_hidden: list[str] = []


def _dlopen(self, name, *args, **kwargs):
    if "harfbuzz-subset" in str(name):
        _hidden.append(str(name))
        raise OSError(f"{name}: hidden by tests/without_harfbuzz_subset.py")
    return _real_dlopen(self, name, *args, **kwargs)


cffi.FFI.dlopen = _dlopen

