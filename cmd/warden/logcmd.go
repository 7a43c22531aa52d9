package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/warden-ml/warden/store/eventlog"
	"github.com/warden-ml/warden/store/sqlite"
)

func newLogCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "log verify|repair",
		Short: "Check the event log of a data directory, or repair it",
		Long: `Check the event log of a data directory (warden serve's --data) or repair
it. warden serve refuses to start on a damaged log (a checksum mismatch before
the final record, a segment cut short or missing) rather than silently serve
less than it acknowledged; these commands say what is wrong and mend it. Run
them while the service is stopped.`,
	}
	cmd.AddCommand(newLogVerifyCmd(), newLogRepairCmd())
	return cmd
}

// checkpointAt is the log position of the store's checkpoint in dir, zero
// when there is no store or no checkpoint.
func checkpointAt(ctx context.Context, dir string) (eventlog.Position, *sqlite.DB, error) {
	path := filepath.Join(dir, "warden.db")
	if _, err := os.Stat(path); err != nil {
		return eventlog.Position{}, nil, nil
	}
	db, err := sqlite.Open(path)
	if err != nil {
		return eventlog.Position{}, nil, err
	}
	cp, ok, err := db.LoadCheckpoint(ctx)
	if err != nil || !ok {
		return eventlog.Position{}, db, err
	}
	var pos eventlog.Position
	json.Unmarshal(cp.Position, &pos)
	return pos, db, nil
}

func logDir(dir string) (string, error) {
	events := filepath.Join(dir, "events")
	if _, err := os.Stat(events); err != nil {
		return "", usageErrf("no event log in %s (warden serve keeps one in %s/events): give --data DIR", dir, dir)
	}
	return events, nil
}

func newLogVerifyCmd() *cobra.Command {
	var dir, format string
	cmd := &cobra.Command{
		Use:   "verify [--data DIR] [--format text|json]",
		Short: "Say what the event log holds and what is wrong with it",
		Long: `Read every segment of the event log and say what it holds: segments,
records, bytes, and any damage with its segment and offset. Exit status: 0 the
log is sound (a torn final record, which a crash leaves and serve drops by
itself, counts as sound), 1 damaged, 2 usage error.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "text" && format != "json" {
				return usageErrf("--format %q: want text or json", format)
			}
			events, err := logDir(dir)
			if err != nil {
				return err
			}
			at, db, err := checkpointAt(cmd.Context(), dir)
			if db != nil {
				defer db.Close()
			}
			if err != nil {
				return err
			}
			rep, err := eventlog.Verify(events, at)
			if err != nil {
				return err
			}
			if format == "json" {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				if err := enc.Encode(rep); err != nil {
					return err
				}
			} else {
				writeLogReport(cmd.OutOrStdout(), rep)
			}
			if len(rep.Problems) > 0 {
				return errFound
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "data", "./warden-data", "data directory of warden serve")
	cmd.Flags().StringVar(&format, "format", "text", "text or json")
	return cmd
}

func writeLogReport(w io.Writer, rep *eventlog.Report) {
	fmt.Fprintf(w, "%s: %d segments, %d intact records, %d bytes; durable up to %v at least\n",
		rep.Dir, len(rep.Segments), rep.Records, rep.Bytes, rep.Durable)
	for _, s := range rep.Segments {
		line := fmt.Sprintf("  segment %d (format %d): %d records, %d bytes", s.Number, s.Version, s.Records, s.Bytes)
		if s.Version == 2 {
			line += fmt.Sprintf(", from record %d", s.First)
		}
		switch {
		case s.Torn:
			line += fmt.Sprintf("; torn final record at offset %d (dropped at start)", s.DamageAt)
		case s.Damage != "":
			line += fmt.Sprintf("; DAMAGED at offset %d: %s", s.DamageAt, s.Damage)
		}
		fmt.Fprintln(w, line)
	}
	if len(rep.Problems) == 0 {
		fmt.Fprintln(w, "sound")
		return
	}
	for _, p := range rep.Problems {
		fmt.Fprintln(w, "problem:", p)
	}
}

func newLogRepairCmd() *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:   "repair [--data DIR]",
		Short: "Move damaged records aside so that the log opens again",
		Long: `Repair the event log so that warden serve starts again, giving up as little
as possible: damaged bytes in a segment are moved to DIR/quarantine and the
intact records after them kept; missing segments are closed up; the store's
checkpoint is moved along. It says how many bytes and, about, how many
acknowledged events it gave up. On start, serve processes what follows the
checkpoint. Exit status: 0 repaired (or nothing to repair), 2 usage error.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			events, err := logDir(dir)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			at, db, err := checkpointAt(ctx, dir)
			if db != nil {
				defer db.Close()
			}
			if err != nil {
				return err
			}
			fixed, err := eventlog.Repair(events, filepath.Join(dir, "quarantine"), at)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			if len(fixed.Problems) == 0 {
				fmt.Fprintln(w, "the event log is sound; nothing to repair")
				return nil
			}
			for _, p := range fixed.Problems {
				fmt.Fprintln(w, "found:", p)
			}
			for old, now := range fixed.Renumbered {
				fmt.Fprintf(w, "segment %d is now segment %d\n", old, now)
			}
			for _, q := range fixed.Quarantined {
				fmt.Fprintln(w, "quarantined:", q)
			}
			fmt.Fprintf(w, "gave up %d bytes, about %d acknowledged events (the newlines in them)\n", fixed.LostBytes, fixed.LostLines)
			if db != nil && at != (eventlog.Position{}) {
				if moved := fixed.Map(at); moved != at {
					if err := moveCheckpoint(ctx, db, moved); err != nil {
						return err
					}
					fmt.Fprintf(w, "checkpoint moved from %v to %v\n", at, moved)
				}
			}
			fmt.Fprintf(w, "the log now holds %d records in %d segments\n", fixed.Records, len(fixed.Segments))
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "data", "./warden-data", "data directory of warden serve")
	return cmd
}

func moveCheckpoint(ctx context.Context, db *sqlite.DB, to eventlog.Position) error {
	cp, ok, err := db.LoadCheckpoint(ctx)
	if err != nil || !ok {
		return err
	}
	if cp.Position, err = json.Marshal(to); err != nil {
		return err
	}
	cp.Parts = nil // unchanged
	if err := db.SaveCheckpoint(ctx, cp); err != nil {
		return fmt.Errorf("moving the checkpoint: %w", err)
	}
	return nil
}
