package realsvc_test

import (
	"encoding/base64"
	"strings"
	"testing"
)

// TestUnservedDataSourceTypesAreRefused creates KAFKA data sources — in this test binary (which
// registers only the MySQL and PostgreSQL endpoints) a type
// model knows but no registered endpoint serves — through the native, OMS and DRS shapes:
// each is refused with PARAM_ERROR (DRS: a 400) naming the type, the native and OMS messages
// list the supported types, and no data source is stored.
func TestUnservedDataSourceTypesAreRefused(t *testing.T) {
	h := newHandler(t)
	for _, typ := range []string{"KAFKA", "kafka"} {
		ds := `{"name":"bad_` + typ + `","type":"` + typ + `","host":"10.0.0.5","port":5432,"user":"u","password":"p","skipConnectivityTest":true}`
		w := serve(h, "POST", "/api/v1/datasources", []byte(ds))
		if body := w.Body.String(); w.Code != 400 || !strings.Contains(body, `"code":"PARAM_ERROR"`) ||
			!strings.Contains(body, strings.ToUpper(typ)) || !strings.Contains(body, "MARIADB, MYSQL") || !strings.Contains(body, "POSTGRESQL") {
			t.Errorf("native %s: HTTP %d %s", typ, w.Code, body)
		}
		oms := `{"name":"bad_` + typ + `","type":"` + typ + `","ip":"10.0.0.5","port":5432,"userName":"u","password":"` +
			base64.StdEncoding.EncodeToString([]byte("p")) + `"}`
		m := omsEnv(t, serve(h, "POST", "/api/v2?Action=CreateMySQLDataSource", []byte(oms)).Body)
		if msg, _ := m["message"].(string); m["success"] != false || m["code"] != "PARAM_ERROR" || !strings.Contains(strings.ToUpper(msg), strings.ToUpper(typ)) {
			t.Errorf("OMS %s: %v", typ, m)
		}
		job := `{"job":{"base_info":{"name":"kf-job","job_type":"migration","task_type":"FULL_TRANS","expired_days":"14"},` +
			`"source_endpoint":[{"db_type":"` + strings.ToLower(typ) + `","endpoint_role":"so","endpoint":{"endpoint_name":"x","ip":"10.0.0.1","db_port":"5432","db_user":"u","db_password":"p"}}],` +
			`"target_endpoint":[{"db_type":"mysql","endpoint_role":"ta","endpoint":{"endpoint_name":"mysql","ip":"10.0.0.2","db_port":"3306","db_user":"u","db_password":"p"}}]}}`
		if w := serve(h, "POST", "/v5/p1/jobs", []byte(job)); w.Code != 400 || !strings.Contains(w.Body.String(), strings.ToLower(typ)) {
			t.Errorf("DRS %s: HTTP %d %s", typ, w.Code, w.Body)
		}
	}
	if m := omsEnv(t, serve(h, "POST", "/api/v2?Action=ListDataSource", []byte(`{"PageNumber":"1","PageSize":"10"}`)).Body); m["totalCount"] != 0.0 {
		t.Errorf("data sources stored: %v", m)
	}
	if w := serve(h, "GET", "/api/v1/datasources", nil); strings.Contains(w.Body.String(), `"name":"bad_`) {
		t.Errorf("native list shows a refused data source: %s", w.Body)
	}
}

// TestPostgreSQLDataSources creates POSTGRESQL data sources through the native shape and a
// DRS job with a postgresql target: accepted (PostgreSQL is served), its database taken from
// DRS db_name; a type-mapping option godwit does not know is refused with PARAM_ERROR naming
// the field (DRS: a 400), and nothing is stored.
func TestPostgreSQLDataSources(t *testing.T) {
	h := newHandler(t)
	ok := `{"name":"pg_ok","type":"POSTGRESQL","host":"10.0.0.5","port":5432,"user":"u","password":"p","skipConnectivityTest":true,` +
		`"options":{"database":"app","typeMapping.tinyint1":"boolean"}}`
	if w := serve(h, "POST", "/api/v1/datasources", []byte(ok)); w.Code != 201 {
		t.Fatalf("native POSTGRESQL: HTTP %d %s", w.Code, w.Body)
	}
	for _, bad := range []string{`"typeMapping.json":"xml"`, `"typeMapping.nosuch":"1"`} {
		ds := `{"name":"pg_bad","type":"POSTGRESQL","host":"10.0.0.5","port":5432,"user":"u","password":"p","skipConnectivityTest":true,"options":{` + bad + `}}`
		w := serve(h, "POST", "/api/v1/datasources", []byte(ds))
		field := strings.Split(bad, `"`)[1]
		if body := w.Body.String(); w.Code != 400 || !strings.Contains(body, `"code":"PARAM_ERROR"`) || !strings.Contains(body, "options."+field) {
			t.Errorf("native option %s: HTTP %d %s", bad, w.Code, body)
		}
	}
	job := `{"job":{"base_info":{"name":"pg-job","job_type":"migration","task_type":"FULL_TRANS","expired_days":"14"},` +
		`"source_endpoint":[{"db_type":"mysql","endpoint_role":"so","endpoint":{"endpoint_name":"mysql","ip":"10.0.0.1","db_port":"3306","db_user":"u","db_password":"p"}}],` +
		`"target_endpoint":[{"db_type":"postgresql","endpoint_role":"ta","endpoint":{"endpoint_name":"postgresql","ip":"10.0.0.2","db_user":"u","db_password":"p","db_name":"app"}}]}}`
	if w := serve(h, "POST", "/v5/p1/jobs", []byte(job)); w.Code != 200 {
		t.Fatalf("DRS job with a postgresql target: HTTP %d %s", w.Code, w.Body)
	}
	w := serve(h, "GET", "/api/v1/datasources", nil)
	body := w.Body.String()
	if !strings.Contains(body, `"POSTGRESQL"`) || !strings.Contains(body, `"database":"app"`) || !strings.Contains(body, `"port":5432`) || strings.Contains(body, "pg_bad") {
		t.Errorf("stored data sources: %s", body)
	}
}
