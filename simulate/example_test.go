package simulate_test

import (
	"fmt"
	"log"
	"os"
	"time"

	"github.com/warden-ml/warden/simulate"
)

// Production traffic where transaction amounts double from the second hour
// on, as a currency bug upstream of the model might cause.
func Example() {
	drift, err := simulate.ParseDrift("transaction_amount:scale=2,from=1h")
	if err != nil {
		log.Fatal(err)
	}
	g, err := simulate.NewGenerator(simulate.Options{
		Seed:   7,
		Rate:   1.0 / 1800, // one event per half hour on average
		Drifts: []simulate.Drift{drift},
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, tx := range g.Take(5) {
		fmt.Printf("%s %s %s %8.2f %-13s score %.4f\n",
			tx.ID, tx.Time.Format(time.TimeOnly), tx.User, tx.TransactionAmount, tx.MerchantCategory, tx.Score)
	}
	// Output:
	// tx-00000001 00:00:00 user_00952    20.94 gas_station   score 0.0000
	// tx-00000002 01:51:42 user_00424    53.58 gas_station   score 0.0002
	// tx-00000003 02:06:00 user_00743   205.14 restaurant    score 0.0204
	// tx-00000004 02:07:53 user_00748   801.90 grocery       score 0.0001
	// tx-00000005 02:46:42 user_00896   156.32 online_retail score 0.0001
}

func ExampleWriteCSV() {
	if err := simulate.WriteCSV(os.Stdout, simulate.Reference(1, 3)); err != nil {
		log.Fatal(err)
	}
	// Output:
	// transaction_amount,merchant_category,hour,distance_from_home_km,card_present,account_age_days,num_tx_last_24h,score,label
	// 304.74,online_retail,17,7.1,false,726,5,0.0008,0
	// 121.97,other,1,70.8,true,803,3,0.0013,0
	// 103.79,gas_station,20,2.2,true,1263,5,0.0000,0
}

func ExampleParseDrift() {
	for _, spec := range []string{
		"merchant_category:new=crypto_exchange,share=0.2,from=6h",
		"hour:scale=2",
	} {
		d, err := simulate.ParseDrift(spec)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Printf("%s from %v: %.0f%% of traffic to %s\n", d.Feature, d.From, 100*d.NewShare, d.NewCategory)
	}
	// Output:
	// merchant_category from 6h0m0s: 20% of traffic to crypto_exchange
	// drift "hour:scale=2": the hour is cyclic and cannot be scaled: use shift (hours, wrapping round the clock)
}
