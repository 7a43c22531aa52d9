// Package notify delivers alerts to receivers through the store's outbox.
//
// Receivers are told about alerts in notifications: a Notification holds
// the alerts one evaluation raised for one model (Group makes them), so a
// window in which sixteen columns drifted is one message listing sixteen
// alerts. The alerts themselves, as stored and listed by the API, stay one
// per problem; only their delivery is bundled.
//
// Delivery happens in two steps so that nothing is lost and nothing blocks
// ingest. Dispatcher.Enqueue formats a notification for every receiver,
// with only the alerts that reach the receiver's MinSeverity, and writes
// one outbox item per receiver; the formatted bytes are stored, so a
// delivery retried after a restart sends exactly what was first
// formatted. Dispatcher.Run then takes due items from the outbox and
// hands them to each receiver's own workers, retrying failures with
// backoff and dead-lettering what cannot be delivered.
//
// Delivery is at least once: a crash between a successful send and the
// outbox recording it sends the item again, so receivers should treat the
// notification's "id" in the payload as an idempotency key.
//
// A receiver is a Formatter (pure, golden-tested) and a Sender (I/O only).
// The built-in receivers, in their own packages under notify/ (stdout,
// file and webhook), all send JSONLine's form.
package notify

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/warden-ml/warden/alert"
	"github.com/warden-ml/warden/store"
)

// Sender delivers one formatted notification. It only does I/O.
//
// Send classifies its errors: wrapped with Permanent they are never
// retried, wrapped with Throttled they are retried no sooner than the
// receiver asked; any other error is retried with backoff. Send must
// return soon after ctx is done.
type Sender interface {
	// Name describes the destination for logs and errors (for example
	// "webhook hooks.example.com"), without credentials.
	Name() string
	Send(ctx context.Context, payload []byte) error
}

// Formatter turns a notification into a receiver's payload. It must be
// pure: the same notification always gives the same bytes. Enqueue hands
// it the receiver's share of the notification: at least one alert, in the
// notification order.
type Formatter func(n Notification) ([]byte, error)

// Receiver is one configured destination for alerts.
type Receiver struct {
	// Name identifies the receiver in the outbox; it must be unique and
	// stay the same across restarts, or pending items are dead-lettered.
	Name string
	// MinSeverity routes only alerts at least this severe here: a
	// notification reaches the receiver with those of its alerts that are,
	// or not at all if none is. The zero value (alert.None) takes every
	// alert.
	MinSeverity alert.Severity
	Format      Formatter // nil means JSONLine
	Sender      Sender
	// MaxAttempts overrides DispatcherOptions.MaxAttempts when positive.
	MaxAttempts int
	// Concurrency is how many sends to this receiver may be in flight at
	// once; 0 means DispatcherOptions.Concurrency. With more than one,
	// deliveries may arrive out of order.
	Concurrency int
}

// Outbox is the part of the store the dispatcher uses; store.Store
// satisfies it. See store.Store for the contract of each method.
type Outbox interface {
	Enqueue(ctx context.Context, deliveries ...store.Delivery) error
	Due(ctx context.Context, now time.Time, limit int) ([]store.Delivery, error)
	Delivered(ctx context.Context, id int64) error
	Retry(ctx context.Context, id int64, next time.Time, lastErr string) error
	GiveUp(ctx context.Context, id int64, lastErr string) error
}

var _ Outbox = store.Store(nil)

type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

type throttledError struct {
	err   error
	after time.Duration
}

func (e *throttledError) Error() string {
	return fmt.Sprintf("%v (retry after %s)", e.err, e.after)
}
func (e *throttledError) Unwrap() error { return e.err }

// Permanent marks err as not worth retrying: the receiver refused the
// payload (an HTTP 4xx other than 408 and 429) or the configuration is
// wrong. Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err}
}

// Throttled marks err as the receiver asking to be left alone for
// retryAfter (an HTTP 429 or a 503 with Retry-After): neither this item nor
// any other for the same receiver is sent before then. A negative
// retryAfter counts as 0. Throttled(nil, d) is nil.
func Throttled(err error, retryAfter time.Duration) error {
	if err == nil {
		return nil
	}
	return &throttledError{err, max(retryAfter, 0)}
}

// IsPermanent reports whether err or an error it wraps was marked with
// Permanent.
func IsPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}

// RetryAfter returns the wait that err or an error it wraps was marked
// with by Throttled.
func RetryAfter(err error) (time.Duration, bool) {
	var t *throttledError
	if errors.As(err, &t) {
		return t.after, true
	}
	return 0, false
}
