package eventlog_test

import (
	"fmt"
	"io"
	"log"
	"os"

	"github.com/warden-ml/warden/store/eventlog"
)

func ExampleLog() {
	dir, err := os.MkdirTemp("", "eventlog-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	l, err := eventlog.Open(eventlog.Options{Dir: dir})
	if err != nil {
		log.Fatal(err)
	}
	// The batch is on disk when Append returns: now the server may answer 202.
	_, checkpoint, err := l.Append([]byte(`{"model":"fraud","amount":12.5}`), []byte(`{"model":"fraud","amount":9}`))
	if err != nil {
		log.Fatal(err)
	}
	if _, _, err := l.Append([]byte(`{"model":"fraud","amount":4100}`)); err != nil {
		log.Fatal(err)
	}
	l.Close()

	// After a restart, read everything after the last checkpoint.
	l, err = eventlog.Open(eventlog.Options{Dir: dir})
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close()
	r, err := l.Reader(checkpoint)
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()
	for {
		rec, _, _, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(string(rec))
	}
	// Output:
	// {"model":"fraud","amount":4100}
}
