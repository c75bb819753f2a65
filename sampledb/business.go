package sampledb

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

var (
	firstNames = []string{"Anna", "Zoë", "José", "Łukasz", "Søren", "Mëlanie", "O'Brien", "Ïgor", "李", "さくら",
		"Müller", "Nguyễn", "Ayşe", "Björk", "Chloé", "😀 Smiley", "Back\\slash", "Tab\tName", "Ω", "Émile"}
	lastNames = []string{"Smith", "García", "Schröder", "Kowalski", "Dubois", "Rossi", "Novák", "Andersson",
		"Яковлев", "Παπαδόπουλος", "王", "田中", "O'Neil", "\"Quoted\"", "Ølsen", "Lee 🎉"}
	slugs     = []string{"anna", "zoe", "jose", "lukasz", "soren", "melanie", "obrien", "igor", "li", "sakura", "muller", "nguyen", "ayse", "bjork", "chloe", "smiley", "backslash", "tab", "omega", "emile"}
	countries = []string{"DE", "FR", "US", "GB", "PL", "JP", "CN", "BR", "IN", "SE", "ES", "IT"}
	adjs      = []string{"Red", "Tiny", "Grand", "Smart", "Öko", "Ultra", "Retro", "Café", "Nano", "Ümlaut"}
	nouns     = []string{"Widget", "Gadget", "Lamp", "Chair", "Kettle", "Phone", "Bike", "Mug", "Desk", "Speaker"}
	kinds     = []string{"click", "view", "purchase", "signup", "logout", "error", "refund"}
	actions   = []string{"INSERT", "UPDATE", "DELETE", "LOGIN", "EXPORT"}
	statuses  = []string{"new", "paid", "shipped", "delivered", "cancelled"}
	currency  = []string{"EUR", "USD", "GBP", "JPY", "PLN"}
	notes     = []string{"call back\tlater", "VIP: said \"hi\" 👋", "line one\nline two", "it's fine", "C:\\path\\to", "   padded   ", "", "emoji 🎉🎉"}
)

var epoch = time.Date(2018, 1, 1, 0, 0, 0, 0, time.UTC)

// sku is the key of product i (0-based).
func sku(i int) string { return fmt.Sprintf("SKU-%06d", i+1) }

// orderID is the key of order i (0-based): above 2^32 so it needs a BIGINT.
func orderID(i int) int64 { return 10_000_000_001 + int64(i) }

// eventID is the key of event i: event 0 is 2^64-1, the others count up from 2^63.
func eventID(i int) uint64 {
	if i == 0 {
		return 1<<64 - 1
	}
	return 1<<63 + uint64(i-1)*1_000_003
}

func pick[T any](r *rand.Rand, s []T) T { return s[r.IntN(len(s))] }

func cents(c int64) string {
	sign := ""
	if c < 0 {
		sign, c = "-", -c
	}
	return fmt.Sprintf("%s%d.%02d", sign, c/100, c%100)
}

func nullOr(r *rand.Rand, pNull int, lit func() string) string {
	if r.IntN(100) < pNull {
		return "NULL"
	}
	return lit()
}

var productCols = []string{"sku", "name", "description", "price", "weight_kg", "dims", "active", "created_at"}

func productRow(r *rand.Rand, i int) []string {
	return []string{
		q(sku(i)),
		q(pick(r, adjs) + " " + pick(r, nouns) + " " + strconv.Itoa(i+1)),
		nullOr(r, 20, func() string {
			return q(strings.Repeat(pick(r, adjs)+" and "+pick(r, nouns)+".\n", 1+r.IntN(20)))
		}),
		cents(99 + r.Int64N(999900)),
		nullOr(r, 10, func() string { return f32(r.Float32() * 50) }),
		nullOr(r, 10, func() string {
			return q(fmt.Sprintf(`{"w": %d, "h": %.1f, "d": %d, "unit": "cm"}`, 1+r.IntN(200), r.Float64()*100, 1+r.IntN(90)))
		}),
		strconv.Itoa(r.IntN(10) / 9),
		"'" + epoch.Add(time.Duration(r.IntN(5*365*24*3600))*time.Second).Format("2006-01-02 15:04:05") + "'",
	}
}

var customerCols = []string{"id", "name", "email", "country", "tier", "tags", "birth_date", "created_at", "balance", "profile", "is_active", "note"}

