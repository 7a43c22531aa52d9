package simulate

import (
	"fmt"
	"time"
)

// Threat is an incident the demo stages in simulated traffic. Each detector
// that lands registers the threat it catches here, so the demo shows every
// capability without a change anywhere else.
type Threat struct {
	Name        string
	Description string // what happens, for the demo's narration
	// Apply adds the threat to the options of a run spanning d of event
	// time.
	Apply func(o *Options, d time.Duration)
}

var threats []Threat

// RegisterThreat adds a threat to the demo's scenario.
func RegisterThreat(t Threat) {
	for _, have := range threats {
		if have.Name == t.Name {
			panic(fmt.Sprintf("simulate: threat %q registered twice", t.Name))
		}
	}
	threats = append(threats, t)
}

// Threats lists the registered threats in registration order.
func Threats() []Threat { return append([]Threat(nil), threats...) }

// DemoDriftHour is when, in the demo's day, transaction amounts drift.
const DemoDriftHour = 14

// The demo's adversarial probing: who, from when, how many probes.
const (
	DemoAttacker    = "api_user_312"
	DemoAttackHour  = 9
	DemoAttackCount = 60
)

func init() {
	RegisterThreat(Threat{
		Name:        "drift",
		Description: fmt.Sprintf("transaction amounts double from hour %d (a new merchant mix, or a shift in fraud)", DemoDriftHour),
		Apply: func(o *Options, d time.Duration) {
			o.Drifts = append(o.Drifts, Drift{Feature: ColTransactionAmount, From: d * DemoDriftHour / 24, Scale: 2.1})
		},
	})
	RegisterThreat(Threat{
		Name: "adversarial",
		Description: fmt.Sprintf("%s probes the model from hour %d with %d crafted transactions, each further outside normal traffic",
			DemoAttacker, DemoAttackHour, DemoAttackCount),
		Apply: func(o *Options, d time.Duration) {
			from := d * DemoAttackHour / 24
			o.Bursts = append(o.Bursts, Burst{User: DemoAttacker, From: from, Until: from + d/48, Count: DemoAttackCount})
		},
	})
}
