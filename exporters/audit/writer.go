package audit

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Writer logs a run's entries from a goroutine of its own, many entries an
// insert, so a push does not wait for the warehouse between API calls.
// Callers still hand it only what the destination acknowledged; Flush and
// Close return once everything handed over is in the log. Entries are
// written with a context that outlives cancellation: a push cancelled
// half-way still logs every record Twenty took.
type Writer struct {
	run  *Run
	ctx  context.Context
	in   chan writerMsg
	done chan struct{}

	// sendMu keeps Close from closing the channel under a sender; mu
	// guards err. The loop never takes sendMu, so a sender blocked on a
	// full channel cannot stall it.
	sendMu sync.RWMutex
	closed bool
	mu     sync.Mutex
	err    error
}

type writerMsg struct {
	entries []Entry
	flushed chan error // non-nil: answer once everything before it is written
}

// maxWriterBatch bounds one insert; linger is how long the writer waits
// for more entries before writing those it holds, unless asked to flush.
const (
	maxWriterBatch = 2000
	linger         = 50 * time.Millisecond
)

// Writer starts the run's background writer. Close it before Finish.
func (r *Run) Writer(ctx context.Context) *Writer {
	w := &Writer{run: r, ctx: context.WithoutCancel(ctx), in: make(chan writerMsg, 256), done: make(chan struct{})}
	go w.loop()
	return w
}

func (w *Writer) loop() {
	defer close(w.done)
	for first := range w.in {
		batch := append([]Entry(nil), first.entries...)
		var flushes []chan error
		if first.flushed != nil {
			flushes = append(flushes, first.flushed)
		}
		// Take whatever else comes within linger into the same insert:
		// a commit's fixed cost is most of a small one's. A flush
		// request ends the wait (its caller is waiting); entries that
		// only settle what a write answered can wait, since a run that
		// dies before they are written has its pending entries settled
		// by the destination.
		var timer *time.Timer
		var wait <-chan time.Time
		if len(flushes) == 0 {
			timer = time.NewTimer(linger)
			wait = timer.C
		}
	drain:
		for len(batch) < maxWriterBatch {
			var m writerMsg
			ok := true
			if wait == nil { // only what is queued already
				select {
				case m, ok = <-w.in:
				default:
					break drain
				}
			} else {
				select {
				case m, ok = <-w.in:
				case <-wait:
					break drain
				}
			}
			if !ok {
				break drain
			}
			batch = append(batch, m.entries...)
			if m.flushed != nil {
				flushes = append(flushes, m.flushed)
				wait = nil
			}
		}
		if timer != nil {
			timer.Stop()
		}
		err := w.err0()
		if err == nil && len(batch) > 0 {
			if err = w.run.Log(w.ctx, batch); err != nil {
				w.mu.Lock()
				w.err = err
				w.mu.Unlock()
			}
		}
		for _, f := range flushes {
			f <- err
		}
	}
}

func (w *Writer) err0() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// ErrWriterClosed is returned when entries reach a closed Writer.
var ErrWriterClosed = errors.New("audit: writer closed")

// Log queues entries for the log. It returns the error of an earlier
// insert, if one failed: the run must stop, as the log no longer says
// everything the destination holds.
func (w *Writer) Log(entries []Entry) error {
	if len(entries) == 0 {
		return w.err0()
	}
	for _, e := range entries {
		if err := checkAction(e.Action); err != nil {
			return err
		}
	}
	if err := w.err0(); err != nil {
		return err
	}
	w.sendMu.RLock()
	defer w.sendMu.RUnlock()
	if w.closed {
		return ErrWriterClosed
	}
	w.in <- writerMsg{entries: append([]Entry(nil), entries...)}
	return nil
}

// Flush returns once every entry queued before it is written.
func (w *Writer) Flush() error {
	ch := make(chan error, 1)
	w.sendMu.RLock()
	if w.closed {
		w.sendMu.RUnlock()
		return w.err0()
	}
	w.in <- writerMsg{flushed: ch}
	w.sendMu.RUnlock()
	return <-ch
}

// Close writes what is queued and stops the writer. It is safe to call
// more than once; each call returns the first insert error.
func (w *Writer) Close() error {
	w.sendMu.Lock()
	if !w.closed {
		w.closed = true
		close(w.in)
	}
	w.sendMu.Unlock()
	<-w.done
	return w.err0()
}
