package realsvc_test

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
)

// omsEnv decodes an OMS envelope.
func omsEnv(t *testing.T, w interface{ Bytes() []byte }) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(w.Bytes(), &m); err != nil {
		t.Fatalf("not JSON: %s", w.Bytes())
	}
	return m
}

// TestBadNamesAreRefusedAtCreation sends names the target would refuse (trailing space, NUL,
// over 64 characters, supplementary characters), system schemas and the checkpoint schema as
// mapped targets, and display names with control or bidirectional characters, through the
// native, OMS and DRS shapes: each answers the typed PARAM_ERROR (DRS.10000003) naming the
// field and the rule, and nothing is created.
func TestBadNamesAreRefusedAtCreation(t *testing.T) {
	h, src, dst := hostileEnv(t)
	project := func(name string, db map[string]any, incr bool) []byte {
		b, _ := json.Marshal(map[string]any{"name": name, "type": "MIGRATION", "sourceEndpointId": src, "sinkEndpointId": dst,
			"transferMapping":      map[string]any{"mode": "SPECIFIC", "databases": []any{db}},
			"enableStructTransfer": true, "enableFullTransfer": true, "enableIncrTransfer": incr})
		return b
	}
	table := func(name, mapped string) map[string]any {
		return map[string]any{"name": "shop", "tables": []any{map[string]any{"name": name, "mappedName": mapped}}}
	}
	cases := []struct {
		what        string
		db          map[string]any
		incr        bool
		field, rule string
	}{
		{"trailing space", table("orders", "orders "), false, "transferMapping.databases[0].tables[0].mappedName", "ends with a space"},
		{"65 characters", table("orders", strings.Repeat("o", 65)), false, "transferMapping.databases[0].tables[0].mappedName", "65 characters"},
		{"NUL", table("orders", "ord\x00ers"), false, "transferMapping.databases[0].tables[0].mappedName", "NUL"},
		{"emoji", table("orders", "orders😀"), false, "transferMapping.databases[0].tables[0].mappedName", "Basic Multilingual Plane"},
		{"source NUL", table("or\x00ders", ""), false, "transferMapping.databases[0].tables[0].name", "NUL"},
		{"unmapped target rule", table("orders ", ""), false, "transferMapping.databases[0].tables[0].name", "ends with a space"},
		{"filter column", map[string]any{"name": "shop", "tables": []any{map[string]any{"name": "orders", "filterColumns": []any{"id", "x "}}}},
			false, "transferMapping.databases[0].tables[0].filterColumns[1]", "ends with a space"},
		{"view mapped", map[string]any{"name": "shop", "views": []any{map[string]any{"name": "v", "mappedName": strings.Repeat("v", 70)}}},
			false, "transferMapping.databases[0].views[0].mappedName", "70 characters"},
		{"database mapped", map[string]any{"name": "shop", "mappedName": "shop\t"}, false, "transferMapping.databases[0].mappedName", "ends with a space"},
		{"mysql.user", map[string]any{"name": "app", "mappedName": "mysql", "tables": []any{map[string]any{"name": "accounts", "mappedName": "user"}}},
			false, "transferMapping.databases[0].mappedName", "system database"},
		{"information_schema", map[string]any{"name": "app", "mappedName": "INFORMATION_SCHEMA"}, false, "transferMapping.databases[0].mappedName", "system database"},
		{"source sys", map[string]any{"name": "sys"}, false, "transferMapping.databases[0].name", "system database"},
		{"checkpoint schema", map[string]any{"name": "app", "mappedName": "godwit"}, true, "transferMapping.databases[0].mappedName", "checkpoint schema"},
	}
	for _, c := range cases {
		body := project("p_names", c.db, c.incr)
		w := serve(h, "POST", "/api/v1/projects", body)
		if w.Code != 400 || !strings.Contains(w.Body.String(), `"code":"PARAM_ERROR"`) || !strings.Contains(w.Body.String(), c.field) ||
			!strings.Contains(w.Body.String(), c.rule) || !strings.Contains(w.Body.String(), `"advice":"`) {
			t.Errorf("native %s: HTTP %d %s", c.what, w.Code, w.Body)
		}
		m := omsEnv(t, serve(h, "POST", "/api/v2?Action=CreateProject", body).Body)
		if m["success"] != false || m["code"] != "PARAM_ERROR" || !strings.Contains(m["message"].(string), c.field) ||
			!strings.Contains(m["message"].(string), c.rule) || m["advice"] == "" {
			t.Errorf("OMS %s: %v", c.what, m)
		}
	}
	// A valid project over the same mapping shape is accepted (the rules are not blanket refusals).
	ok := omsEnv(t, serve(h, "POST", "/api/v2?Action=CreateProject", project("p_ok", table("orders", "orders_2024 é.x/y"), true)).Body)
	if ok["success"] != true {
		t.Fatalf("valid project refused: %v", ok)
	}
	pid := ok["data"].(string)

	// Display names: data sources, projects and labels refuse control and bidi characters
	// (and U+FFFD, which is what invalid UTF-8 in a JSON body decodes to).
	for _, bad := range []string{"\u202eevil", "a\u2066b", "bell\u0007", "x\u200fy", "bad\xffutf8", "li\u2028ne"} {
		q, _ := json.Marshal(bad)
		ds := `{"name":` + string(q) + `,"type":"MYSQL","host":"10.0.0.5","port":3306,"user":"u","password":"p","skipConnectivityTest":true}`
		if w := serve(h, "POST", "/api/v1/datasources", []byte(ds)); w.Code != 400 || !strings.Contains(w.Body.String(), `"field":"name"`) {
			t.Errorf("native data source %q: HTTP %d %s", bad, w.Code, w.Body)
		}
		oms := `{"name":` + string(q) + `,"type":"MYSQL","ip":"10.0.0.5","port":3306,"userName":"u","password":"` +
			base64.StdEncoding.EncodeToString([]byte("p")) + `"}`
		if m := omsEnv(t, serve(h, "POST", "/api/v2?Action=CreateMySQLDataSource", []byte(oms)).Body); m["success"] != false || m["code"] != "PARAM_ERROR" {
			t.Errorf("OMS data source %q: %v", bad, m)
		}
		if m := omsEnv(t, serve(h, "POST", "/api/v2?Action=CreateProject", project(bad, table("orders", ""), false)).Body); m["success"] != false ||
			m["code"] != "PARAM_ERROR" {
			t.Errorf("OMS project name %q: %v", bad, m)
		}
		if w := serve(h, "POST", "/api/v1/projects", project(bad, table("orders", ""), false)); w.Code != 400 {
			t.Errorf("native project name %q: HTTP %d %s", bad, w.Code, w.Body)
		}
		if m := omsEnv(t, serve(h, "POST", "/api/v2?Action=CreateLabel", []byte(`{"name":`+string(q)+`}`)).Body); m["success"] != false ||
			m["code"] != "PARAM_ERROR" || strings.ContainsAny(m["message"].(string), "\u202e\u2066\u200f\u2028\u0007") {
			t.Errorf("label %q: %v (the message must not carry the raw character)", bad, m)
		}
	}

	// Modify records: the added objects follow the same rules; the mapping is unchanged.
	mod, _ := json.Marshal(map[string]any{"id": pid, "databases": []any{map[string]any{"name": "app", "mappedName": "mysql"}}})
	if m := omsEnv(t, serve(h, "POST", "/api/v2?Action=CreateProjectModifyRecords", mod).Body); m["success"] != false ||
		m["code"] != "PARAM_ERROR" || !strings.Contains(m["message"].(string), "databases[0].mappedName") {
		t.Errorf("modify record onto mysql: %v", m)
	}

	// DRS: a job whose objects map onto a system schema or a bad name is refused when it is
	// created, and when UpdateJob db_object sets them.
	job := func(dbObject string) []byte {
		return []byte(`{"job":{"base_info":{"name":"names-job","job_type":"migration","task_type":"FULL_TRANS","expired_days":"14"},` +
			`"source_endpoint":[{"db_type":"mysql","endpoint_role":"so","endpoint":{"endpoint_name":"mysql","ip":"10.0.0.1","db_port":"3306","db_user":"u","db_password":"p"}}],` +
			`"target_endpoint":[{"db_type":"mysql","endpoint_role":"ta","endpoint":{"endpoint_name":"mysql","ip":"10.0.0.2","db_port":"3306","db_user":"u","db_password":"p"}}],` +
			`"db_object":` + dbObject + `}}`)
	}
	for _, obj := range []string{
		`{"object_scope":"table","object_info":{"app":{"name":"mysql","tables":{"accounts":{"name":"user"}}}}}`,
		`{"object_scope":"table","object_info":{"app":{"tables":{"accounts":{"name":"accounts "}}}}}`,
	} {
		w := serve(h, "POST", "/v5/p1/jobs", job(obj))
		var e map[string]string
		if w.Code != 400 || json.Unmarshal(w.Body.Bytes(), &e) != nil || e["error_code"] != "DRS.10000003" ||
			!strings.Contains(e["error_msg"], "transferMapping.databases[0]") {
			t.Errorf("DRS create %s: HTTP %d %s", obj, w.Code, w.Body)
		}
	}
	w := serve(h, "POST", "/v5/p1/jobs", job(`{"object_scope":"table","object_info":{"app":{"tables":{"accounts":{}}}}}`))
	var created map[string]any
	if w.Code != 200 || json.Unmarshal(w.Body.Bytes(), &created) != nil || created["id"] == nil {
		t.Fatalf("DRS create of a valid job: HTTP %d %s", w.Code, w.Body)
	}
	upd := `{"job":{"type":"db_object","params":{"db_object":{"object_scope":"table","object_info":{"app":{"name":"performance_schema"}}}}}}`
	if w := serve(h, "PUT", "/v5/p1/jobs/"+created["id"].(string), []byte(upd)); w.Code != 400 || !strings.Contains(w.Body.String(), "system database") {
		t.Errorf("DRS UpdateJob db_object onto performance_schema: HTTP %d %s", w.Code, w.Body)
	}

	// Nothing was created: the two data sources of the fixture plus the valid job's two,
	// one project (the valid one), no label, no modify record.
	if m := omsEnv(t, serve(h, "POST", "/api/v2?Action=ListDataSource", []byte(`{"pageSize":100}`)).Body); m["totalCount"] != 4.0 {
		t.Errorf("data sources: %v", m["totalCount"])
	}
	if m := omsEnv(t, serve(h, "POST", "/api/v2?Action=ListProjects", []byte(`{}`)).Body); m["totalCount"] != 1.0 {
		t.Errorf("projects: %v", m["totalCount"])
	}
	if m := omsEnv(t, serve(h, "POST", "/api/v2?Action=ListAllLabels", []byte(`{}`)).Body); len(m["data"].([]any)) != 0 {
		t.Errorf("labels: %v", m["data"])
	}
	if m := omsEnv(t, serve(h, "POST", "/api/v2?Action=ListProjectModifyRecords", []byte(`{"id":"`+pid+`"}`)).Body); m["success"] != true ||
		len(m["data"].([]any)) != 0 {
		t.Errorf("modify records: %v", m)
	}
	p := omsEnv(t, serve(h, "POST", "/api/v2?Action=DescribeProject", []byte(`{"id":"`+pid+`"}`)).Body)
	if dbs := p["data"].(map[string]any)["transferMapping"].(map[string]any)["databases"].([]any); len(dbs) != 1 {
		t.Errorf("mapping changed: %v", dbs)
	}
}
