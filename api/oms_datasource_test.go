package api_test

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/godwit/godwit/model"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

var dataSourceItemKeys = []string{"id", "name", "type", "role", "owner", "tenant", "cluster", "schema", "vpcId", "ip", "port",
	"userName", "region", "description", "ocpName", "oracleSid", "oracleNlsLengthSemantics", "operatingSystem", "version",
	"timezone", "charset", "tryKeepHb", "resourceOwner", "gmtCreate", "gmtModified", "partnerId", "connExtraAttributes"}

func TestOMSCreateMySQLDataSource(t *testing.T) {
	cases := []struct {
		name, body string
		wantType   model.DataSourceType
		wantUser   string
	}{
		{"camel", `{"name":"src01","ip":"10.0.0.5","port":3306,"userName":"mig","password":"` + b64("pw-1") + `","schema":"shop","tryKeepHb":true}`, model.TypeMySQL, "mig"},
		{"pascal", `{"Name":"src02","Ip":"10.0.0.5","Port":"3306","UserName":"mig2","Password":"` + b64("pw-1") + `","Type":"INTERNET"}`, model.TypeMySQL, "mig2"},
		{"lower username", `{"name":"src03","ip":"h","port":3306,"username":"u3","password":"` + b64("pw-1") + `","type":"MARIADB"}`, model.TypeMariaDB, "u3"},
		{"upper keys", `{"NAME":"src04","IP":"h","PORT":3307,"USERNAME":"u4","PASSWORD":"` + b64("pw-1") + `","TYPE":"TIDB"}`, model.TypeTiDB, "u4"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, 0)
			data := okEnvelope(t, e.oms("CreateMySQLDataSource", c.body), false)
			id, ok := data.(string)
			if !ok || !strings.HasPrefix(id, "e_") {
				t.Fatalf("data = %#v, want an e_ id string", data)
			}
			got := e.svc.lastDSReq[0]
			if got.Password != "pw-1" {
				t.Errorf("password passed to service = %q, want the Base64-decoded text", got.Password)
			}
			if got.Type != c.wantType || got.User != c.wantUser || got.Port == 0 || got.Owner != adminUser {
				t.Errorf("service got type=%s user=%s port=%d owner=%s", got.Type, got.User, got.Port, got.Owner)
			}
		})
	}
}

func TestOMSCreateMySQLDataSourceErrors(t *testing.T) {
	e := newEnv(t, 0)
	pw := b64("x")
	for name, body := range map[string]string{
		"bad base64":    `{"name":"a","ip":"h","port":3306,"userName":"u","password":"%%%not base64"}`,
		"bad type":      `{"name":"a","ip":"h","port":3306,"userName":"u","password":"` + pw + `","type":"ORACLE"}`,
		"no name":       `{"ip":"h","port":3306,"userName":"u","password":"` + pw + `"}`,
		"port string":   `{"name":"a","ip":"h","port":"abc","userName":"u","password":"` + pw + `"}`,
		"port object":   `{"name":"a","ip":"h","port":{},"userName":"u","password":"` + pw + `"}`,
		"port range":    `{"name":"a","ip":"h","port":70000,"userName":"u","password":"` + pw + `"}`,
		"malformed":     `{"name":"a",`,
		"not an object": `["a"]`,
	} {
		t.Run(name, func(t *testing.T) {
			m := errEnvelope(t, e.oms("CreateMySQLDataSource", body), 200, "PARAM_ERROR")
			if strings.Contains(str(m["message"]), "%%%") {
				t.Errorf("message echoes the password: %v", m["message"])
			}
		})
	}
	// Connectivity failure: PARAM_ERROR with the bare "Connectivity test failed" prefix ODC matches.
	m := errEnvelope(t, e.oms("CreateMySQLDataSource", `{"name":"a","ip":"`+unreachableHost+`","port":3306,"userName":"u","password":"`+pw+`"}`), 200, "PARAM_ERROR")
	if !strings.HasPrefix(str(m["message"]), "Connectivity test failed") {
		t.Errorf("message = %q, want prefix Connectivity test failed", m["message"])
	}
}

