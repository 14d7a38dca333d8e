/*
 * report.c - layouts of the documents credpipe issues (SPEC §6).
 *
 * Every page is A4 with an 18 mm margin, Chinese first with an English
 * subtitle under it. Field values wrap inside their boxes and shrink when
 * they must (pdf_text_box), so a 60-character institution name never
 * overlaps its neighbours. The QR code sits at the top right of a report,
 * where a phone held over the page finds it first, 0.8 mm a module
 * (about 4.7 pixels at 150 dpi; SPEC §6 asks for at least 0.7 mm).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dossier.h"
#include "fsutil.h"
#include "payload.h"
#include "registry.h"
#include "report.h"
#include "timeutil.h"

#define MARGIN 18.0
#define CONTENT_W (PDF_A4_WIDTH - 2 * MARGIN)
#define LABEL_W 50.0
#define QR_MODULE 0.8
#define VALUE_SIZE 11.0
#define ROW_MIN 10.0
#define ROW_MAX 18.0
#define ROW_PAD 1.2
#define SEAL_W 52.0            /* the seal box of a paper report, mm */

/* one entry of the reason catalogue */
struct reason_title {
	const char *code, *zh, *en;
};

/*
 * The catalogue of reason titles (SPEC §3). The result files carry the
 * code and a specific English sentence; documents show these titles.
 */
static const struct reason_title reasons[] = {
	{ "malformed-xml", "申请文件格式错误", "Malformed application file" },
	{ "unsafe-input", "申请材料含不安全内容",
	  "Unsafe content in the application" },
	{ "schema", "申请文件不符合规范",
	  "Application file does not follow the schema" },
	{ "bad-id-number", "身份证件号码有误", "Invalid resident ID number" },
	{ "bad-certificate-number", "证书编号有误",
	  "Invalid certificate number" },
	{ "bad-date", "日期有误", "Invalid date" },
	{ "bad-contact", "联系方式有误", "Invalid contact details" },
	{ "missing-material", "缺少必要信息", "Required information missing" },
	{ "missing-attachment", "缺少附件", "Attachment missing" },
	{ "bad-attachment", "附件无效", "Invalid attachment" },
	{ "wrong-channel", "申请类别与学历不符",
	  "Wrong application type for this credential" },
	{ "reconsideration-not-allowed", "不符合复核条件",
	  "Reconsideration not allowed" },
	{ "duplicate", "重复提交", "Duplicate application" },
	{ "no-record", "未查到相应记录", "No matching record" },
	{ "record-mismatch", "信息与记录不符",
	  "Details differ from the record" },
	{ "record-revoked", "学历记录已撤销", "Record revoked" },
	{ "already-certified", "该学历已出具过纸质认证报告",
	  "A paper report was already issued for this credential" },
	{ "qr-unreadable", "无法识别报告二维码", "Report QR code unreadable" },
	{ "qr-unknown", "二维码不是本机构出具的报告",
	  "QR code is not one of our reports" },
	{ "qr-bad-signature", "二维码签名无效", "QR code signature invalid" },
	{ "qr-expired", "报告已过有效期", "Report expired" },
	{ "qr-revoked", "报告已撤销", "Report revoked" },
	{ "qr-mismatch", "报告与申请人不符",
	  "Report does not match the applicant" },
	{ "extension-not-allowed", "不符合延期条件", "Extension not allowed" },
};

/* reason_find - the catalogue entry of CODE, or NULL */
static const struct reason_title *
reason_find(const char *code)
{
	size_t i;

	for (i = 0; i < sizeof reasons / sizeof reasons[0]; i++)
		if (strcmp(reasons[i].code, code) == 0)
			return &reasons[i];
	return NULL;
}

/* reason_title_zh - Chinese title of a reason code */
const char *
reason_title_zh(const char *code)
{
	const struct reason_title *t = reason_find(code);

	return t ? t->zh : "其他原因";
}

/* reason_title_en - English title of a reason code */
const char *
reason_title_en(const char *code)
{
	const struct reason_title *t = reason_find(code);

	return t ? t->en : code;
}

/* report_level_zh - Chinese name of a level */
const char *
report_level_zh(const char *level)
{
	if (strcmp(level, "junior-college") == 0)
		return "专科";
	if (strcmp(level, "undergraduate") == 0)
		return "本科";
	if (strcmp(level, "master") == 0)
		return "硕士研究生";
	if (strcmp(level, "doctorate") == 0)
		return "博士研究生";
	return level;
}

/* level_en - English name of a level */
static const char *
level_en(const char *level)
{
	if (strcmp(level, "junior-college") == 0)
		return "Junior college";
	if (strcmp(level, "undergraduate") == 0)
		return "Undergraduate";
	if (strcmp(level, "master") == 0)
		return "Master";
	if (strcmp(level, "doctorate") == 0)
		return "Doctorate";
	return "";
}

