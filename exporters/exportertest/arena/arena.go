// Package arena holds what the in-process CRM test servers share to keep
// a school's records compact: append-only chunks of encoded records found
// by an offset, and field names numbered once.
package arena

import (
	"encoding/binary"
	"fmt"
	"os"
	"sync"
	"syscall"
)

// A Chunks' chunks start small and double up to maxChunk; an offset is
// its chunk's index << 32 | the offset in that chunk.
const (
	minChunk = 64 << 10
	maxChunk = 32 << 20
)

// Chunks holds encoded records, on the Go heap or, with Disk set, in
// Disk's file.
type Chunks struct {
	chunks [][]byte
	Disk   *Disk
}

// Add keeps enc and returns where it starts.
func (c *Chunks) Add(enc []byte) uint64 {
	last := len(c.chunks) - 1
	if last < 0 || len(c.chunks[last])+len(enc) > cap(c.chunks[last]) {
		size := minChunk
		if last >= 0 {
			size = min(2*cap(c.chunks[last]), maxChunk)
		}
		size = max(size, len(enc))
		if c.Disk != nil {
			c.chunks = append(c.chunks, c.Disk.alloc(size))
		} else {
			c.chunks = append(c.chunks, make([]byte, 0, size))
		}
		last++
	}
	off := uint64(last)<<32 | uint64(len(c.chunks[last]))
	c.chunks[last] = append(c.chunks[last], enc...)
	return off
}

// Replace keeps enc, the new encoding of the record at off: in the bytes
// that record took when it fits in them (what is left of them unused),
// else as Add does. It returns where enc starts. A record written again by
// each update then does not leave its earlier encodings behind.
func (c *Chunks) Replace(off uint64, enc []byte) uint64 {
	at := c.At(off)
	if _, n := Unframe(at); len(enc) <= n {
		copy(at, enc)
		return off
	}
	return c.Add(enc)
}

// Disk keeps chunks in a file mapped into memory, so that the kernel
// holds them in its page cache and writes them out under memory
// pressure: a store bigger than the machine's memory. The file is removed
// as soon as it is made; its space is freed by Close (or when the process
// ends).
type Disk struct {
	mu   sync.Mutex
	f    *os.File
	size int64
	maps [][]byte
}

// NewDisk makes a Disk in dir.
func NewDisk(dir string) (*Disk, error) {
	f, err := os.CreateTemp(dir, "arena-*")
	if err != nil {
		return nil, err
	}
	if err := os.Remove(f.Name()); err != nil {
		f.Close()
		return nil, err
	}
	return &Disk{f: f}, nil
}

// alloc maps size more bytes of the file (a page multiple) as an empty
// slice of that capacity.
func (d *Disk) alloc(size int) []byte {
	d.mu.Lock()
	defer d.mu.Unlock()
	page := os.Getpagesize()
	size = (size + page - 1) / page * page
	if err := d.f.Truncate(d.size + int64(size)); err != nil {
		panic(fmt.Sprintf("arena: grow %s: %v", d.f.Name(), err))
	}
	m, err := syscall.Mmap(int(d.f.Fd()), d.size, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_SHARED)
	if err != nil {
		panic(fmt.Sprintf("arena: map %s: %v", d.f.Name(), err))
	}
	d.size += int64(size)
	d.maps = append(d.maps, m)
	return m[:0]
}

// Size is the bytes of file the chunks took.
func (d *Disk) Size() int64 {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.size
}

// Close unmaps the chunks and frees the file: no Chunks using d may be
// read after it.
func (d *Disk) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	var first error
	for _, m := range d.maps {
		if err := syscall.Munmap(m); err != nil && first == nil {
			first = err
		}
	}
	d.maps = nil
	if err := d.f.Close(); err != nil && first == nil {
		first = err
	}
	return first
}

// At is the bytes from off to the end of its chunk.
func (c *Chunks) At(off uint64) []byte { return c.chunks[off>>32][off&(1<<32-1):] }

// Len is the number of chunks.
func (c *Chunks) Len() int { return len(c.chunks) }

// Names numbers field names.
type Names struct {
	ids   map[string]uint64
	names []string
}

// ID is name's number, given on first use.
func (n *Names) ID(name string) uint64 {
	if n.ids == nil {
		n.ids = map[string]uint64{}
	}
	id, ok := n.ids[name]
	if !ok {
		id = uint64(len(n.names))
		n.ids[name] = id
		n.names = append(n.names, name)
	}
	return id
}

// Lookup is name's number, false when no record has held the field.
func (n *Names) Lookup(name string) (uint64, bool) {
	id, ok := n.ids[name]
	return id, ok
}

// Name is the name numbered id.
func (n *Names) Name(id uint64) string { return n.names[id] }

// AppendMap appends m's size, then each field as its name's number and
// its value as val appends it.
func (n *Names) AppendMap(b []byte, m map[string]any, val func([]byte, any) []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(m)))
	for k, v := range m {
		b = binary.AppendUvarint(b, n.ID(k))
		b = val(b, v)
	}
	return b
}

// ReadMap reads what AppendMap wrote, each value with val, and says how
// many bytes it took.
func (n *Names) ReadMap(b []byte, val func([]byte) (any, int)) (map[string]any, int) {
	size, used := binary.Uvarint(b)
	m := make(map[string]any, size)
	for range size {
		id, w := binary.Uvarint(b[used:])
		used += w
		v, vw := val(b[used:])
		used += vw
		m[n.Name(id)] = v
	}
	return m, used
}

// ReadSome is ReadMap of the fields numbered in want only, passing over
// the others with skip (which says how many bytes a value takes): a look
// at a few fields of a record without making the rest.
func (n *Names) ReadSome(b []byte, want []uint64, val func([]byte) (any, int), skip func([]byte) int) map[string]any {
	size, used := binary.Uvarint(b)
	m := make(map[string]any, len(want))
	for range size {
		id, w := binary.Uvarint(b[used:])
		used += w
		wanted := false
		for _, x := range want {
			wanted = wanted || x == id
		}
		if !wanted {
			used += skip(b[used:])
			continue
		}
		v, vw := val(b[used:])
		used += vw
		m[n.Name(id)] = v
	}
	return m
}

// Frame is body after its length: one record as Chunks keeps it.
func Frame(body []byte) []byte {
	out := binary.AppendUvarint(make([]byte, 0, len(body)+binary.MaxVarintLen64), uint64(len(body)))
	return append(out, body...)
}

// Unframe is the body of the record that starts b, and the bytes the
// record takes.
func Unframe(b []byte) ([]byte, int) {
	n, w := binary.Uvarint(b)
	return b[w : w+int(n)], w + int(n)
}
