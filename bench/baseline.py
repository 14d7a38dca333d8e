#!/usr/bin/python3
"""baseline.py - a night's work in Python, the yardstick of bench/night.sh.

    baseline.py import --db FILE RECORDS.xml
    baseline.py run --db FILE --out DIR --now TIME --trusted DIR
                    [--jobs N] [--font FILE] BATCH
    baseline.py decisions RESULTS-DIR

What a team would write with Debian's Python libraries to do what
`credpipe run` does with a night of dossiers (SPEC sections 3-7), one
dossier a task in a multiprocessing pool of --jobs processes:
dossier.xml parsed by lxml with entities and the network off and
validated against schemas/dossier.xsd, the business rules of SPEC §3,
every attachment's QR codes read by pyzbar in one pass (PIL decodes the
scan to gray), the claims and the codes checked against an SQLite
registry (sqlite3) with Ed25519 signatures verified and made by PyNaCl,
report PDFs, notices and courier batches (manifest.csv, dispatch list,
labels with Code 128, the batch's reports) drawn by reportlab with a
subset CJK TrueType font, and one result XML a dossier.

It reads the batch's folders where they lie: no claim, no copy, no
fsync, no crash recovery, no limited workers. Those are credpipe's
costs alone, so the comparison favours the script.

`import` loads records.xml (SPEC §5) into a new registry and makes the
script's signing key (not timed by the bench, like `records import`).
`decisions` prints one line a result: id, outcome, and the sorted reason
codes (code:field where a field is named), "-" for none; bench/night.sh
compares these lines between credpipe and this script.

Exit status: 0 done, 64 usage, 70 a failure.
"""

import argparse
import base64
import csv
import datetime
import hashlib
import io
import multiprocessing
import os
import re
import sqlite3
import sys
import urllib.parse

from lxml import etree
import nacl.exceptions
import nacl.signing
from PIL import Image
from pyzbar import pyzbar
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode import code128, qr
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

NS = "{urn:credpipe:dossier:1}"
RNS = "{urn:credpipe:records:1}"
VERIFY_URL = "https://verify.example.edu.cn/v"
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
REJECTIONS = {
    "malformed-xml", "unsafe-input", "schema", "bad-id-number",
    "bad-certificate-number", "bad-date", "bad-contact", "missing-material",
    "missing-attachment", "bad-attachment", "wrong-channel",
    "reconsideration-not-allowed", "duplicate"}
LEVEL_CODES = {"01": "doctorate", "02": "master", "04": "undergraduate",
               "05": "undergraduate", "06": "junior-college"}
ONLINE_FIRST = datetime.date(2002, 1, 1)
MAX_ATTACHMENT = 20 * 1024 * 1024
MAX_PIXELS = 50 * 1000 * 1000
BATCH_SIZE = 50
FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SCHEMA_SQL = """
CREATE TABLE institutions (code TEXT PRIMARY KEY, name TEXT);
CREATE TABLE credentials (certno TEXT PRIMARY KEY, holder_name TEXT,
    holder_id TEXT, institution TEXT, level TEXT, major TEXT, entry TEXT,
    graduation TEXT, status TEXT, source TEXT);
CREATE INDEX credentials_holder ON credentials (holder_id, institution);
CREATE TABLE reports (code TEXT PRIMARY KEY, number TEXT UNIQUE,
    certno TEXT, kind TEXT, issued TEXT, expires TEXT, status TEXT,
    dossier TEXT UNIQUE);
CREATE TABLE waybill_ranges (courier TEXT PRIMARY KEY, prefix TEXT,
    next INTEGER, last INTEGER, suffix TEXT, format TEXT, digits INTEGER);
CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER);
CREATE TABLE decisions (dossier TEXT PRIMARY KEY, kind TEXT, outcome TEXT,
    decided TEXT);
CREATE TABLE keys (id INTEGER PRIMARY KEY, seed BLOB);
"""


# --- the registry ---------------------------------------------------------

