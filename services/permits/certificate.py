"""The printable permit: an A4 PDF with the permit's facts and a QR code whose
URL lets anyone check it is genuine (HMAC code, see domain.verification_code)."""
import io

import segno
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas


def render(permit, permit_type, office, verify_url):
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
            ("Tanggal terbit / Issued", permit.get("issued_date", "")),
            ("Dasar hukum / Legal basis", permit_type.get("legal_basis") or "-")):
        line(f"{label}: {value}", 11)
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
    pdf.setFont("Helvetica", 8)
    pdf.drawString(25 * mm, 50 * mm, "Pindai kode QR atau buka alamat ini untuk memeriksa keaslian izin:")
    pdf.drawString(25 * mm, 45 * mm, verify_url[:110])
    pdf.showPage()
    pdf.save()
    return buf.getvalue()
