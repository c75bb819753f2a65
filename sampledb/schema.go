package sampledb

// TableInfo describes one base table of the sample database.
type TableInfo struct {
	Name string
	// Key is the primary key; nil for audit_log, which has neither a primary nor a unique key.
	Key []string
	// Unique lists the other unique keys.
	Unique [][]string
	// BaseRows is the row count at Scale 1; for order_items it is the expected value (each
	// order has 1–4 lines), Summary has the exact count.
	BaseRows int
}

// ViewInfo describes a view of the sample database.
type ViewInfo struct {
	Name   string
	Tables []string // the base tables it reads
}

// Tables lists the base tables in creation order.
func Tables() []TableInfo {
	return []TableInfo{
		{Name: "products", Key: []string{"sku"}, BaseRows: nProducts},
		{Name: "customers", Key: []string{"id"}, Unique: [][]string{{"email"}}, BaseRows: nCustomers},
		{Name: "orders", Key: []string{"id"}, BaseRows: nOrders},
		{Name: "order_items", Key: []string{"order_id", "line_no"}, BaseRows: nOrders * 5 / 2},
		{Name: "events", Key: []string{"id"}, BaseRows: nEvents},
		{Name: "audit_log", Key: nil, BaseRows: nAudit},
		{Name: "all_types", Key: []string{"id"}, BaseRows: nAllTypesRandom + nEdgeRows},
	}
}

// Views lists the views.
func Views() []ViewInfo {
	return []ViewInfo{{Name: "v_customer_orders", Tables: []string{"customers", "orders"}}}
}

// Row counts at Scale 1.
const (
	nProducts       = 2000
	nCustomers      = 20000
	nOrders         = 50000
	nEvents         = 15000
	nAudit          = 10000
	nAllTypesRandom = 300
)

const tableOptions = " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci"

