"""The citizen satisfaction survey (Survei Kepuasan Masyarakat, SKM) and its
index (Indeks Kepuasan Masyarakat, IKM), as Peraturan Menteri PANRB Nomor 14
Tahun 2017 (Pedoman Penyusunan Survei Kepuasan Masyarakat Unit Penyelenggara
Pelayanan Publik) asks. Plain rules: no framework, no I/O.

Source of every figure here: PermenPANRB 14/2017, Lampiran —
- Bab II: the nine elements (unsur) of the survey, a–i;
- Bab III (metode): each element answered on a four-point perception scale
  (1 = not good ... 4 = very good), the sample by Krejcie and Morgan's table;
- Bab IV (pengolahan): NRR per element = total score of the element / number
  of respondents; weighted average weight = 1 / number of elements (1/9;
  the Lampiran prints it rounded as 0,11, we use 1/9 exactly so that all
  answers "4" give 100.00, the top of the conversion range);
  IKM = Σ NRR × weight; IKM of the unit = IKM × 25 (range 25–100);
- the table "Nilai Persepsi, Nilai Interval (NI), Nilai Interval Konversi
  (NIK), Mutu Pelayanan (x) dan Kinerja Unit Pelayanan (y)" (CONVERSION below).
"""
import hashlib
import math

REGULATION = "PermenPANRB 14/2017 (Pedoman Penyusunan Survei Kepuasan Masyarakat)"

# Bab II, a–i, in the regulation's order. code -> (Indonesian, English)
ELEMENTS = (
    ("U1", "Persyaratan", "Requirements"),
    ("U2", "Sistem, mekanisme dan prosedur", "System, mechanism and procedure"),
    ("U3", "Waktu penyelesaian", "Completion time"),
    ("U4", "Biaya/tarif", "Cost/fee"),
    ("U5", "Produk spesifikasi jenis pelayanan", "Product of the service"),
    ("U6", "Kompetensi pelaksana", "Staff competence"),
    ("U7", "Perilaku pelaksana", "Staff conduct"),
    ("U8", "Penanganan pengaduan, saran dan masukan", "Handling of complaints, suggestions and feedback"),
    ("U9", "Sarana dan prasarana", "Facilities and infrastructure"),
)
ELEMENT_CODES = tuple(code for code, _, _ in ELEMENTS)
SCALE = (1, 2, 3, 4)

# The Lampiran's example questionnaire: the question and the four answers
# (values 1..4, lowest first) for each element, Indonesian then English.
QUESTIONS = {
    "U1": (("Bagaimana pendapat Saudara tentang kesesuaian persyaratan pelayanan dengan jenis pelayanannya?",
            "How well did the service's requirements fit the service?"),
           (("Tidak sesuai", "Not suitable"), ("Kurang sesuai", "Less suitable"),
            ("Sesuai", "Suitable"), ("Sangat sesuai", "Very suitable"))),
    "U2": (("Bagaimana pemahaman Saudara tentang kemudahan prosedur pelayanan di unit ini?",
            "How easy was this unit's service procedure?"),
           (("Tidak mudah", "Not easy"), ("Kurang mudah", "Less easy"),
            ("Mudah", "Easy"), ("Sangat mudah", "Very easy"))),
    "U3": (("Bagaimana pendapat Saudara tentang kecepatan waktu dalam memberikan pelayanan?",
            "How fast was the service given?"),
           (("Tidak cepat", "Not fast"), ("Kurang cepat", "Less fast"),
            ("Cepat", "Fast"), ("Sangat cepat", "Very fast"))),
    "U4": (("Bagaimana pendapat Saudara tentang kewajaran biaya/tarif dalam pelayanan?",
            "How fair was the service's cost or fee?"),
           (("Sangat mahal", "Very expensive"), ("Cukup mahal", "Fairly expensive"),
            ("Murah", "Cheap"), ("Gratis", "Free"))),
    "U5": (("Bagaimana pendapat Saudara tentang kesesuaian produk pelayanan antara yang tercantum "
            "dalam standar pelayanan dengan hasil yang diberikan?",
            "How well did what you received match the product in the service standard?"),
           (("Tidak sesuai", "Not matching"), ("Kurang sesuai", "Less matching"),
            ("Sesuai", "Matching"), ("Sangat sesuai", "Fully matching"))),
    "U6": (("Bagaimana pendapat Saudara tentang kompetensi/kemampuan petugas dalam pelayanan?",
            "How competent were the staff who served you?"),
           (("Tidak kompeten", "Not competent"), ("Kurang kompeten", "Less competent"),
            ("Kompeten", "Competent"), ("Sangat kompeten", "Very competent"))),
    "U7": (("Bagaimana pendapat Saudara tentang perilaku petugas dalam pelayanan terkait kesopanan "
            "dan keramahan?",
            "How polite and friendly were the staff?"),
           (("Tidak sopan dan ramah", "Not polite and friendly"),
            ("Kurang sopan dan ramah", "Less polite and friendly"),
            ("Sopan dan ramah", "Polite and friendly"),
            ("Sangat sopan dan ramah", "Very polite and friendly"))),
    "U8": (("Bagaimana pendapat Saudara tentang penanganan pengaduan pengguna layanan?",
            "How were service users' complaints handled?"),
           (("Tidak ada", "None"), ("Ada tetapi tidak berfungsi", "Exists but does not work"),
            ("Berfungsi kurang maksimal", "Works, not fully"), ("Dikelola dengan baik", "Well managed"))),
    "U9": (("Bagaimana pendapat Saudara tentang kualitas sarana dan prasarana?",
            "How good were the facilities and infrastructure?"),
           (("Buruk", "Poor"), ("Cukup", "Fair"), ("Baik", "Good"), ("Sangat baik", "Very good"))),
}

