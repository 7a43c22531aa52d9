package file_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/warden-ml/warden/notify"
	"github.com/warden-ml/warden/notify/file"
)

func ExampleNew() {
	dir, err := os.MkdirTemp("", "warden-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)

	path := filepath.Join(dir, "alerts", "warden.jsonl")
	s, err := file.New(file.Config{Path: path})
	if err != nil {
		panic(err)
	}
	defer s.Close()
	// A dispatcher would hold it as notify.Receiver{Name: "archive", Sender: s}.
	var _ notify.Sender = s

	if err := s.Send(context.Background(), []byte(`{"id":"a1","severity":"high"}`)); err != nil {
		panic(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		panic(err)
	}
	fmt.Print(string(b))
	// Output:
	// {"id":"a1","severity":"high"}
}
