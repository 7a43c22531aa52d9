package server

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"sync/atomic"
)

// certificate holds the serving certificate, replaced whole on reload, so
// that a renewed certificate takes effect for new connections without a
// restart.
type certificate struct {
	cert atomic.Pointer[tls.Certificate]
}

func (c *certificate) load(certFile, keyFile string) error {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return fmt.Errorf("server.tls: %w", err)
	}
	c.cert.Store(&cert)
	return nil
}

// tlsConfig is TLS 1.2 or later with the reloadable certificate and, with
// a client CA file, client certificates required and verified.
func (s *Server) tlsConfig() (*tls.Config, error) {
	t := s.cfg.Server.TLS
	if err := s.cert.load(t.CertFile, t.KeyFile); err != nil {
		return nil, err
	}
	cfg := &tls.Config{
		MinVersion: tls.VersionTLS12,
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			return s.cert.cert.Load(), nil
		},
	}
	if t.ClientCAFile != "" {
		pem, err := os.ReadFile(t.ClientCAFile)
		if err != nil {
			return nil, fmt.Errorf("server.tls.client_ca_file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("server.tls.client_ca_file %s: no PEM certificate in it", t.ClientCAFile)
		}
		cfg.ClientCAs, cfg.ClientAuth = pool, tls.RequireAndVerifyClientCert
	}
	return cfg, nil
}

// ReloadTLS reads the certificate and key again (SIGHUP); connections
// already open keep theirs.
func (s *Server) ReloadTLS() error {
	t := s.cfg.Server.TLS
	if !t.Enabled() {
		return nil
	}
	return s.cert.load(t.CertFile, t.KeyFile)
}