def cmd_import(args):
    """import - records.xml into a new registry, and a signing key"""
    os.makedirs(os.path.dirname(os.path.abspath(args.db)), exist_ok=True)
    db = sqlite3.connect(args.db)
    db.executescript(SCHEMA_SQL)
    tree = etree.parse(args.records, etree.XMLParser(
        resolve_entities=False, no_network=True))
    schema = etree.XMLSchema(etree.parse(os.path.join(
        ROOT, "schemas", "records.xsd")))
    schema.assertValid(tree)
    for el in tree.getroot():
        tag = etree.QName(el).localname
        if tag == "institution":
            db.execute("INSERT INTO institutions VALUES (?, ?)",
                       (el.get("code"), el.get("name")))
        elif tag == "credential":
            holder = el.find(RNS + "holder")
            db.execute(
                "INSERT INTO credentials VALUES (?,?,?,?,?,?,?,?,?,?)",
                (el.get("certificate-number"), holder.get("name"),
                 holder.get("id-number").upper(),
                 el.find(RNS + "institution").get("code"),
                 el.findtext(RNS + "level"), el.findtext(RNS + "major"),
                 el.findtext(RNS + "entry-date"),
                 el.findtext(RNS + "graduation-date"),
                 el.get("status", "valid"), el.get("source", "registry")))
        elif tag == "report":
            db.execute(
                "INSERT INTO reports VALUES (?,?,?,?,?,?,?,NULL)",
                (el.get("code"), el.get("number"),
                 el.get("certificate-number"), el.get("kind"),
                 el.get("issued"), el.get("expires"),
                 el.get("status", "valid")))
        elif tag == "waybill-range":
            db.execute(
                "INSERT INTO waybill_ranges VALUES (?,?,?,?,?,?,?)",
                (el.get("courier"), el.get("prefix", ""),
                 int(el.get("first")), int(el.get("last")),
                 el.get("suffix", ""), el.get("format", "s10"),
                 len(el.get("last"))))
    db.execute("INSERT INTO counters VALUES ('paper', 0)")
    db.execute("INSERT INTO keys VALUES (1, ?)", (os.urandom(32),))
    db.commit()
    db.close()
    return 0


# --- validation (SPEC §3) -------------------------------------------------

def parse_date(text):
    """parse_date - a real YYYY-MM-DD date, or None"""
    if text is None or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return None
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        return None


def id_check_char(first17):
    """id_check_char - ISO 7064 MOD 11-2 check character of GB 11643"""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(c) * w for c, w in zip(first17, weights))
    return "10X98765432"[total % 11]


def id_number_problem(number, birth, gender):
    """id_number_problem - why an 18-character id number is wrong, or None"""
    number = (number or "").upper()
    if not re.fullmatch(r"\d{17}[\dX]", number):
        return "is not 18 characters"
    born = parse_date("%s-%s-%s" % (number[6:10], number[10:12],
                                    number[12:14]))
    if born is None:
        return "holds no real birth date"
    if id_check_char(number[:17]) != number[17]:
        return "has a wrong check character"
    if birth is not None and born.isoformat() != birth:
        return "does not hold the birth date"
    if gender is not None and (int(number[16]) % 2 == 1) != (
            gender == "male"):
        return "does not fit the gender"
    return None


def certificate_problem(number, institution, year, level):
    """certificate_problem - why a 2002+ certificate number is wrong"""
    if year < 2002:
        return None if len(number or "") <= 40 else "is too long"
    if not number:
        return "is missing"
    if not number.isdigit() or not (
            len(number) == 18 or (len(number) == 17 and year == 2002)):
        return "is not 18 digits"
    if number[5] not in "1567":
        return "has a wrong school type"
    if number[10:12] not in LEVEL_CODES:
        return "has an unknown level code"
    if number[:5] != institution:
        return "does not begin with the institution code"
    if int(number[6:10]) != year:
        return "does not contain the graduation year"
    if LEVEL_CODES[number[10:12]] != level:
        return "does not fit the level"
    return None


def text_of(el, path):
    """text_of - the stripped text at PATH below EL, or None"""
    found = el.find(path)
    return None if found is None or found.text is None else \
        found.text.strip()


def ns_path(*names):
    """ns_path - a path of dossier elements"""
    return "/".join(NS + n for n in names)


def image_problem(path):
    """image_problem - why the file is no usable PNG or JPEG, or None"""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return "missing-attachment"
    if not os.path.isfile(path) or os.path.islink(path) or st.st_nlink != 1:
        return "unsafe-input"
    if st.st_size > MAX_ATTACHMENT:
        return "bad-attachment"
    with open(path, "rb") as f:
        head = f.read(8)
    if head[:8] != b"\x89PNG\r\n\x1a\n" and head[:3] != b"\xff\xd8\xff":
        return "bad-attachment"
    try:
        with Image.open(path) as img:
            if img.width * img.height > MAX_PIXELS:
                return "bad-attachment"
    except Exception:
        return "bad-attachment"
    return None


