package odootest

// Field is one field of a model as the server enforces it.
type Field struct {
	Name        string
	Type        string // char, text, html, integer, float, monetary, boolean, date, datetime, selection, many2one, one2many, many2many, binary, many2one_reference
	Relation    string // comodel of relational fields
	Required    bool
	Selection   [][2]string
	Description string
	Custom      bool
	Readonly    bool // computed: refused on write like a non-stored computed field would be ignored
	// Size is a char field's size: longer values keep their first Size
	// characters. 0 is no limit.
	Size int
}

// Model is one model: its fields and whether it is custom.
type Model struct {
	Name        string
	Description string
	Module      string // the module that installs it; "" for base
	Custom      bool
	Fields      map[string]*Field
	// needsAccess: a custom model is refused (AccessError) until an
	// ir.model.access row grants the user's group.
	needsAccess bool
}

// ttypes are the field types ir.model.fields accepts.
var ttypes = map[string]bool{"char": true, "text": true, "html": true, "integer": true, "float": true, "monetary": true,
	"boolean": true, "date": true, "datetime": true, "selection": true, "many2one": true, "one2many": true,
	"many2many": true, "binary": true, "reference": true, "many2one_reference": true, "json": true, "properties": true}

type fdef struct {
	name, ttype, relation string
	required              bool
	sel                   []string
}

func f(name, ttype string) fdef            { return fdef{name: name, ttype: ttype} }
func req(name, ttype string) fdef          { return fdef{name: name, ttype: ttype, required: true} }
func rel(name, ttype, comodel string) fdef { return fdef{name: name, ttype: ttype, relation: comodel} }
func sel(name string, values ...string) fdef {
	return fdef{name: name, ttype: "selection", sel: values}
}
func reqsel(name string, v ...string) fdef { d := sel(name, v...); d.required = true; return d }
func reqrel(name, ttype, comodel string) fdef {
	d := rel(name, ttype, comodel)
	d.required = true
	return d
}

// standardModels are the models (and the fields of them the mapping uses)
// of Odoo 17 with base, contacts, crm, calendar and account installed.
// Required flags follow Odoo's: res.partner's name is required through its
// check_name constraint for contacts.
// inherits are the _inherits delegations the mapping meets: a record of
// the child creates its parent record, load binds the parent an external
// id "<xid>_<parent model with underscores>", and unlink removes it, but a
// user's partner: Odoo's res.users.unlink keeps it (partner_id is
// ondelete restrict; the partner stays, with its external id).
var inherits = map[string][2]string{
	"product.product": {"product.template", "product_tmpl_id"},
	"account.payment": {"account.move", "move_id"},
	"res.users":       {"res.partner", "partner_id"},
}