func TestOMSCreateMySQLMasterSlaveDataSource(t *testing.T) {
	e := newEnv(t, 0)
	body := `{"Master":{"name":"ms","ip":"10.0.0.1","port":3306,"username":"rep","password":"` + b64("m-pw") + `","role":"MASTER","tryKeepHb":true},
	          "slave":{"Name":"ms","IP":"10.0.0.2","Port":"3306","Username":"rep","Password":"` + b64("s-pw") + `"}}`
	mid := okEnvelope(t, e.oms("CreateMySQLMasterSlaveDataSource", body), false).(string)
	data := okEnvelope(t, e.oms("ListDataSource", `{"order":"asc"}`), true).([]any)
	if len(data) != 2 {
		t.Fatalf("%d data sources, want 2", len(data))
	}
	master, slave := data[0].(map[string]any), data[1].(map[string]any)
	if master["id"] != mid || master["role"] != "MASTER" || master["partnerId"] != nil || master["tryKeepHb"] != true {
		t.Errorf("master = %v", master)
	}
	if slave["role"] != "SLAVE" || slave["partnerId"] != mid || slave["ip"] != "10.0.0.2" || slave["name"] == master["name"] {
		t.Errorf("slave = %v (master id %s)", slave, mid)
	}
	if e.svc.lastDSReq[1].Password != "s-pw" {
		t.Errorf("slave password not decoded: %q", e.svc.lastDSReq[1].Password)
	}

	// All or nothing: an unreachable slave leaves no master behind.
	e2 := newEnv(t, 0)
	bad := `{"master":{"name":"m2","ip":"h","port":3306,"username":"u","password":"` + b64("p") + `"},
	         "slave":{"name":"m2","ip":"` + unreachableHost + `","port":3306,"username":"u","password":"` + b64("p") + `"}}`
	errEnvelope(t, e2.oms("CreateMySQLMasterSlaveDataSource", bad), 200, "PARAM_ERROR")
	if n := len(e2.svc.ds); n != 0 {
		t.Errorf("%d data sources left after a failed master/slave create, want 0", n)
	}
	errEnvelope(t, e2.oms("CreateMySQLMasterSlaveDataSource", `{"master":{"name":"x"}}`), 200, "PARAM_ERROR")
}

func TestOMSListDataSource(t *testing.T) {
	e := newEnv(t, 0)
	for i, typ := range []string{"MYSQL", "MARIADB", "MYSQL"} {
		okEnvelope(t, e.oms("CreateMySQLDataSource", `{"name":"ds`+string(rune('a'+i))+`","type":"`+typ+`","ip":"h","port":3306,"userName":"u","password":"`+b64("topsecret-pw")+`"}`), false)
	}
	for name, body := range map[string]string{
		"camel strings": `{"pageNumber":"1","pageSize":"2"}`,
		"pascal":        `{"PageNumber":1,"PageSize":2,"SortField":"gmtModified","Order":"descend"}`,
	} {
		t.Run(name, func(t *testing.T) {
			r := e.oms("ListDataSource", body)
			data := okEnvelope(t, r, true).([]any)
			if len(data) != 2 || r.body["pageNumber"] != 1.0 || r.body["pageSize"] != 2.0 || r.body["totalCount"] != 3.0 {
				t.Fatalf("page = %d items, %v/%v/%v", len(data), r.body["pageNumber"], r.body["pageSize"], r.body["totalCount"])
			}
			item := data[0].(map[string]any)
			sameKeys(t, "data source item", item, dataSourceItemKeys)
			if _, ok := item["port"].(float64); !ok || item["type"] != "MYSQL" || item["userName"] != "u" || item["timezone"] != "+00:00" {
				t.Errorf("item = %v", item)
			}
			if strings.Contains(r.raw, "topsecret") || strings.Contains(r.raw, b64("topsecret-pw")) || strings.Contains(strings.ToLower(r.raw), "password") {
				t.Errorf("response leaks a password: %s", r.raw)
			}
		})
	}
	if d := okEnvelope(t, e.oms("ListDataSource", `{"types":"MARIADB"}`), true).([]any); len(d) != 1 {
		t.Errorf("types as string: %d items, want 1", len(d))
	}
	if d := okEnvelope(t, e.oms("ListDataSource", `{"Types":["MARIADB","MYSQL"]}`), true).([]any); len(d) != 3 {
		t.Errorf("types as array: %d items, want 3", len(d))
	}
	if d := okEnvelope(t, e.oms("ListDataSource", ``), true).([]any); len(d) != 3 {
		t.Errorf("empty body: %d items, want 3", len(d))
	}
	for _, body := range []string{`{"pageSize":"x"}`, `{"pageNumber":-1}`, `{"pageNumber":922700000000000000}`, `{"order":"sideways"}`, `{"sortField":"name"}`, `{"pageSize":[1]}`} {
		errEnvelope(t, e.oms("ListDataSource", body), 200, "PARAM_ERROR")
	}
}

func TestOMSDeleteDataSource(t *testing.T) {
	e := newEnv(t, 0)
	id := okEnvelope(t, e.oms("CreateMySQLDataSource", `{"name":"d","ip":"h","port":3306,"userName":"u","password":""}`), false).(string)
	if d := okEnvelope(t, e.oms("DeleteDataSource", `{"Id":"`+id+`"}`), false); d != nil {
		t.Errorf("data = %v, want null", d)
	}
	if len(e.svc.ds) != 0 {
		t.Errorf("data source not deleted")
	}
	errEnvelope(t, e.oms("DeleteDataSource", `{"id":"`+id+`"}`), 200, "GHANA-ENDPOINT000001")
	errEnvelope(t, e.oms("DeleteDataSource", `{}`), 200, "PARAM_ERROR")
}