/* report_study_form_zh - Chinese name of a study form */
const char *
report_study_form_zh(const char *form)
{
	if (strcmp(form, "full-time") == 0)
		return "全日制";
	if (strcmp(form, "part-time") == 0)
		return "非全日制";
	if (strcmp(form, "distance") == 0)
		return "远程教育";
	if (strcmp(form, "self-study") == 0)
		return "高等教育自学考试";
	return form;
}

/* study_form_en - English name of a study form */
static const char *
study_form_en(const char *form)
{
	if (strcmp(form, "full-time") == 0)
		return "Full-time";
	if (strcmp(form, "part-time") == 0)
		return "Part-time";
	if (strcmp(form, "distance") == 0)
		return "Distance learning";
	if (strcmp(form, "self-study") == 0)
		return "Self-study examinations";
	return "";
}

/* report_gender_zh - 男 / 女 */
const char *
report_gender_zh(const char *gender)
{
	if (strcmp(gender, "male") == 0)
		return "男";
	if (strcmp(gender, "female") == 0)
		return "女";
	return gender;
}

/* gender_en - Male / Female */
static const char *
gender_en(const char *gender)
{
	if (strcmp(gender, "male") == 0)
		return "Male";
	if (strcmp(gender, "female") == 0)
		return "Female";
	return "";
}

/* qr_status_zh / qr_status_en - a scanned report's status */
static const char *
qr_status_zh(const char *s)
{
	static const char *const map[][2] = {
		{ "valid", "有效" }, { "unreadable", "无法识别" },
		{ "foreign", "非本机构报告" }, { "unknown", "未查到" },
		{ "bad-signature", "签名无效" }, { "expired", "已过期" },
		{ "revoked", "已撤销" }, { "mismatch", "与申请人不符" },
	};
	size_t i;

	for (i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcmp(map[i][0], s) == 0)
			return map[i][1];
	return s;
}

/* qr_status_en - English status */
static const char *
qr_status_en(const char *s)
{
	static const char *const map[][2] = {
		{ "valid", "Valid" }, { "unreadable", "Unreadable" },
		{ "foreign", "Not our report" }, { "unknown", "Unknown" },
		{ "bad-signature", "Bad signature" }, { "expired", "Expired" },
		{ "revoked", "Revoked" }, { "mismatch", "Mismatch" },
	};
	size_t i;

	for (i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcmp(map[i][0], s) == 0)
			return map[i][1];
	return s;
}

/* report_mask_id - first 6, 8 stars, last 4 (shorter ones: all stars) */
char *
report_mask_id(const char *id, char *buf, size_t size)
{
	size_t n = strlen(id);

	if (n == 18)
		snprintf(buf, size, "%.6s********%.4s", id, id + 14);
	else if (n > 10)
		snprintf(buf, size, "%.6s%.*s%.4s", id, (int)(n - 10),
		    "********************************", id + n - 4);
	else
		snprintf(buf, size, "%.*s", (int)(n < 32 ? n : 32),
		    "********************************");
	return buf;
}

/* report_group_code - groups of four separated by spaces */
char *
report_group_code(const char *code, char *buf, size_t size)
{
	size_t i, o = 0, n = strlen(code);

	for (i = 0; i < n && o + 2 < size; i++) {
		if (i > 0 && i % 4 == 0)
			buf[o++] = ' ';
		buf[o++] = code[i];
	}
	if (size > 0)
		buf[o < size ? o : size - 1] = '\0';
	return buf;
}

/* payload_expiry - "2026-12-30" -> "20261230"; "" -> "0" */
static void
payload_expiry(const char *date, char *buf, size_t size)
{
	int y, m, d;

	if (date[0] == '\0' || date_parse(date, &y, &m, &d) < 0)
		snprintf(buf, size, "0");
	else
		snprintf(buf, size, "%04d%02d%02d", y, m, d);
}

