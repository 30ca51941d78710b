import pytest
import torch

from graphlab.data import byte_corpus, load_dataset, stdlib_files
from graphlab.data.text import CHUNK


def _folder(tmp_path):
    for name, size in (("alpha.py", 200_000), ("_beta.py", 150_000), ("nu.py", 180_000),
                       ("zeta.py", 170_000), ("notes.txt", 10)):
        (tmp_path / name).write_bytes(bytes((i * 7 + len(name)) % 251 for i in range(size)))
    return tmp_path


def test_parts_split_the_modules_by_name(tmp_path):
    folder = _folder(tmp_path)
    a = [f.name for f in stdlib_files("a", folder)]
    b = [f.name for f in stdlib_files("b", folder)]
    assert a == ["_beta.py", "alpha.py"] and b == ["nu.py", "zeta.py"]
    assert len(stdlib_files("all", folder)) == 4
    with pytest.raises(ValueError, match="unknown corpus part"):
        stdlib_files("c", folder)


def test_corpus_splits_are_disjoint_chunks_and_cover_the_bytes(tmp_path):
    corpus = byte_corpus("a", root=_folder(tmp_path))
    data = torch.frombuffer(bytearray((tmp_path / "_beta.py").read_bytes()
                                      + (tmp_path / "alpha.py").read_bytes()), dtype=torch.uint8)
    chunk = torch.arange(data.numel()) // CHUNK % 20
    assert torch.equal(corpus.val, data[chunk == 18].long())
    assert torch.equal(corpus.test, data[chunk == 19].long())
    assert corpus.train.numel() + corpus.val.numel() + corpus.test.numel() == data.numel()
    assert corpus.info["bytes"] == 350_000 and corpus.info["files"] == 2


def test_max_bytes_cuts_the_corpus(tmp_path):
    corpus = byte_corpus("b", max_bytes=20 * CHUNK, root=_folder(tmp_path))
    assert corpus.info["bytes"] == 20 * CHUNK
    with pytest.raises(ValueError, match="max_bytes must be at least"):
        byte_corpus("b", max_bytes=1000, root=tmp_path)


def test_windows_are_next_byte_pairs_and_sampling_is_seeded(tmp_path):
    corpus = byte_corpus("a", root=_folder(tmp_path))
    x, y = corpus.windows("val", 16, limit=5)
    assert x.shape == (5, 16) and torch.equal(x[:, 1:], y[:, :-1])
    g1, g2 = torch.Generator().manual_seed(3), torch.Generator().manual_seed(3)
    assert torch.equal(corpus.sample("train", 8, 4, g1)[0], corpus.sample("train", 8, 4, g2)[0])
    with pytest.raises(ValueError, match="fewer than one window"):
        corpus.windows("val", 10**7)
    with pytest.raises(ValueError, match="unknown split"):
        corpus.stream("dev")


def test_registered_corpus_reads_this_python_s_standard_library():
    corpus = load_dataset("pystdlib", part="b", max_bytes=40 * CHUNK)
    assert corpus.vocab_size == 256 and int(corpus.train.max()) < 256
    assert corpus.info["first_file"].lstrip("_")[0] >= "n"
    with pytest.raises(TypeError, match="unknown parameter"):
        load_dataset("pystdlib", size=3)


def test_missing_folder_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="no \\*.py files"):
        stdlib_files("a", tmp_path)
