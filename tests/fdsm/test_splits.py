"""The zero-shot split registry against the published unseen-class lists (fdsm_method.md section 5)."""

from __future__ import annotations

import pytest

from fdsm.errors import FdsmError
from fdsm.splits import DATASETS, UNAVAILABLE, class_names, get_split, list_splits

# name -> (classes, number unseen) of every split in the paper's tables and the SMIE protocol
EXPECTED = {
    "ntu60-55-5": (60, 5), "ntu60-48-12": (60, 12), "ntu60-40-20": (60, 20), "ntu60-30-30": (60, 30),
    "ntu120-110-10": (120, 10), "ntu120-96-24": (120, 24), "ntu120-80-40": (120, 40), "ntu120-60-60": (120, 60),
    "pku51-46-5": (51, 5), "kinetics200-180-20": (200, 20), "kinetics200-160-40": (200, 40),
    "kinetics400-360-40": (400, 40),
    "default-pool": (113, 8),
    **{f"smie-ntu60-{i}": (60, 5) for i in (1, 2, 3)}, **{f"smie-ntu120-{i}": (120, 10) for i in (4, 5, 6)},
    **{f"smie-pku51-{i}": (51, 5) for i in (7, 8, 9)},
}  # fmt: skip


def test_every_split_partitions_its_classes():
    assert set(list_splits()) == set(EXPECTED)
    for name, (n, k) in EXPECTED.items():
        s = get_split(name)
        assert (s.name, s.num_classes, len(s.unseen)) == (name, n, k)
        assert len(set(s.unseen)) == k and set(s.unseen) | set(s.seen) == set(range(n))
        assert not set(s.unseen) & set(s.seen) and list(s.unseen) == sorted(s.unseen)
        assert DATASETS[s.dataset][0] == n


def test_named_unseen_classes_match_the_papers():
    names = class_names("ntu60")
    assert [names[i] for i in get_split("ntu60-55-5").unseen] == [
        "reading", "writing", "put on a hat/cap", "jump up", "touch other person's pocket"]
    ntu120 = class_names("ntu120")
    assert [ntu120[i] for i in get_split("ntu120-110-10").unseen][:3] == ["drop", "wear jacket", "salute"]
    assert [ntu120[i] for i in get_split("ntu120-110-10").unseen][-1] == "wield knife towards other person"
    assert get_split("pku51-46-5").unseen == get_split("smie-pku51-7").unseen
    assert [class_names("pku51")[i] for i in get_split("smie-pku51-7").unseen] == [
        "brushing hair", "eat meal/snack", "pat on back of other person", "take off a hat/cap", "writing"]


def test_list_by_dataset_and_lookup_is_forgiving_about_case():
    assert list_splits("pku51") == ["smie-pku51-7", "smie-pku51-8", "smie-pku51-9", "pku51-46-5"]
    assert get_split(" NTU60-55-5 ") == get_split("ntu60-55-5")


def test_unknown_and_unavailable_names_are_clear_errors():
    with pytest.raises(FdsmError, match="valid splits: .*ntu60-55-5") as err:
        get_split("ntu60-50-10")
    assert "\n" not in str(err.value)
    for name, file in UNAVAILABLE.items():
        with pytest.raises(FdsmError, match=f"not available.*{file}"):
            get_split(name)
    with pytest.raises(FdsmError, match="not available"):
        class_names("kinetics200")
    with pytest.raises(FdsmError, match="unknown dataset"):
        class_names("ucf101")


def test_class_names_come_in_index_order():
    assert len(class_names("ntu120")) == 120 and class_names("ntu60") == class_names("ntu120")[:60]
    assert class_names("pku51")[16] == "jump up"
    assert len(class_names("kinetics400")) == 400