/* report_fields_fill - the fields of a report from dossier and registry */
int
report_fields_fill(struct report_fields *f, const struct dossier *d,
    const struct reg_credential *cred, const struct reg_report *rep,
    const struct signing_key *key, const char *verify_url)
{
	char expiry[16];

	memset(f, 0, sizeof *f);
	snprintf(f->dossier_id, sizeof f->dossier_id, "%s", d->id);
	/* the registry is authoritative for the credential; the dossier
	 * adds what the registry does not hold (gender, birth date) */
	snprintf(f->holder_name, sizeof f->holder_name, "%s",
	    cred->holder_name[0] ? cred->holder_name : d->applicant.name);
	snprintf(f->holder_name_latin, sizeof f->holder_name_latin, "%s",
	    d->applicant.name_latin);
	snprintf(f->gender, sizeof f->gender, "%s", d->applicant.gender);
	snprintf(f->birth_date, sizeof f->birth_date, "%s",
	    d->applicant.birth_date);
	report_mask_id(cred->holder_id[0] ? cred->holder_id :
	    d->applicant.id_number, f->id_masked, sizeof f->id_masked);
	snprintf(f->institution, sizeof f->institution, "%s",
	    cred->institution_name[0] ? cred->institution_name :
	    d->credential.institution);
	snprintf(f->institution_code, sizeof f->institution_code, "%s",
	    cred->institution_code[0] ? cred->institution_code :
	    d->credential.institution_code);
	snprintf(f->major, sizeof f->major, "%s",
	    cred->major[0] ? cred->major : d->credential.major);
	snprintf(f->level, sizeof f->level, "%s",
	    cred->level[0] ? cred->level : d->credential.level);
	snprintf(f->study_form, sizeof f->study_form, "%s",
	    cred->study_form[0] ? cred->study_form : d->credential.study_form);
	snprintf(f->entry_date, sizeof f->entry_date, "%s",
	    cred->entry_date[0] ? cred->entry_date : d->credential.entry_date);
	snprintf(f->graduation_date, sizeof f->graduation_date, "%s",
	    cred->graduation_date[0] ? cred->graduation_date :
	    d->credential.graduation_date);
	snprintf(f->certificate_number, sizeof f->certificate_number, "%s",
	    cred->certificate_number);
	snprintf(f->code, sizeof f->code, "%s", rep->code);
	snprintf(f->number, sizeof f->number, "%s", rep->number);
	snprintf(f->issued, sizeof f->issued, "%s", rep->issued);
	snprintf(f->expires, sizeof f->expires, "%s", rep->expires);
	snprintf(f->accepting, sizeof f->accepting, "%s",
	    d->request.accepting_name);
	snprintf(f->purpose, sizeof f->purpose, "%s", d->purpose);
	snprintf(f->verify_url, sizeof f->verify_url, "%s", verify_url);
	payload_expiry(f->expires, expiry, sizeof expiry);
	if (key == NULL)
		return 0;
	return payload_build(key, verify_url, f->code, expiry,
	    f->certificate_number, f->holder_name, f->payload,
	    sizeof f->payload);
}

/* find_credential - by certificate number, else by holder (pre-2002) */
static int
find_credential(struct registry *reg, const struct dossier *d,
    const char *certno, struct reg_credential *cred)
{
	int year = atoi(d->credential.graduation_date);

	if (certno[0] != '\0')
		return registry_find_credential(reg, certno, cred);
	return registry_find_credential_by_holder(reg, d->applicant.id_number,
	    d->credential.institution_code, year, cred);
}

/* report_paper_fields - the paper report of dossier ID, again */
int
report_paper_fields(struct registry *reg, const struct signing_key *key,
    const char *verify_url, const char *id, const char *dir,
    struct report_fields *f, char *why, size_t size)
{
	struct dossier *d;
	struct reg_report rep;
	struct reg_credential cred;
	int rc = -1;

	if ((d = calloc(1, sizeof *d)) == NULL) {
		snprintf(why, size, "out of memory");
		return -1;
	}
	if (dossier_load(dir, d) < 0)
		snprintf(why, size, "%s: cannot read its dossier.xml", id);
	else if (registry_find_dossier_report(reg, id, &rep) != 1)
		snprintf(why, size, "%s: no report issued in the registry", id);
	else if (find_credential(reg, d, rep.certificate_number[0] ?
	    rep.certificate_number : d->credential.certificate_number,
	    &cred) != 1)
		snprintf(why, size, "%s: its credential is not in the "
		    "registry", id);
	else if (report_fields_fill(f, d, &cred, &rep, key, verify_url) < 0)
		snprintf(why, size, "%s: the QR payload does not fit", id);
	else
		rc = 0;
	free(d);
	return rc;
}

/* heading - title, English subtitle and a rule; the y below it */
static double
heading(struct pdf_page *page, const char *zh, const char *en)
{
	pdf_gray(page, 0);
	pdf_text(page, PDF_A4_WIDTH / 2, 28, 20, PDF_CENTER | PDF_BOLD, zh);
	pdf_text(page, PDF_A4_WIDTH / 2, 35, 10.5, PDF_CENTER, en);
	pdf_line(page, MARGIN, 39, PDF_A4_WIDTH - MARGIN, 39, 1.2);
	pdf_line(page, MARGIN, 40, PDF_A4_WIDTH - MARGIN, 40, 0.4);
	return 44;
}

/* section - a section title bar; the y below it */
static double
section(struct pdf_page *page, double y, double w, const char *zh,
    const char *en)
{
	char line[256];

	pdf_gray(page, 0.88);
	pdf_fill_rect(page, MARGIN, y, w, 7);
	pdf_gray(page, 0);
	snprintf(line, sizeof line, "%s  %s", zh, en);
	pdf_text(page, MARGIN + 2, y + 5, 10, PDF_BOLD, line);
	return y + 7;
}

