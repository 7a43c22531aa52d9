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

	"github.com/spf13/cobra"

	"github.com/warden-ml/warden/config"
	"github.com/warden-ml/warden/server"
)

func newServeCmd() *cobra.Command {
	var configPath, addr, dataDir string
	cmd := &cobra.Command{
		Use:   "serve [--config FILE] [--addr HOST:PORT] [--data DIR]",
		Short: "Run the monitoring service: ingest API, streaming drift, alerts",
		Long: `Run the monitoring service. Without a configuration file it listens on
127.0.0.1:8080 with its embedded store in ./warden-data. Events answered with
202 are in the durable event log; on start the log is replayed, so a restart
loses nothing that was acknowledged. SIGINT or SIGTERM shut it down gracefully.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := config.LoadWith(configPath, config.Overrides{Addr: addr, DataDir: dataDir})
			if err != nil {
				return configErr(cmd.ErrOrStderr(), err)
			}
			logger := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))
			l, err := net.Listen("tcp", cfg.Server.Addr)
			if err != nil {
				return usageErr(err)
			}
			srv, err := server.New(cfg, server.Options{Logger: logger})
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
			fmt.Fprintf(cmd.ErrOrStderr(), "warden: listening on http://%s (store in %s)\n", l.Addr(), cfg.Storage.Dir)
			return srv.Serve(ctx, l)
		},
	}
	cmd.Flags().StringVar(&configPath, "config", "", "configuration file (YAML); defaults without one")
	cmd.Flags().StringVar(&addr, "addr", "", "listen address, overriding server.addr (default 127.0.0.1:8080)")
	cmd.Flags().StringVar(&dataDir, "data", "", "store directory, overriding storage.dir (default ./warden-data)")
	return cmd
}
