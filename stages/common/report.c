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

/*
 * The notices (SPEC §3): for every reason code a title and a sentence in
 * each language, written for the applicant who reads the notice: what is
 * wrong and what to do. The code and the field stay in the result XML for
 * staff; a notice page shows neither, nor the English sentence of the
 * result, which names elements of the dossier file.
 */
static const struct notice_text notices[] = {
	{ "malformed-xml", "申请文件无法读取", "Application file cannot be read",
	  "提交的申请文件已损坏或不完整，无法读取。请用申请系统重新生成申请"
	  "文件后重新提交。",
	  "The application file you submitted is damaged or incomplete and "
	  "cannot be read. Please produce the application file again with the "
	  "application system and submit it anew." },
	{ "unsafe-input", "申请材料含不安全内容",
	  "Unsafe content in the application",
	  "申请材料中含有不予接受的内容（如快捷方式、链接、多层文件夹或含特殊"
	  "字符的文件名）。请只提交普通图片文件，文件名仅用字母、数字、点、下"
	  "划线和连字符，然后重新提交。",
	  "The application contains content that is not accepted (shortcuts, "
	  "links, nested folders or file names with other characters). Please "
	  "submit plain image files only, named with letters, digits, dots, "
	  "underscores and hyphens, and apply again." },
	{ "schema", "申请表填写不规范", "Application form not filled in as "
	  "required",
	  "申请表中有项目缺失、多余或取值不在允许范围内（例如有效期须为30至"
	  "180天）。请按申请表的说明逐项核对后重新提交。",
	  "Some items of the application form are missing, superfluous or "
	  "outside the values allowed (for example, the validity must be "
	  "between 30 and 180 days). Please check each item against the "
	  "form's instructions and apply again." },
	{ "bad-id-number", "身份证件号码有误", "Invalid resident ID number",
	  "填写的居民身份证号码不正确，或与填写的出生日期、性别不一致。请对照"
	  "身份证核对号码、出生日期和性别后重新提交。",
	  "The resident ID number given is not valid, or does not agree with "
	  "the date of birth or the gender given. Please check the number, "
	  "the date of birth and the gender against the ID card and apply "
	  "again." },
	{ "bad-certificate-number", "证书编号有误",
	  "Invalid certificate number",
	  "填写的毕业证书编号不正确，或与填写的院校、毕业年份、学历层次不一致"
	  "。请对照毕业证书核对后重新提交。",
	  "The certificate number given is not valid, or does not agree with "
	  "the institution, the year of graduation or the level given. Please "
	  "check it against the graduation certificate and apply again." },
	{ "bad-date", "日期有误", "Invalid date",
	  "填写的日期不存在、晚于今天，或入学日期不早于毕业日期。请核对各项"
	  "日期的年、月、日后重新提交。",
	  "A date given does not exist or lies in the future, or the date of "
	  "entry is not before the date of graduation. Please check the dates "
	  "(year-month-day) and apply again." },
	{ "bad-contact", "联系方式有误", "Invalid contact details",
	  "填写的手机号码或邮政编码不正确：手机号码应为11位中国大陆手机号，邮"
	  "政编码应为6位数字。请更正后重新提交。",
	  "A mobile number or a postcode given is not valid: a mobile number "
	  "is a mainland China mobile number of 11 digits, a postcode has 6 "
	  "digits. Please correct it and apply again." },
	{ "missing-material", "缺少必要信息", "Required information missing",
	  "此类申请所需的信息或材料不全（例如纸质认证的邮寄信息，或代理人办理"
	  "时的授权委托书和代理人身份证件）。请补齐后重新提交。",
	  "Information or material this kind of application needs is missing "
	  "(for example the delivery address of a paper certification, or the "
	  "power of attorney and the agent's ID card when an agent applies). "
	  "Please complete it and apply again." },
	{ "missing-attachment", "缺少附件", "Attachment missing",
	  "申请中列出的附件没有随申请提交，或提交时尚未上传完整。请上传全部附"
	  "件后重新提交。",
	  "An attachment listed in the application was not submitted with it, "
	  "or the upload was still incomplete. Please upload every attachment "
	  "and apply again." },
	{ "bad-attachment", "附件无效", "Invalid attachment",
	  "有附件无法使用：文件损坏、超过20MB、不是图片，或与申请中给出的校验"
	  "值不符。请重新扫描或拍摄、上传后重新提交。",
	  "An attachment cannot be used: the file is damaged, larger than "
	  "20 MB, not an image, or does not match the checksum given in the "
	  "application. Please scan or photograph it again, upload it and "
	  "apply again." },
	{ "wrong-channel", "申请类别与学历不符",
	  "Wrong application type for this credential",
	  "2002年1月1日及以后毕业的学历申请在线验证报告，此前毕业的学历申请纸"
	  "质认证报告。请按毕业时间选择申请类别后重新提交。",
	  "Qualifications obtained on or after 1 January 2002 are certified by "
	  "an online verification report, earlier ones by a paper "
	  "certification report. Please choose the type that fits the date of "
	  "graduation and apply again." },
	{ "reconsideration-not-allowed", "不符合复核条件",
	  "Reconsideration not allowed",
	  "申请复核时填写的原申请编号不能使用：原申请尚未作出决定、已经通过，"
	  "或本类申请不适用复核。请核对原申请编号；无需复核的，直接重新申请即"
	  "可。",
	  "The application number given for reconsideration cannot be used: "
	  "that application has not been decided, was granted, or this type of "
	  "application cannot ask for one. Please check the number, or simply "
	  "apply again without it." },
	{ "duplicate", "重复提交", "Application already received",
	  "相同的申请此前已经收到，本次提交不再处理；原申请的结果将另行通知，"
	  "无需再次提交。",
	  "This application was already received and is handled under its "
	  "first submission, whose result you will receive. There is no need "
	  "to submit it again." },
	{ "no-record", "未查到相应记录", "No matching record",
	  "学历档案中没有与所填信息相符的记录。请核对证书编号（2002年以前的学"
	  "历核对身份证件号码、院校和毕业年份；申请延期的核对报告验证码）；信"
	  "息无误的，请联系毕业院校确认学历已登记。",
	  "No record matches the details given. Please check the certificate "
	  "number (before 2002: the ID number, the institution and the year of "
	  "graduation; for an extension: the verification code of the report); "
	  "if they are right, ask the institution whether the qualification "
	  "has been registered." },
	{ "record-mismatch", "信息与记录不符", "Details differ from the record",
	  "所填信息与学历档案记录不一致。请对照毕业证书核对并更正后重新提交；"
	  "认为档案记录有误的，请联系毕业院校更正。",
	  "The details given differ from the record of the qualification. "
	  "Please check them against the graduation certificate, correct them "
	  "and apply again; if you believe the record is wrong, ask the "
	  "institution to correct it." },
	{ "record-revoked", "学历记录已撤销", "Record revoked",
	  "该学历记录或报告已被撤销，不能出具或延期报告。如有疑问，请联系毕业"
	  "院校或本机构。",
	  "The qualification record, or the report, has been revoked: no report "
	  "can be issued or extended for it. If you have questions, please "
	  "contact the institution or this office." },
	{ "already-certified", "该学历已出具过纸质认证报告",
	  "A paper report was already issued for this credential",
	  "每份学历只出具一次纸质认证报告，该学历此前已经出具。请使用已出具的"
	  "报告。",
	  "A paper certification report is issued only once for each "
	  "qualification, and this one already has one. Please use the report "
	  "issued before." },
	{ "qr-unreadable", "无法识别报告二维码", "Report QR code unreadable",
	  "上传的报告中无法识别二维码。请将报告平整放置，以不低于150dpi的分辨"
	  "率完整扫描整页（包括右上方的二维码）后重新提交。",
	  "No QR code could be read in the report uploaded. Please lay the "
	  "report flat, scan the whole page (with the QR code at the top "
	  "right) at 150 dpi or more, and apply again." },
	{ "qr-unknown", "二维码不是本机构出具的报告",
	  "QR code is not one of our reports",
	  "上传图片中的二维码不属于本机构出具的报告。请上传本机构出具的学历验"
	  "证报告。",
	  "The QR code in the uploaded image does not belong to a report of "
	  "this office. Please upload a verification report issued by this "
	  "office." },
	{ "qr-bad-signature", "二维码签名无效", "QR code signature invalid",
	  "报告二维码的数字签名未通过核验，报告可能被改动过或并非本机构出具。"
	  "请向持证人索取原始报告，或联系本机构。",
	  "The digital signature of the report's QR code does not check out: "
	  "the report may have been altered, or was not issued by this office. "
	  "Please ask the holder for the original report, or contact this "
	  "office." },
	{ "qr-expired", "报告已过有效期", "Report expired",
	  "提交的报告已过有效期。请持证人申请延期或申请新的报告后重新提交。",
	  "The report submitted is past its validity. Please ask the holder to "
	  "extend it or to apply for a new report, and apply again." },
	{ "qr-revoked", "报告已撤销", "Report revoked",
	  "提交的报告已被本机构撤销，不再有效。如有疑问，请联系本机构。",
	  "The report submitted has been revoked by this office and is no "
	  "longer valid. If you have questions, please contact this office." },
	{ "qr-mismatch", "报告与申请人不符",
	  "Report does not match the applicant",
	  "提交报告的持证人或证书编号与本申请所填信息不一致。请核对持证人的身"
	  "份证件号码和证书编号，或提交该持证人本人的报告。",
	  "The holder or the certificate number of the report submitted "
	  "differs from the details of this application. Please check the "
	  "holder's ID number and certificate number, or submit that holder's "
	  "own report." },
	{ "extension-not-allowed", "不符合延期条件", "Extension not allowed",
	  "只有在线验证报告可以延期，并须在有效期届满前30天内或届满后申请。请"
	  "在此期间重新申请，或申请新的报告。",
	  "Only an online verification report can be extended, and only from "
	  "30 days before its expiry onwards. Please apply again within that "
	  "time, or apply for a new report." },
};

