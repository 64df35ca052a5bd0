"""The IKM by PermenPANRB 14/2017 (Lampiran): formula, conversion table, sample size."""
import pytest

from services.survey import domain


def all_(score):
    return {code: score for code in domain.ELEMENT_CODES}


def test_nine_elements_in_the_regulations_order_each_with_four_answers():
    assert domain.ELEMENT_CODES == tuple(f"U{i}" for i in range(1, 10))
    assert [e[1] for e in domain.ELEMENTS][:3] == ["Persyaratan", "Sistem, mekanisme dan prosedur",
                                                  "Waktu penyelesaian"]
    assert domain.ELEMENTS[-1][1] == "Sarana dan prasarana"
    for code in domain.ELEMENT_CODES:
        question, labels = domain.QUESTIONS[code]
        assert len(question) == 2 and len(labels) == 4


def test_worked_example_by_hand():
    # Worked by hand with the Lampiran's Bab IV formula (not copied from a
    # publication): four respondents.
    # R1 answers 4 everywhere, R2 and R3 answer 3 everywhere, R4 answers 2 for
    # U1 and 3 elsewhere.
    # NRR U1 = (4+3+3+2)/4 = 3.00; NRR U2..U9 = (4+3+3+3)/4 = 3.25
    # Σ NRR × 1/9 = (3.00 + 8 × 3.25) / 9 = 29 / 9 = 3.2222…
    # IKM unit = 3.2222… × 25 = 80.555… -> 80.56, in 76.61–88.30: B, Baik.
    r4 = {**all_(3), "U1": 2}
    got = domain.summary([all_(4), all_(3), all_(3), r4])
    assert got["respondents"] == 4
    assert got["elements"]["U1"] == 3.0 and got["elements"]["U9"] == 3.25
    assert got["ikm"] == 80.56
    assert (got["category"], got["quality"]) == ("B", "Baik")


def test_extremes_of_the_scale():
    assert domain.summary([all_(1)])["ikm"] == 25.0
    assert domain.summary([all_(1)])["category"] == "D"
    assert domain.summary([all_(4)])["ikm"] == 100.0
    assert domain.summary([all_(4)])["category"] == "A"


def test_weight_is_one_ninth_and_conversion_times_25():
    # Lampiran Bab IV: bobot = 1/9 (printed 0,11); IKM unit = IKM × 25.
    assert domain.WEIGHT == pytest.approx(0.111, abs=0.001)
    assert domain.CONVERSION_FACTOR == 25


@pytest.mark.parametrize("ikm, letter, quality", [
    # PermenPANRB 14/2017 Lampiran, table of NI / NIK / mutu / kinerja:
    # 88.31–100.00 A Sangat Baik, 76.61–88.30 B Baik, 65.00–76.60 C Kurang Baik,
    # 25.00–64.99 D Tidak Baik.
    (100.00, "A", "Sangat Baik"), (88.31, "A", "Sangat Baik"), (88.305, "A", "Sangat Baik"),
    (88.30, "B", "Baik"), (76.61, "B", "Baik"),
    (76.60, "C", "Kurang Baik"), (65.00, "C", "Kurang Baik"),
    (64.99, "D", "Tidak Baik"), (25.00, "D", "Tidak Baik"),
])
def test_category_boundaries(ikm, letter, quality):
    row = domain.conversion(ikm)
    assert (row[5], row[6]) == (letter, quality)


def test_conversion_table_is_the_interval_table_times_25():
    # The regulation's two columns agree: NIK = NI × 25 at every bound.
    for _, ni_from, ni_to, nik_from, nik_to, *_ in domain.CONVERSION:
        assert round(ni_from * 25, 2) == nik_from
        assert round(ni_to * 25, 2) == nik_to
    assert [r[1] for r in domain.CONVERSION] == [3.5324, 3.0644, 2.60, 1.00]


def test_below_the_scale_is_an_error():
    with pytest.raises(ValueError):
        domain.conversion(24.0)


@pytest.mark.parametrize("population, sample", [
    # Krejcie & Morgan (1970), Table 1, as the Lampiran (Bab III) refers to it.
    (10, 10), (15, 14), (50, 44), (100, 80), (200, 132), (300, 169), (500, 217),
    (1000, 278), (10000, 370), (1000000, 384),
])
def test_krejcie_morgan_table(population, sample):
    assert domain.required_sample(population) == sample


def test_small_sample_is_flagged():
    got = domain.summary([all_(3)] * 5, population=100)
    assert got["sample_required"] == 80 and got["sample_sufficient"] is False
    enough = domain.summary([all_(3)] * 10, population=10)
    assert enough["sample_sufficient"] is True


def test_no_answers_no_index():
    got = domain.summary([], population=3)
    assert got["ikm"] is None and got["category"] is None and got["sample_sufficient"] is False
