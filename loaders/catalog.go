package loaders

// The catalog is the tool's built-in knowledge of axiUm's exportable objects:
// the canonical column names the SQL models read, the key of each object and
// the header spellings seen in real report exports. axiUm's export formats are
// not publicly documented, so everything here is a default an institution can
// override in axium2crm.yaml (file patterns, column names, extra objects).

// Column is one canonical column of an axiUm object.
type Column struct {
	// Name is the canonical name, as the raw table and the SQL models see it.
	Name string
	// Aliases are other header spellings accepted without configuration.
	// Headers are compared after normalisation (case, spaces, punctuation).
	Aliases []string
	// Doc says what the column holds, for the generated config and docs.
	Doc string
}

// Object is one axiUm export object (a report or an API resource).
type Object struct {
	Name string
	Doc  string
	// Key lists the canonical columns that identify a record. A file without
	// them cannot be loaded: it is an error that names the file and column.
	Key     []string
	Columns []Column
	// FileColumn names a column holding a path (relative to the export
	// directory) of a document that travels with the record.
	FileColumn string
}

func col(name, doc string, aliases ...string) Column {
	return Column{Name: name, Doc: doc, Aliases: aliases}
}

// Catalog returns the built-in axiUm objects in dependency order: lookups
// first, then patients, then what hangs off a patient.
func Catalog() []Object {
	return []Object{
		{Name: "clinic", Doc: "clinics / locations", Key: []string{"Clinic"}, Columns: []Column{
			col("Clinic", "clinic code", "Clinic Code", "Location"),
			col("Name", "clinic name", "Clinic Name"),
			col("Address1", "street"), col("City", ""), col("State", ""), col("Zip", "", "Postal Code", "ZipCode"),
			col("Phone", ""),
		}},
		{Name: "operatory", Doc: "chairs (operatories) per clinic", Key: []string{"Chair"}, Columns: []Column{
			col("Chair", "chair code", "Operatory", "Chair Code"),
			col("Clinic", "clinic code"),
			col("Name", "chair label"),
		}},
		{Name: "provider", Doc: "users: students, faculty, staff, administrators", Key: []string{"Provider"}, Columns: []Column{
			col("Provider", "provider / user code", "Provider Code", "Prov"),
			col("LastName", "", "Last Name"), col("FirstName", "", "First Name"),
			col("Email", "", "E-mail"), col("Login", "axiUm login", "User Name", "Username"),
			col("Role", "Student, Faculty, Staff or Administrator", "User Type"),
			col("Discipline", "department / discipline"),
			col("ClassYear", "graduation class for students", "Class"),
			col("NPI", "national provider id"),
			col("Clinic", "home clinic code"),
			col("Active", "1 active, 0 inactive", "Is Active"),
			col("StartDate", "", "Start Date"),
			col("CodaCategory", "CODA tracking category", "CODA"),
		}},
		{Name: "carrier", Doc: "insurance carriers", Key: []string{"Carrier"}, Columns: []Column{
			col("Carrier", "carrier code", "Carrier Code", "Carrier ID"),
			col("Name", "carrier name", "Carrier Name"),
			col("ElectronicID", "EDI payer id", "Payer ID", "Elect ID"),
			col("Address1", ""), col("City", ""), col("State", ""), col("Zip", "", "Postal Code"),
			col("Phone", ""), col("Website", "", "Web Site", "URL"),
		}},
		{Name: "benefit_plan", Doc: "benefit plans (carrier + group)", Key: []string{"Plan"}, Columns: []Column{
			col("Plan", "plan code", "Plan Code", "Benefit Plan"),
			col("Carrier", "carrier code"),
			col("GroupNumber", "", "Group Number", "Group #"),
			col("GroupName", "", "Group Name"),
			col("Employer", ""),
			col("PlanType", "PPO, HMO, Indemnity, Medicaid, ...", "Plan Type"),
		}},
		{Name: "referral_source", Doc: "referring practices and providers", Key: []string{"Referral"}, Columns: []Column{
			col("Referral", "referral source code", "Referral Code", "Referred By"),
			col("PracticeName", "", "Practice Name", "Practice"),
			col("ContactLastName", "", "Contact Last Name"), col("ContactFirstName", "", "Contact First Name"),
			col("Specialty", ""), col("Phone", ""), col("Email", ""),
			col("Address1", ""), col("City", ""), col("State", ""), col("Zip", "", "Postal Code"),
		}},
		{Name: "guarantor", Doc: "guarantors (responsible parties) stored apart from patients", Key: []string{"Guarantor"}, Columns: []Column{
			col("Guarantor", "guarantor id", "Guarantor ID"),
			col("LastName", "", "Last Name"), col("FirstName", "", "First Name"),
			col("Address1", ""), col("Address2", ""), col("City", ""), col("State", ""), col("Zip", "", "Postal Code"),
			col("Phone", ""), col("Email", ""), col("Employer", ""),
		}},
		{Name: "patient", Doc: "patient cards", Key: []string{"Patient"}, Columns: []Column{
			col("Patient", "numeric patient key", "Patient ID", "PatientID", "Patient Number"),
			col("Chart", "chart number", "Chart #", "Chart Number", "ChartNo"),
			col("LastName", "", "Last Name", "Surname"), col("FirstName", "", "First Name"),
			col("MiddleName", "", "Middle Name", "MI"), col("PreferredName", "", "Preferred Name", "Nickname"),
			col("BirthDate", "MM/DD/YYYY or ISO", "Birth Date", "DOB", "Date of Birth"),
			col("Gender", "", "Sex"),
			col("Address1", "", "Address", "Street"), col("Address2", ""),
			col("City", ""), col("State", ""), col("Zip", "", "Postal Code", "ZipCode"),
			col("HomePhone", "", "Home Phone"), col("CellPhone", "", "Cell Phone", "Mobile"), col("WorkPhone", "", "Work Phone"),
			col("Email", "", "E-mail", "Email Address"),
			col("Status", "Active, Inactive, Deceased, ...", "Patient Status"),
			col("Guarantor", "guarantor id, blank when the patient is their own guarantor", "Guarantor ID"),
			col("GuarantorRelationship", "Self, Spouse, Child, Other", "Relationship to Guarantor"),
			col("AssignedProvider", "assigned student / provider code", "Assigned Provider", "Provider"),
			col("Clinic", "home clinic code"),
			col("Referral", "referral source code", "Referred By"),
			col("Language", "preferred language"),
			col("CreatedDate", "original create date", "Created", "Date Created", "Entry Date"),
			col("ModifiedDate", "last change", "Modified", "Last Modified"),
			col("Deleted", "0/1 soft delete"),
		}},
		{Name: "medical_alert", Doc: "patient alerts (codes tab)", Key: []string{"Alert"}, Columns: []Column{
			col("Alert", "alert row id", "Alert ID"),
			col("Patient", ""),
			col("AlertCode", "", "Alert Code", "Code"),
			col("AlertText", "", "Alert Text", "Description"),
			col("Category", "Medical, Allergy, Medication, Premedication, ..."),
			col("Severity", "", "Level"),
			col("EnteredDate", "", "Entered", "Entry Date"),
			col("Inactive", "0/1"),
		}},
		{Name: "policy", Doc: "patient insurance policies (primary/secondary)", Key: []string{"Policy"}, Columns: []Column{
			col("Policy", "policy id", "Policy ID"),
			col("Patient", ""),
			col("Plan", "benefit plan code", "Benefit Plan"),
			col("Ordinal", "1 primary, 2 secondary", "Priority", "Coverage Order"),
			col("SubscriberID", "", "Subscriber ID", "Member ID"),
			col("SubscriberName", "", "Subscriber Name", "Subscriber"),
			col("SubscriberRelationship", "Self, Spouse, Child, Other", "Relationship", "Subscriber Relationship"),
			col("EffectiveDate", "", "Effective Date", "Effective"),
			col("TermDate", "", "Term Date", "Termination Date"),
		}},
		{Name: "appointment", Doc: "scheduler appointments", Key: []string{"Appointment"}, Columns: []Column{
			col("Appointment", "appointment id", "Appointment ID", "Appt"),
			col("Patient", ""), col("Provider", "provider code"),
			col("Clinic", ""), col("Chair", "operatory", "Operatory"),
			col("AppointmentDate", "date and time", "Date", "Appointment Date", "Appt Date"),
			col("Duration", "minutes", "Length"),
			col("ProcedureType", "", "Procedure Type", "Appt Type"),
			col("Status", "Scheduled, Confirmed, Checked In, Completed, Broken, Cancelled, No Show"),
			col("Notes", "", "Note", "Comment"),
			col("CreatedDate", "", "Created"), col("ModifiedDate", "", "Modified"),
		}},
		{Name: "treatment", Doc: "treatments (TRX): planned, in progress, completed, conditions, existing", Key: []string{"Treatment"}, Columns: []Column{
			col("Treatment", "treatment row id", "Treatment ID", "TRX"),
			col("Patient", ""), col("Provider", ""),
			col("Procedure", "CDT code, may carry a suffix", "Procedure Code", "Code", "ADA Code"),
			col("Description", ""),
			col("Tooth", "Universal 1-32, A-T, supernumerary; ++ for several", "Site"),
			col("Surfaces", "M O D B F L I", "Surface"),
			col("Status", "P planned, I in progress, C completed, A condition, E existing"),
			col("TreatmentDate", "", "Treatment Date", "Date"),
			col("PlannedDate", "", "Planned Date"),
			col("Fee", "", "Amount"),
			col("Units", ""),
			col("ApprovedBy", "faculty code", "Approved By"),
			col("ApprovedDate", "", "Approved Date"),
			col("Appointment", ""),
			col("Deleted", "0/1 soft delete"),
		}},
		{Name: "perio_exam", Doc: "perio chart exams", Key: []string{"Exam"}, Columns: []Column{
			col("Exam", "exam id", "Exam ID", "Perio Exam"),
			col("Patient", ""), col("Provider", ""),
			col("ExamDate", "", "Exam Date", "Date"),
			col("ExamType", "", "Exam Type", "Type"),
			col("Prognosis", ""), col("PSR", "PSR scores by sextant"),
			col("Notes", "summary narrative", "Note"),
		}},
		{Name: "perio_measure", Doc: "perio measurements: one row per exam, tooth and site", Key: []string{"Exam", "Tooth", "Site"}, Columns: []Column{
			col("Exam", ""), col("Tooth", ""),
			col("Site", "DB, B, MB, DL, L, ML"),
			col("ProbingDepth", "mm", "Probing Depth", "PD"),
			col("GingivalMargin", "mm, positive coronal to the CEJ", "Gingival Margin", "GM", "FGM"),
			col("Bleeding", "Y/N", "BOP"),
			col("Suppuration", "Y/N", "SUP"),
			col("Mobility", "0-3, per tooth", "MOB"),
			col("Furcation", "I-III at furcation sites", "FURC"),
		}},
		{Name: "transaction", Doc: "charges, payments and adjustments", Key: []string{"Transaction"}, Columns: []Column{
			col("Transaction", "transaction id", "Transaction ID", "Trans"),
			col("Patient", ""), col("Provider", ""),
			col("Treatment", "treatment row a charge comes from"),
			col("Type", "Charge, Payment, Adjustment, Insurance Payment", "Transaction Type"),
			col("Procedure", "CDT code"),
			col("Amount", "positive charges, negative credits"),
			col("TransactionDate", "", "Transaction Date", "Date"),
			col("PaymentMethod", "", "Payment Method", "Method"),
			col("Description", ""),
			col("Claim", "claim id"),
		}},
		{Name: "claim", Doc: "insurance claims (EDI)", Key: []string{"Claim"}, Columns: []Column{
			col("Claim", "claim id", "Claim ID"),
			col("Patient", ""), col("Policy", ""),
			col("ClaimNumber", "", "Claim #", "Claim Number"),
			col("BillingID", "", "Billing ID"),
			col("Practice", ""),
			col("SubmittedDate", "", "Submitted Date", "Date"),
			col("Status", "Submitted, Accepted, Paid, Denied, ..."),
			col("BilledAmount", "", "Billed Amount", "Billed"),
			col("PaidAmount", "", "Paid Amount", "Paid"),
			col("PaidDate", "", "Paid Date"),
		}},
		{Name: "recall", Doc: "recalls / overdue patients", Key: []string{"Recall"}, Columns: []Column{
			col("Recall", "recall id", "Recall ID"),
			col("Patient", ""), col("Provider", ""),
			col("RecallCode", "", "Recall Code", "Code"),
			col("RecallType", "HYG, PER, EXM, ...", "Recall Type", "Type"),
			col("IntervalMonths", "", "Interval"),
			col("RecallDate", "due date", "Recall Date", "Due Date"),
			col("AppointmentDate", "", "Appointment Date", "Appt Date"),
			col("Status", "Due, Scheduled, Completed, Missed"),
		}},
		{Name: "clinical_note", Doc: "clinical, procedure and SOAP notes", Key: []string{"Note"}, Columns: []Column{
			col("Note", "note id", "Note ID"),
			col("Patient", ""), col("Provider", ""),
			col("NoteDate", "", "Note Date", "Date"),
			col("NoteType", "SOAP, Progress, Procedure, ...", "Note Type", "Type"),
			col("Procedure", "CDT code the note documents"),
			col("Treatment", "treatment row"),
			col("Subjective", ""), col("Objective", ""), col("Assessment", ""), col("Plan", ""),
			col("NoteText", "free text", "Note Text", "Text", "Body"),
		}},
		{Name: "attachment", Doc: "attachments, consents and odontogram images (manifest)", Key: []string{"Attachment"}, FileColumn: "FileName", Columns: []Column{
			col("Attachment", "attachment id", "Attachment ID", "Document ID"),
			col("Patient", ""),
			col("FileName", "path relative to the export directory", "File Name", "File", "Path"),
			col("DocumentType", "Consent, Referral Letter, Imaging Referral, ID, Odontogram, ...", "Document Type", "Type"),
			col("MimeType", "", "Mime Type", "Content Type"),
			col("ScanDate", "", "Scan Date", "Date"),
			col("Description", ""),
			col("SizeBytes", "", "Size"),
			col("SHA256", "checksum of the file", "Checksum"),
		}},
		{Name: "form", Doc: "custom form instances (PFORM)", Key: []string{"PForm"}, Columns: []Column{
			col("PForm", "form instance id"), col("Patient", ""),
			col("FormCode", "", "Form Code"), col("Date", ""), col("Inactive", "0/1"),
		}},
		{Name: "form_item", Doc: "custom form questions (FITEM)", Key: []string{"FItem"}, Columns: []Column{
			col("FItem", "question id"), col("ParentFItem", ""), col("FormCode", "", "Form Code"),
			col("Page", "1 medical, 2 dental, 3 medications"), col("Row", ""),
			col("AnsType", "Y yes/no, T text, D date, N number, L list"), col("Text", "question text"),
		}},
		{Name: "form_answer", Doc: "custom form answers (PITEM); the latest EntryDateTime wins", Key: []string{"PItem"}, Columns: []Column{
			col("PItem", "answer id"), col("PForm", ""), col("Patient", ""), col("FItem", ""),
			col("FormCode", "", "Form Code"), col("Date", ""), col("EntryDateTime", "", "Entry Date Time"),
			col("AnsYes", "Y/N"), col("AnsText", ""), col("AppUser", "user who entered it"),
			col("Status", ""),
		}},
	}
}

// ColumnNames returns the object's canonical column names in order.
func (o Object) ColumnNames() []string {
	names := make([]string, len(o.Columns))
	for i, c := range o.Columns {
		names[i] = c.Name
	}
	return names
}

// DefaultSpecs returns the catalog as a project without object
// configuration loads it: default file patterns, encoding and delimiter
// detected.
func DefaultSpecs() []Spec {
	var out []Spec
	for _, o := range Catalog() {
		out = append(out, Spec{Object: o, Files: DefaultPatterns(o.Name), Encoding: "auto", Delimiter: "auto"})
	}
	return out
}
