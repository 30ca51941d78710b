import pytest
import torch

from graphlab.data import SensorSeries, ZScore, chronological_windows, load_dataset


def _series(T=100, N=4, zero_is_missing=True, seed=0):
    gen = torch.Generator().manual_seed(seed)
    signal = 50 + 10 * torch.rand(T, N, generator=gen)
    adj = torch.rand(N, N, generator=gen)
    return SensorSeries("toy", signal, adj, zero_is_missing=zero_is_missing)


def test_windows_are_consecutive_and_never_cross_parts():
    s = _series(T=200)
    w = chronological_windows(s, 12, 3)
    assert w.bounds == {"train": (0, 140), "val": (140, 160), "test": (160, 200)}
    assert w.x["train"].shape == (140 - 15 + 1, 12, 4, 1)
    assert w.y["test"].shape == (40 - 15 + 1, 3, 4, 1)
    torch.testing.assert_close(w.scaler.inverse(w.x["val"][0]), s.signal[140:152])
    torch.testing.assert_close(w.y["val"][0], s.signal[152:155])
    torch.testing.assert_close(w.y["train"][-1], s.signal[137:140])  # ends inside train


def test_scaler_never_sees_validation_or_test_data():
    s = _series()
    w = chronological_windows(s, 4, 2)
    changed = _series()
    changed.signal[70:] = 1000.0
    w2 = chronological_windows(changed, 4, 2)
    torch.testing.assert_close(w.scaler.mean, w2.scaler.mean)
    torch.testing.assert_close(w.scaler.std, w2.scaler.std)
    torch.testing.assert_close(w.scaler.mean, s.signal[:70].mean().view(1))


def test_missing_zeros_are_left_out_of_the_statistics_and_inputs():
    s = _series()
    s.signal[:35] = 0.0
    w = chronological_windows(s, 4, 2)
    torch.testing.assert_close(w.scaler.mean, s.signal[35:70].mean().view(1))
    assert (w.x["train"][0] == 0).all()                      # missing inputs → the mean
    counts = _series(zero_is_missing=False)
    counts.signal[:35] = 0.0
    z = ZScore.fit(counts.signal[:70], ignore_zeros=False)
    torch.testing.assert_close(z.mean, counts.signal[:70].mean().view(1))


def test_bad_input_is_named():
    with pytest.raises(ValueError, match="shorter than one window"):
        chronological_windows(_series(T=20), 12, 12)
    with pytest.raises(ValueError, match="the val part has 10 steps"):
        chronological_windows(_series(T=100), 8, 8)
    with pytest.raises(ValueError, match="adjacency is \\[3, 3\\] but the signal has 4"):
        SensorSeries("bad", torch.rand(10, 4), torch.rand(3, 3))
    with pytest.raises(ValueError, match="NaN readings"):
        SensorSeries("bad", torch.full((10, 2), float("nan")), torch.rand(2, 2))
    with pytest.raises(ValueError, match="train_ratio"):
        chronological_windows(_series(), 4, 2, train_ratio=0.95, val_ratio=0.1)


def test_self_loops_are_dropped_from_the_adjacency():
    s = SensorSeries("x", torch.rand(10, 3), torch.ones(3, 3))
    assert torch.equal(s.adjacency.diagonal(), torch.zeros(3, dtype=torch.float64))


@pytest.mark.mirror
def test_los_loop_from_the_mirror_has_positions_from_metr_la(mirror):
    s = load_dataset("los-loop")
    assert s.signal.shape == (2016, 207, 1) and s.pos.shape == (207, 2)
    assert s.zero_is_missing and s.steps_per_day == 288
    assert -119 < float(s.pos[:, 0].mean()) < -118 and 33 < float(s.pos[:, 1].mean()) < 35


@pytest.mark.mirror
def test_metr_la_speeds_missing_offline_give_one_clear_error(mirror):
    from graphlab.data import DatasetNotAvailableError

    with pytest.raises(DatasetNotAvailableError, match="metr-la.h5"):
        load_dataset("metr-la")
