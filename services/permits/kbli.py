"""KBLI 2020 codes kept as data (kbli_2020.csv: Peraturan BPS No. 2 Tahun 2020 tentang
Klasifikasi Baku Lapangan Usaha Indonesia), for the apply form's lookup. The form
of a code (5 digits) is checked by domain.KBLI_FORM; the list is a help, not a gate."""
import csv
import functools
import os

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "kbli_2020.csv")


@functools.lru_cache(maxsize=1)
def codes():
    """[(code, title_id, title_en)] in code order."""
    with open(DATA, encoding="utf-8") as fh:
        rows = csv.DictReader(line for line in fh if not line.startswith("#"))
        return tuple(sorted((r["code"], r["title_id"], r["title_en"]) for r in rows))


def title(code, lang="id"):
    for found, title_id, title_en in codes():
        if found == code:
            return title_id if lang == "id" else title_en
    return None