WEIGHT = 1 / len(ELEMENTS)  # Bab IV: bobot = 1 / jumlah unsur (printed rounded: 0,11)
CONVERSION_FACTOR = 25      # Bab IV: "IKM Unit pelayanan x 25"

# The Lampiran's conversion table: perception value, NI (1–4), NIK (25–100),
# mutu pelayanan, kinerja unit pelayanan. Lower bounds, highest first.
CONVERSION = (
    # (perception, NI from, NI to, NIK from, NIK to, quality, Indonesian, English)
    (4, 3.5324, 4.00, 88.31, 100.00, "A", "Sangat Baik", "Very good"),
    (3, 3.0644, 3.532, 76.61, 88.30, "B", "Baik", "Good"),
    (2, 2.60, 3.064, 65.00, 76.60, "C", "Kurang Baik", "Less than good"),
    (1, 1.00, 2.5996, 25.00, 64.99, "D", "Tidak Baik", "Not good"),
)

# Sample size: the Lampiran (Bab III, teknik sampling) refers to Krejcie and
# Morgan (1970), "Determining sample size for research activities",
# Educational and Psychological Measurement 30, 607–610. Their table is their
# formula s = X²NP(1−P) / (d²(N−1) + X²P(1−P)) with X² = 3.841 (1 degree of
# freedom, 95 %), P = 0.5, d = 0.05, rounded to the nearest whole respondent.
KM_CHI_SQUARE = 3.841
KM_PROPORTION = 0.5
KM_MARGIN = 0.05


def required_sample(population):
    """Krejcie & Morgan's sample size for a population of service users."""
    if population <= 0:
        return 0
    pq = KM_PROPORTION * (1 - KM_PROPORTION)
    s = KM_CHI_SQUARE * population * pq / (KM_MARGIN ** 2 * (population - 1) + KM_CHI_SQUARE * pq)
    return min(population, math.floor(s + 0.5))


def element_averages(answers):
    """NRR per element: the sum of its scores / the number of respondents.
    ``answers``: a list of {code: score}, every code answered."""
    if not answers:
        return {}
    return {code: sum(a[code] for a in answers) / len(answers) for code in ELEMENT_CODES}


def index(nrr):
    """The unit's IKM (25–100) from the NRR of every element."""
    weighted = sum(nrr[code] * WEIGHT for code in ELEMENT_CODES)
    return weighted * CONVERSION_FACTOR


def conversion(ikm):
    """The table's row for an IKM on the 25–100 scale (compared at two
    decimals, as the table prints it: 88.305 rounds to 88.31, an A)."""
    shown = round(ikm + 1e-9, 2)
    for row in CONVERSION:
        if shown >= row[3]:
            return row
    raise ValueError(f"IKM {ikm} below the scale's minimum of 25")


def summary(answers, population=None):
    """What the regulation asks to publish: respondents, NRR per element, the
    IKM (25–100), its quality letter and performance, and whether the sample
    reaches Krejcie & Morgan's size for ``population`` (those served)."""
    respondents = len(answers)
    out = {"respondents": respondents, "population": population,
           "sample_required": None if population is None else required_sample(population),
           "elements": None, "ikm": None, "category": None, "quality": None}
    if population is not None:
        out["sample_sufficient"] = respondents >= out["sample_required"] and respondents > 0
    else:
        out["sample_sufficient"] = None
    if not respondents:
        return out
    nrr = element_averages(answers)
    ikm = index(nrr)
    row = conversion(ikm)
    out.update(elements={code: round(v, 3) for code, v in nrr.items()}, ikm=round(ikm, 2),
               category=row[5], quality=row[6])
    return out


def permit_key(tracking_code):
    """The respondent key of a permit; a ticket's is the queue's ``ticket_key``
    (the hash of its token), which its events carry."""
    return hashlib.sha256(f"permit|{tracking_code}".encode()).hexdigest()
