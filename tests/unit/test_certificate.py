"""The printable certificate: Indonesian dates (Babel, locale id), validity, the
signing official and the verification code beside the QR."""
import base64
import re
import zlib

from services.permits import certificate

PERMIT = {"permit_number": "337102-IUMK-2026-00007", "issued_date": "2026-12-03", "submitted_date": "2026-11-20",
          "applicant": {"name": "Siti Rahayu", "nik_masked": "3371************"},
          "business": {"name": "Warung Siti", "address": "Jl. Pahlawan 12", "kbli": "56102"}}
TYPE = {"name": {"id": "Izin Usaha Mikro dan Kecil", "en": "Micro and Small Business Permit"},
        "legal_basis": "Perpres 98/2014"}


def pdf_text(pdf):
    """The text drawn on the pages (ReportLab writes each content stream ASCII85 + Flate)."""
    out = []
    for stream in re.findall(rb"[^d]stream\r?\n(.*?)endstream", pdf, re.S):
        raw = stream.strip()
        try:
            if raw.endswith(b"~>"):
                raw = base64.a85decode(raw[:-2])
            data = zlib.decompress(raw)
        except (ValueError, zlib.error):
            continue  # an image or a font, not a page's text
        out += [m.decode("latin-1") for m in re.findall(rb"\((.*?)\) Tj", data)]
    return "\n".join(out)


def test_dates_are_in_indonesian_long_form():
    # Babel's CLDR data for "id": 3 Desember 2026 (not 2026-12-03, not December).
    assert certificate.tanggal("2026-12-03") == "3 Desember 2026"
    assert certificate.tanggal("2027-01-05") == "5 Januari 2027"
    assert certificate.tanggal("") == "-"


def test_the_certificate_shows_validity_signer_and_code_beside_the_qr():
    pdf = certificate.render(PERMIT, TYPE, {"name": "Magelang Utara"}, "https://x/verify?number=1&code=2",
                             "ABCDEFGHJKMNPQRS", {"username": "super2.utara", "role": "supervisor"})
    text = pdf_text(pdf)
    assert "3 Desember 2026" in text and "20 November 2026" in text
    assert "Masa berlaku" in text and "sampai dicabut" in text
    assert "super2.utara" in text and "Camat Magelang Utara" in text
    assert "ABCD EFGH JKMN PQRS" in text and "Kode verifikasi" in text
    assert "2026-12-03" not in text