/*
 * field_row - a label box (Chinese over English) and a value box of
 * width W - LABEL_W; the row grows with a long value up to ROW_MAX, then
 * the value shrinks. Returns the row height.
 */
static double
field_row(struct pdf_page *page, double y, double w, const char *zh,
    const char *en, const char *value, double size, int flags)
{
	const struct pdf_font *font = pdf_doc_font(pdf_page_doc(page));
	double vw = w - LABEL_W, h;

	h = pdf_text_height(font, vw - 4, size, value) + 2 * ROW_PAD;
	if (h < ROW_MIN)
		h = ROW_MIN;
	if (h > ROW_MAX)
		h = ROW_MAX;
	pdf_rect(page, MARGIN, y, LABEL_W, h, 0.4);
	pdf_rect(page, MARGIN + LABEL_W, y, vw, h, 0.4);
	pdf_text(page, MARGIN + 2, y + h / 2 - 0.3, 9.5, PDF_LEFT, zh);
	pdf_gray(page, 0.35);
	pdf_text(page, MARGIN + 2, y + h / 2 + 3.4, 7, PDF_LEFT, en);
	pdf_gray(page, 0);
	pdf_text_box(page, MARGIN + LABEL_W + 2, y + ROW_PAD, vw - 4,
	    h - 2 * ROW_PAD, size, flags | PDF_MIDDLE, value);
	return h;
}

/* or_dash - VALUE, or a dash when it is empty */
static const char *
or_dash(const char *value)
{
	return value[0] ? value : "—";
}

/* footer - the dossier id and a note at the bottom of the page */
static void
footer(struct pdf_page *page, const char *dossier_id, const char *note)
{
	char line[256];

	pdf_gray(page, 0.35);
	pdf_line(page, MARGIN, 281, PDF_A4_WIDTH - MARGIN, 281, 0.4);
	snprintf(line, sizeof line, "申请编号 Dossier: %s", dossier_id);
	pdf_text(page, MARGIN, 286, 8, PDF_LEFT, line);
	pdf_text(page, PDF_A4_WIDTH - MARGIN, 286, 8, PDF_RIGHT, note);
	pdf_gray(page, 0);
}

/* paragraph - a framed box of Chinese text and its English; new y */
static double
paragraph(struct pdf_page *page, double y, const char *title_zh,
    const char *title_en, const char *zh, const char *en)
{
	const struct pdf_font *font = pdf_doc_font(pdf_page_doc(page));
	double w = CONTENT_W - 6, hz, he;

	y = section(page, y, CONTENT_W, title_zh, title_en);
	hz = pdf_text_height(font, w, 9.5, zh);
	he = pdf_text_height(font, w, 8.5, en);
	pdf_rect(page, MARGIN, y, CONTENT_W, hz + he + 6, 0.4);
	pdf_text_box(page, MARGIN + 3, y + 2, w, hz, 9.5, PDF_LEFT, zh);
	pdf_gray(page, 0.25);
	pdf_text_box(page, MARGIN + 3, y + 3 + hz, w, he, 8.5, PDF_LEFT, en);
	pdf_gray(page, 0);
	return y + hz + he + 6;
}

/*
 * paragraph_fit - as paragraph, but never below BOTTOM: the texts shrink
 * into the room left (long names and institutions fill a paper report)
 */
static double
paragraph_fit(struct pdf_page *page, double y, double bottom,
    const char *title_zh, const char *title_en, const char *zh,
    const char *en)
{
	const struct pdf_font *font = pdf_doc_font(pdf_page_doc(page));
	double w = CONTENT_W - 6, hz, he, room;

	hz = pdf_text_height(font, w, 9.5, zh);
	he = pdf_text_height(font, w, 8.5, en);
	if (y + 7 + hz + he + 6 <= bottom)
		return paragraph(page, y, title_zh, title_en, zh, en);
	y = section(page, y, CONTENT_W, title_zh, title_en);
	room = bottom - y - 6;
	if (room < 8)
		room = 8;
	pdf_rect(page, MARGIN, y, CONTENT_W, room + 6, 0.4);
	pdf_text_box(page, MARGIN + 3, y + 2, w, room * hz / (hz + he), 9.5,
	    PDF_LEFT, zh);
	pdf_gray(page, 0.25);
	pdf_text_box(page, MARGIN + 3, y + 3 + room * hz / (hz + he), w,
	    room * he / (hz + he), 8.5, PDF_LEFT, en);
	pdf_gray(page, 0);
	return y + room + 6;
}

/*
 * holder_and_qr - the holder section on the left and the QR code at the
 * top right, with its caption; the y below both
 */