func customerRow(r *rand.Rand, i int) []string {
	fi := r.IntN(len(firstNames))
	var tags []string
	for _, t := range []string{"new", "vip", "churn-risk", "beta"} {
		if r.IntN(4) == 0 {
			tags = append(tags, t)
		}
	}
	tier := "free"
	if n := r.IntN(10); n >= 9 {
		tier = "enterprise"
	} else if n >= 6 {
		tier = "pro"
	}
	return []string{
		strconv.Itoa(i + 1),
		q(firstNames[fi] + " " + pick(r, lastNames)),
		q(fmt.Sprintf("%s.%d@example.com", slugs[fi], i+1)),
		q(pick(r, countries)),
		q(tier),
		q(strings.Join(tags, ",")),
		nullOr(r, 10, func() string { return date(time.Date(1940+r.IntN(66), 1, 1+r.IntN(365), 0, 0, 0, 0, time.UTC)) }),
		dt(epoch.Add(time.Duration(r.Int64N(int64(6*365*24*time.Hour/time.Microsecond))) * time.Microsecond)),
		cents(r.Int64N(15_000_000) - 5_000_000),
		nullOr(r, 20, func() string {
			return q(fmt.Sprintf(`{"newsletter": %t, "lang": %q, "score": %s, "nickname": %s, "prefs": {"theme": "dark", "tags": ["a", "b"]}}`,
				r.IntN(2) == 0, strings.ToLower(pick(r, countries)), strconv.FormatFloat(r.Float64()*100, 'g', -1, 64), jsonString(firstNames[fi])))
		}),
		boolLit(r.IntN(10) != 0), // 90% active
		nullOr(r, 70, func() string { return q(pick(r, notes)) }),
	}
}

var orderCols = []string{"id", "customer_id", "status", "created_at", "updated_at", "total", "currency", "shipping_address"}

func orderRow(r *rand.Rand, i, nCust int) []string {
	created := epoch.Add(time.Duration(r.Int64N(int64(7*365*24*time.Hour/time.Microsecond))) * time.Microsecond)
	return []string{
		strconv.FormatInt(orderID(i), 10),
		strconv.Itoa(1 + r.IntN(nCust)),
		q(pick(r, statuses)),
		dt(created),
		nullOr(r, 30, func() string { return dt(created.Add(time.Duration(r.Int64N(int64(30 * 24 * time.Hour))))) }),
		strconv.FormatInt(r.Int64N(10_000_000), 10) + "." + randDigits(r, 30),
		q(pick(r, currency)),
		nullOr(r, 15, func() string {
			return q(fmt.Sprintf("%s %s\n%d Hauptstraße\n%05d %s", pick(r, firstNames), pick(r, lastNames), 1+r.IntN(300), r.IntN(100000), pick(r, countries)))
		}),
	}
}

var orderItemCols = []string{"order_id", "line_no", "product_sku", "quantity", "unit_price", "discount"}

// orderItemRows returns the 1–4 lines of order i.
func orderItemRows(r *rand.Rand, i, nProd int) [][]string {
	n := 1 + r.IntN(4)
	rows := make([][]string, n)
	for l := range n {
		rows[l] = []string{
			strconv.FormatInt(orderID(i), 10),
			strconv.Itoa(l + 1),
			q(sku(r.IntN(nProd))),
			strconv.Itoa(1 + r.IntN(20)),
			cents(99 + r.Int64N(99900)),
			nullOr(r, 50, func() string { return f64(r.Float64() * 0.3) }),
		}
	}
	return rows
}

var eventCols = []string{"id", "kind", "payload", "source_ip", "score", "created_at"}

func eventRow(r *rand.Rand, i int) []string {
	return []string{
		strconv.FormatUint(eventID(i), 10),
		q(pick(r, kinds)),
		nullOr(r, 10, func() string { return x(randBytes(r, 600)) }),
		nullOr(r, 20, func() string {
			if r.IntN(2) == 0 {
				return x(randBytesN(r, 4))
			}
			return x(randBytesN(r, 16))
		}),
		f64(r.NormFloat64() * 100),
		dt(epoch.Add(time.Duration(r.Int64N(int64(7*365*24*time.Hour/time.Microsecond))) * time.Microsecond)),
	}
}

func randBytesN(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

var auditCols = []string{"logged_at", "actor", "action", "object_id", "detail"}

func auditRow(r *rand.Rand) []string {
	return []string{
		// Second resolution on purpose: distinct rows often share a timestamp.
		dt(epoch.Add(time.Duration(r.IntN(3*365*24*3600)) * time.Second)),
		q(pick(r, slugs) + "@" + pick(r, []string{"console", "api", "cron"})),
		q(pick(r, actions)),
		nullOr(r, 20, func() string { return strconv.FormatInt(r.Int64N(1_000_000), 10) }),
		nullOr(r, 30, func() string { return q(pick(r, notes)) }),
	}
}

func boolLit(b bool) string {
	if b {
		return "1"
	}
	return "0"
}
