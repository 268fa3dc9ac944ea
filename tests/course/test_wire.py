"""The sandbox's wire: plain data through files, and files written by untrusted code refused."""

import copy
import io
import json
import math
import os
import zipfile

import numpy as np
import pytest

from backprop.course.sandbox import wire

MB = 2**20


def round_trip(obj, tmp_path, name="data"):
    wire.dump(obj, tmp_path, name)
    return wire.load(tmp_path, name, max_bytes=MB)


def write_raw(tmp_path, document, arrays=None, name="data"):
    """Write a wire file by hand, as a hostile process could."""
    (tmp_path / f"{name}.json").write_text(json.dumps(document))
    if arrays is not None:
        np.savez(tmp_path / f"{name}.npz", **arrays)


def test_plain_values_come_back_equal_and_of_the_same_type(tmp_path):
    obj = {
        "none": None, "yes": True, "no": False, "int": -7, "big": 2**100, "float": 0.1,
        "tiny": 5e-324, "str": "dW₁ ✓", "empty": "", "list": [1, [2, [3]]], "tuple": (1, (2.0,)),
        "empty_tuple": (), "empty_list": [], "nested": {"inner": {"deeper": [(), {}]}},
    }
    back = round_trip(obj, tmp_path)
    assert back == obj
    assert type(back["tuple"]) is tuple and type(back["tuple"][1]) is tuple
    assert type(back["list"]) is list and type(back["int"]) is int and type(back["float"]) is float
    assert type(back["yes"]) is bool


def test_non_finite_floats(tmp_path):
    back = round_trip([math.nan, math.inf, -math.inf, -0.0], tmp_path)
    assert math.isnan(back[0]) and back[1] == math.inf and back[2] == -math.inf
    assert math.copysign(1.0, back[3]) == -1.0
    assert "NaN" not in (tmp_path / "data.json").read_text()  # strict JSON


@pytest.mark.parametrize("dtype", [np.bool_, np.int8, np.int64, np.uint16, np.uint64,
                                   np.float16, np.float32, np.float64, np.complex64,
                                   np.complex128])
def test_arrays_and_scalars_keep_their_dtype(tmp_path, dtype):
    array = (np.arange(12).reshape(3, 4) % 3).astype(dtype)
    scalar = dtype(1)
    back = round_trip({"array": array, "scalar": scalar, "zero_d": np.array(2, dtype=dtype)},
                      tmp_path)
    assert isinstance(back["array"], np.ndarray) and back["array"].dtype == array.dtype
    np.testing.assert_array_equal(back["array"], array)
    assert isinstance(back["scalar"], np.generic) and not isinstance(back["scalar"], np.ndarray)
    assert back["scalar"].dtype == np.dtype(dtype) and back["scalar"] == scalar
    assert isinstance(back["zero_d"], np.ndarray) and back["zero_d"].shape == ()


def test_array_values_nan_empty_and_layout(tmp_path):
    arrays = [np.array([np.nan, np.inf, -1.5]), np.zeros((0, 3)),
              np.arange(6.0).reshape(2, 3).T, np.arange(5)[::2]]
    back = round_trip(arrays, tmp_path)
    for got, want in zip(back, arrays, strict=True):
        assert got.shape == want.shape
        np.testing.assert_array_equal(got, want)
    assert back[2].flags.f_contiguous  # a transposed array stays one
    assert back[0] is not back[1]


@pytest.mark.parametrize("bit_generator", [np.random.PCG64, np.random.PCG64DXSM,
                                           np.random.MT19937, np.random.Philox,
                                           np.random.SFC64])
def test_a_generator_comes_back_drawing_the_same_numbers(tmp_path, bit_generator):
    gen = np.random.Generator(bit_generator(123))
    gen.random(5)  # not at its start
    gen.standard_normal()  # normals keep no cache in a Generator, but draw from it anyway
    back = round_trip({"rng": gen, "args": (10, 4, gen)}, tmp_path)
    assert type(back["rng"].bit_generator) is bit_generator
    twin = copy.deepcopy(gen)
    np.testing.assert_array_equal(back["rng"].random(7), gen.random(7))
    np.testing.assert_array_equal(back["args"][2].permutation(10), twin.permutation(10))
    assert back["args"][2] is not back["rng"]  # each is its own generator, as dumped twice