static double
holder_and_qr(struct pdf_page *page, double y, const struct report_fields *f)
{
	double qs = pdf_qr_size(f->payload, QR_MODULE), w, yq;
	char v[600];

	if (qs < 0)
		qs = 45;
	w = CONTENT_W - qs - 4;
	pdf_qr(page, PDF_A4_WIDTH - MARGIN - qs, y, QR_MODULE, f->payload);
	yq = y + qs;
	pdf_text(page, PDF_A4_WIDTH - MARGIN - qs / 2, yq + 1.5, 8,
	    PDF_CENTER, "扫码验证 Scan to verify");
	yq += 4;
	y = section(page, y, w, "持证人", "Holder");
	if (f->holder_name_latin[0])
		snprintf(v, sizeof v, "%s  %s", f->holder_name,
		    f->holder_name_latin);
	else
		snprintf(v, sizeof v, "%s", f->holder_name);
	y += field_row(page, y, w, "姓名", "Name", v, 12, PDF_BOLD);
	snprintf(v, sizeof v, "%s  %s", report_gender_zh(f->gender),
	    gender_en(f->gender));
	y += field_row(page, y, w, "性别", "Gender", v, VALUE_SIZE, 0);
	y += field_row(page, y, w, "出生日期", "Date of birth",
	    or_dash(f->birth_date), VALUE_SIZE, 0);
	y += field_row(page, y, w, "身份证件号码", "ID number", f->id_masked,
	    VALUE_SIZE, 0);
	return (y > yq ? y : yq) + 4;
}

/* credential_rows - the credential section; the y below it */
static double
credential_rows(struct pdf_page *page, double y, const struct report_fields *f)
{
	char v[600];

	y = section(page, y, CONTENT_W, "学历信息", "Qualification");
	if (f->institution_code[0])
		snprintf(v, sizeof v, "%s（%s）", f->institution,
		    f->institution_code);
	else
		snprintf(v, sizeof v, "%s", f->institution);
	y += field_row(page, y, CONTENT_W, "毕业院校", "Institution", v,
	    VALUE_SIZE, 0);
	y += field_row(page, y, CONTENT_W, "专业", "Major", or_dash(f->major),
	    VALUE_SIZE, 0);
	snprintf(v, sizeof v, "%s  %s", report_level_zh(f->level),
	    level_en(f->level));
	y += field_row(page, y, CONTENT_W, "层次", "Level", v, VALUE_SIZE, 0);
	if (f->study_form[0])
		snprintf(v, sizeof v, "%s  %s",
		    report_study_form_zh(f->study_form),
		    study_form_en(f->study_form));
	else
		snprintf(v, sizeof v, "—");
	y += field_row(page, y, CONTENT_W, "学习形式", "Study form", v,
	    VALUE_SIZE, 0);
	y += field_row(page, y, CONTENT_W, "入学日期", "Date of entry",
	    or_dash(f->entry_date), VALUE_SIZE, 0);
	y += field_row(page, y, CONTENT_W, "毕业日期", "Date of graduation",
	    or_dash(f->graduation_date), VALUE_SIZE, 0);
	y += field_row(page, y, CONTENT_W, "证书编号", "Certificate number",
	    or_dash(f->certificate_number), VALUE_SIZE, 0);
	return y + 4;
}

/* report_online_draw - the online verification report */
void
report_online_draw(struct pdf_doc *doc, const struct report_fields *f)
{
	struct pdf_page *page = pdf_page_add(doc, PDF_A4_WIDTH, PDF_A4_HEIGHT);
	char code[32], v[256], zh[1600], en[1600];
	double y;

	if (page == NULL)
		return;
	y = heading(page, "学历在线验证报告",
	    "Online Verification Report of Higher Education Qualification");
	y = holder_and_qr(page, y, f);
	y = credential_rows(page, y, f);
	y = section(page, y, CONTENT_W, "报告信息", "Report");
	report_group_code(f->code, code, sizeof code);
	y += field_row(page, y, CONTENT_W, "在线验证码", "Verification code",
	    code, 15, PDF_BOLD);
	y += field_row(page, y, CONTENT_W, "出具日期", "Date of issue",
	    f->issued, VALUE_SIZE, 0);
	snprintf(v, sizeof v, "%s（含当日 valid through the end of this day）",
	    f->expires);
	y += field_row(page, y, CONTENT_W, "有效期至", "Valid until", v,
	    VALUE_SIZE, PDF_BOLD);
	y += 4;
	snprintf(zh, sizeof zh, "用手机扫描右上方二维码，或访问 %s 并输入在线"
	    "验证码 %s，即可核验本报告。二维码带有数字签名，持有公钥者可离线核对"
	    "验证码、持证人姓名、证书编号和有效期；报告过期、延期或撤销的状态以"
	    "在线查询结果为准。", f->verify_url, code);
	snprintf(en, sizeof en, "Scan the QR code at the top right with a "
	    "phone, or open %s and enter the verification code %s. The QR "
	    "code is digitally signed: anyone with the public key can check "
	    "the code, the holder's name, the certificate number and the "
	    "expiry offline; the online check also shows extensions and "
	    "revocations.", f->verify_url, code);
	paragraph(page, y, "如何验证", "How to verify", zh, en);
	footer(page, f->dossier_id, "本报告仅证明学历信息 This report "
	    "certifies the qualification record only");
}

