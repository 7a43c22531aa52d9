package main

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"os"
	"time"

	"github.com/spf13/cobra"
)

// clientFlags are how a command that calls a running service
// authenticates: a token (or WARDEN_TOKEN) and the CA that signed the
// service's certificate when it is not one the system trusts.
type clientFlags struct {
	token, caFile string
}

func (f *clientFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.token, "token", "", "bearer token for --server (default $WARDEN_TOKEN)")
	cmd.Flags().StringVar(&f.caFile, "ca-file", "", "PEM file of the CA that signed the service's certificate, for an https --server")
}

// client is an HTTP client that sends the token and trusts the CA file.
func (f *clientFlags) client() (*http.Client, string, error) {
	token := f.token
	if token == "" {
		token = os.Getenv("WARDEN_TOKEN")
	}
	c := &http.Client{Timeout: time.Minute}
	if f.caFile != "" {
		pem, err := os.ReadFile(f.caFile)
		if err != nil {
			return nil, "", usageErr(err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, "", usageErrf("--ca-file %s: no PEM certificate in it", f.caFile)
		}
		c.Transport = &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
	}
	return c, token, nil
}
