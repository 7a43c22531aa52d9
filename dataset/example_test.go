package dataset_test

import (
	"fmt"
	"strings"

	"github.com/warden-ml/warden/dataset"
)

func ExampleRead() {
	const transactions = `amount,country,is_fraud,time
12.50,DE,0,2024-05-01T10:00:00Z
NA,FR,1,2024-05-01T10:05:00Z
inf,DE,0,2024-05-01 10:07:30
`
	t, err := dataset.Read(strings.NewReader(transactions), "transactions.csv", dataset.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range t.Columns {
		fmt.Printf("%-8s %-11v missing=%d inf=%d\n", c.Name, c.Type, c.Missing, c.Inf)
	}
	country := t.Column("country")
	fmt.Println(country.Levels, country.Codes)

	// A forced type that does not fit is an error that says where.
	_, err = dataset.Read(strings.NewReader(transactions), "transactions.csv",
		dataset.Options{Types: map[string]dataset.Type{"country": dataset.Numeric}})
	fmt.Println(err)
	// Output:
	// amount   numeric     missing=1 inf=1
	// country  categorical missing=0 inf=0
	// is_fraud boolean     missing=0 inf=0
	// time     datetime    missing=0 inf=0
	// [DE FR] [0 1 0]
	// transactions.csv line 2, column "country": "DE" is not a number
}

func ExampleRead_jsonLines() {
	const events = `{"user":"u1","features":{"amount":12.5,"country":"DE"}}
{"user":"u2","features":{"amount":null}}
{"user":"u1","features":{"amount":"7.25","country":"FR"},"flagged":true}
`
	t, err := dataset.Read(strings.NewReader(events), "events.jsonl", dataset.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range t.Columns {
		fmt.Printf("%-16s %-11v missing=%d\n", c.Name, c.Type, c.Missing)
	}
	fmt.Println(t.Column("features.amount").Floats)
	// Output:
	// user             categorical missing=0
	// features.amount  numeric     missing=1
	// features.country categorical missing=1
	// flagged          boolean     missing=2
	// [12.5 NaN 7.25]
}
