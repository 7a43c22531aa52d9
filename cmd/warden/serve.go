package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/warden-ml/warden/component"
	"github.com/warden-ml/warden/config"
	"github.com/warden-ml/warden/server"
)

func newServeCmd() *cobra.Command {
	var (
		configPath, addr, dataDir string
		insecure                  bool
	)
	cmd := &cobra.Command{
		Use:   "serve [--config FILE] [--addr HOST:PORT] [--data DIR]",
		Short: "Run the monitoring service: ingest API, streaming drift, alerts",
		Long: `Run the monitoring service. Without a configuration file it listens on
127.0.0.1:8080 with its embedded store in ./warden-data. Events answered with
202 are in the durable event log; on start the log is replayed, so a restart
loses nothing that was acknowledged. SIGINT or SIGTERM shut it down gracefully;
SIGHUP reloads the tokens (auth.tokens, and the variables they name) and the
TLS certificate from the configuration file.

Once auth.tokens lists a token, every route but /healthz and /readyz needs
one ('warden token new' makes one). Without tokens, serve listens on loopback
addresses only, unless --insecure-no-auth says that anyone who can reach the
address may use every route.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := config.LoadWith(configPath, config.Overrides{Addr: addr, DataDir: dataDir})
			if err != nil {
				return configErr(cmd.ErrOrStderr(), err)
			}
			if len(cfg.Auth.Tokens) == 0 && !insecure && !isLoopback(cfg.Server.Addr) {
				return usageErrf("%s is not a loopback address and no tokens are configured: anyone who could reach it could "+
					"change what Warden watches and silence it. Add a token under auth.tokens (warden token new --name NAME "+
					"--roles admin,read,ingest prints one), or listen on 127.0.0.1, or pass --insecure-no-auth", cfg.Server.Addr)
			}
			logger := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))
			for _, name := range cfg.Auth.Expired(time.Now()) {
				logger.Warn("token has expired", "token", name)
			}
			l, err := net.Listen("tcp", cfg.Server.Addr)
			if err != nil {
				return usageErr(err)
			}
			srv, err := server.New(cfg, server.Options{Logger: logger, Sections: component.Sections(components)})
			if ce := (*server.ConfigError)(nil); errors.As(err, &ce) {
				l.Close()
				return usageErr(err)
			}
			if err != nil {
				l.Close()
				return err
			}
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			go reloadOnHangup(ctx, configPath, srv, logger)
			scheme := "http"
			if cfg.Server.TLS.Enabled() {
				scheme = "https"
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "warden: listening on %s://%s (store in %s)\n", scheme, l.Addr(), cfg.Storage.Dir)
			return srv.Serve(ctx, l)
		},
	}
	cmd.Flags().StringVar(&configPath, "config", "", "configuration file (YAML); defaults without one")
	cmd.Flags().StringVar(&addr, "addr", "", "listen address, overriding server.addr (default 127.0.0.1:8080)")
	cmd.Flags().StringVar(&dataDir, "data", "", "store directory, overriding storage.dir (default ./warden-data)")
	cmd.Flags().BoolVar(&insecure, "insecure-no-auth", false, "serve a non-loopback address without tokens: anyone who can reach it may use every route")
	return cmd
}

// isLoopback reports whether a listen address only accepts connections
// from this machine; an empty host listens on every interface.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// reloadOnHangup reloads the tokens and the TLS certificate on SIGHUP, so
// that a token is revoked or a certificate renewed without a restart. The
// rest of the configuration needs a restart; a file that no longer loads
// changes nothing.
func reloadOnHangup(ctx context.Context, path string, srv *server.Server, log *slog.Logger) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
		}
		cfg, err := config.Load(path)
		if err != nil {
			log.Error("SIGHUP: the configuration does not load; nothing changed", "err", err)
			continue
		}
		if err := srv.ReloadAuth(cfg.Auth); err != nil {
			log.Error("SIGHUP: tokens not reloaded", "err", err)
		}
		if err := srv.ReloadTLS(); err != nil {
			log.Error("SIGHUP: certificate not reloaded", "err", err)
		}
	}
}