class Dossier:
    """the fields of a dossier.xml that the checks and documents use"""

    def __init__(self, root):
        self.id = root.get("id")
        self.received = root.get("received")
        self.kind = text_of(root, NS + "kind")
        self.reconsideration = text_of(root, NS + "reconsideration-of")
        app = root.find(NS + "applicant")
        self.name = text_of(app, NS + "name")
        self.id_number = (text_of(app, NS + "id-number") or "").upper()
        self.gender = text_of(app, NS + "gender")
        self.birth = text_of(app, NS + "birth-date")
        self.phone = text_of(app, NS + "phone")
        agent = root.find(NS + "agent")
        self.agent_id = None if agent is None else \
            text_of(agent, NS + "id-number") or ""
        cred = root.find(NS + "credential")
        self.credential = cred is not None
        if cred is not None:
            inst = cred.find(NS + "institution")
            self.level = text_of(cred, NS + "level")
            self.institution = inst.get("code")
            self.institution_name = (inst.text or "").strip()
            self.major = text_of(cred, NS + "major")
            self.study_form = text_of(cred, NS + "study-form")
            self.entry = text_of(cred, NS + "entry-date")
            self.graduation = text_of(cred, NS + "graduation-date")
            self.certno = text_of(cred, NS + "certificate-number") or ""
        req = root.find(NS + "request")
        self.validity = text_of(req, NS + "validity-days") \
            if req is not None else None
        self.report_code = text_of(req, NS + "report-code") \
            if req is not None else None
        self.accepting = req is not None and \
            req.find(NS + "accepting-institution") is not None
        dl = root.find(NS + "delivery")
        self.delivery = None if dl is None else dict(
            {f: text_of(dl, NS + f) or "" for f in (
                "recipient", "phone", "province", "city", "district",
                "address", "postcode")}, courier=dl.get("courier"))
        self.attachments = [(a.get("kind"), a.get("file"), a.get("sha256"))
                            for a in root.iter(NS + "attachment")]


def validate(w, folder):
    """validate - (dossier or None, reasons) by SPEC §3"""
    path = os.path.join(folder, "dossier.xml")
    if os.path.getsize(path) > 1024 * 1024:
        return None, [("unsafe-input", None)]
    try:
        tree = etree.parse(path, w.parser)
    except etree.XMLSyntaxError:
        return None, [("malformed-xml", None)]
    if tree.docinfo.doctype:
        return None, [("unsafe-input", None)]
    if not w.schema.validate(tree):
        return None, [("schema", None)]
    d = Dossier(tree.getroot())
    now = w.today
    reasons = []
    problem = id_number_problem(d.id_number, d.birth, d.gender)
    if problem:
        reasons.append(("bad-id-number", "applicant/id-number"))
    if d.agent_id is not None and id_number_problem(d.agent_id, None,
                                                    None):
        reasons.append(("bad-id-number", "agent/id-number"))
    if parse_date(d.birth) is None:
        reasons.append(("bad-date", "applicant/birth-date"))
    if not re.fullmatch(r"1[3-9]\d{9}", d.phone or ""):
        reasons.append(("bad-contact", "applicant/phone"))
    if d.kind in ("online-report", "paper-certification"):
        if not d.credential:
            reasons.append(("missing-material", "credential"))
        else:
            entry, grad = parse_date(d.entry), parse_date(d.graduation)
            if entry is None or grad is None or entry >= grad or grad > now:
                reasons.append(("bad-date", "credential/graduation-date"))
            elif certificate_problem(d.certno, d.institution, grad.year,
                                     d.level):
                reasons.append(("bad-certificate-number",
                                "credential/certificate-number"))
            elif (d.kind == "online-report") != (grad >= ONLINE_FIRST):
                reasons.append(("wrong-channel",
                                "credential/graduation-date"))
    if d.kind == "paper-certification":
        if not d.accepting:
            reasons.append(("missing-material",
                            "request/accepting-institution"))
        if d.delivery is None:
            reasons.append(("missing-material", "delivery"))
        elif not re.fullmatch(r"\d{6}", d.delivery["postcode"]):
            reasons.append(("bad-contact", "delivery/postcode"))
    if d.kind == "extension" and not d.report_code:
        reasons.append(("missing-material", "request/report-code"))
    if d.kind == "extension" and not d.validity:
        reasons.append(("missing-material", "request/validity-days"))
    needed = {"online-report": ["id-card"],
              "paper-certification": ["id-card", "certificate", "photo"],
              "report-check": ["verification-report"]}.get(d.kind, [])
    if d.agent_id is not None:
        needed += ["power-of-attorney", "agent-id-card"]
    kinds = [a[0] for a in d.attachments]
    for k in needed:
        if k not in kinds:
            reasons.append(("missing-material", "attachments"))
    for kind, name, digest in d.attachments:
        problem = image_problem(os.path.join(folder, name))
        if problem is None and digest:
            with open(os.path.join(folder, name), "rb") as f:
                if hashlib.sha256(f.read()).hexdigest() != digest.lower():
                    problem = "bad-attachment"
        if problem:
            reasons.append((problem, "attachments"))
    return d, reasons


# --- QR codes and the registry (SPEC §4, §6) ------------------------------

