package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/warden-ml/warden/internal/safetext"
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

// call sends one request to the service at base and returns the body of a
// 2xx answer. role names the token role the route needs, for the message
// when no token was given.
func (f *clientFlags) call(method, base, path string, body []byte, role string) ([]byte, error) {
	client, token, err := f.client()
	if err != nil {
		return nil, err
	}
	base = strings.TrimRight(base, "/")
	req, err := http.NewRequest(method, base+path, bytes.NewReader(body))
	if err != nil {
		return nil, usageErr(err)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, usageErr(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return nil, err
	}
	switch {
	case resp.StatusCode == http.StatusUnauthorized && token == "":
		return nil, usageErrf("%s needs a token: give --token or set WARDEN_TOKEN (a token with the %s role)", base, role)
	case resp.StatusCode/100 != 2:
		msg := bytes.TrimSpace(out)
		var e struct{ Error string }
		if json.Unmarshal(out, &e) == nil && e.Error != "" {
			msg = []byte(e.Error)
		}
		return nil, usageErrf("%s: %s: %s", base, resp.Status, safetext.Escape(string(msg)))
	}
	return out, nil
}
