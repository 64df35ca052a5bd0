"""The demo file is what another kecamatan copies: it must load, and its
catalogue must look like what a kecamatan under PATEN serves."""
import yaml

from services.accessibility.schemas import Facility
from services.permits.schemas import PermitType
from services.queue.schemas import OfficeConfig

DEMO = yaml.safe_load(open("gateway/data/kota-magelang.yaml"))


def test_offices_and_facilities_load():
    assert [OfficeConfig().load(o)["id"] for o in DEMO["offices"]] == ["33.71.01", "33.71.02", "33.71.03"]
    assert all(Facility().load(f) for f in DEMO["facilities"])


def test_catalogue_has_the_paten_services_as_published_standards():
    types = {t["code"]: PermitType().load(t) for t in DEMO["permit_types"]}
    # Licensing (micro business, small building, billboard) and non-licensing letters.
    assert {"IUMK", "SKDU", "SKU", "IMBR", "REKLAME"} <= set(types)
    for t in types.values():
        assert t["documents"] and t["attributes"] and t["legal_basis"], t["code"]
        assert 1 <= t["sla_working_days"] <= 15 and t["fee"] >= 0
    capital = next(a for a in types["IUMK"]["attributes"] if a["code"] == "capital")
    assert (capital["minimum"], capital["maximum"]) == (0, 5_000_000_000)  # PP 7/2021 art. 35(3)