/* report_paper_draw - the paper certification report */
void
report_paper_draw(struct pdf_doc *doc, const struct report_fields *f)
{
	struct pdf_page *page = pdf_page_add(doc, PDF_A4_WIDTH, PDF_A4_HEIGHT);
	char code[32], line[256], zh[1600], en[1600];
	double y, top, cw, sx;

	if (page == NULL)
		return;
	y = heading(page, "学历证书认证报告",
	    "Certification Report of Higher Education Qualification");
	snprintf(line, sizeof line, "报告编号 Report No. %s", f->number);
	pdf_text(page, MARGIN, y + 4, 11, PDF_BOLD, line);
	y += 8;
	y = holder_and_qr(page, y, f);
	y = credential_rows(page, y, f);
	/* the certification rows on the left, the seal box on the right */
	cw = CONTENT_W - SEAL_W - 4;
	y = section(page, y, CONTENT_W, "认证信息", "Certification");
	top = y;
	report_group_code(f->code, code, sizeof code);
	y += field_row(page, y, cw, "验证码", "Verification code",
	    or_dash(code), VALUE_SIZE, 0);
	y += field_row(page, y, cw, "出具日期", "Date of issue", f->issued,
	    VALUE_SIZE, 0);
	y += field_row(page, y, cw, "有效期", "Validity", "长期有效  No expiry",
	    VALUE_SIZE, 0);
	if (f->accepting[0])
		y += field_row(page, y, cw, "接收单位", "Accepting institution",
		    f->accepting, VALUE_SIZE, 0);
	sx = PDF_A4_WIDTH - MARGIN - SEAL_W;
	pdf_rect(page, sx, top, SEAL_W, y - top, 0.4);
	pdf_text(page, sx + SEAL_W / 2, top + 6, 9.5, PDF_CENTER,
	    "认证机构（盖章）");
	pdf_gray(page, 0.35);
	pdf_text(page, sx + SEAL_W / 2, top + 10, 7, PDF_CENTER,
	    "Certifying office (seal)");
	pdf_gray(page, 0);
	pdf_text(page, sx + SEAL_W / 2, y - 3, 9.5, PDF_CENTER, f->issued);
	y += 4;
	snprintf(zh, sizeof zh, "兹证明上述学历信息与本机构档案记录一致。"
	    "本报告不设有效期，每份学历仅出具一次。核验时扫描二维码或访问 %s "
	    "并输入验证码。", f->verify_url);
	snprintf(en, sizeof en, "This is to certify that the qualification "
	    "above agrees with the records held by this office. The report "
	    "has no expiry and is issued once per qualification. To verify "
	    "it, scan the QR code or open %s and enter the verification "
	    "code.", f->verify_url);
	paragraph_fit(page, y, 279, "认证说明", "Statement", zh, en);
	footer(page, f->dossier_id, "纸质认证报告 Paper certification report");
}

/* kind_zh / kind_en - names of dossier kinds */
static const char *
kind_zh(const char *kind)
{
	if (strcmp(kind, "online-report") == 0)
		return "在线验证报告";
	if (strcmp(kind, "paper-certification") == 0)
		return "纸质认证报告";
	if (strcmp(kind, "extension") == 0)
		return "报告延期";
	if (strcmp(kind, "report-check") == 0)
		return "报告核验";
	return "无法识别";
}

/* kind_en - English name of a dossier kind */
static const char *
kind_en(const char *kind)
{
	if (strcmp(kind, "online-report") == 0)
		return "Online verification report";
	if (strcmp(kind, "paper-certification") == 0)
		return "Paper certification report";
	if (strcmp(kind, "extension") == 0)
		return "Report extension";
	if (strcmp(kind, "report-check") == 0)
		return "Report check";
	return "Unknown";
}

