"""Plain data across the sandbox wall: JSON for the structure, one .npz for the arrays.

The grader and the sandboxed learner's process exchange case inputs and results through
files. Nothing here unpickles, imports or calls anything named in a file: a results file
written by untrusted code can only ever decode to the data types below.

`dump(obj, folder, "results")` writes `results.json` and `results.npz`;
`load(folder, "results", max_bytes=...)` reads them back. Supported, nested to any depth up
to 50:
- None, bool, int, float (nan and ±inf too), str;
- list, tuple (kept apart: a tuple comes back a tuple), dict with str keys;
- NumPy arrays of bool, int, uint, float or complex dtype, and NumPy scalars of those
  dtypes (they come back with their exact dtype);
- `np.random.Generator`, encoded by its bit generator's name and state: it comes back as a
  generator that draws the same numbers.

Anything else is refused with a `TypeError` or `ValueError` naming where it sits inside the
object, e.g. ``results['exercises']['he_init'][0]``.

The JSON encoding: JSON null, booleans, integers, finite floats, strings and arrays stand
for themselves; every other value is an object with one tag key: ``{"$dict": {...}}``,
``{"$tuple": [...]}``, ``{"$float": "nan"}``, ``{"$array": "a0"}``, ``{"$scalar": "a1"}``
(a 0-d array in the .npz), ``{"$generator": "PCG64", "state": ...}``. Dicts are always
tagged, so a learner's dict can never pass for a tag.
"""

from __future__ import annotations

import io
import json
import math
import os
import re
import stat
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["MAX_DEPTH", "PHASE_FILE", "dump", "load"]

#: How far a job got, written by the runner before any learner code runs: "started" (the
#: runner is running in the sandbox), then "kernel" (the notebook's kernel started). A job
#: that ends without results short of "kernel" failed for the grader's reasons, not the
#: learner's. (Learner code can overwrite it, but only to make its own submission look
#: ungraded, never to earn a point.)
PHASE_FILE = "phase"

MAX_DEPTH = 50
"""The deepest nesting of lists, tuples and dicts that `dump` writes and `load` reads."""

# The bit generators NumPy ships; `load` builds only these, looked up by name in this table.
_BIT_GENERATORS = {
    "MT19937": np.random.MT19937,
    "PCG64": np.random.PCG64,
    "PCG64DXSM": np.random.PCG64DXSM,
    "Philox": np.random.Philox,
    "SFC64": np.random.SFC64,
}
_DTYPE_KINDS = "biufc"  # bool, int, uint, float, complex
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}")
_ARRAY_KEY = re.compile(r"a[0-9]{1,9}")
_NON_FINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}
# Python refuses to convert ints of more than 4300 digits to text (or back): say so early.
_MAX_INT_BITS = 14_000


def _check_name(name: str) -> None:
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ValueError(
            f"wire: the name {name!r} must be a plain file name stem (letters, digits, '_', "
            "'.', '-'; no folder), such as 'results'."
        )


# ---------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------


