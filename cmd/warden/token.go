package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/warden-ml/warden/auth"
	"github.com/warden-ml/warden/config"
)

func newTokenCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Make bearer tokens for warden serve",
	}
	var (
		name, expires string
		roles, models []string
	)
	create := &cobra.Command{
		Use:   "new --name NAME --roles ROLE[,ROLE...] [--expires RFC3339] [--models a,b]",
		Short: "Print a fresh random token and the configuration lines that accept it",
		Long: `Print a fresh random token and the lines to add under auth.tokens in the
configuration of warden serve. The configuration keeps only the token's SHA-256,
so the token is shown this once: hand it to its holder, who sends it as
"Authorization: Bearer TOKEN" (or WARDEN_TOKEN for warden report --server).
Roles: ingest (send events, screen inputs), read (models, alerts, the report,
the dashboard, metrics), admin (models, references, silences, acknowledgements,
the audit log). A running service picks up new tokens on SIGHUP.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if name == "" || len(roles) == 0 {
				return usageErrf("token new needs --name and --roles")
			}
			for _, r := range roles {
				if _, err := auth.ParseRole(r); err != nil {
					return usageErrf("--roles: %v", err)
				}
			}
			t := config.Token{Name: name, Roles: roles, Models: models}
			if expires != "" {
				at, err := time.Parse(time.RFC3339, expires)
				if err != nil {
					return usageErrf("--expires %q: want an RFC 3339 time such as 2027-01-31T00:00:00Z", expires)
				}
				t.Expires = at.UTC()
			}
			secret, err := auth.NewSecret()
			if err != nil {
				return err
			}
			t.SHA256 = auth.HashHex(secret)
			a := config.Auth{Tokens: []config.Token{t}}
			if err := a.Validate(); err != nil {
				// Name the flags rather than the configuration's paths.
				msg := strings.NewReplacer("tokens[0].name", "--name", "tokens[0].models", "--models").Replace(err.Error())
				return usageErrf("%s", msg)
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "# token for %s, shown once: %s\n", name, secret)
			fmt.Fprintf(out, "auth:\n  tokens:\n    - name: %s\n      sha256: %s\n      roles: [%s]\n", name, t.SHA256, strings.Join(roles, ", "))
			if !t.Expires.IsZero() {
				fmt.Fprintf(out, "      expires: %s\n", t.Expires.Format(time.RFC3339))
			}
			if len(models) > 0 {
				fmt.Fprintf(out, "      models: [%s]\n", strings.Join(models, ", "))
			}
			return nil
		},
	}
	f := create.Flags()
	f.StringVar(&name, "name", "", "who holds the token, as the audit log shows it")
	f.StringSliceVar(&roles, "roles", nil, "what it may do: ingest, read, admin (comma-separated)")
	f.StringVar(&expires, "expires", "", "when it stops working (RFC 3339); never without")
	f.StringSliceVar(&models, "models", nil, "the models it may touch (comma-separated); every model without")
	cmd.AddCommand(create)
	return cmd
}