/* report_check_draw - the report-check verification result */
void
report_check_draw(struct pdf_doc *doc, const struct check_fields *f)
{
	static const struct pdf_column cols[] = {
		{ 22, PDF_LEFT }, { 30, PDF_LEFT }, { 34, PDF_LEFT },
		{ 50, PDF_LEFT }, { 22, PDF_LEFT }, { 16, PDF_CENTER },
	};
	static const char *const head[] = {
		"附件\nFile", "验证码\nCode", "证书编号\nCertificate no.",
		"持证人 / 院校\nHolder / institution", "有效期至\nValid until",
		"结果\nResult",
	};
	struct pdf_page *page = pdf_page_add(doc, PDF_A4_WIDTH, PDF_A4_HEIGHT);
	const struct check_entry *e;
	char code[32], who[700], until[64], res[64], line[256];
	const char *cells[6];
	double y;
	int i, all_valid = 1;

	if (page == NULL)
		return;
	y = heading(page, "学历报告核验结果",
	    "Verification Result of Submitted Reports");
	y = section(page, y, CONTENT_W, "申请信息", "Application");
	y += field_row(page, y, CONTENT_W, "申请编号", "Dossier",
	    f->dossier_id, VALUE_SIZE, 0);
	y += field_row(page, y, CONTENT_W, "持证人", "Holder",
	    or_dash(f->holder_name), VALUE_SIZE, 0);
	y += field_row(page, y, CONTENT_W, "核验日期", "Date of check",
	    f->decided, VALUE_SIZE, 0);
	for (i = 0; i < f->nentries; i++)
		if (strcmp(f->entries[i].status, "valid") != 0)
			all_valid = 0;
	snprintf(line, sizeof line, "%s", all_valid && f->nentries > 0 ?
	    "所提交的报告均真实有效  Every submitted report is genuine and "
	    "valid" : "部分报告未通过核验  Some reports did not pass");
	y += field_row(page, y, CONTENT_W, "结论", "Conclusion", line,
	    VALUE_SIZE, PDF_BOLD);
	y += 4;
	y = section(page, y, CONTENT_W, "核验明细", "Reports found");
	y += pdf_table_row(page, MARGIN, y, cols, 6, head, 8.5, PDF_BOLD);
	for (i = 0; i < f->nentries && y < 250; i++) {
		e = &f->entries[i];
		/* two groups a line: a code never breaks inside a group */
		report_group_code(e->code, code, sizeof code);
		if (strlen(code) == 19)
			code[9] = '\n';
		snprintf(who, sizeof who, "%s\n%s %s", or_dash(e->holder_name),
		    e->institution, report_level_zh(e->level));
		if (strcmp(e->kind, "paper") == 0 || e->expires[0] == '\0')
			snprintf(until, sizeof until, "长期有效\nNo expiry");
		else
			snprintf(until, sizeof until, "%s", e->expires);
		snprintf(res, sizeof res, "%s\n%s", qr_status_zh(e->status),
		    qr_status_en(e->status));
		cells[0] = e->attachment;
		cells[1] = or_dash(code);
		cells[2] = or_dash(e->certificate_number);
		cells[3] = who;
		cells[4] = until;
		cells[5] = res;
		y += pdf_table_row(page, MARGIN, y, cols, 6, cells, 8.5, 0);
	}
	y += 4;
	paragraph(page, y, "说明", "Note", "本结果依据报告二维码的数字签名和本"
	    "机构登记记录得出，反映核验当日的状态；报告此后被撤销或过期的，以在线"
	    "查询结果为准。", "This result rests on the digital signature of "
	    "each report's QR code and on this office's registry, as of the "
	    "date of check; a later revocation or expiry shows in the online "
	    "check.");
	footer(page, f->dossier_id, "报告核验 Report check");
}

/* report_notice_draw - the notice of a rejected / not verified dossier */
void
report_notice_draw(struct pdf_doc *doc, const struct notice_fields *f)
{
	static const struct pdf_column cols[] = {
		{ 8, PDF_CENTER }, { 66, PDF_LEFT }, { 100, PDF_LEFT },
	};
	static const char *const head[] = {
		"#", "原因\nReason", "说明\nDetails",
	};
	struct pdf_page *page = pdf_page_add(doc, PDF_A4_WIDTH, PDF_A4_HEIGHT);
	const struct notice_reason *r;
	char num[16], reason[600], detail[700], v[256], zh[1200], en[1200];
	const char *cells[3];
	int rejected = strcmp(f->outcome, "rejected") == 0, i;
	double y;

	if (page == NULL)
		return;
	y = heading(page, "学历认证申请结果通知书",
	    "Notice of Decision on Your Application");
	pdf_text(page, PDF_A4_WIDTH / 2, y + 6, 13, PDF_CENTER | PDF_BOLD,
	    rejected ? "申请未予受理  Application rejected" :
	    "未能核实  Not verified");
	y += 11;
	y = section(page, y, CONTENT_W, "申请信息", "Application");
	y += field_row(page, y, CONTENT_W, "申请编号", "Dossier",
	    f->dossier_id, VALUE_SIZE, 0);
	snprintf(v, sizeof v, "%s  %s", kind_zh(f->kind), kind_en(f->kind));
	y += field_row(page, y, CONTENT_W, "申请类别", "Application type", v,
	    VALUE_SIZE, 0);
	y += field_row(page, y, CONTENT_W, "申请人", "Applicant",
	    or_dash(f->holder_name), VALUE_SIZE, 0);
	y += field_row(page, y, CONTENT_W, "决定日期", "Date of decision",
	    f->decided, VALUE_SIZE, PDF_BOLD);
	y += 4;
	y = section(page, y, CONTENT_W, rejected ? "不予受理的原因" :
	    "未能核实的原因", rejected ? "Why the application was rejected" :
	    "Why it could not be verified");
	y += pdf_table_row(page, MARGIN, y, cols, 3, head, 9, PDF_BOLD);
	for (i = 0; i < f->nreasons && y < 215; i++) {
		r = &f->reasons[i];
		snprintf(num, sizeof num, "%d", i + 1);
		snprintf(reason, sizeof reason, "%s\n%s",
		    reason_title_zh(r->code), reason_title_en(r->code));
		if (r->field[0])
			snprintf(detail, sizeof detail, "%s (%s; %s)",
			    r->text[0] ? r->text : r->code, r->code, r->field);
		else
			snprintf(detail, sizeof detail, "%s (%s)",
			    r->text[0] ? r->text : r->code, r->code);
		cells[0] = num;
		cells[1] = reason;
		cells[2] = detail;
		y += pdf_table_row(page, MARGIN, y, cols, 3, cells, 9, 0);
	}
	y += 4;
	snprintf(zh, sizeof zh, "如对本决定有异议，或已补正上述问题，可提交新的"
	    "申请，在申请文件中以 <reconsideration-of>%s</reconsideration-of> "
	    "注明本申请编号，并附上补正后的材料，本机构将重新审核（适用于在线验"
	    "证报告和纸质认证报告申请；其他类别请重新提交申请）。", f->dossier_id);
	snprintf(en, sizeof en, "If you disagree with this decision or have "
	    "corrected the problems above, submit a new application naming "
	    "this one in <reconsideration-of>%s</reconsideration-of>, with "
	    "the corrected material, and it will be examined again "
	    "(online-report and paper-certification applications; for other "
	    "kinds, simply apply again).", f->dossier_id);
	paragraph(page, y, "申请复核", "Reconsideration", zh, en);
	footer(page, f->dossier_id, "通知书 Notice");
}