var standardModels = []struct {
	name, module, description string
	fields                    []fdef
}{
	{"res.partner", "base", "Contact", []fdef{
		req("name", "char"), f("display_name", "char"), f("is_company", "boolean"), rel("parent_id", "many2one", "res.partner"),
		sel("type", "contact", "invoice", "delivery", "private", "other"), sel("company_type", "person", "company"),
		f("email", "char"), f("phone", "char"), f("mobile", "char"), f("street", "char"), f("street2", "char"), f("city", "char"),
		f("zip", "char"), rel("state_id", "many2one", "res.country.state"), rel("country_id", "many2one", "res.country"),
		f("ref", "char"), f("comment", "html"), f("function", "char"), f("vat", "char"), f("website", "char"), f("lang", "char"),
		f("active", "boolean"), rel("user_id", "many2one", "res.users"), rel("category_id", "many2many", "res.partner.category"),
		rel("company_id", "many2one", "res.company"), f("customer_rank", "integer"), f("supplier_rank", "integer"),
		rel("property_account_receivable_id", "many2one", "account.account"),
		rel("child_ids", "one2many", "res.partner"), f("create_date", "datetime"), f("write_date", "datetime"),
	}},
	{"res.partner.category", "base", "Partner Tags", []fdef{req("name", "char")}},
	{"res.country", "base", "Country", []fdef{req("name", "char"), f("code", "char")}},
	{"res.country.state", "base", "Country state", []fdef{req("name", "char"), f("code", "char"), reqrel("country_id", "many2one", "res.country")}},
	{"res.company", "base", "Companies", []fdef{req("name", "char"), rel("currency_id", "many2one", "res.currency"),
		rel("account_journal_payment_debit_account_id", "many2one", "account.account"),
		rel("account_journal_payment_credit_account_id", "many2one", "account.account")}},
	{"res.groups", "base", "Access Groups", []fdef{req("name", "char"), f("comment", "text"), rel("users", "many2many", "res.users"),
		rel("implied_ids", "many2many", "res.groups")}},
	{"res.users", "base", "User", []fdef{
		req("login", "char"), req("name", "char"), f("email", "char"), rel("partner_id", "many2one", "res.partner"),
		rel("groups_id", "many2many", "res.groups"), f("active", "boolean"), f("share", "boolean"), f("phone", "char"),
		rel("company_id", "many2one", "res.company"), f("create_date", "datetime"),
	}},
	{"ir.model", "base", "Models", []fdef{req("name", "char"), req("model", "char"), sel("state", "manual", "base"), f("info", "text"),
		rel("field_id", "one2many", "ir.model.fields")}},
	{"ir.model.fields", "base", "Fields", []fdef{
		req("name", "char"), f("model", "char"), reqrel("model_id", "many2one", "ir.model"), f("field_description", "char"),
		reqsel("ttype", "char", "text", "html", "integer", "float", "monetary", "boolean", "date", "datetime", "selection",
			"many2one", "one2many", "many2many", "binary", "reference", "many2one_reference", "json", "properties"),
		f("relation", "char"), f("relation_field", "char"), f("selection", "char"), f("required", "boolean"), f("readonly", "boolean"),
		f("index", "boolean"), f("help", "text"), sel("state", "manual", "base"), f("store", "boolean"), f("copied", "boolean"),
		sel("on_delete", "cascade", "set null", "restrict"), f("size", "integer"),
	}},
	{"ir.model.fields.selection", "base", "Fields Selection", []fdef{
		reqrel("field_id", "many2one", "ir.model.fields"), req("value", "char"), req("name", "char"), f("sequence", "integer"),
	}},
	{"ir.model.access", "base", "Model Access", []fdef{
		req("name", "char"), reqrel("model_id", "many2one", "ir.model"), rel("group_id", "many2one", "res.groups"),
		f("perm_read", "boolean"), f("perm_write", "boolean"), f("perm_create", "boolean"), f("perm_unlink", "boolean"), f("active", "boolean"),
	}},
	{"ir.model.data", "base", "Model Data", []fdef{req("name", "char"), req("module", "char"), req("model", "char"), f("res_id", "many2one_reference"),
		f("noupdate", "boolean"), f("complete_name", "char")}},
	{"ir.module.module", "base", "Module", []fdef{req("name", "char"), sel("state", "uninstallable", "uninstalled", "installed", "to upgrade", "to remove", "to install"),
		f("shortdesc", "char")}},
	{"ir.attachment", "base", "Attachment", []fdef{
		req("name", "char"), f("datas", "binary"), f("res_model", "char"), f("res_id", "many2one_reference"), f("mimetype", "char"),
		sel("type", "url", "binary"), f("description", "text"), f("url", "char"), f("file_size", "integer"), f("checksum", "char"),
		f("public", "boolean"), f("res_field", "char"), f("create_date", "datetime"),
	}},
	{"mail.message", "mail", "Message", []fdef{
		f("model", "char"), f("res_id", "many2one_reference"), f("body", "html"), f("subject", "char"),
		sel("message_type", "email", "comment", "notification", "user_notification", "auto_comment", "email_outgoing"),
		rel("author_id", "many2one", "res.partner"), f("date", "datetime"), f("email_from", "char"),
		rel("partner_ids", "many2many", "res.partner"), rel("subtype_id", "many2one", "mail.message.subtype"),
		rel("attachment_ids", "many2many", "ir.attachment"), f("is_internal", "boolean"),
	}},
	{"mail.message.subtype", "mail", "Message subtypes", []fdef{req("name", "char"), f("internal", "boolean")}},
	{"product.product", "product", "Product Variant", []fdef{
		req("name", "char"), f("default_code", "char"), f("list_price", "float"), f("standard_price", "float"),
		sel("detailed_type", "consu", "service", "product"), sel("type", "consu", "service", "product"), f("sale_ok", "boolean"),
		f("purchase_ok", "boolean"), f("description", "html"), f("description_sale", "text"), f("active", "boolean"), f("barcode", "char"),
		rel("categ_id", "many2one", "product.category"), rel("taxes_id", "many2many", "account.tax"),
		rel("product_tmpl_id", "many2one", "product.template"),
	}},
	{"product.template", "product", "Product", []fdef{req("name", "char")}},
	{"product.category", "product", "Product Category", []fdef{req("name", "char")}},
	{"crm.lead", "crm", "Lead/Opportunity", []fdef{
		req("name", "char"), rel("partner_id", "many2one", "res.partner"), rel("user_id", "many2one", "res.users"),
		sel("type", "lead", "opportunity"), f("description", "html"), f("expected_revenue", "monetary"), f("date_open", "datetime"),
		f("date_closed", "datetime"), f("date_deadline", "date"), rel("stage_id", "many2one", "crm.stage"), f("email_from", "char"),
		f("phone", "char"), sel("priority", "0", "1", "2", "3"), f("active", "boolean"), f("probability", "float"),
		rel("tag_ids", "many2many", "crm.tag"), f("create_date", "datetime"), f("contact_name", "char"), f("partner_name", "char"),
	}},
	{"crm.stage", "crm", "CRM Stages", []fdef{req("name", "char")}},
	{"ir.config_parameter", "base", "System Parameter", []fdef{req("key", "char"), req("value", "text")}},
	{"ir.cron", "base", "Scheduled Actions", []fdef{req("name", "char"), f("active", "boolean"), f("lastcall", "datetime")}},
	{"crm.tag", "crm", "CRM Tag", []fdef{req("name", "char")}},
	{"calendar.event", "calendar", "Calendar Event", []fdef{
		req("name", "char"), req("start", "datetime"), req("stop", "datetime"), f("allday", "boolean"), f("duration", "float"),
		rel("partner_ids", "many2many", "res.partner"), rel("user_id", "many2one", "res.users"), f("description", "html"),
		f("location", "char"), f("recurrency", "boolean"), sel("rrule_type", "daily", "weekly", "monthly", "yearly"),
		f("interval", "integer"), f("count", "integer"), sel("end_type", "count", "end_date", "forever"), f("until", "date"),
		sel("show_as", "free", "busy"), sel("privacy", "public", "private", "confidential"), f("start_date", "date"),
		f("stop_date", "date"), f("res_model", "char"), f("res_id", "many2one_reference"), rel("categ_ids", "many2many", "calendar.event.type"),
		f("active", "boolean"), rel("opportunity_id", "many2one", "crm.lead"), sel("month_by", "date", "day"), f("day", "integer"),
		rel("recurrence_id", "many2one", "calendar.recurrence"),
	}},
	{"calendar.recurrence", "calendar", "Event Recurrence Rule", []fdef{f("name", "char")}},
	{"calendar.event.type", "calendar", "Event Meeting Type", []fdef{req("name", "char")}},
	{"account.move", "account", "Journal Entry", []fdef{
		reqsel("move_type", "entry", "out_invoice", "out_refund", "in_invoice", "in_refund", "out_receipt", "in_receipt"),
		rel("partner_id", "many2one", "res.partner"), f("invoice_date", "date"), f("date", "date"), f("ref", "char"), f("name", "char"),
		f("narration", "html"), rel("invoice_line_ids", "one2many", "account.move.line"), rel("line_ids", "one2many", "account.move.line"),
		rel("currency_id", "many2one", "res.currency"), rel("journal_id", "many2one", "account.journal"), sel("state", "draft", "posted", "cancel"),
		f("payment_reference", "char"), f("invoice_date_due", "date"), f("invoice_origin", "char"), f("amount_total", "monetary"),
		rel("invoice_user_id", "many2one", "res.users"), rel("fiscal_position_id", "many2one", "account.fiscal.position"),
	}},
	{"account.fiscal.position", "account", "Fiscal Position", []fdef{req("name", "char"), f("auto_apply", "boolean"), f("active", "boolean")}},
	{"account.payment", "account", "Payments", []fdef{
		reqsel("payment_type", "outbound", "inbound"), sel("partner_type", "customer", "supplier"), rel("partner_id", "many2one", "res.partner"),
		f("amount", "monetary"), f("date", "date"), f("payment_reference", "char"), f("ref", "char"),
		rel("move_id", "many2one", "account.move"), sel("state", "draft", "posted", "cancel"),
		rel("journal_id", "many2one", "account.journal"), rel("currency_id", "many2one", "res.currency"),
		rel("outstanding_account_id", "many2one", "account.account"), rel("destination_account_id", "many2one", "account.account"),
		rel("line_ids", "one2many", "account.move.line"),
	}},
	{"account.move.line", "account", "Journal Item", []fdef{
		reqrel("move_id", "many2one", "account.move"), rel("product_id", "many2one", "product.product"), f("name", "char"),
		f("quantity", "float"), f("price_unit", "float"), rel("account_id", "many2one", "account.account"), f("discount", "float"),
		rel("tax_ids", "many2many", "account.tax"), rel("partner_id", "many2one", "res.partner"),
		sel("display_type", "product", "cogs", "tax", "discount", "rounding", "payment_term", "line_section", "line_note", "epd"),
		f("date", "date"), f("ref", "char"), f("debit", "monetary"), f("credit", "monetary"), f("amount_currency", "monetary"),
		rel("currency_id", "many2one", "res.currency"), f("date_maturity", "date"),
	}},
	{"account.account", "account", "Account", []fdef{req("name", "char"), req("code", "char")}},
	{"account.journal", "account", "Journal", []fdef{req("name", "char"), req("code", "char"), f("type", "char"),
		rel("currency_id", "many2one", "res.currency")}},
	{"account.tax", "account", "Tax", []fdef{req("name", "char")}},
	{"res.currency", "base", "Currency", []fdef{req("name", "char")}},
}

// standardModules are the modules a fresh database has, and their state
// when everything the mapping needs is installed.
var standardModules = []string{"base", "web", "mail", "contacts", "product", "crm", "calendar", "account", "sale"}

// moduleOfModel: a model whose module is not installed does not exist.
func moduleInstalled(installed map[string]bool, module string) bool {
	switch module {
	case "", "base":
		return true
	case "product", "mail":
		// Installed as dependencies of crm/calendar/account.
		return installed[module] || installed["account"] || installed["crm"] || installed["calendar"]
	}
	return installed[module]
}