def read_codes(path):
    """read_codes - the QR codes pyzbar finds in one pass over the scan"""
    with Image.open(path) as img:
        gray = img.convert("L")
    return [s.data for s in pyzbar.decode(gray,
                                          symbols=[pyzbar.ZBarSymbol.QRCODE])]


def canonical(value):
    """canonical - percent-encoding of SPEC §6 (unreserved kept)"""
    return urllib.parse.quote(value, safe="-._~")


def payload_check(w, data):
    """payload_check - ('foreign'|'bad-signature'|'ok', fields)"""
    prefix = (VERIFY_URL + "?").encode()
    if not data.startswith(prefix):
        return "foreign", None
    try:
        text = data.decode("utf-8")
        parts = text[len(prefix):].split("&")
        names = [p.split("=", 1)[0] for p in parts]
        if names != ["c", "e", "n", "h", "k", "s"] or \
                any("=" not in p for p in parts):
            return "bad-signature", None
        raw = [p.split("=", 1)[1] for p in parts]
        values = [urllib.parse.unquote(v, errors="strict") for v in raw]
        if any(canonical(v) != r for v, r in zip(values, raw)):
            return "bad-signature", None
        code, expiry, certno, holder, key_id, sig = values
        if len(code) != 16 or any(c not in CODE_ALPHABET for c in code):
            return "bad-signature", None
        if expiry != "0" and parse_date("%s-%s-%s" % (
                expiry[:4], expiry[4:6], expiry[6:])) is None:
            return "bad-signature", None
        key = w.trusted.get(key_id)
        if key is None:
            return "bad-signature", None
        message = "credpipe:1\n%s\n%s\n%s\n%s" % (code, expiry, certno,
                                                  holder)
        key.verify(message.encode(), base64.urlsafe_b64decode(
            sig + "=" * (-len(sig) % 4)))
    except (UnicodeDecodeError, ValueError, nacl.exceptions.BadSignatureError):
        return "bad-signature", None
    return "ok", {"code": code, "expiry": expiry, "certno": certno,
                  "holder": holder}


def check_payload(w, d, fields):
    """check_payload - a verified payload against the registry"""
    row = w.db.execute(
        "SELECT r.status, r.expires, r.certno, c.holder_id FROM reports r "
        "LEFT JOIN credentials c ON c.certno = r.certno WHERE r.code = ?",
        (fields["code"],)).fetchone()
    if row is None:
        return "unknown"
    status, expires, certno, holder_id = row
    if status == "revoked":
        return "revoked"
    if expires and parse_date(expires) < w.today:
        return "expired"
    if (holder_id or "") != d.id_number or (
            d.credential and d.certno and certno != d.certno):
        return "mismatch"
    return "valid"


def check(w, d, folder):
    """check - (reasons, qr list, credential row) by SPEC §4"""
    reasons, qrs, cred = [], [], None
    if d.kind in ("online-report", "paper-certification"):
        if d.certno:
            cred = w.db.execute(
                "SELECT * FROM credentials WHERE certno = ?",
                (d.certno,)).fetchone()
        else:
            cred = w.db.execute(
                "SELECT * FROM credentials WHERE holder_id = ? AND "
                "institution = ? AND substr(graduation, 1, 4) = ?",
                (d.id_number, d.institution, d.graduation[:4])).fetchone()
        if cred is None:
            reasons.append(("no-record", None))
        else:
            (_, name, holder_id, inst, level, _, _, grad, status,
             source) = cred
            for field, ours, theirs in (
                    ("name", d.name, name),
                    ("id-number", d.id_number, holder_id),
                    ("institution", d.institution, inst),
                    ("level", d.level, level),
                    ("graduation-date", d.graduation, grad)):
                if ours != theirs:
                    reasons.append(("record-mismatch", field))
            if status == "revoked":
                reasons.append(("record-revoked", None))
            if d.kind == "online-report" and source != "registry":
                reasons.append(("wrong-channel", None))
            if d.kind == "paper-certification" and w.db.execute(
                    "SELECT 1 FROM reports WHERE certno = ? AND "
                    "kind = 'paper'", (d.certno,)).fetchone():
                reasons.append(("already-certified", None))
    if d.kind == "extension":
        row = w.db.execute(
            "SELECT r.kind, r.expires, r.status, c.holder_id FROM reports r "
            "LEFT JOIN credentials c ON c.certno = r.certno "
            "WHERE r.code = ?", (d.report_code,)).fetchone()
        if row is None:
            reasons.append(("no-record", None))
        elif row[3] != d.id_number:
            reasons.append(("record-mismatch", "id-number"))
        elif row[2] == "revoked":
            reasons.append(("record-revoked", None))
        elif row[0] != "online" or (
                parse_date(row[1]) - w.today).days > 30:
            reasons.append(("extension-not-allowed", None))
    if d.reconsideration:
        row = w.db.execute("SELECT outcome FROM decisions WHERE dossier = ?",
                           (d.reconsideration,)).fetchone()
        if row is None or row[0] not in ("not-verified", "rejected"):
            reasons.append(("reconsideration-not-allowed", None))
    for kind, name, _ in d.attachments:
        try:
            codes = read_codes(os.path.join(folder, name))
        except Exception:
            reasons.append(("bad-attachment", None))
            continue
        ours = 0
        for data in codes:
            status, fields = payload_check(w, data)
            if status == "foreign":
                qrs.append((name, "foreign", None))
                continue
            ours += 1
            if status == "bad-signature":
                qrs.append((name, "bad-signature", None))
                reasons.append(("qr-bad-signature", None))
                continue
            status = check_payload(w, d, fields)
            qrs.append((name, status, fields["code"]))
            if status != "valid":
                reasons.append(("qr-" + status, None))
        if kind != "verification-report":
            continue
        if not codes:
            qrs.append((name, "unreadable", None))
            reasons.append(("qr-unreadable", None))
        elif ours == 0:
            reasons.append(("qr-unknown", None))
    return reasons, qrs, cred


