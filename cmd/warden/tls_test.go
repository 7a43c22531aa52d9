package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// testCA makes a certificate authority and issues certificates for tests.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

func newTestCA(t *testing.T) *testCA {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"}, IsCA: true,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return &testCA{cert, key, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// issue writes a certificate and key signed by the CA, for a server on
// 127.0.0.1 or a client, and returns their PEM files.
func (ca *testCA) issue(t *testing.T, dir, name string, serial int64, client bool) (certFile, keyFile string) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}
	if client {
		tmpl.ExtKeyUsage, tmpl.IPAddresses = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, nil
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalECPrivateKey(key)
	certFile, keyFile = filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
	return certFile, keyFile
}

// TLS with client certificates: a client without one is refused in the
// handshake; warden report verifies the service against --ca-file; a
// renewed certificate is served after SIGHUP.
func TestServeTLS(t *testing.T) {
	dir := t.TempDir()
	ca := newTestCA(t)
	caFile := filepath.Join(dir, "ca.pem")
	os.WriteFile(caFile, ca.pem, 0o644)
	ca.issue(t, dir, "server", 10, false)
	clientCert, clientKey := ca.issue(t, dir, "client", 20, true)
	cfg := writeFile(t, dir, "warden.yaml", "server:\n  tls: {cert_file: server.crt, key_file: server.key, client_ca_file: ca.pem}\n")
	svc := startService(t, filepath.Join(dir, "data"), "--config", cfg)
	if !strings.HasPrefix(svc.base, "https://") {
		t.Fatalf("listening on %s", svc.base)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca.pem)
	get := func(certs []tls.Certificate) (*http.Response, error) {
		c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, Certificates: certs}}}
		return c.Get(svc.base + "/healthz")
	}
	if resp, err := get(nil); err == nil {
		resp.Body.Close()
		t.Errorf("a client without a certificate got %s", resp.Status)
	}
	pair, err := tls.LoadX509KeyPair(clientCert, clientKey)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := get([]tls.Certificate{pair})
	if err != nil || resp.StatusCode != 200 || resp.TLS.PeerCertificates[0].SerialNumber.Int64() != 10 {
		t.Fatalf("a client with a certificate: %v %v", resp, err)
	}
	if resp.Header.Get("Strict-Transport-Security") == "" {
		t.Error("no Strict-Transport-Security over TLS")
	}
	resp.Body.Close()

	ca.issue(t, dir, "server", 11, false) // renewed in place
	svc.cmd.Process.Signal(syscall.SIGHUP)
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := get([]tls.Certificate{pair})
		if err == nil {
			resp.Body.Close()
			if resp.TLS.PeerCertificates[0].SerialNumber.Int64() == 11 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("the renewed certificate is not served after SIGHUP")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// warden report trusts a service's certificate through --ca-file.
func TestReportOverTLS(t *testing.T) {
	dir := t.TempDir()
	ca := newTestCA(t)
	caFile := filepath.Join(dir, "ca.pem")
	os.WriteFile(caFile, ca.pem, 0o644)
	ca.issue(t, dir, "server", 10, false)
	cfg := writeFile(t, dir, "warden.yaml", "server:\n  tls: {cert_file: server.crt, key_file: server.key}\n")
	svc := startService(t, filepath.Join(dir, "data"), "--config", cfg)
	if r := warden(t, "report", "--server", svc.base); r.code != exitUsage || !strings.Contains(r.stderr, "certificate") {
		t.Errorf("report without the CA: exit %d: %s", r.code, r.stderr)
	}
	if r := warden(t, "report", "--server", svc.base, "--ca-file", caFile); r.code != 0 {
		t.Errorf("report with the CA: exit %d: %s", r.code, r.stderr)
	}
}
