package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"
)

// progressEvery is how often a long command writes a plain progress line
// when stderr is not a terminal (a log file, a CI job). The push says how
// far it is at the same pace (exporters.DefaultProgressEvery).
const progressEvery = 10 * time.Second

// redrawEvery bounds how often the bar is redrawn on a terminal.
const redrawEvery = 200 * time.Millisecond

// progress says how far a long command is, always on stderr so stdout
// stays what a script parses. On a terminal it keeps one line redrawn in
// place: a bar (when the total is known), the counts, the rate, the time
// left and the current item. Elsewhere it writes a plain line every
// progressEvery and one at the end, which reads well in a log.
//
// Methods are safe to call from the command's goroutine while the ticker
// goroutine redraws.
type progress struct {
	mu    sync.Mutex
	w     io.Writer
	tty   bool
	width int
	now   func() time.Time
	every time.Duration

	label string // what the command does: "run", "test"
	unit  string // what is counted: "models", "tests"
	total int64  // 0: unknown
	done  int64
	item  string // what is under way
	count func() (int64, string)

	start, last time.Time
	drawn       bool
	finished    bool
	stop        chan struct{}
	stopped     chan struct{}
}

// newProgress starts a reporter on w (the command's stderr) for a task of
// total units (0 when unknown) and starts its ticker; call finish when the
// work ends, whether it succeeded or not.
func newProgress(w io.Writer, label, unit string, total int64) *progress {
	p := newProgressAt(w, label, unit, total, time.Now)
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.tty = true
		if cols, _, err := term.GetSize(int(f.Fd())); err == nil && cols > 20 {
			p.width = cols
		}
	}
	p.stop, p.stopped = make(chan struct{}), make(chan struct{})
	tick := p.every
	if p.tty {
		tick = time.Second // the elapsed time and the rate move on screen
	}
	go func() {
		defer close(p.stopped)
		t := time.NewTicker(tick)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-t.C:
				p.tick()
			}
		}
	}()
	return p
}

// newProgressAt is a reporter without a ticker and with the clock given:
// tests drive tick themselves.
func newProgressAt(w io.Writer, label, unit string, total int64, now func() time.Time) *progress {
	t := now()
	return &progress{w: w, width: 100, now: now, every: progressEvery, label: label, unit: unit, total: total, start: t, last: t}
}

// add counts n more units done, and names what is under way now ("" keeps
// the last name).
func (p *progress) add(n int64, item string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done += n
	if item != "" {
		p.item = item
	}
	p.maybeWrite()
}

// set says how many units are done so far, and what is under way now.
func (p *progress) set(done int64, item string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done = done
	if item != "" {
		p.item = item
	}
	p.maybeWrite()
}

// setTotal sets the total once it is known.
func (p *progress) setTotal(total int64) {
	p.mu.Lock()
	p.total = total
	p.mu.Unlock()
}

// polled makes each tick ask count for the units done and the item under
// way, for work that reports nothing itself (the files an exporter has
// written so far).
func (p *progress) polled(count func() (int64, string)) {
	p.mu.Lock()
	p.count = count
	p.mu.Unlock()
}

// tick writes a line when one is due.
func (p *progress) tick() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.maybeWrite()
}

func (p *progress) maybeWrite() {
	if p.finished {
		return
	}
	if p.count != nil {
		p.done, p.item = p.count()
	}
	now := p.now()
	if p.tty {
		if now.Sub(p.last) >= redrawEvery || !p.drawn {
			p.last = now
			p.draw(now, false)
		}
		return
	}
	if now.Sub(p.last) >= p.every {
		p.last = now
		fmt.Fprintln(p.w, p.line(now, false))
	}
}

// finish stops the ticker and writes the last line: on a terminal the
// bar's final state, elsewhere a plain summary. Calling it again does
// nothing.
func (p *progress) finish() { p.finishWith("") }