def decide(reasons):
    """decide - the outcome; rejections stand alone"""
    rejections = [r for r in reasons if r[0] in REJECTIONS]
    if rejections:
        return "rejected", rejections
    return ("not-verified" if reasons else "verified"), reasons


# --- documents (SPEC §6, §7) ----------------------------------------------

def mask_id(number):
    """mask_id - 110105********002X"""
    return number[:6] + "*" * 8 + number[14:] if len(number) == 18 else \
        "*" * len(number)


def draw_lines(c, lines, x=25 * mm, y=A4[1] - 40 * mm, size=11):
    """draw_lines - lines of CJK text down the page"""
    for line in lines:
        c.setFont("CJK", size)
        c.drawString(x, y, line)
        y -= size * 1.8
    return y


def draw_qr(c, text, x, y, size):
    """draw_qr - a QR code of TEXT, level M"""
    widget = qr.QrCodeWidget(text, barLevel="M")
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0,
                                            size / (y1 - y0), 0, 0])
    drawing.add(widget)
    renderPDF.draw(drawing, c, x, y)


def new_canvas(path_or_buffer, title):
    """new_canvas - an A4 canvas with the document info set"""
    c = canvas.Canvas(path_or_buffer, pagesize=A4, invariant=1)
    c.setTitle(title)
    c.setAuthor("Credential Certification Office")
    return c


def draw_report(c, d, code, number, issued, expires, payload):
    """draw_report - one report page (online or paper)"""
    c.setFont("CJK", 20)
    c.drawCentredString(A4[0] / 2, A4[1] - 25 * mm,
                        "学历认证报告 Credential Verification Report")
    draw_lines(c, [
        "姓名 Name: %s" % d.name,
        "性别 Gender: %s    出生日期 Birth date: %s" % (d.gender, d.birth),
        "证件号码 ID number: %s" % mask_id(d.id_number),
        "院校 Institution: %s (%s)" % (d.institution_name, d.institution),
        "专业 Major: %s" % d.major,
        "层次 Level: %s    学习形式 Study form: %s" % (d.level,
                                                   d.study_form or "-"),
        "入学 Entry: %s    毕业 Graduation: %s" % (d.entry, d.graduation),
        "证书编号 Certificate number: %s" % (d.certno or "-"),
        "验证码 Code: %s" % " ".join(code[i:i + 4] for i in range(0, 16, 4)),
        "报告编号 Number: %s" % (number or "-"),
        "签发日期 Issued: %s    有效期至 Valid until: %s" % (
            issued, expires or "-"),
        "验证方法 How to verify: scan the code or visit %s" % VERIFY_URL,
    ], y=A4[1] - 50 * mm)
    draw_qr(c, payload, A4[0] - 70 * mm, A4[1] - 90 * mm, 45 * mm)
    c.showPage()


def sign_payload(w, code, expiry, certno, holder):
    """sign_payload - the signed URL of SPEC §6"""
    e = expiry.replace("-", "") if expiry else "0"
    message = "credpipe:1\n%s\n%s\n%s\n%s" % (code, e, certno, holder)
    sig = base64.urlsafe_b64encode(
        w.signing.sign(message.encode()).signature).rstrip(b"=").decode()
    return "%s?c=%s&e=%s&n=%s&h=%s&k=%s&s=%s" % (
        VERIFY_URL, canonical(code), e, canonical(certno), canonical(holder),
        w.key_id, sig)


def new_code():
    """new_code - 16 Crockford base32 characters from the OS CSPRNG"""
    return "".join(CODE_ALPHABET[b % 32] for b in os.urandom(16))


