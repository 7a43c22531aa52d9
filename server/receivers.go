package server

import (
	"fmt"
	"os"

	"github.com/warden-ml/warden/config"
	"github.com/warden-ml/warden/notify"
	"github.com/warden-ml/warden/notify/file"
	"github.com/warden-ml/warden/notify/stdout"
	"github.com/warden-ml/warden/notify/webhook"
)

// receivers builds the configured alert receivers.
func receivers(cfg []config.Receiver) ([]notify.Receiver, error) {
	var out []notify.Receiver
	for i, r := range cfg {
		var sender notify.Sender
		var err error
		switch r.Type {
		case config.ReceiverStdout:
			sender = stdout.New(os.Stdout)
		case config.ReceiverFile:
			sender, err = file.New(file.Config{Path: r.Path})
		case config.ReceiverWebhook:
			secret := r.Secret
			if r.SecretEnv != "" {
				secret = os.Getenv(r.SecretEnv)
				if secret == "" {
					return nil, fmt.Errorf("alerting.receivers[%d] (%s): environment variable %s is empty", i, r.Name, r.SecretEnv)
				}
			}
			sender, err = webhook.New(webhook.Config{URL: r.URL, Secret: []byte(secret), Timeout: r.Timeout})
		default:
			err = fmt.Errorf("unknown type %q", r.Type)
		}
		if err != nil {
			return nil, fmt.Errorf("alerting.receivers[%d] (%s): %w", i, r.Name, err)
		}
		out = append(out, notify.Receiver{Name: r.Name, MinSeverity: r.MinSeverity, Sender: sender, MaxAttempts: r.MaxRetries + 1})
	}
	return out, nil
}
