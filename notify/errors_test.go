package notify_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/warden-ml/warden/notify"
)

func TestErrorClasses(t *testing.T) {
	base := errors.New("boom")
	tests := []struct {
		name          string
		err           error
		permanent     bool
		throttled     bool
		after         time.Duration
		wantMessage   string
		wantUnwrapsTo error
	}{
		{"plain", base, false, false, 0, "boom", base},
		{"nil", nil, false, false, 0, "", nil},
		{"permanent", notify.Permanent(base), true, false, 0, "boom", base},
		{"permanent wrapped", fmt.Errorf("webhook: %w", notify.Permanent(base)), true, false, 0, "webhook: boom", base},
		{"throttled", notify.Throttled(base, 90*time.Second), false, true, 90 * time.Second, "boom (retry after 1m30s)", base},
		{"throttled negative", notify.Throttled(base, -time.Second), false, true, 0, "boom (retry after 0s)", base},
		{"throttled wrapped", fmt.Errorf("hook: %w", notify.Throttled(context.DeadlineExceeded, time.Second)), false, true, time.Second, "hook: context deadline exceeded (retry after 1s)", context.DeadlineExceeded},
		{"both", notify.Permanent(notify.Throttled(base, time.Second)), true, true, time.Second, "boom (retry after 1s)", base},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := notify.IsPermanent(tc.err); got != tc.permanent {
				t.Errorf("IsPermanent = %v, want %v", got, tc.permanent)
			}
			after, ok := notify.RetryAfter(tc.err)
			if ok != tc.throttled || after != tc.after {
				t.Errorf("RetryAfter = %v, %v, want %v, %v", after, ok, tc.after, tc.throttled)
			}
			if tc.err == nil {
				return
			}
			if tc.err.Error() != tc.wantMessage {
				t.Errorf("message %q, want %q", tc.err, tc.wantMessage)
			}
			if !errors.Is(tc.err, tc.wantUnwrapsTo) {
				t.Errorf("%v does not wrap %v", tc.err, tc.wantUnwrapsTo)
			}
		})
	}
	if notify.Permanent(nil) != nil || notify.Throttled(nil, time.Second) != nil {
		t.Error("wrapping nil must give nil")
	}
}
