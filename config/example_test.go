package config_test

import (
	"fmt"

	"github.com/warden-ml/warden/config"
)

func ExampleParse() {
	c, err := config.Parse([]byte(`
models:
  - name: fraud_detection_v2
    reference: data/reference.csv
    thresholds:
      drift: {warning: 0.15}
`), "warden.yaml", "/etc/warden")
	if err != nil {
		fmt.Println(err)
		return
	}
	m := c.Model("fraud_detection_v2")
	fmt.Println(c.Server.Addr, c.Storage.Dir)
	fmt.Println(m.Reference)
	fmt.Println(m.Drift.Method, m.Drift.Window, m.Drift.Every)
	fmt.Printf("%+v\n", m.Thresholds("drift", c.Alerting.Thresholds))
	fmt.Printf("%+v\n", m.Thresholds("adversarial", c.Alerting.Thresholds))
	// Output:
	// 127.0.0.1:8080 ./warden-data
	// /etc/warden/data/reference.csv
	// auto 1000 100
	// {Warning:0.15 Critical:0.3}
	// {Warning:0.5 Critical:0.8}
}

func ExampleValidationError() {
	_, err := config.Parse([]byte(`
server:
  read_timeout: ten
models:
  - name: fraud_detection_v2
    drfit:
      window: 10
  - name: fraud_detection_v2
`), "warden.yaml", "")
	fmt.Println(err)
	// Output:
	// warden.yaml: server.read_timeout: want a duration like 10s, got "ten" (line 3)
	// warden.yaml: models[0].drfit: unknown field, did you mean drift? (line 6)
	// warden.yaml: models[1].name: duplicate name "fraud_detection_v2" (also models[0]) (line 8)
}