class _Encoder:
    """Turn an object into JSON-ready data, collecting its arrays for the .npz."""

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}

    def _store(self, array: np.ndarray) -> str:
        key = f"a{len(self.arrays)}"
        self.arrays[key] = array
        return key

    def encode(self, obj: Any, path: str, depth: int) -> Any:
        # Exact types: a subclass (an IntEnum, a namedtuple, a defaultdict) might not come
        # back as what it was, so it is refused rather than quietly changed.
        if obj is None or type(obj) is bool or type(obj) is str:
            return obj
        if type(obj) is int:
            if obj.bit_length() > _MAX_INT_BITS:
                raise ValueError(f"{path}: this int has more than 4000 digits; it cannot be "
                                 "written. Send a float or an array instead.")
            return obj
        if type(obj) is float:
            if math.isfinite(obj):
                return obj
            return {"$float": "nan" if math.isnan(obj) else ("inf" if obj > 0 else "-inf")}
        if isinstance(obj, np.ndarray | np.generic):
            return self._encode_numpy(obj, path)
        if isinstance(obj, np.random.Generator):
            return self._encode_generator(obj, path, depth)
        if type(obj) in (list, tuple, dict):
            if depth >= MAX_DEPTH:
                raise ValueError(f"{path}: nested more than {MAX_DEPTH} levels deep (lists, "
                                 "tuples and dicts); flatten the data.")
            if type(obj) is dict:
                items = {}
                for key, value in obj.items():
                    if not isinstance(key, str):
                        raise TypeError(f"{path}: dict keys must be str, but one is "
                                        f"{type(key).__name__} {key!r}.")
                    items[str(key)] = self.encode(value, f"{path}[{key!r}]", depth + 1)
                return {"$dict": items}
            values = [self.encode(v, f"{path}[{i}]", depth + 1) for i, v in enumerate(obj)]
            return values if type(obj) is list else {"$tuple": values}
        raise TypeError(
            f"{path}: {type(obj).__module__}.{type(obj).__qualname__} can't be written. wire "
            "takes None, bool, int, float, str, list, tuple, dict with str keys, NumPy arrays "
            "and scalars (bool, int, uint, float, complex) and np.random.Generator."
        )

    def _encode_numpy(self, obj: np.ndarray | np.generic, path: str) -> dict[str, str]:
        dtype = obj.dtype
        if dtype.kind not in _DTYPE_KINDS or dtype.names is not None or dtype.subdtype:
            raise TypeError(
                f"{path}: a NumPy {'array' if isinstance(obj, np.ndarray) else 'scalar'} of "
                f"dtype {dtype} can't be written; only bool, int, uint, float and complex "
                "dtypes can (an object array may hold anything: convert it, e.g. "
                ".astype(float), or send a list)."
            )
        if isinstance(obj, np.ndarray):
            # A subclass (np.matrix, a masked array) is written as its plain data.
            return {"$array": self._store(np.array(obj, copy=True, subok=False))}
        return {"$scalar": self._store(np.asarray(obj))}

    def _encode_generator(self, gen: np.random.Generator, path: str, depth: int) -> dict:
        name = type(gen.bit_generator).__name__
        if _BIT_GENERATORS.get(name) is not type(gen.bit_generator):
            raise TypeError(f"{path}: a Generator driven by {name} can't be written; use one "
                            f"of NumPy's own bit generators ({', '.join(_BIT_GENERATORS)}).")
        state = self.encode(gen.bit_generator.state, f"{path}.bit_generator.state", depth + 1)
        return {"$generator": name, "state": state}


def _write_atomically(path: Path, write: Any) -> None:
    """Write through a temporary file, so a reader never sees half a file."""
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as f:
        write(f)
    os.replace(tmp, path)


def dump(obj: Any, folder: Path, name: str) -> None:
    """Write `obj` as `folder/name.json` (its structure) and `folder/name.npz` (its arrays).

    Args:
        obj: Nested data of the types listed in the module docstring.
        folder: An existing folder.
        name: The file name stem, e.g. "results".

    Raises:
        TypeError: If `obj` holds a value of another type (an object array, a dict with
            an int key, a custom class ...); the message says where, e.g.
            ``results[0]['velocity']``.
        ValueError: If it is nested deeper than `MAX_DEPTH`, or `name` is not a plain stem.
    """
    _check_name(name)
    folder = Path(folder)
    encoder = _Encoder()
    tree = encoder.encode(obj, name, 0)
    text = json.dumps({"wire": 1, "data": tree}, allow_nan=False, ensure_ascii=True)
    # Arrays first: a reader starts from the JSON, which then never points at a missing file.
    _write_atomically(folder / f"{name}.npz", lambda f: np.savez(f, **encoder.arrays))
    _write_atomically(folder / f"{name}.json", lambda f: f.write(text.encode("ascii")))


# ---------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------