// ddl holds the CREATE TABLE statements, unqualified (run after USE-free qualification).
var ddl = []struct{ name, body string }{
	{"products", `(
  sku VARCHAR(32) NOT NULL,
  name VARCHAR(200) NOT NULL,
  description MEDIUMTEXT NULL,
  price DECIMAL(10,2) NOT NULL,
  weight_kg FLOAT NULL,
  dims JSON NULL,
  active BOOLEAN NOT NULL DEFAULT TRUE,
  created_at DATETIME NOT NULL,
  PRIMARY KEY (sku),
  KEY idx_products_name (name)
)` + tableOptions + ` COMMENT='catalogue; string primary key'`},
	{"customers", `(
  id INT NOT NULL AUTO_INCREMENT,
  name VARCHAR(100) NOT NULL,
  email VARCHAR(191) NOT NULL,
  country CHAR(2) NOT NULL,
  tier ENUM('free','pro','enterprise') NOT NULL DEFAULT 'free',
  tags SET('new','vip','churn-risk','beta') NOT NULL DEFAULT '',
  birth_date DATE NULL,
  created_at DATETIME(6) NOT NULL,
  balance DECIMAL(12,2) NOT NULL DEFAULT 0.00,
  profile JSON NULL,
  is_active TINYINT(1) NOT NULL DEFAULT 1,
  note VARCHAR(255) NULL COMMENT 'free text from support; may hold quotes, tabs and emoji',
  PRIMARY KEY (id),
  UNIQUE KEY uk_customers_email (email),
  KEY idx_customers_country_created (country, created_at)
)` + tableOptions + ` COMMENT='shop customers'`},
	{"orders", `(
  id BIGINT NOT NULL,
  customer_id INT NOT NULL,
  status ENUM('new','paid','shipped','delivered','cancelled') NOT NULL DEFAULT 'new',
  created_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  updated_at TIMESTAMP(6) NULL DEFAULT NULL,
  total DECIMAL(65,30) NOT NULL,
  currency CHAR(3) NOT NULL DEFAULT 'EUR',
  shipping_address TEXT NULL,
  PRIMARY KEY (id),
  KEY idx_orders_customer (customer_id),
  KEY idx_orders_status_created (status, created_at)
)` + tableOptions},
	{"order_items", `(
  order_id BIGINT NOT NULL,
  line_no SMALLINT NOT NULL,
  product_sku VARCHAR(32) NOT NULL,
  quantity INT NOT NULL,
  unit_price DECIMAL(12,2) NOT NULL,
  discount DOUBLE NULL,
  PRIMARY KEY (order_id, line_no),
  KEY idx_order_items_sku (product_sku)
)` + tableOptions},
	{"events", `(
  id BIGINT UNSIGNED NOT NULL,
  kind VARCHAR(32) NOT NULL,
  payload BLOB NULL,
  source_ip VARBINARY(16) NULL,
  score DOUBLE NOT NULL,
  created_at DATETIME(6) NOT NULL,
  PRIMARY KEY (id),
  KEY idx_events_kind (kind)
)` + tableOptions + ` COMMENT='ids above 2^63'`},
	{"audit_log", `(
  logged_at DATETIME(6) NOT NULL,
  actor VARCHAR(64) NOT NULL,
  action VARCHAR(32) NOT NULL,
  object_id BIGINT NULL,
  detail TEXT NULL,
  KEY idx_audit_logged_at (logged_at)
)` + tableOptions + ` COMMENT='no primary key and no unique key; holds exact duplicate rows'`},
	{"all_types", `(
  id INT NOT NULL,
  note VARCHAR(100) NOT NULL COMMENT 'what the row exercises',
  c_tinyint TINYINT NULL, c_tinyint_u TINYINT UNSIGNED NULL,
  c_smallint SMALLINT NULL, c_smallint_u SMALLINT UNSIGNED NULL,
  c_mediumint MEDIUMINT NULL, c_mediumint_u MEDIUMINT UNSIGNED NULL,
  c_int INT NULL, c_int_u INT UNSIGNED NULL,
  c_bigint BIGINT NULL, c_bigint_u BIGINT UNSIGNED NULL,
  c_bool BOOLEAN NULL,
  c_dec65_30 DECIMAL(65,30) NULL, c_dec65_0 DECIMAL(65,0) NULL, c_dec12_2 DECIMAL(12,2) NULL,
  c_float FLOAT NULL, c_double DOUBLE NULL,
  c_date DATE NULL, c_datetime DATETIME NULL, c_datetime6 DATETIME(6) NULL,
  c_timestamp6 TIMESTAMP(6) NULL DEFAULT NULL,
  c_time TIME NULL, c_time6 TIME(6) NULL, c_year YEAR NULL,
  c_bit1 BIT(1) NULL, c_bit8 BIT(8) NULL, c_bit64 BIT(64) NULL,
  c_enum ENUM('small','medium','large','x-large','ünï 😀') NULL,
  c_set SET('read','write','exec','admin') NULL,
  c_char CHAR(10) NULL, c_varchar VARCHAR(255) NULL, c_latin1 VARCHAR(50) CHARACTER SET latin1 NULL,
  c_tinytext TINYTEXT NULL, c_text TEXT NULL, c_mediumtext MEDIUMTEXT NULL, c_longtext LONGTEXT NULL,
  c_binary BINARY(16) NULL, c_varbinary VARBINARY(300) NULL,
  c_tinyblob TINYBLOB NULL, c_blob BLOB NULL, c_mediumblob MEDIUMBLOB NULL, c_longblob LONGBLOB NULL,
  c_json JSON NULL,
  c_gen_virtual BIGINT AS (c_int + 1) VIRTUAL,
  c_gen_stored INT AS (CHAR_LENGTH(c_varchar)) STORED,
  c_ts_auto TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6) COMMENT 'maintained by the server on update',
  c_commented VARCHAR(20) NULL COMMENT 'a column comment with ''quotes'', "double", back\\slash and ünïcödé',
  PRIMARY KEY (id)
)` + tableOptions + ` COMMENT='one row per edge value of every type, then seeded random rows'`},
}

// viewDDL is the body of each view after "CREATE VIEW db.name".
var viewDDL = map[string]string{
	"v_customer_orders": ` AS
SELECT c.id AS customer_id, c.email, c.country, o.id AS order_id, o.status, o.total, o.created_at
FROM %[1]s.customers c JOIN %[1]s.orders o ON o.customer_id = c.id`,
}
