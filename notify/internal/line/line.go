// Package line checks payloads for the receivers that write one
// notification per line, so that a payload can never break a line into two
// records.
package line

import (
	"bytes"
	"errors"
)

// Terminated returns payload ending in exactly one "\n", adding it if
// missing. It refuses an empty payload and one with a line break inside.
func Terminated(payload []byte) ([]byte, error) {
	body := bytes.TrimSuffix(payload, []byte("\n"))
	switch {
	case len(body) == 0:
		return nil, errors.New("payload is empty")
	case bytes.IndexByte(body, '\n') >= 0:
		return nil, errors.New("payload spans more than one line")
	}
	if len(body) < len(payload) {
		return payload, nil
	}
	return append(body[:len(body):len(body)], '\n'), nil
}