def _read_regular_file(path: Path, max_bytes: int) -> bytes:
    """Read a file of at most max_bytes; refuse symlinks, hard links, FIFOs and devices.

    The folder is written by untrusted code: a symlink there could point at another
    student's results, or at the grader's own files.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        raise FileNotFoundError(f"wire: {path} does not exist.") from None
    except OSError as exc:  # ELOOP: a symlink
        raise ValueError(f"wire: {path} is not a regular file ({exc.strerror}).") from None
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_nlink != 1:
            raise ValueError(f"wire: {path} is not a plain file (a link, pipe or device).")
        if info.st_size > max_bytes:
            raise ValueError(f"wire: {path} is {info.st_size} bytes, over the limit of "
                             f"{max_bytes}.")
        data = f.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValueError(f"wire: {path} is over the limit of {max_bytes} bytes.")
    return data


def _read_arrays(data: bytes, where: Path, max_bytes: int) -> dict[str, np.ndarray]:
    """Parse an .npz from memory, checking every header before any array is allocated."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise ValueError(f"wire: {where} is not a valid .npz file ({exc}).") from None
    if sum(m.file_size for m in members) > max_bytes:
        raise ValueError(f"wire: the arrays in {where} unpack to more than {max_bytes} bytes.")
    arrays = {}
    for member in members:
        key = member.filename.removesuffix(".npy")
        if not member.filename.endswith(".npy") or not _ARRAY_KEY.fullmatch(key):
            raise ValueError(f"wire: {where} holds an unexpected member {member.filename!r}.")
        if member.compress_type != zipfile.ZIP_STORED:  # np.savez never compresses
            raise ValueError(f"wire: {where}: member {member.filename!r} is compressed.")
        try:
            raw = archive.read(member)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise ValueError(f"wire: {where}: member {member.filename!r} is damaged "
                             f"({exc}).") from None
        arrays[key] = _parse_npy(raw, f"{where}:{member.filename}")
    return arrays


def _parse_npy(raw: bytes, where: str) -> np.ndarray:
    fp = io.BytesIO(raw)
    try:
        version = np.lib.format.read_magic(fp)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(fp)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(fp)
        else:
            raise ValueError(f"unsupported .npy version {version}")
    except (ValueError, OSError, EOFError, SyntaxError, TypeError) as exc:
        raise ValueError(f"wire: {where} has a bad array header ({exc}).") from None
    if dtype.kind not in _DTYPE_KINDS or dtype.hasobject or dtype.names is not None \
            or dtype.subdtype is not None:
        raise ValueError(f"wire: {where} has dtype {dtype}; only bool, int, uint, float and "
                         "complex arrays are read (never object arrays).")
    count = math.prod(shape)
    # The header can claim any shape: check it against the bytes that are really there
    # before NumPy allocates the array.
    if count * dtype.itemsize != len(raw) - fp.tell():
        raise ValueError(f"wire: {where}: its header says shape {shape} of {dtype}, which "
                         "does not match the size of its data.")
    try:
        return np.lib.format.read_array(io.BytesIO(raw), allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise ValueError(f"wire: {where} could not be read ({exc}).") from None


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"the constant {name} is not JSON (non-finite floats are tagged)")