def issue(w, d, out):
    """issue - a report (online or paper) for a verified dossier"""
    issued = w.today.isoformat()
    while True:
        code = new_code()
        try:
            with w.db:
                w.db.execute("BEGIN IMMEDIATE")
                number, expires = None, None
                if d.kind == "online-report":
                    expires = (w.today + datetime.timedelta(
                        days=int(d.validity or 30))).isoformat()
                else:
                    seq = w.db.execute(
                        "UPDATE counters SET value = value + 1 WHERE "
                        "name = 'paper' RETURNING value").fetchone()[0]
                    number = "P%d%06d" % (w.today.year, seq)
                w.db.execute(
                    "INSERT INTO reports VALUES (?,?,?,?,?,?,'valid',?)",
                    (code, number, d.certno, "online" if expires else
                     "paper", issued, expires, d.id))
            break
        except sqlite3.IntegrityError:
            continue                    # the code was taken: draw again
    payload = sign_payload(w, code, expires, d.certno, d.name)
    path = os.path.join(out, "reports", d.id + ".pdf")
    c = new_canvas(path, "Report " + d.id)
    draw_report(c, d, code, number, issued, expires, payload)
    c.save()
    return {"code": code, "number": number, "issued": issued,
            "expires": expires, "payload": payload}


def draw_notice(w, d_id, reasons, path):
    """draw_notice - one page listing each reason"""
    c = new_canvas(path, "Notice " + d_id)
    c.setFont("CJK", 18)
    c.drawCentredString(A4[0] / 2, A4[1] - 25 * mm,
                        "认证结果通知 Notice of decision")
    lines = ["申请编号 Dossier: %s" % d_id,
             "决定日期 Decided: %s" % w.today.isoformat()]
    lines += ["原因 Reason: %s%s" % (code, " (%s)" % field if field else "")
              for code, field in reasons]
    lines.append("如有异议，可申请复议。 You may apply for reconsideration.")
    draw_lines(c, lines, y=A4[1] - 45 * mm)
    c.showPage()
    c.save()


def draw_check_result(w, d, qrs, path):
    """draw_check_result - the one-page result of a verified report-check"""
    c = new_canvas(path, "Result " + d.id)
    c.setFont("CJK", 18)
    c.drawCentredString(A4[0] / 2, A4[1] - 25 * mm,
                        "报告核验结果 Report check result")
    draw_lines(c, ["持有人 Holder: %s (%s)" % (d.name, mask_id(d.id_number))]
               + ["%s: %s %s" % (name, status, code or "")
                  for name, status, code in qrs], y=A4[1] - 45 * mm)
    c.showPage()
    c.save()


def xml_escape(text):
    """xml_escape - text for an attribute or element"""
    return (text.replace("&", "&amp;").replace("<", "&lt;")
            .replace(">", "&gt;").replace('"', "&quot;"))