/* notice_text_find - the notice texts of reason CODE, or NULL */
const struct notice_text *
notice_text_find(const char *code)
{
	size_t i;

	for (i = 0; i < sizeof notices / sizeof notices[0]; i++)
		if (strcmp(notices[i].code, code) == 0)
			return &notices[i];
	return NULL;
}

/* reason_title_zh - Chinese title of a reason code */
const char *
reason_title_zh(const char *code)
{
	const struct notice_text *t = notice_text_find(code);

	return t ? t->title_zh : "其他原因";
}

/* reason_title_en - English title of a reason code */
const char *
reason_title_en(const char *code)
{
	const struct notice_text *t = notice_text_find(code);

	return t ? t->title_en : code;
}

/* one value of the result or the registry in both languages */
struct label {
	const char *key, *zh, *en;
};

static const struct label levels[] = {
	{ "junior-college", "专科", "Junior college" },
	{ "undergraduate", "本科", "Undergraduate" },
	{ "master", "硕士研究生", "Master" },
	{ "doctorate", "博士研究生", "Doctorate" },
};

static const struct label study_forms[] = {
	{ "full-time", "全日制", "Full-time" },
	{ "part-time", "非全日制", "Part-time" },
	{ "distance", "远程教育", "Distance learning" },
	{ "self-study", "高等教育自学考试", "Self-study examinations" },
};