/* draw - lay out document WHAT onto DOC */
static void
draw(struct pdf_doc *doc, enum report_doc what, const void *fields)
{
	switch (what) {
	case REPORT_ONLINE:
		report_online_draw(doc, fields);
		break;
	case REPORT_PAPER:
		report_paper_draw(doc, fields);
		break;
	case REPORT_CHECK:
		report_check_draw(doc, fields);
		break;
	case REPORT_NOTICE:
		report_notice_draw(doc, fields);
		break;
	}
}

/* report_printable - every character of the document can be shown */
int
report_printable(const struct pdf_font *font, enum report_doc what,
    const void *fields, char *why, size_t size)
{
	struct pdf_doc *doc;
	int ok;

	if ((doc = pdf_doc_new(font, NULL)) == NULL) {
		snprintf(why, size, "out of memory");
		return 0;
	}
	draw(doc, what, fields);
	ok = pdf_doc_held(doc) == NULL;
	if (!ok)
		snprintf(why, size, "%s", pdf_doc_held(doc));
	pdf_doc_free(doc);
	return ok;
}

/*
 * report_render - one document of kind WHAT, rendered into a malloc'd
 * buffer (*BUF, *LEN) but not written anywhere: the typeset stage renders
 * on its CPU workers and commits on its I/O threads.
 */
enum pdf_status
report_render(const struct pdf_font *font, enum report_doc what,
    const void *fields, time_t created, unsigned char **buf, size_t *len,
    char *why, size_t size)
{
	static const char *const titles[] = {
		"Online Verification Report", "Paper Certification Report",
		"Report Verification Result", "Notice",
	};
	struct pdf_info info;
	struct pdf_doc *doc;
	enum pdf_status st;
	int e;

	*buf = NULL;
	*len = 0;
	memset(&info, 0, sizeof info);
	info.title = titles[what];
	info.author = "credpipe";
	info.subject = "Academic credential certification";
	info.created = created;
	if ((doc = pdf_doc_new(font, &info)) == NULL) {
		snprintf(why, size, "out of memory");
		errno = ENOMEM;
		return PDF_ERROR;
	}
	draw(doc, what, fields);
	st = pdf_doc_render(doc, buf, len);
	e = errno;
	if (st != PDF_OK)
		snprintf(why, size, "%s", pdf_doc_error(doc));
	pdf_doc_free(doc);
	errno = e;
	return st;
}

/* report_write - one document, rendered and committed */
enum pdf_status
report_write(const struct pdf_font *font, enum report_doc what,
    const void *fields, const char *path, mode_t mode, time_t created,
    char *why, size_t size)
{
	unsigned char *buf;
	size_t len;
	enum pdf_status st;
	int e;

	st = report_render(font, what, fields, created, &buf, &len, why, size);
	if (st != PDF_OK)
		return st;
	if (commit_file(path, buf, len, mode) < 0) {
		e = errno;
		snprintf(why, size, "%s: %s", path, strerror(e));
		free(buf);
		errno = e;
		return PDF_ERROR;
	}
	free(buf);
	return PDF_OK;
}