def test_refusals_name_the_path_inside_the_object(tmp_path):
    cases = [
        ({"result": [{"velocity": np.array([1, "a"], dtype=object)}]},
         TypeError, r"result\['result'\]\[0\]\['velocity'\]: a NumPy array of dtype object"),
        ([{1: 2}], TypeError, r"x\[0\]: dict keys must be str, but one is int"),
        ((set(),), TypeError, r"x\[0\]: builtins.set can't be written"),
        ([np.random.RandomState(0)], TypeError, r"x\[0\]: numpy.random.mtrand.RandomState"),
        ([np.datetime64("2020-01-01")], TypeError, r"dtype datetime64"),
        ([np.array(["a"])], TypeError, r"dtype <U1"),
        ([10**5000], ValueError, r"x\[0\]: this int has more than 4000 digits"),
        ([object()], TypeError, r"x\[0\]: builtins.object"),
    ]
    for obj, error, pattern in cases:
        name = "result" if isinstance(obj, dict) else "x"
        with pytest.raises(error, match=pattern):
            wire.dump(obj, tmp_path, name)


def test_subclasses_are_refused_rather_than_changed(tmp_path):
    from collections import OrderedDict, namedtuple

    point = namedtuple("point", "x y")
    with pytest.raises(TypeError, match=r"x\[0\]: .*point can't be written"):
        wire.dump([point(1, 2)], tmp_path, "x")
    with pytest.raises(TypeError, match="OrderedDict"):
        wire.dump(OrderedDict(a=1), tmp_path, "x")


def test_nesting_depth_limit(tmp_path):
    deep = 0
    for _ in range(wire.MAX_DEPTH):
        deep = [deep]
    assert round_trip(deep, tmp_path) == deep
    with pytest.raises(ValueError, match="nested more than 50 levels"):
        wire.dump([deep], tmp_path, "x")
    # a hand-written file one level deeper is refused on reading too
    document = {"wire": 1, "data": 0}
    inner = 0
    for _ in range(wire.MAX_DEPTH + 1):
        inner = [inner]
    document["data"] = inner
    write_raw(tmp_path, document)
    with pytest.raises(ValueError, match="nested more than 50 levels"):
        wire.load(tmp_path, "data", max_bytes=MB)


def test_very_deep_json_is_refused_not_crashed(tmp_path):
    (tmp_path / "data.json").write_text('{"wire": 1, "data": ' + "[" * 100_000 + "]" * 100_000
                                        + "}")
    with pytest.raises(ValueError, match="nested too deeply"):
        wire.load(tmp_path, "data", max_bytes=10 * MB)


def test_a_bad_name_is_refused(tmp_path):
    for name in ["../results", "a/b", "", ".hidden", "x" * 200]:
        with pytest.raises(ValueError, match="plain file name stem"):
            wire.dump(1, tmp_path, name)
        with pytest.raises(ValueError, match="plain file name stem"):
            wire.load(tmp_path, name, max_bytes=MB)


def test_files_over_the_limit_are_refused(tmp_path):
    wire.dump({"x": np.zeros(10_000)}, tmp_path, "data")
    size = sum(os.path.getsize(tmp_path / f) for f in ["data.json", "data.npz"])
    assert wire.load(tmp_path, "data", max_bytes=size)["x"].shape == (10_000,)
    with pytest.raises(ValueError, match="over the limit"):
        wire.load(tmp_path, "data", max_bytes=size - 1)
    (tmp_path / "big.json").write_text('{"wire": 1, "data": "' + "a" * 5000 + '"}')
    with pytest.raises(ValueError, match="over the limit of 1000"):
        wire.load(tmp_path, "big", max_bytes=1000)


@pytest.mark.parametrize(("text", "pattern"), [
    ("{not json", "not valid JSON"),
    ('{"wire": 1, "data": NaN}', "not valid JSON"),
    ('{"wire": 2, "data": 1}', "not a wire file"),
    ('[1, 2]', "not a wire file"),
    ('{"wire": 1, "data": {"velocity": 1}}', "unknown tag 'velocity'"),
    ('{"wire": 1, "data": {"$pickle": "gASV"}}', "unknown tag '\\$pickle'"),
    ('{"wire": 1, "data": {"$float": "1e999"}}', "unknown tag '\\$float'"),
    ('{"wire": 1, "data": {"$dict": [1]}}', "unknown tag '\\$dict'"),
    ('{"wire": 1, "data": {"$tuple": [1], "extra": 2}}', "unknown tag"),
    ('{"wire": 1, "data": {}}', "unexpected JSON value"),
    ('{"wire": 1, "data": [{"$array": "a0"}]}', r"data\[0\]: refers to an array 'a0'"),
    ('{"wire": 1, "data": {"$generator": "os.system", "state": 1}}', "unknown bit generator"),
    ('{"wire": 1, "data": {"$generator": "PCG64", "state": {"$dict": {}}}}', "bad PCG64 state"),
    ('{"wire": 1, "data": {"$generator": "PCG64", "state": 5}}', "bad PCG64 state"),
    ('\xff\xfe', "not valid JSON"),
])
def test_malformed_json_is_refused(tmp_path, text, pattern):
    (tmp_path / "data.json").write_bytes(text.encode("latin-1"))
    with pytest.raises(ValueError, match=pattern):
        wire.load(tmp_path, "data", max_bytes=MB)


