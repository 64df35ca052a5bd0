"""The printable permit: an A4 PDF with the permit's facts and a QR code whose
URL lets anyone check it is genuine (HMAC code, see domain.verification_code)."""
import datetime as dt
import io

import segno
from babel.dates import format_date
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas


SIGNER_ROLE = {"supervisor": "Kepala Seksi / Supervisor", "admin": "Camat / Head of the kecamatan"}


def tanggal(iso_date):
    """'2026-12-03' -> '3 Desember 2026': the long date form of Indonesian letters (Babel, locale id)."""
    if not iso_date:
        return "-"
    return format_date(dt.date.fromisoformat(iso_date), format="long", locale="id")


def render(permit, permit_type, office, verify_url, verification_code="", signer=None):
    """``signer``: {username, role} of whoever signed (four eyes: not the approver)."""
    buf = io.BytesIO()
    pdf = canvas.Canvas(buf, pagesize=A4, pageCompression=1)
    pdf.setTitle(f"{permit_type['name']['id']} {permit['permit_number']}")
    pdf.setAuthor(f"Kecamatan {office['name']}")
    width, height = A4
    y = height - 30 * mm

    def line(text, size=11, font="Helvetica", gap=7 * mm):
        nonlocal y
        pdf.setFont(font, size)
        pdf.drawString(25 * mm, y, text)
        y -= gap

    line(f"PEMERINTAH KECAMATAN {office['name'].upper()}", 13, "Helvetica-Bold")
    line(office.get("region_path", ""), 10, gap=12 * mm)
    line(permit_type["name"]["id"].upper(), 16, "Helvetica-Bold", 6 * mm)
    line(permit_type["name"]["en"], 10, "Helvetica-Oblique", 10 * mm)
    line(f"Nomor / Number: {permit['permit_number']}", 12, "Helvetica-Bold", 12 * mm)
    for label, value in (
            ("Nama pemilik / Holder", permit["applicant"]["name"]),
            ("NIK", permit["applicant"]["nik_masked"]),
            ("Nama usaha / Business", permit["business"]["name"]),
            ("Alamat usaha / Address", permit["business"]["address"]),
            ("KBLI", permit["business"].get("kbli") or "-"),
            ("Tanggal permohonan / Applied", tanggal(permit.get("submitted_date"))),
            ("Tanggal terbit / Issued", tanggal(permit.get("issued_date"))),
            # The system has no expiry: a permit stays valid until it is revoked, and the
            # QR code shows its state today.
            ("Masa berlaku / Validity", f"sejak {tanggal(permit.get('issued_date'))} sampai dicabut"
                                         " / from the issue date until revoked"),
            ("Dasar hukum / Legal basis", permit_type.get("legal_basis") or "-")):
        line(f"{label}: {value}", 11)
    y -= 4 * mm
    line("Ditandatangani secara elektronik oleh / Signed electronically by:", 10, gap=5 * mm)
    if signer:
        line(f"{signer['username']} — {SIGNER_ROLE.get(signer.get('role'), signer.get('role') or '')}",
             11, "Helvetica-Bold", 5 * mm)
    line(f"a.n. Camat {office['name']}, {tanggal(permit.get('issued_date'))}", 10)
    # The QR code drawn as vector squares: sharp at any print size.
    qr = segno.make(verify_url, error="m")
    module = 1.6 * mm
    size = len(qr.matrix) * module
    left, top = width - 25 * mm - size, 60 * mm + size
    pdf.setFillColorRGB(0, 0, 0)
    for r, row in enumerate(qr.matrix):
        for c, dark in enumerate(row):
            if dark:
                pdf.rect(left + c * module, top - (r + 1) * module, module, module, stroke=0, fill=1)
    # Beside the QR: the code to type at /verify when the QR cannot be scanned.
    pdf.setFont("Helvetica", 9)
    pdf.drawString(25 * mm, top - 6 * mm, "Kode verifikasi / Verification code:")
    pdf.setFont("Courier-Bold", 14)
    pdf.drawString(25 * mm, top - 13 * mm, " ".join(verification_code[i:i + 4]
                                                  for i in range(0, len(verification_code), 4)))
    pdf.setFont("Helvetica", 9)
    pdf.drawString(25 * mm, top - 20 * mm, f"Nomor izin / Permit number: {permit['permit_number']}")
    pdf.setFont("Helvetica", 8)
    pdf.drawString(25 * mm, 50 * mm, "Pindai kode QR atau buka alamat ini untuk memeriksa keaslian izin:")
    pdf.drawString(25 * mm, 45 * mm, verify_url[:110])
    pdf.showPage()
    pdf.save()
    return buf.getvalue()