static const struct label genders[] = {
	{ "male", "男", "Male" },
	{ "female", "女", "Female" },
};

static const struct label qr_statuses[] = {
	{ "valid", "有效", "Valid" },
	{ "unreadable", "无法识别", "Unreadable" },
	{ "foreign", "非本机构报告", "Not our report" },
	{ "unknown", "未查到", "Unknown" },
	{ "bad-signature", "签名无效", "Bad signature" },
	{ "expired", "已过期", "Expired" },
	{ "revoked", "已撤销", "Revoked" },
	{ "mismatch", "与申请人不符", "Mismatch" },
};

/*
 * The fields a reason may name (result/reason/@field), in the words of
 * the application form: a notice says which item to correct without the
 * element path the result carries.
 */
static const struct label form_items[] = {
	{ "applicant/id-number", "申请人身份证件号码",
	  "the applicant's ID number" },
	{ "agent/id-number", "代理人身份证件号码", "the agent's ID number" },
	{ "applicant/phone", "申请人手机号码", "the applicant's mobile number" },
	{ "agent/phone", "代理人手机号码", "the agent's mobile number" },
	{ "delivery/phone", "收件人手机号码", "the recipient's mobile number" },
	{ "delivery/postcode", "邮寄地址的邮政编码",
	  "the postcode of the delivery address" },
	{ "credential/entry-date", "入学日期", "the date of entry" },
	{ "credential/graduation-date", "毕业日期", "the date of graduation" },
	{ "credential/certificate-number", "证书编号",
	  "the certificate number" },
	{ "received", "申请提交时间", "the time of submission" },
	{ "attachments", "附件", "the attachments" },
	{ "files", "申请材料文件", "the files of the application" },
	{ "dossier.xml", "申请文件", "the application file" },
	{ "credential", "学历信息", "the qualification details" },
	{ "request", "申请事项", "the request details" },
	{ "delivery", "邮寄信息", "the delivery details" },
	{ "reconsideration-of", "复核原申请编号",
	  "the application to be reconsidered" },
	{ "name", "姓名", "the name" },
	{ "id-number", "身份证件号码", "the ID number" },
	{ "institution", "毕业院校", "the institution" },
	{ "level", "层次", "the level" },
	{ "graduation-date", "毕业日期", "the date of graduation" },
};