class _Decoder:
    def __init__(self, arrays: dict[str, np.ndarray], where: Path) -> None:
        self.arrays = arrays
        self.where = where

    def fail(self, path: str, what: str) -> ValueError:
        return ValueError(f"wire: {self.where}: {path}: {what}")

    def array(self, key: Any, path: str) -> np.ndarray:
        if not isinstance(key, str) or key not in self.arrays:
            raise self.fail(path, f"refers to an array {key!r} that the .npz does not hold.")
        return self.arrays[key]

    def decode(self, node: Any, path: str, depth: int) -> Any:
        if node is None or type(node) in (bool, int, float, str):
            return node
        if depth >= MAX_DEPTH and (type(node) is list or (
                type(node) is dict and set(node) & {"$dict", "$tuple", "$generator"})):
            raise self.fail(path, f"nested more than {MAX_DEPTH} levels deep.")
        if type(node) is list:
            return [self.decode(v, f"{path}[{i}]", depth + 1) for i, v in enumerate(node)]
        if type(node) is not dict or not node:
            raise self.fail(path, f"unexpected JSON value {type(node).__name__}.")
        tag = next(iter(node))
        body = node[tag]
        if tag == "$dict" and len(node) == 1 and type(body) is dict:
            return {k: self.decode(v, f"{path}[{k!r}]", depth + 1) for k, v in body.items()}
        if tag == "$tuple" and len(node) == 1 and type(body) is list:
            return tuple(self.decode(v, f"{path}[{i}]", depth + 1) for i, v in enumerate(body))
        if tag == "$float" and len(node) == 1 and body in _NON_FINITE:
            return _NON_FINITE[body]
        if tag == "$array" and len(node) == 1:
            return self.array(body, path).copy(order="K")
        if tag == "$scalar" and len(node) == 1:
            value = self.array(body, path)
            if value.ndim != 0:
                raise self.fail(path, f"a scalar must be a 0-d array, not shape {value.shape}.")
            return value[()]
        if tag == "$generator" and set(node) == {"$generator", "state"}:
            return self.generator(body, node["state"], path, depth)
        raise self.fail(path, f"unknown tag {tag!r} (or a malformed one).")

    def generator(self, name: Any, state: Any, path: str, depth: int) -> np.random.Generator:
        if not isinstance(name, str) or name not in _BIT_GENERATORS:
            raise self.fail(path, f"unknown bit generator {name!r}; expected one of "
                                  f"{', '.join(_BIT_GENERATORS)}.")
        bit_generator = _BIT_GENERATORS[name]()
        try:
            bit_generator.state = self.decode(state, f"{path}.state", depth + 1)
        except ValueError as exc:
            if str(exc).startswith("wire:"):
                raise
            raise self.fail(path, f"a bad {name} state ({exc}).") from None
        except (TypeError, KeyError, OverflowError) as exc:
            raise self.fail(path, f"a bad {name} state ({type(exc).__name__}: {exc}).") \
                from None
        return np.random.Generator(bit_generator)


def load(folder: Path, name: str, *, max_bytes: int) -> Any:
    """Read what `dump` wrote, treating the files as untrusted.

    Args:
        folder: The folder holding `name.json` and `name.npz`.
        name: The file name stem, e.g. "results".
        max_bytes: The most bytes accepted for the two files together, and for the arrays
            once unpacked.

    Returns:
        The data, with tuples as tuples, arrays and NumPy scalars in their own dtype, and
        generators rebuilt from their state.

    Raises:
        FileNotFoundError: If `name.json` is missing.
        ValueError: If a file is too large, not a plain file (a symlink, say), malformed
            JSON or .npz, or holds an unknown tag, a reference to a missing array (or a
            missing `name.npz`), an object array or nesting deeper than `MAX_DEPTH`.
    """
    _check_name(name)
    folder = Path(folder)
    json_path, npz_path = folder / f"{name}.json", folder / f"{name}.npz"
    text = _read_regular_file(json_path, max_bytes)
    try:
        document = json.loads(text.decode("utf-8"), parse_constant=_refuse_constant)
    except RecursionError:
        raise ValueError(f"wire: {json_path} is nested too deeply.") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"wire: {json_path} is not valid JSON ({exc}).") from None
    if type(document) is not dict or set(document) != {"wire", "data"} \
            or document["wire"] != 1:
        raise ValueError(f"wire: {json_path} is not a wire file (version 1).")
    arrays: dict[str, np.ndarray] = {}
    if os.path.lexists(npz_path):  # without it, any reference to an array is refused below
        raw = _read_regular_file(npz_path, max_bytes - len(text))
        arrays = _read_arrays(raw, npz_path, max_bytes)
    return _Decoder(arrays, json_path).decode(document["data"], name, 0)
