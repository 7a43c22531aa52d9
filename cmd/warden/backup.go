package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/warden-ml/warden/store/eventlog"
	"github.com/warden-ml/warden/store/sqlite"
)

// manifest describes a backup.
type manifest struct {
	Created    time.Time         `json:"created"`
	From       string            `json:"from"`
	Checkpoint eventlog.Position `json:"checkpoint"`
	Segments   int               `json:"segments"`
	Records    int64             `json:"records"`
	Bytes      int64             `json:"bytes"`
}

const manifestFile = "BACKUP.json"

func newBackupCmd() *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "backup [--data DIR] OUT",
		Short: "Copy a data directory consistently, while warden serve runs",
		Long: `Copy the store and the event log of a data directory (warden serve's --data)
into OUT, which must not exist, while the service goes on: the store with
SQLite's VACUUM INTO (one consistent read), then every log segment as far as
it is written, which covers the store's checkpoint and the events after it.
'warden restore OUT --data NEW' brings it back; a restored service replays the
log after the checkpoint and ends with the same alerts, silences and
acknowledgements. Exit status: 0 done, 2 usage error.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			out := args[0]
			if _, err := os.Stat(out); err == nil {
				return usageErrf("%s exists: give a new directory", out)
			}
			db := filepath.Join(dir, "warden.db")
			if _, err := os.Stat(db); err != nil {
				return usageErrf("no Warden store in %s: give --data DIR", dir)
			}
			if err := os.MkdirAll(out, 0o700); err != nil {
				return usageErr(err)
			}
			ctx := cmd.Context()
			if err := sqlite.Backup(ctx, db, filepath.Join(out, "warden.db")); err != nil {
				return err
			}
			at, copied, err := checkpointAt(ctx, out)
			if copied != nil {
				copied.Close()
			}
			if err != nil {
				return err
			}
			segs, err := eventlog.Copy(filepath.Join(dir, "events"), filepath.Join(out, "events"))
			if err != nil {
				return err
			}
			rep, err := eventlog.Verify(filepath.Join(out, "events"), at)
			if err != nil {
				return err
			}
			if len(rep.Problems) > 0 {
				return fmt.Errorf("the copy of the event log is incomplete (%s): segments were deleted or damaged meanwhile; run the backup again", rep.Problems[0])
			}
			m := manifest{Created: time.Now().UTC(), From: dir, Checkpoint: at, Segments: segs, Records: rep.Records, Bytes: rep.Bytes}
			b, _ := json.MarshalIndent(m, "", "  ")
			if err := os.WriteFile(filepath.Join(out, manifestFile), append(b, '\n'), 0o600); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "backed up %s to %s: the store (checkpoint at %v) and %d log segments, %d records, %d bytes\n",
				dir, out, at, segs, rep.Records, rep.Bytes)
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "data", "./warden-data", "data directory of warden serve")
	return cmd
}

func newRestoreCmd() *cobra.Command {
	var dir string
	var storeOnly bool
	cmd := &cobra.Command{
		Use:   "restore BACKUP [--data DIR] [--store-only]",
		Short: "Bring a backup back into a data directory",
		Long: `Bring a backup made by 'warden backup' back into a data directory, with the
service stopped. Into a new (or empty) directory it copies the store and the
event log. With --store-only it replaces only a damaged store and keeps the
directory's event log, which the service then replays from the backup's
checkpoint: what was logged after the backup is processed again, and
nothing acknowledged is lost; silences and acknowledgements made after the
backup are. The damaged store is kept beside it. Exit status: 0 done, 2 usage
error.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			from := args[0]
			var m manifest
			b, err := os.ReadFile(filepath.Join(from, manifestFile))
			if err != nil || json.Unmarshal(b, &m) != nil {
				return usageErrf("%s is not a backup made by warden backup (no %s)", from, manifestFile)
			}
			lock, err := eventlog.Lock(filepath.Join(dir, "events"))
			if err != nil {
				return usageErr(err)
			}
			defer lock.Close()
			w := cmd.OutOrStdout()
			db := filepath.Join(dir, "warden.db")
			if storeOnly {
				rep, err := eventlog.Verify(filepath.Join(dir, "events"), m.Checkpoint)
				if err != nil {
					return err
				}
				if len(rep.Problems) > 0 {
					return usageErrf("the event log in %s no longer holds the backup's checkpoint (%s): restore the whole backup into a new directory instead", dir, rep.Problems[0])
				}
				aside := fmt.Sprintf("%s.damaged-%s", db, time.Now().UTC().Format("20060102T150405"))
				for _, ext := range []string{"", "-wal", "-shm"} {
					if err := os.Rename(db+ext, aside+ext); err != nil && !os.IsNotExist(err) {
						return err
					}
				}
				fmt.Fprintf(w, "moved the store aside to %s\n", aside)
			} else {
				if _, err := os.Stat(db); err == nil {
					return usageErrf("%s already holds a store: restore into a new directory, or give --store-only to replace a damaged store", dir)
				}
				if segs, _ := filepath.Glob(filepath.Join(dir, "events", "*.wal")); len(segs) > 0 {
					return usageErrf("%s already holds an event log: restore into a new directory", dir)
				}
				if _, err := eventlog.Copy(filepath.Join(from, "events"), filepath.Join(dir, "events")); err != nil {
					return err
				}
			}
			if err := copyPlain(filepath.Join(from, "warden.db"), db); err != nil {
				return err
			}
			fmt.Fprintf(w, "restored the backup of %s made %s into %s; on start the service replays the log from %v\n",
				m.From, m.Created.Format(time.RFC3339), dir, m.Checkpoint)
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "data", "./warden-data", "data directory to restore into")
	cmd.Flags().BoolVar(&storeOnly, "store-only", false, "replace only the store, keeping the directory's event log")
	return cmd
}

// copyPlain copies a file and syncs the copy.
func copyPlain(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = io.Copy(f, in)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