/* label_find - the entry of KEY in TABLE of N entries, or NULL */
static const struct label *
label_find(const struct label *table, size_t n, const char *key)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(table[i].key, key) == 0)
			return &table[i];
	return NULL;
}

/* label_zh_of / label_en_of - a key's Chinese (the key when unknown) or
 * English ("" when unknown) */
static const char *
label_zh_of(const struct label *table, size_t n, const char *key)
{
	const struct label *l = label_find(table, n, key);

	return l ? l->zh : key;
}

/* label_en_of - see label_zh_of */
static const char *
label_en_of(const struct label *table, size_t n, const char *key)
{
	const struct label *l = label_find(table, n, key);

	return l ? l->en : "";
}

#define label_zh(table, key) \
	label_zh_of(table, sizeof table / sizeof table[0], key)
#define label_en(table, key) \
	label_en_of(table, sizeof table / sizeof table[0], key)

/* report_level_zh - Chinese name of a level */
const char *
report_level_zh(const char *level)
{
	return label_zh(levels, level);
}

/* report_study_form_zh - Chinese name of a study form */
const char *
report_study_form_zh(const char *form)
{
	return label_zh(study_forms, form);
}

/* report_gender_zh - 男 / 女 */
const char *
report_gender_zh(const char *gender)
{
	return label_zh(genders, gender);
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
	else if (registry_find_claimed_credential(reg,
	    rep.certificate_number[0] ? rep.certificate_number :
	    d->credential.certificate_number, d->applicant.id_number,
	    d->credential.institution_code, d->credential.graduation_date,
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
	    label_en(genders, f->gender));
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
	    label_en(levels, f->level));
	y += field_row(page, y, CONTENT_W, "层次", "Level", v, VALUE_SIZE, 0);
	if (f->study_form[0])
		snprintf(v, sizeof v, "%s  %s",
		    report_study_form_zh(f->study_form),
		    label_en(study_forms, f->study_form));
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
	y = section(page, y, CONTENT_W, f->previous_expires[0] ?
	    "报告信息（延期）" : "报告信息", f->previous_expires[0] ?
	    "Report (extended)" : "Report");
	report_group_code(f->code, code, sizeof code);
	y += field_row(page, y, CONTENT_W, "在线验证码", "Verification code",
	    code, 15, PDF_BOLD);
	y += field_row(page, y, CONTENT_W, "出具日期", "Date of issue",
	    f->issued, VALUE_SIZE, 0);
	snprintf(v, sizeof v, "%s（含当日 valid through the end of this day）",
	    f->expires);
	y += field_row(page, y, CONTENT_W, "有效期至", "Valid until", v,
	    VALUE_SIZE, PDF_BOLD);
	/* an extended report says so on its face: whoever holds the first
	 * printout sees the old expiry, this one the new */
	if (f->previous_expires[0]) {
		snprintf(v, sizeof v, "原出具日期 %s，原有效期至 %s，延期至 %s\n"
		    "First issued %s; previously valid until %s, extended to %s",
		    f->first_issued, f->previous_expires, f->expires,
		    f->first_issued, f->previous_expires, f->expires);
		y += field_row(page, y, CONTENT_W, "延期", "Extended", v,
		    VALUE_SIZE, 0);
	}
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
		snprintf(res, sizeof res, "%s\n%s", label_zh(qr_statuses, e->status),
		    label_en(qr_statuses, e->status));
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

/*
 * notice_details - the Details cell of reason R: the applicant's sentence
 * in Chinese, then in English, each naming the item to correct in the
 * words of the application form when the reason names one we know
 */
static void
notice_details(const struct notice_reason *r, char *buf, size_t size)
{
	const struct notice_text *t = notice_text_find(r->code);
	const struct label *item = label_find(form_items,
	    sizeof form_items / sizeof form_items[0], r->field);

	if (t == NULL)
		snprintf(buf, size, "请联系本机构了解详情。\nPlease contact "
		    "this office for the details.");
	else if (item != NULL)
		snprintf(buf, size, "%s（涉及：%s）\n%s (Concerns: %s.)",
		    t->text_zh, item->zh, t->text_en, item->en);
	else
		snprintf(buf, size, "%s\n%s", t->text_zh, t->text_en);
}

/* report_notice_draw - the notice of a rejected / not verified dossier */
void
report_notice_draw(struct pdf_doc *doc, const struct notice_fields *f)
{
	static const struct pdf_column cols[] = {
		{ 8, PDF_CENTER }, { 46, PDF_LEFT }, { 120, PDF_LEFT },
	};
	static const char *const head[] = {
		"#", "原因\nReason", "说明\nWhat to do",
	};
	struct pdf_page *page = pdf_page_add(doc, PDF_A4_WIDTH, PDF_A4_HEIGHT);
	enum dossier_kind kind = dossier_kind_of(f->kind);
	char num[16], reason[600], detail[1600], v[256], zh[1200], en[1200];
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
	y += field_row(page, y, CONTENT_W, "申请编号", "Application number",
	    f->dossier_id, VALUE_SIZE, 0);
	snprintf(v, sizeof v, "%s  %s", dossier_kind_zh(kind),
	    dossier_kind_en(kind));
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
		const struct notice_reason *r = &f->reasons[i];

		snprintf(num, sizeof num, "%d", i + 1);
		snprintf(reason, sizeof reason, "%s\n%s",
		    reason_title_zh(r->code), reason_title_en(r->code));
		notice_details(r, detail, sizeof detail);
		cells[0] = num;
		cells[1] = reason;
		cells[2] = detail;
		y += pdf_table_row(page, MARGIN, y, cols, 3, cells, 8.5, 0);
	}
	y += 4;
	/* in words: the applicant fills in a form, not an XML element */
	if (kind == DOSSIER_ONLINE_REPORT ||
	    kind == DOSSIER_PAPER_CERTIFICATION) {
		snprintf(zh, sizeof zh, "如对本决定有异议，或已补正上述问题，"
		    "可以重新申请：在申请表“复核原申请编号”一栏填写本申请编号 "
		    "%s，并附上补正后的材料，本机构将重新审核。", f->dossier_id);
		snprintf(en, sizeof en, "If you disagree with this decision, "
		    "or have corrected the problems above, you may apply again: "
		    "when you apply again, give this application number in the "
		    "field 'reconsideration of': %s, with the corrected "
		    "material, and your application will be examined again.",
		    f->dossier_id);
	} else {
		snprintf(zh, sizeof zh, "如对本决定有异议，或已补正上述问题，"
		    "请直接重新申请（此类申请无需填写复核原申请编号）；如有疑问"
		    "，请联系本机构并告知本申请编号 %s。", f->dossier_id);
		snprintf(en, sizeof en, "If you disagree with this decision, "
		    "or have corrected the problems above, simply apply again "
		    "(this type of application needs no reconsideration "
		    "number); for questions, contact this office with this "
		    "application number: %s.", f->dossier_id);
	}
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