def write_result(out, r):
    """write_result - out/results/<id>.xml (urn:credpipe:result:1)"""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<result xmlns="urn:credpipe:result:1" id="%s" kind="%s" '
             'outcome="%s" decided="%s">' % (r["id"], r["kind"],
                                             r["outcome"], r["decided"])]
    for code, field in r["reasons"]:
        lines.append('  <reason code="%s"%s/>' % (
            code, ' field="%s"' % field if field else ""))
    rep = r.get("report")
    if rep:
        lines.append('  <report code="%s"%s issued="%s"%s file="%s"/>' % (
            rep["code"], ' number="%s"' % rep["number"] if rep["number"]
            else "", rep["issued"], ' expires="%s"' % rep["expires"]
            if rep["expires"] else "", "reports/%s.pdf" % r["id"]))
    for name, status, code in r["qrs"]:
        lines.append('  <qr attachment="%s" status="%s"%s/>' % (
            xml_escape(name), status, ' code="%s"' % code if code else ""))
    if r.get("shipment"):
        lines.append('  <shipment courier="%s" waybill="%s" batch="%s"/>' %
                     r["shipment"])
    if r["outcome"] != "verified":
        lines.append('  <notice file="notices/%s.pdf"/>' % r["id"])
    lines.append("</result>")
    with open(os.path.join(out, "results", r["id"] + ".xml"), "w",
              encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


# --- one dossier, in a pool process -------------------------------------

class Worker:
    """what a pool process loads once"""


W = Worker()


def init_worker(args):
    """init_worker - the registry, schema, keys and font, once a process"""
    W.db = sqlite3.connect(args.db, timeout=600, isolation_level=None)
    W.db.execute("PRAGMA journal_mode=WAL")
    W.parser = etree.XMLParser(resolve_entities=False, no_network=True,
                               load_dtd=False, huge_tree=False)
    W.schema = etree.XMLSchema(etree.parse(os.path.join(
        ROOT, "schemas", "dossier.xsd")))
    now = datetime.datetime.fromisoformat(args.now)
    W.today = now.astimezone(datetime.timezone(
        datetime.timedelta(hours=8))).date()
    W.decided = now.isoformat()
    seed = W.db.execute("SELECT seed FROM keys WHERE id = 1").fetchone()[0]
    W.signing = nacl.signing.SigningKey(seed)
    public = bytes(W.signing.verify_key)
    W.key_id = hashlib.sha256(public).hexdigest()[:8]
    W.trusted = {W.key_id: W.signing.verify_key}
    for name in os.listdir(args.trusted):
        if name.endswith(".pub"):
            with open(os.path.join(args.trusted, name)) as f:
                key = bytes.fromhex(f.read().strip())
            W.trusted[hashlib.sha256(key).hexdigest()[:8]] = \
                nacl.signing.VerifyKey(key)
    pdfmetrics.registerFont(TTFont("CJK", args.font, subfontIndex=0))
    W.out = args.out


def process_dossier(folder):
    """process_dossier - validate, decode, check, typeset one dossier"""
    w = W
    d, reasons = validate(w, folder)
    did = d.id if d is not None else os.path.basename(folder.rstrip("/"))
    r = {"id": did, "kind": d.kind if d else "unknown", "qrs": [],
         "decided": w.decided}
    if not reasons:
        more, r["qrs"], _ = check(w, d, folder)
        reasons += more
    r["outcome"], r["reasons"] = decide(reasons)
    w.db.execute("INSERT OR REPLACE INTO decisions VALUES (?,?,?,?)",
                 (did, r["kind"], r["outcome"], w.decided))
    if r["outcome"] != "verified":
        draw_notice(w, did, r["reasons"],
                    os.path.join(w.out, "notices", did + ".pdf"))
    elif d.kind in ("online-report", "paper-certification"):
        r["report"] = issue(w, d, w.out)
    elif d.kind == "report-check":
        draw_check_result(w, d, r["qrs"],
                          os.path.join(w.out, "reports", did + ".pdf"))
    if r["outcome"] == "verified" and d.kind == "paper-certification":
        r["parcel"] = d.delivery
        r["dossier"] = d
        return r                        # written with its shipment
    write_result(w.out, r)
    return r


# --- courier batches (SPEC §7) --------------------------------------------

def s10(prefix, serial, suffix):
    """s10 - a UPU S10 waybill: prefix, 8 digits, check digit, suffix"""
    digits = "%08d" % serial
    total = sum(int(c) * w for c, w in zip(digits, (8, 6, 4, 2, 3, 5, 9, 7)))
    check_digit = 11 - total % 11
    check_digit = {10: 0, 11: 5}.get(check_digit, check_digit)
    return "%s%s%d%s" % (prefix, digits, check_digit, suffix)


def waybills(db, courier, n):
    """waybills - N waybill numbers of COURIER, each used once"""
    with db:
        db.execute("BEGIN IMMEDIATE")
        prefix, first, last, suffix, fmt, width = db.execute(
            "SELECT prefix, next, last, suffix, format, digits FROM "
            "waybill_ranges WHERE courier = ?", (courier,)).fetchone()
        if first + n - 1 > last:
            raise RuntimeError("waybill range of %s exhausted" % courier)
        db.execute("UPDATE waybill_ranges SET next = ? WHERE courier = ?",
                   (first + n, courier))
    if fmt == "digits":
        return ["%s%0*d" % (prefix, width, s) for s in range(first,
                                                             first + n)]
    return [s10(prefix, s, suffix) for s in range(first, first + n)]


def ship(w, parcels, out):
    """ship - cut parcels into batches and write each batch's files"""
    day = w.today.isoformat()
    by_courier = {}
    for r in parcels:
        by_courier.setdefault(r["parcel"]["courier"], []).append(r)
    for courier, rs in sorted(by_courier.items()):
        rs.sort(key=lambda r: (r["parcel"]["postcode"], r["id"]))
        for b in range(0, len(rs), BATCH_SIZE):
            batch = rs[b:b + BATCH_SIZE]
            name = "%s-%d" % (courier, b // BATCH_SIZE + 1)
            bdir = os.path.join(out, "courier", day, name)
            os.makedirs(bdir)
            numbers = waybills(w.db, courier, len(batch))
            with open(os.path.join(bdir, "manifest.csv"), "w",
                      encoding="utf-8-sig", newline="") as f:
                wr = csv.writer(f, lineterminator="\r\n")
                wr.writerow(["waybill", "order_id", "recipient", "phone",
                             "province", "city", "district", "address",
                             "postcode", "contents", "pieces",
                             "dossier_id"])
                for r, wb in zip(batch, numbers):
                    p = r["parcel"]
                    wr.writerow([wb, r["report"]["number"], p["recipient"],
                                 p["phone"], p["province"], p["city"],
                                 p["district"], p["address"], p["postcode"],
                                 "文件", 1, r["id"]])
            c = new_canvas(os.path.join(bdir, "manifest.pdf"),
                           "Dispatch list " + name)
            y = draw_lines(c, ["交接清单 Dispatch list %s %s" % (day, name)],
                           y=A4[1] - 20 * mm, size=14)
            for r, wb in zip(batch, numbers):
                if y < 30 * mm:
                    c.showPage()
                    y = A4[1] - 20 * mm
                p = r["parcel"]
                y = draw_lines(c, ["%s  %s  %s  %s  %s" % (
                    wb, p["recipient"], p["phone"][:3] + "****" +
                    p["phone"][7:], p["postcode"], r["id"])], y=y, size=9)
            draw_lines(c, ["合计 Total: %d" % len(batch),
                           "交件人 Handed over by: ________  "
                           "收件人 Received by: ________"], y=y - 10, size=10)
            c.showPage()
            c.save()
            c = canvas.Canvas(os.path.join(bdir, "labels.pdf"),
                              pagesize=(100 * mm, 150 * mm), invariant=1)
            for r, wb in zip(batch, numbers):
                p = r["parcel"]
                code128.Code128(wb, barHeight=18 * mm, barWidth=0.4 * mm
                                ).drawOn(c, 8 * mm, 120 * mm)
                draw_lines(c, [wb, "寄件 From: 学历认证中心",
                               "收件 To: %s %s" % (p["recipient"],
                                                   p["phone"]),
                               "%s%s%s" % (p["province"], p["city"],
                                           p["district"]),
                               p["address"], p["postcode"]],
                           x=8 * mm, y=110 * mm, size=10)
                c.showPage()
            c.save()
            c = new_canvas(os.path.join(bdir, "reports.pdf"),
                           "Reports " + name)
            for r in batch:
                rep = r["report"]
                draw_report(c, r["dossier"], rep["code"], rep["number"],
                            rep["issued"], None, rep["payload"])
            c.save()
            for r, wb in zip(batch, numbers):
                r["shipment"] = (courier, wb, "%s/%s" % (day, name))
                write_result(out, r)


def cmd_run(args):
    """run - the whole night, --jobs processes"""
    for sub in ("results", "reports", "notices", "courier"):
        os.makedirs(os.path.join(args.out, sub), exist_ok=True)
    folders = sorted(os.path.join(args.batch, n)
                     for n in os.listdir(args.batch)
                     if not n.startswith(".") and
                     os.path.isdir(os.path.join(args.batch, n)))
    # the processes fork before this one opens the registry
    with multiprocessing.Pool(args.jobs, initializer=init_worker,
                              initargs=(args,)) as pool:
        results = list(pool.imap_unordered(process_dossier, folders,
                                           chunksize=1))
    init_worker(args)
    ship(W, [r for r in results if "parcel" in r], args.out)
    counts = {}
    for r in results:
        counts[r["outcome"]] = counts.get(r["outcome"], 0) + 1
    print(" ".join("%s=%d" % kv for kv in sorted(counts.items())))
    return 0


def cmd_decisions(args):
    """decisions - one line a result: id outcome reasons"""
    rows = []
    ns = "{urn:credpipe:result:1}"
    for name in os.listdir(args.results):
        if not name.endswith(".xml"):
            continue
        root = etree.parse(os.path.join(args.results, name)).getroot()
        reasons = sorted({r.get("code") + (":" + r.get("field")
                                          if r.get("field") else "")
                          for r in root.iter(ns + "reason")})
        rows.append("%s %s %s" % (root.get("id"), root.get("outcome"),
                                  ",".join(reasons) or "-"))
    sys.stdout.write("".join(row + "\n" for row in sorted(rows)))
    return 0


def main():
    """main - the three subcommands"""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("import")
    p.add_argument("--db", required=True)
    p.add_argument("records")
    p = sub.add_parser("run")
    p.add_argument("--db", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--now", required=True)
    p.add_argument("--trusted", required=True)
    p.add_argument("--jobs", type=int, default=os.cpu_count())
    p.add_argument("--font", default=FONT)
    p.add_argument("batch")
    p = sub.add_parser("decisions")
    p.add_argument("results")
    args = ap.parse_args()
    try:
        return {"import": cmd_import, "run": cmd_run,
                "decisions": cmd_decisions}[args.command](args)
    except (OSError, sqlite3.Error, etree.LxmlError, RuntimeError) as e:
        print("baseline.py: %s" % e, file=sys.stderr)
        return 70


if __name__ == "__main__":
    sys.exit(main())