def test_object_arrays_in_the_npz_are_refused_without_unpickling(tmp_path):
    class Boom:
        def __reduce__(self):
            return (os.system, ("touch " + str(tmp_path / "pwned"),))

    np.savez(tmp_path / "data.npz", a0=np.array([Boom()], dtype=object))
    (tmp_path / "data.json").write_text('{"wire": 1, "data": {"$array": "a0"}}')
    with pytest.raises(ValueError, match="dtype object"):
        wire.load(tmp_path, "data", max_bytes=MB)
    assert not (tmp_path / "pwned").exists()


def test_a_header_claiming_a_huge_shape_is_refused_before_allocating(tmp_path):
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        buffer, {"descr": "<f8", "fortran_order": False, "shape": (10**12,)})
    buffer.write(np.zeros(4).tobytes())
    with zipfile.ZipFile(tmp_path / "data.npz", "w") as archive:
        archive.writestr("a0.npy", buffer.getvalue())
    (tmp_path / "data.json").write_text('{"wire": 1, "data": {"$array": "a0"}}')
    with pytest.raises(ValueError, match="does not match the size of its data"):
        wire.load(tmp_path, "data", max_bytes=MB)


def test_a_compressed_bomb_is_refused(tmp_path):
    np.savez_compressed(tmp_path / "data.npz", a0=np.zeros(10 * MB, dtype=np.uint8))
    assert os.path.getsize(tmp_path / "data.npz") < MB
    (tmp_path / "data.json").write_text('{"wire": 1, "data": {"$array": "a0"}}')
    with pytest.raises(ValueError, match="unpack to more than"):
        wire.load(tmp_path, "data", max_bytes=MB)
    np.savez_compressed(tmp_path / "data.npz", a0=np.zeros(10))
    with pytest.raises(ValueError, match="is compressed"):
        wire.load(tmp_path, "data", max_bytes=MB)


def test_a_damaged_npz_and_odd_members_are_refused(tmp_path):
    (tmp_path / "data.json").write_text('{"wire": 1, "data": {"$array": "a0"}}')
    (tmp_path / "data.npz").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(ValueError, match="not a valid .npz"):
        wire.load(tmp_path, "data", max_bytes=MB)
    with zipfile.ZipFile(tmp_path / "data.npz", "w") as archive:
        archive.writestr("../../etc/passwd", b"x")
    with pytest.raises(ValueError, match="unexpected member"):
        wire.load(tmp_path, "data", max_bytes=MB)


def test_a_scalar_reference_must_be_zero_dimensional(tmp_path):
    write_raw(tmp_path, {"wire": 1, "data": {"$scalar": "a0"}}, {"a0": np.zeros(3)})
    with pytest.raises(ValueError, match="a scalar must be a 0-d array"):
        wire.load(tmp_path, "data", max_bytes=MB)


def test_symlinks_and_hard_links_are_refused(tmp_path):
    secret = tmp_path / "other_student"
    secret.mkdir()
    wire.dump({"score": "theirs"}, secret, "results")
    mine = tmp_path / "mine"
    mine.mkdir()
    os.symlink(secret / "results.json", mine / "results.json")
    with pytest.raises(ValueError, match="not a regular file"):
        wire.load(mine, "results", max_bytes=MB)
    os.unlink(mine / "results.json")
    os.link(secret / "results.json", mine / "results.json")
    with pytest.raises(ValueError, match="not a plain file"):
        wire.load(mine, "results", max_bytes=MB)
    os.unlink(mine / "results.json")
    os.mkfifo(mine / "results.json")  # a reader would block forever on a FIFO
    with pytest.raises(ValueError, match="not a plain file"):
        wire.load(mine, "results", max_bytes=MB)


def test_a_missing_file_says_which(tmp_path):
    with pytest.raises(FileNotFoundError, match="results.json does not exist"):
        wire.load(tmp_path, "results", max_bytes=MB)


def test_dump_replaces_an_earlier_file_whole(tmp_path):
    wire.dump({"a": np.ones(3)}, tmp_path, "data")
    wire.dump([1, 2], tmp_path, "data")
    assert wire.load(tmp_path, "data", max_bytes=MB) == [1, 2]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.json", "data.npz"]