// finishWith is finish with a note after the summary ("204,113 rows").
func (p *progress) finishWith(note string) {
	if p.stop != nil {
		select {
		case <-p.stop:
		default:
			close(p.stop)
			<-p.stopped
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.finished {
		return
	}
	if p.count != nil {
		p.done, p.item = p.count()
	}
	now := p.now()
	p.item = note
	if p.tty {
		p.draw(now, true)
		fmt.Fprintln(p.w)
	} else {
		fmt.Fprintln(p.w, p.line(now, true))
	}
	p.finished = true
}

// draw redraws the terminal line in place.
func (p *progress) draw(now time.Time, final bool) {
	p.drawn = true
	s := p.line(now, final)
	if p.total > 0 {
		const barWidth = 24
		filled := int(min(p.done, p.total) * barWidth / p.total)
		bar := "[" + strings.Repeat("=", filled) + strings.Repeat(" ", barWidth-filled) + "] "
		s = strings.Replace(s, ": ", ": "+bar, 1)
	}
	if r := []rune(s); len(r) > p.width-1 {
		s = string(r[:p.width-1])
	}
	fmt.Fprint(p.w, "\r"+s+"\x1b[K")
}

// line is one progress line:
//
//	run: 12/63 models (19%), 0.8 models/s, 15s elapsed, about 1m04s left; building staging.patient
//	run: 63 of 63 models in 1m20s, 0.8 models/s
func (p *progress) line(now time.Time, final bool) string {
	elapsed := now.Sub(p.start)
	var b strings.Builder
	b.WriteString(p.label + ": ")
	if p.unit == "" {
		// Work that counts nothing: say it is alive and for how long.
		if final {
			fmt.Fprintf(&b, "done in %s", roundDuration(elapsed))
		} else {
			fmt.Fprintf(&b, "%s elapsed", roundDuration(elapsed))
		}
		if p.item != "" {
			b.WriteString("; " + p.item)
		}
		return b.String()
	}
	if final {
		if p.total > 0 {
			fmt.Fprintf(&b, "%d of %d %s", p.done, p.total, p.unit)
		} else {
			fmt.Fprintf(&b, "%d %s", p.done, p.unit)
		}
		fmt.Fprintf(&b, " in %s", roundDuration(elapsed))
		if rate := p.rate(elapsed); rate > 0 {
			fmt.Fprintf(&b, ", %s %s/s", formatRate(rate), p.unit)
		}
		if p.item != "" {
			b.WriteString("; " + p.item)
		}
		return b.String()
	}
	if p.total > 0 {
		fmt.Fprintf(&b, "%d/%d %s (%d%%)", p.done, p.total, p.unit, min(p.done, p.total)*100/p.total)
	} else {
		fmt.Fprintf(&b, "%d %s", p.done, p.unit)
	}
	rate := p.rate(elapsed)
	if rate > 0 {
		fmt.Fprintf(&b, ", %s %s/s", formatRate(rate), p.unit)
	}
	fmt.Fprintf(&b, ", %s elapsed", roundDuration(elapsed))
	if p.total > 0 && rate > 0 && p.done < p.total {
		left := time.Duration(float64(p.total-p.done) / rate * float64(time.Second))
		fmt.Fprintf(&b, ", about %s left", roundDuration(left))
	}
	if p.item != "" {
		b.WriteString("; " + p.item)
	}
	return b.String()
}

func (p *progress) rate(elapsed time.Duration) float64 {
	if p.done == 0 || elapsed <= 0 {
		return 0
	}
	return float64(p.done) / elapsed.Seconds()
}

func formatRate(r float64) string {
	if r >= 10 {
		return fmt.Sprintf("%.0f", r)
	}
	return fmt.Sprintf("%.1f", r)
}

// roundDuration shows a duration to the second (to the tenth under ten
// seconds, so a quick step does not read "0s").
func roundDuration(d time.Duration) string {
	if d < 10*time.Second {
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}
